package iampolicy

import "testing"

func TestDecode(t *testing.T) {
	for in, want := range map[string]string{
		"%7B%22a%22%3A1%7D":               `{"a":1}`,
		"%7B%22a%22%3A%22x%2By%20z%22%7D": `{"a":"x+y z"}`,
		`{"a":"x+y %41"}`:                 `{"a":"x+y %41"}`,
		"  {\"Version\":\"2012-10-17\"}":  "  {\"Version\":\"2012-10-17\"}",
		"%ZZ":                             "%ZZ",
	} {
		if got := Decode(in); got != want {
			t.Errorf("Decode(%q) = %q, want %q", in, got, want)
		}
	}
}
