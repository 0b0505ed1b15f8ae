package cloudformation

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestJSONParserAgreesWithYAML parses JSON templates, the seed's tab-indented
// one among them, with both parsers: yaml.v3 reads tab-indented JSON (tabs
// are allowed in flow context) and both give every node the same start and
// end lines, so either could serve; the JSON parser is used because it also
// reads JSON yaml.v3 rejects (see TestJSONOnlyTheJSONParserReads).
func TestJSONParserAgreesWithYAML(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"seed": string(seed), "small": smallJSON} {
		t.Run(name, func(t *testing.T) {
			j, err := parse([]byte(src))
			if err != nil || !j.json {
				t.Fatalf("JSON parse: %v (json %v)", err, j != nil && j.json)
			}
			y := &document{src: []byte(src), starts: lineStarts([]byte(src)), ends: map[*yaml.Node]int{}}
			if err := y.parseYAML(); err != nil {
				t.Fatalf("yaml.v3 cannot read it: %v", err)
			}
			compareNodes(t, "$", j, j.root, y, y.root)
		})
	}
}

func compareNodes(t *testing.T, path string, jd *document, j *yaml.Node, yd *document, y *yaml.Node) {
	t.Helper()
	if j.Kind != y.Kind || j.Value != y.Value || j.Line != y.Line || j.Column != y.Column {
		t.Fatalf("%s: JSON %v %q %d:%d, YAML %v %q %d:%d", path, j.Kind, j.Value, j.Line, j.Column, y.Kind, y.Value, y.Line, y.Column)
	}
	if j.Kind != yaml.ScalarNode && jd.end(j) != yd.end(y) {
		t.Errorf("%s: end line JSON %d, YAML %d", path, jd.end(j), yd.end(y))
	}
	if len(j.Content) != len(y.Content) {
		t.Fatalf("%s: %d children vs %d", path, len(j.Content), len(y.Content))
	}
	for i := range j.Content {
		compareNodes(t, path+"/"+j.Content[i].Value, jd, j.Content[i], yd, y.Content[i])
	}
}

func TestJSONOnlyTheJSONParserReads(t *testing.T) {
	long := strings.Repeat("k", 1100)
	for name, src := range map[string]string{
		"escaped slash":  `{"Resources": {"A": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Comment": "a\/b", "DefaultCacheBehavior": {}}}}}}`,
		"surrogate pair": `{"Resources": {"A": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Comment": "\ud83d\ude00", "DefaultCacheBehavior": {}}}}}}`,
		"long key":       `{"` + long + `": 1, "Resources": {"A": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Comment": "a/b", "DefaultCacheBehavior": {}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var n yaml.Node
			if yaml.Unmarshal([]byte(src), &n) == nil {
				t.Log("yaml.v3 now reads this too")
			}
			inv := mustRead(t, src)
			if len(inv.Distributions) != 1 {
				t.Fatalf("got %+v", inv)
			}
			if c := inv.Distributions[0].Comment; c != "a/b" && c != "\U0001F600" {
				t.Errorf("comment %q", c)
			}
		})
	}
}

func TestParseVariants(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		json bool
	}{
		"BOM JSON":           {"\ufeff{\"Resources\": {}}", true},
		"BOM YAML":           {"\ufeffResources: {}\n", false},
		"YAML flow mapping":  {"{Resources: {}}", false},
		"empty JSON object":  {"{}", true},
		"CRLF line endings":  {"Resources:\r\n  A: {Type: x}\r\n", false},
		"JSON numbers/nulls": {`{"a": 1.5, "b": -2, "c": null, "d": false, "e": [1e3]}`, true},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := parse([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if d.json != tc.json {
				t.Errorf("json = %v", d.json)
			}
		})
	}
}

func TestYAMLEndLines(t *testing.T) {
	src := `Resources:
  A:
    Type: x
    Properties:
      Script: |
        line one

        line three
      Plain: a
        continued

  # comment above B
  B:
    Type: y
    Properties: {
      K: v,
      L: [1,
        2]}
Outputs: {}
`
	d, err := parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, res := lookup(d.root, "Resources")
	ka, a := lookup(res, "A")
	kb, b := lookup(res, "B")
	if got := (lineSpan{ka.Line, d.end(a)}); got != (lineSpan{2, 10}) {
		t.Errorf("A: %v", got)
	}
	if got := (lineSpan{kb.Line, d.end(b)}); got != (lineSpan{13, 18}) {
		t.Errorf("B: %v", got)
	}
	_, props := lookup(a, "Properties")
	_, script := lookup(props, "Script")
	if got := d.end(script); got != 8 {
		t.Errorf("block scalar ends on %d", got)
	}
}

type lineSpan struct{ start, end int }
