package fixiac

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

// jsonDoc is a CloudFormation template in JSON as the reader parsed it, in
// the same node shape as YAML, with the byte span of every node; edits are
// text inserted with the file's own indentation.
type jsonDoc struct {
	t    *cloudformation.Template
	src  []byte
	top  *yaml.Node
	eol  string
	unit string // one level of indentation: spaces or a tab
	// compact is set when the whole object is on one line: additions stay
	// on that line.
	compact bool
}

type span struct{ start, end int }

// newJSONDoc prepares the parsed JSON template t for editing.
func newJSONDoc(t *cloudformation.Template) (*jsonDoc, error) {
	top := t.Root()
	if top == nil || top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the top level is not an object")
	}
	d := &jsonDoc{t: t, src: t.Source(), top: top, eol: lineEnding(t.Source())}
	d.unit, d.compact = d.style()
	return d, nil
}

func (d *jsonDoc) root() *yaml.Node { return d.top }
func (d *jsonDoc) longForm() bool   { return true }

// span is where node n is written in the source.
func (d *jsonDoc) span(n *yaml.Node) span {
	start, end, _ := d.t.Span(n)
	return span{start, end}
}

// style finds the indentation of the top-level keys (one level) and whether
// the object is written on one line.
func (d *jsonDoc) style() (unit string, compact bool) {
	s := d.span(d.top)
	if d.t.LineOf(s.start) == d.t.LineOf(max(s.start, s.end-1)) {
		return "  ", true
	}
	if len(d.top.Content) > 0 {
		k := d.top.Content[0]
		if l := d.t.LineOf(d.span(k).start); l != d.t.LineOf(s.start) {
			if ind := d.indent(l); ind != "" {
				return ind, false
			}
		}
	}
	return "  ", false
}

// indent is the white space line l starts with.
func (d *jsonDoc) indent(l int) string {
	t := d.t.Line(l)
	return string(t[:len(t)-len(bytes.TrimLeft(t, " \t"))])
}

func (d *jsonDoc) lineAt(off int) int { return d.t.LineOf(off) }

// addKeys adds pairs at the end of object m.
func (d *jsonDoc) addKeys(m *yaml.Node, pairs []pair, depth int) ([]edit, error) {
	ms := d.span(m)
	if len(m.Content) == 0 {
		ind := d.indent(d.lineAt(ms.start))
		text := d.render(pairsNode(pairs), ind, !d.compact)
		return []edit{{start: ms.start, end: ms.end, text: text, depth: depth}}, nil
	}
	lastKey, lastVal := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	at := d.span(lastVal).end
	var b strings.Builder
	if d.lineAt(d.span(lastKey).start) != d.lineAt(ms.start) {
		ind := d.indent(d.lineAt(d.span(lastKey).start))
		for _, p := range pairs {
			b.WriteString("," + d.eol + ind + jsonString(p.key) + ": " + d.render(p.val, ind, true))
		}
	} else {
		for _, p := range pairs {
			b.WriteString(", " + jsonString(p.key) + ": " + d.render(p.val, "", false))
		}
	}
	return []edit{{start: at, end: at, text: b.String(), depth: depth}}, nil
}

// replaceValue replaces the value v of key k in object m by val.
func (d *jsonDoc) replaceValue(m, k, v, val *yaml.Node, depth int) ([]edit, error) {
	vs := d.span(v)
	ind := d.indent(d.lineAt(d.span(k).start))
	multi := d.lineAt(d.span(k).start) != d.lineAt(d.span(m).start)
	return []edit{{start: vs.start, end: vs.end, text: d.render(val, ind, multi), depth: depth}}, nil
}

// addBefore adds pairs to the top-level object m just before its key k.
func (d *jsonDoc) addBefore(m, k *yaml.Node, pairs []pair) ([]edit, error) {
	ks := d.span(k)
	l := d.lineAt(ks.start)
	multi := l != d.lineAt(d.span(m).start)
	ind := d.indent(l)
	var b strings.Builder
	for _, p := range pairs {
		b.WriteString(jsonString(p.key) + ": " + d.render(p.val, ind, multi) + ",")
		if multi {
			b.WriteString(d.eol + ind)
		} else {
			b.WriteString(" ")
		}
	}
	return []edit{{start: ks.start, end: ks.start, text: b.String()}}, nil
}

// render writes n as JSON. Multi-line, nested values are indented one unit
// per level from ind; small values (references, short lists of scalars)
// stay on one line as a person writes them.
func (d *jsonDoc) render(n *yaml.Node, ind string, multi bool) string {
	compact := renderCompact(n)
	if !multi || (len(compact) <= 60 && small(n)) || len(n.Content) == 0 {
		return compact
	}
	inner := ind + d.unit
	var b strings.Builder
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteString("{")
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(d.eol + inner + jsonString(n.Content[i].Value) + ": " + d.render(n.Content[i+1], inner, true))
		}
		b.WriteString(d.eol + ind + "}")
	case yaml.SequenceNode:
		b.WriteString("[")
		for i, c := range n.Content {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(d.eol + inner + d.render(c, inner, true))
		}
		b.WriteString(d.eol + ind + "]")
	default:
		return compact
	}
	return b.String()
}

// small reports whether n reads well on one line: a scalar, a list of
// scalars, or a one-key object (a function call) of such.
func small(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return false
			}
		}
		return true
	case yaml.MappingNode:
		return len(n.Content) == 2 && small(n.Content[1]) && n.Content[1].Kind != yaml.MappingNode
	}
	return false
}

// renderCompact writes n as JSON on one line.
func renderCompact(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, jsonString(n.Content[i].Value)+": "+renderCompact(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			parts[i] = renderCompact(c)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool":
		return n.Value
	case "!!null":
		return "null"
	}
	return jsonString(n.Value)
}

// jsonString quotes s as JSON does, without escaping <, > and &.
func jsonString(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
