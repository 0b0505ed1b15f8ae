package realtimelog

import (
	"slices"
	"testing"
)

func TestSortedFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"CloudFront's order", []string{"cs-method", "timestamp", "c-ip"}, []string{"timestamp", "c-ip", "cs-method"}},
		{"duplicates once", []string{"c-ip", "c-ip", "timestamp"}, []string{"timestamp", "c-ip"}},
		{"unknown names dropped", []string{"timestamp", "not-a-field"}, []string{"timestamp"}},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SortedFields(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("SortedFields(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	for _, f := range Fields() {
		if !IsField(f) {
			t.Errorf("IsField(%q) = false for a listed field", f)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		rate   int
		fields []string
		ok     bool
	}{
		{100, []string{"timestamp"}, true},
		{1, []string{"timestamp", "c-ip"}, true},
		{0, []string{"timestamp"}, false},
		{101, []string{"timestamp"}, false},
		{50, nil, false},
		{50, []string{"timestamp", "c_ip"}, false},
	} {
		if err := CheckConfig(tc.rate, tc.fields); (err == nil) != tc.ok {
			t.Errorf("CheckConfig(%d, %q) = %v, want ok=%v", tc.rate, tc.fields, err, tc.ok)
		}
	}
}
