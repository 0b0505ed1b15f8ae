package cloudformation

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestParseSpans: every node of a JSON template has the span of its text,
// which is what a fixer patches.
func TestParseSpans(t *testing.T) {
	src := "\xef\xbb\xbf{\n  \"Resources\": {\"D\": {\"Type\": \"AWS::CloudFront::Distribution\", \"N\": [1, 2.5, true, null, \"\\u00e9\"]}},\n  \"E\": {}\n}\n"
	tmpl, err := Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !tmpl.JSON() || string(tmpl.Source()) != src[3:] {
		t.Fatalf("JSON %v, source %q", tmpl.JSON(), tmpl.Source())
	}
	text := func(n *yaml.Node) string {
		s, e, ok := tmpl.Span(n)
		if !ok {
			t.Fatalf("no span for %v", n.Value)
		}
		return string(tmpl.Source()[s:e])
	}
	root := tmpl.Root()
	if got, want := text(root), src[3:len(src)-1]; got != want {
		t.Errorf("root span %q, want %q", got, want)
	}
	k, res := Lookup(root, "Resources")
	_, d := Lookup(res, "D")
	_, n := Lookup(d, "N")
	_, e := Lookup(root, "E")
	for _, tc := range []struct {
		n    *yaml.Node
		want string
	}{
		{k, `"Resources"`},
		{d, `{"Type": "AWS::CloudFront::Distribution", "N": [1, 2.5, true, null, "\u00e9"]}`},
		{n, `[1, 2.5, true, null, "\u00e9"]`},
		{n.Content[1], "2.5"},
		{n.Content[3], "null"},
		{n.Content[4], `"\u00e9"`},
		{e, "{}"},
	} {
		if got := text(tc.n); got != tc.want {
			t.Errorf("span %q, want %q", got, tc.want)
		}
	}
	if l := tmpl.LineOf(len(tmpl.Source()) - 2); l != 4 || string(tmpl.Line(3)) != `  "E": {}` {
		t.Errorf("line of the last brace %d, line 3 %q", l, tmpl.Line(3))
	}
	inv, err := tmpl.Read()
	if err != nil || len(inv.Errors) != 1 || inv.Errors[0].Resource != "D" || inv.Errors[0].Range.File != "t.json" {
		t.Errorf("Read: %v, %+v; want D's missing Properties reported in t.json", err, inv)
	}
}

// TestParseYAML: a YAML template has no spans; Offset turns lines and
// columns into offsets, in characters.
func TestParseYAML(t *testing.T) {
	src := "Description: é✓\nResources:\n  D: {Type: x}\n"
	tmpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.JSON() {
		t.Fatal("parsed as JSON")
	}
	_, d := Lookup(tmpl.Root(), "Resources")
	_, dn := Lookup(d, "D")
	if _, _, ok := tmpl.Span(dn); ok {
		t.Error("a YAML node has a span")
	}
	if off := tmpl.Offset(dn.Line, dn.Column); src[off] != '{' {
		t.Errorf("offset of D's value %d: %q", off, src[off:])
	}
	_, desc := Lookup(tmpl.Root(), "Description")
	if off := tmpl.Offset(desc.Line, desc.Column+1); src[off:off+3] != "✓" {
		t.Errorf("offset after é: %q", src[off:])
	}
	if _, err := Parse("bad.yaml", []byte("a: [\n")); err == nil {
		t.Error("no error for a template that does not parse")
	}
}
