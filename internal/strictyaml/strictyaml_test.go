package strictyaml

import (
	"strings"
	"testing"
)

type inner struct {
	Rate   int      `yaml:"rate"`
	Fields []string `yaml:"fields"`
}

type entry struct {
	Rule   string `yaml:"rule"`
	Reason string `yaml:"reason"`
}

type base struct {
	Name string `yaml:"name"`
}

type file struct {
	base    `yaml:",inline"`
	Policy  inner            `yaml:"policy"`
	Ignore  []entry          `yaml:"ignore"`
	Extra   map[string]inner `yaml:"extra"`
	Skipped string           `yaml:"-"`
	Plain   bool
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty", "", ""},
		{"all keys", "name: x\npolicy:\n  rate: 5\n  fields: [a]\nignore:\n  - rule: CF-001\n    reason: r\nextra:\n  k:\n    rate: 1\nplain: true\n", ""},
		{"top level", "polcy:\n  rate: 5\n", `line 1: unknown key "polcy" (known: name, policy, ignore, extra, plain)`},
		{"nested", "policy:\n  rat: 5\n", `line 2: unknown key "rat" (known: rate, fields)`},
		{"in a list", "ignore:\n  - rule: a\n  - reson: b\n", `line 3: unknown key "reson" (known: rule, reason)`},
		{"in a map value", "extra:\n  k:\n    fieldz: []\n", `line 3: unknown key "fieldz" (known: rate, fields)`},
		{"a dash tag is not a key", "skipped: x\n", `line 1: unknown key "skipped"`},
		{"syntax", "policy: [", "did not find expected node content"},
		{"wrong type", "policy:\n  rate: many\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f file
			err := Decode([]byte(tt.yaml), &f)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	var f file
	if err := Decode([]byte("name: n\npolicy:\n  rate: 7\nignore:\n  - rule: CF-002\n"), &f); err != nil ||
		f.Name != "n" || f.Policy.Rate != 7 || len(f.Ignore) != 1 || f.Ignore[0].Rule != "CF-002" {
		t.Errorf("decoded %+v, %v", f, err)
	}
}
