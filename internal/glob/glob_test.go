package glob

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*.yaml", "infra/cdn.yaml", true},
		{"infra/*.yaml", "infra/cdn.yaml", true},
		{"infra/*.yaml", "infra/x/cdn.yaml", false},
		{"infra/**/cdn.yaml", "infra/cdn.yaml", true},
		{"infra/**/cdn.yaml", "infra/a/b/cdn.yaml", true},
		{"**/modules/**", "x/modules/cdn/main.tf", true},
		{"vendor", "vendor", true},
		{"./infra/*", "infra/a", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v", tt.pattern, tt.name, got)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"", true},
		{"*.yaml", true},
		{"examples/**", true},
		{"**/modules/**/main.tf", true},
		{"infra/[ab]*.tf", true},
		{"[", false},
		{"infra/[a", false},
		{`bad\`, false},
	}
	for _, tt := range tests {
		if err := Validate(tt.pattern); (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v, want ok %v", tt.pattern, err, tt.ok)
		}
	}
}
