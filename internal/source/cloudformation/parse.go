package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// Template is a parsed template, YAML or JSON, as the reader reads it: one
// yaml.v3 node tree with the lines and columns of every node (for JSON, the
// byte span of every node too), over the source it was parsed from. A
// fixer patches that source at the places the tree gives and parses the
// result again with Parse.
type Template struct {
	name string
	doc  *document
}

// Parse parses data (JSON or YAML; a leading UTF-8 byte order mark is
// dropped). name is the path shown in errors and findings. The error, a
// *model.ReadError with the line, is for data that cannot be parsed at all.
func Parse(name string, data []byte) (*Template, error) {
	doc, err := parseDoc(data, true)
	if err != nil {
		return nil, parseReadError(name, err)
	}
	return &Template{name: name, doc: doc}, nil
}

// Read reads the template into an inventory, as Read does.
func (t *Template) Read() (*model.Inventory, error) { return readDocument(t.name, t.doc) }

// Root is the top node: a mapping for a template.
func (t *Template) Root() *yaml.Node { return t.doc.root }

// JSON reports whether the template was parsed as JSON.
func (t *Template) JSON() bool { return t.doc.json }

// Source is the text parsed, without a byte order mark.
func (t *Template) Source() []byte { return t.doc.src }

// Span is where the JSON node n is written: Source()[start:end]. ok is false
// for YAML and for nodes not parsed from the source.
func (t *Template) Span(n *yaml.Node) (start, end int, ok bool) {
	s, ok := t.doc.spans[n]
	return s.start, s.end, ok
}

// LineStarts are the offsets where the lines of Source begin; element 0 is
// line 1. The slice is the template's own: do not change it.
func (t *Template) LineStarts() []int { return t.doc.starts }

// Line is the text of 1-based line l, without its line break.
func (t *Template) Line(l int) []byte { return t.doc.line(l) }

// LineOf is the 1-based line of byte offset off.
func (t *Template) LineOf(off int) int { return t.doc.lineOf(off) }

// Offset turns a node's 1-based line and column (yaml.v3 counts columns in
// characters) into a byte offset in Source.
func (t *Template) Offset(line, col int) int {
	if line < 1 || line > len(t.doc.starts) {
		return len(t.doc.src)
	}
	return t.doc.offset(line, max(col, 1))
}

// Lookup returns the key and value nodes of key in mapping m (aliases
// followed); when a key is repeated the last one counts.
func Lookup(m *yaml.Node, key string) (k, v *yaml.Node) { return lookup(m, key) }

// Deref follows YAML aliases to the node they name.
func Deref(n *yaml.Node) *yaml.Node { return deref(n) }

// Intrinsic reports whether n is an intrinsic function call, short form
// (!GetAtt X.Arn) or long form ({"Fn::GetAtt": [...]}, {Ref: X}), and
// returns its name without "Fn::" and its argument.
func Intrinsic(n *yaml.Node) (name string, arg *yaml.Node, ok bool) { return intrinsic(n) }

// IsTagged reports whether n carries a short-form function tag (!If, !Ref).
func IsTagged(n *yaml.Node) bool { return isTagged(n) }

// LooksJSON reports whether data is parsed as JSON: after white space it
// starts with { followed by " or }.
func LooksJSON(data []byte) bool { return looksJSON(data) }
