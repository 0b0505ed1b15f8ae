package model

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
	for _, f := range RealtimeLogFields() {
		if !IsRealtimeLogField(f) {
			t.Errorf("IsRealtimeLogField(%q) = false for a listed field", f)
		}
	}
}
