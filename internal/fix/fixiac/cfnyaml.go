package fixiac

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

// yamlDoc is a CloudFormation template in YAML as the reader parsed it,
// for editing: its node tree gives where things are (yaml.v3's lines and
// columns) and edits are text inserted at those places, so nothing else in
// the file changes.
type yamlDoc struct {
	t      *cloudformation.Template
	src    []byte
	starts []int // the template's line starts; starts[0] is line 1
	top    *yaml.Node
	eol    string
	unit   int  // indentation step, in spaces
	long   bool // the template writes intrinsic functions in long form
}

// newYAMLDoc prepares the parsed YAML template t for editing.
func newYAMLDoc(t *cloudformation.Template) (*yamlDoc, error) {
	top := t.Root()
	if top == nil || top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the top level is not a mapping")
	}
	d := &yamlDoc{t: t, src: t.Source(), starts: t.LineStarts(), top: top, eol: lineEnding(t.Source())}
	d.unit, d.long = yamlStyle(d.top)
	return d, nil
}

func (d *yamlDoc) root() *yaml.Node { return d.top }
func (d *yamlDoc) longForm() bool   { return d.long }

// yamlStyle finds the indentation step the file uses most (2 when it
// cannot tell) and whether it writes intrinsic functions in long form
// (Fn::GetAtt: …, Ref: …) and never in short form (!GetAtt, !Ref).
func yamlStyle(top *yaml.Node) (unit int, long bool) {
	steps := map[int]int{}
	short, longs := 0, 0
	stack := []*yaml.Node{top}
	for len(stack) > 0 && len(stack) < 1<<20 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.AliasNode {
			continue
		}
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			short++
		}
		if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Kind == yaml.ScalarNode {
			if k := n.Content[0].Value; k == "Ref" || strings.HasPrefix(k, "Fn::") {
				longs++
			}
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line {
					if s := v.Content[0].Column - k.Column; s > 0 {
						steps[s]++
					}
				}
			}
		}
		stack = append(stack, n.Content...)
	}
	unit, best := 2, 0
	for s, c := range steps {
		if c > best || (c == best && s < unit) {
			unit, best = s, c
		}
	}
	return unit, longs > 0 && short == 0
}

// lineEndOffset is the offset of the line break ending line l (or the end
// of the text).
func lineEndOffset(src []byte, starts []int, l int) int {
	if l < len(starts) {
		end := starts[l] - 1
		if end > 0 && src[end-1] == '\r' {
			end--
		}
		return end
	}
	return len(src)
}

// indentOf is how many spaces line l starts with.
func indentOf(line []byte) int {
	return len(line) - len(bytes.TrimLeft(line, " "))
}

// isDocMarker reports whether line is a document marker (--- or ...).
func isDocMarker(line []byte) bool {
	for _, m := range []string{"---", "..."} {
		if bytes.HasPrefix(line, []byte(m)) && (len(line) == 3 || line[3] == ' ' || line[3] == '\t') {
			return true
		}
	}
	return false
}

// blockLastLine is the last line holding content of the block mapping m:
// the lines after its first key that are indented at least as far as its
// keys, up to the first line indented less. Comments indented no further
// than the keys belong to whatever follows.
func (d *yamlDoc) blockLastLine(m *yaml.Node) int {
	first := m.Content[0]
	ind := first.Column - 1
	last := first.Line
	for l := first.Line + 1; l <= len(d.starts); l++ {
		t := d.t.Line(l)
		if len(bytes.TrimSpace(t)) == 0 {
			continue
		}
		if isDocMarker(t) {
			break
		}
		i := indentOf(t)
		if t[i] == '#' && i <= ind {
			continue
		}
		if i < ind {
			break
		}
		last = l
	}
	return last
}

// encode renders n as YAML with the file's indentation step, "\n" line
// breaks and no trailing line break.
func (d *yamlDoc) encode(n *yaml.Node) (string, error) {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(d.unit)
	if err := e.Encode(n); err != nil {
		return "", err
	}
	if err := e.Close(); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// flowText renders n on one line, in flow style.
func (d *yamlDoc) flowText(n *yaml.Node) (string, error) {
	s, err := d.encode(setFlow(n))
	if err != nil {
		return "", err
	}
	if strings.Contains(s, "\n") {
		return "", fmt.Errorf("internal error: %q does not fit on one line", s)
	}
	return s, nil
}

// setFlow returns a copy of n written in flow style throughout.
func setFlow(n *yaml.Node) *yaml.Node {
	c := *n
	if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
		c.Style |= yaml.FlowStyle
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = setFlow(x)
	}
	return &c
}

// pairsText renders pairs as block mapping lines indented by ind spaces,
// each line ending in the file's line break.
func (d *yamlDoc) pairsText(pairs []pair, ind int) (string, error) {
	s, err := d.encode(pairsNode(pairs))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	pad := strings.Repeat(" ", ind)
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			b.WriteString(pad)
		}
		b.WriteString(l)
		b.WriteString(d.eol)
	}
	return b.String(), nil
}

// flowPairs renders pairs as "key: value" texts for a flow mapping.
func (d *yamlDoc) flowPairs(pairs []pair) ([]string, error) {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		s, err := d.flowText(pairsNode([]pair{p}))
		if err != nil {
			return nil, err
		}
		out[i] = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	}
	return out, nil
}

// inlineText renders a value that follows "key:" on the same line: short
// forms as they are (!GetAtt X.Arn), collections in flow style.
func (d *yamlDoc) inlineText(v *yaml.Node) (string, error) { return d.flowText(v) }

// addKeys adds pairs at the end of mapping m.
func (d *yamlDoc) addKeys(m *yaml.Node, pairs []pair, depth int) ([]edit, error) {
	if m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return d.flowAdd(m, pairs, depth)
	}
	last := d.blockLastLine(m)
	text, err := d.pairsText(pairs, m.Content[0].Column-1)
	if err != nil {
		return nil, err
	}
	if last < len(d.starts) {
		return []edit{{start: d.starts[last], end: d.starts[last], text: text, depth: depth}}, nil
	}
	// The mapping ends the file, without a final line break.
	text = d.eol + strings.TrimSuffix(text, d.eol)
	return []edit{{start: len(d.src), end: len(d.src), text: text, depth: depth}}, nil
}

// flowAdd adds pairs before the closing brace of the flow mapping m.
func (d *yamlDoc) flowAdd(m *yaml.Node, pairs []pair, depth int) ([]edit, error) {
	open := skipProps(d.src, d.t.Offset(m.Line, m.Column))
	if open >= len(d.src) || d.src[open] != '{' {
		return nil, fmt.Errorf("line %d: cannot find the { of a flow mapping", m.Line)
	}
	fc, err := scanFlow(d.src, open)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", m.Line, err)
	}
	texts, err := d.flowPairs(pairs)
	if err != nil {
		return nil, err
	}
	if len(m.Content) == 0 || fc.lastSig == open {
		return []edit{{start: open + 1, end: open + 1, text: strings.Join(texts, ", "), depth: depth}}, nil
	}
	at := fc.lastSig + 1
	comma := d.src[fc.lastSig] == ','
	if d.t.LineOf(fc.close) > d.t.LineOf(fc.lastSig) {
		// One entry per line: keep it so.
		lastKey := m.Content[len(m.Content)-2]
		pad := strings.Repeat(" ", indentOf(d.t.Line(lastKey.Line)))
		sep := "," + d.eol + pad
		text := sep + strings.Join(texts, sep)
		if comma {
			text = d.eol + pad + strings.Join(texts, sep) + ","
		}
		return []edit{{start: at, end: at, text: text, depth: depth}}, nil
	}
	text := ", " + strings.Join(texts, ", ")
	if comma {
		text = " " + strings.Join(texts, ", ") + ","
	}
	return []edit{{start: at, end: at, text: text, depth: depth}}, nil
}

// replaceValue replaces the value v of key k in mapping m by val.
func (d *yamlDoc) replaceValue(m, k, v, val *yaml.Node, depth int) ([]edit, error) {
	start, err := d.colonEnd(k)
	if err != nil {
		return nil, err
	}
	flow := m.Style&yaml.FlowStyle != 0
	var end int
	switch {
	case !flow && (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: cannot replace a block list", v.Line)
		}
		end = lineEndOffset(d.src, d.starts, d.blockLastLine(v))
	default:
		vs := start
		for vs < len(d.src) && (d.src[vs] == ' ' || d.src[vs] == '\t') {
			vs++
		}
		end, err = valueEnd(d.src, vs, flow)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", v.Line, err)
		}
		if end == vs {
			end = start // an empty value: keep what follows the colon
		}
	}
	var text string
	if val.Kind == yaml.MappingNode && val.Style&yaml.FlowStyle == 0 && !flow && len(val.Content) > 0 {
		// A block mapping goes on the lines below the key.
		pairs := make([]pair, 0, len(val.Content)/2)
		for i := 0; i+1 < len(val.Content); i += 2 {
			pairs = append(pairs, pair{val.Content[i].Value, val.Content[i+1]})
		}
		body, err := d.pairsText(pairs, k.Column-1+d.unit)
		if err != nil {
			return nil, err
		}
		text = d.eol + strings.TrimSuffix(body, d.eol)
	} else {
		s, err := d.inlineText(val)
		if err != nil {
			return nil, err
		}
		text = " " + s
	}
	return []edit{{start: start, end: end, text: text, depth: depth}}, nil
}

// addBefore adds pairs to the top-level mapping m just before its key k,
// above the comments that introduce k.
func (d *yamlDoc) addBefore(m, k *yaml.Node, pairs []pair) ([]edit, error) {
	if m.Style&yaml.FlowStyle != 0 {
		return d.flowAdd(m, pairs, 0)
	}
	l := k.Line
	for l > 1 {
		t := bytes.TrimSpace(d.t.Line(l - 1))
		if len(t) == 0 || t[0] != '#' {
			break
		}
		l--
	}
	text, err := d.pairsText(pairs, m.Content[0].Column-1)
	if err != nil {
		return nil, err
	}
	if l > 1 && len(bytes.TrimSpace(d.t.Line(l-1))) == 0 {
		text += d.eol // sections are separated by blank lines: keep it so
	}
	at := d.starts[l-1]
	return []edit{{start: at, end: at, text: text}}, nil
}

// colonEnd is the offset just after the colon that ends key k.
func (d *yamlDoc) colonEnd(k *yaml.Node) (int, error) {
	off := skipProps(d.src, d.t.Offset(k.Line, k.Column))
	if off < len(d.src) && (d.src[off] == '"' || d.src[off] == '\'') {
		e, err := quotedEnd(d.src, off)
		if err != nil {
			return 0, fmt.Errorf("line %d: %w", k.Line, err)
		}
		off = e
	}
	for off < len(d.src) && d.src[off] != '\n' {
		if d.src[off] == ':' && (off+1 == len(d.src) || strings.IndexByte(" \t\r\n,[]{}", d.src[off+1]) >= 0) {
			return off + 1, nil
		}
		off++
	}
	return 0, fmt.Errorf("line %d: cannot find the colon after key %q", k.Line, k.Value)
}

// skipProps skips a tag (!Ref) or an anchor (&a) and the blanks after it.
func skipProps(src []byte, off int) int {
	for off < len(src) && (src[off] == '!' || src[off] == '&') {
		for off < len(src) && !isBlank(src[off]) && !(src[off] == '{' || src[off] == '[') {
			off++
		}
		for off < len(src) && (src[off] == ' ' || src[off] == '\t') {
			off++
		}
	}
	return off
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// quotedEnd returns the offset after the quoted scalar starting at off.
func quotedEnd(src []byte, off int) (int, error) {
	q := src[off]
	for i := off + 1; i < len(src); i++ {
		switch {
		case q == '"' && src[i] == '\\':
			i++
		case q == '\'' && src[i] == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case src[i] == q:
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated quoted string")
}

// valueEnd returns the offset after the scalar or flow collection starting
// at off (after its tag), on its line; inFlow stops plain scalars at , ] }.
func valueEnd(src []byte, off int, inFlow bool) (int, error) {
	off = skipProps(src, off)
	if off >= len(src) {
		return off, nil
	}
	switch src[off] {
	case '"', '\'':
		return quotedEnd(src, off)
	case '{', '[':
		fc, err := scanFlow(src, off)
		if err != nil {
			return 0, err
		}
		return fc.close + 1, nil
	case '|', '>':
		return 0, fmt.Errorf("cannot replace a block scalar")
	}
	end := off
	for i := off; i < len(src) && src[i] != '\n' && src[i] != '\r'; i++ {
		c := src[i]
		if c == '#' && i > off && (src[i-1] == ' ' || src[i-1] == '\t') {
			break
		}
		if c == '#' && i == off {
			break
		}
		if inFlow && (c == ',' || c == ']' || c == '}') {
			break
		}
		if c != ' ' && c != '\t' {
			end = i + 1
		}
	}
	return end, nil
}

// flowCollection is where a flow collection closes and where its last
// significant character (not a blank, not in a comment) before that is.
type flowCollection struct {
	close   int
	lastSig int
}

// scanFlow finds the bracket closing the [ or { at open, skipping quoted
// scalars and comments.
func scanFlow(src []byte, open int) (flowCollection, error) {
	depth := 0
	last := open
	for i := open; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'':
			if i > 0 && strings.IndexByte(" \t\r\n:[{,", src[i-1]) < 0 {
				last = i
				continue // a quote inside a plain scalar
			}
			e, err := quotedEnd(src, i)
			if err != nil {
				return flowCollection{}, err
			}
			i = e - 1
			last = i
		case c == '#' && i > 0 && isBlank(src[i-1]):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '{' || c == '[':
			depth++
			last = i
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return flowCollection{close: i, lastSig: last}, nil
			}
			last = i
		case !isBlank(c):
			last = i
		}
	}
	return flowCollection{}, fmt.Errorf("unterminated flow collection")
}
