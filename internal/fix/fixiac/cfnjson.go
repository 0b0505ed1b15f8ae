package fixiac

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxJSONDepth bounds nesting, so that hostile input cannot exhaust the stack.
const maxJSONDepth = 1000

// jsonDoc is a CloudFormation template in JSON, parsed for editing into the
// same node shape as YAML, with the byte span of every node; edits are text
// inserted with the file's own indentation.
type jsonDoc struct {
	src    []byte
	starts []int
	top    *yaml.Node
	spans  map[*yaml.Node]span
	eol    string
	unit   string // one level of indentation: spaces or a tab
	// compact is set when the whole object is on one line: additions stay
	// on that line.
	compact bool
}

type span struct{ start, end int }

func parseJSONDoc(src []byte) (*jsonDoc, error) {
	d := &jsonDoc{src: src, starts: lineStarts(src), spans: map[*yaml.Node]span{}, eol: lineEnding(src)}
	p := &jsonParser{d: d}
	p.ws()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(src) {
		return nil, p.errorf("unexpected data after the top-level value")
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the top level is not an object")
	}
	d.top = n
	d.unit, d.compact = d.style()
	return d, nil
}

func (d *jsonDoc) root() *yaml.Node { return d.top }
func (d *jsonDoc) longForm() bool   { return true }
func (d *jsonDoc) reparse(src []byte) (*yaml.Node, error) {
	nd, err := parseJSONDoc(src)
	if err != nil {
		return nil, err
	}
	return nd.top, nil
}

// style finds the indentation of the top-level keys (one level) and whether
// the object is written on one line.
func (d *jsonDoc) style() (unit string, compact bool) {
	s := d.spans[d.top]
	if lineOf(d.starts, s.start) == lineOf(d.starts, max(s.start, s.end-1)) {
		return "  ", true
	}
	if len(d.top.Content) > 0 {
		k := d.top.Content[0]
		if l := lineOf(d.starts, d.spans[k].start); l != lineOf(d.starts, s.start) {
			if ind := d.indent(l); ind != "" {
				return ind, false
			}
		}
	}
	return "  ", false
}

// indent is the white space line l starts with.
func (d *jsonDoc) indent(l int) string {
	t := lineText(d.src, d.starts, l)
	return string(t[:len(t)-len(bytes.TrimLeft(t, " \t"))])
}

func (d *jsonDoc) lineAt(off int) int { return lineOf(d.starts, off) }

// addKeys adds pairs at the end of object m.
func (d *jsonDoc) addKeys(m *yaml.Node, pairs []pair, depth int) ([]edit, error) {
	ms := d.spans[m]
	if len(m.Content) == 0 {
		ind := d.indent(d.lineAt(ms.start))
		text := d.render(pairsNode(pairs), ind, !d.compact)
		return []edit{{start: ms.start, end: ms.end, text: text, depth: depth}}, nil
	}
	lastKey, lastVal := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	at := d.spans[lastVal].end
	var b strings.Builder
	if d.lineAt(d.spans[lastKey].start) != d.lineAt(ms.start) {
		ind := d.indent(d.lineAt(d.spans[lastKey].start))
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
	vs := d.spans[v]
	ind := d.indent(d.lineAt(d.spans[k].start))
	multi := d.lineAt(d.spans[k].start) != d.lineAt(d.spans[m].start)
	return []edit{{start: vs.start, end: vs.end, text: d.render(val, ind, multi), depth: depth}}, nil
}

// addBefore adds pairs to the top-level object m just before its key k.
func (d *jsonDoc) addBefore(m, k *yaml.Node, pairs []pair) ([]edit, error) {
	ks := d.spans[k]
	l := d.lineAt(ks.start)
	multi := l != d.lineAt(d.spans[m].start)
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

// jsonParser reads JSON strictly into nodes with spans.
type jsonParser struct {
	d   *jsonDoc
	pos int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("json: line %d: %s", lineOf(p.d.starts, min(p.pos, len(p.d.src))), fmt.Sprintf(format, args...))
}

func (p *jsonParser) ws() {
	for p.pos < len(p.d.src) && isBlank(p.d.src[p.pos]) {
		p.pos++
	}
}

func (p *jsonParser) node(kind yaml.Kind, tag string, start int) *yaml.Node {
	l := lineOf(p.d.starts, start)
	return &yaml.Node{Kind: kind, Tag: tag, Line: l, Column: start - p.d.starts[l-1] + 1}
}

func (p *jsonParser) value(depth int) (*yaml.Node, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nested more than %d levels deep", maxJSONDepth)
	}
	src := p.d.src
	if p.pos >= len(src) {
		return nil, p.errorf("unexpected end of JSON input")
	}
	start := p.pos
	var n *yaml.Node
	switch c := src[p.pos]; {
	case c == '{':
		n = p.node(yaml.MappingNode, "!!map", start)
		n.Style = yaml.FlowStyle
		p.pos++
		p.ws()
		if p.pos < len(src) && src[p.pos] == '}' {
			p.pos++
			break
		}
		for {
			p.ws()
			if p.pos >= len(src) || src[p.pos] != '"' {
				return nil, p.errorf("expected a quoted key")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.pos >= len(src) || src[p.pos] != ':' {
				return nil, p.errorf("expected a colon after key %q", k.Value)
			}
			p.pos++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, k, v)
			p.ws()
			if p.pos < len(src) && src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(src) && src[p.pos] == '}' {
				p.pos++
				break
			}
			return nil, p.errorf("expected , or } in an object")
		}
	case c == '[':
		n = p.node(yaml.SequenceNode, "!!seq", start)
		n.Style = yaml.FlowStyle
		p.pos++
		p.ws()
		if p.pos < len(src) && src[p.pos] == ']' {
			p.pos++
			break
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
			p.ws()
			if p.pos < len(src) && src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(src) && src[p.pos] == ']' {
				p.pos++
				break
			}
			return nil, p.errorf("expected , or ] in an array")
		}
	case c == '"':
		return p.str()
	default:
		end := p.pos
		for end < len(src) && !isBlank(src[end]) && strings.IndexByte(",]}:", src[end]) < 0 {
			end++
		}
		lit := string(src[p.pos:end])
		var tag string
		switch {
		case lit == "true" || lit == "false":
			tag = "!!bool"
		case lit == "null":
			tag = "!!null"
		case json.Valid([]byte(lit)) && lit != "" && (lit[0] == '-' || lit[0] >= '0' && lit[0] <= '9'):
			tag = "!!int"
			if strings.ContainsAny(lit, ".eE") {
				tag = "!!float"
			}
		default:
			return nil, p.errorf("unexpected %q", lit)
		}
		n = p.node(yaml.ScalarNode, tag, start)
		n.Value = lit
		p.pos = end
	}
	p.d.spans[n] = span{start, p.pos}
	return n, nil
}

// str reads a string at p.pos.
func (p *jsonParser) str() (*yaml.Node, error) {
	src := p.d.src
	start := p.pos
	i := p.pos + 1
	escaped := false
	for ; i < len(src) && src[i] != '"'; i++ {
		if src[i] == '\\' {
			escaped = true
			i++
		} else if src[i] < 0x20 {
			return nil, p.errorf("control character in a string")
		}
	}
	if i >= len(src) {
		return nil, p.errorf("unterminated string")
	}
	raw := src[start : i+1]
	val := string(raw[1 : len(raw)-1])
	if escaped {
		if err := json.Unmarshal(raw, &val); err != nil {
			return nil, p.errorf("bad string: %v", err)
		}
	}
	n := p.node(yaml.ScalarNode, "!!str", start)
	n.Value, n.Style = val, yaml.DoubleQuotedStyle
	p.pos = i + 1
	p.d.spans[n] = span{start, p.pos}
	return n, nil
}
