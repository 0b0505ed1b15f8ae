package cloudformation

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// document is a parsed template: its top node and the last line of every node.
type document struct {
	root *yaml.Node // the top-level node (a mapping for a template)
	json bool       // parsed as JSON: no comments
	src  []byte
	// starts holds the byte offset where each line begins; starts[0] is line 1.
	starts []int
	ends   map[*yaml.Node]int
	// flowEnds maps the offset of a YAML [ or { to the line of its closing bracket.
	flowEnds map[int]int
	// lastContent[l-1] is the last line at or before line l that is not
	// filler (see filler), or 0; computed on first use.
	lastContent []int32
	// runeOffsets caches, for lines with multi-byte characters, the byte
	// offset of every character, to turn yaml.v3's columns into offsets.
	runeOffsets map[int][]int
	// asciiPrefix[l-1] is how many bytes line l starts with that are ASCII.
	asciiPrefix []int32
	// spans, when not nil, receives the byte span of every node parsed
	// from JSON (Parse asks for them; Read does not need them).
	spans map[*yaml.Node]span
}

// span is where a node is written: src[start:end].
type span struct{ start, end int }

// parseError is a template that could not be parsed at all.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return e.msg }

var utf8BOM = []byte("\xef\xbb\xbf")

// parse reads data as JSON when it starts like a JSON object ({ then a
// quoted key, or {}) and as YAML otherwise, so that a YAML flow mapping
// ({Resources: ...}) is still YAML. JSON is parsed strictly: YAML would
// accept JSON mistakes (a missing value, a trailing comma) that the author
// wants to hear about.
func parse(data []byte) (*document, error) { return parseDoc(data, false) }

// parseDoc is parse, with the spans of JSON nodes when withSpans is set.
func parseDoc(data []byte, withSpans bool) (*document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	d := &document{src: data, starts: lineStarts(data), ends: map[*yaml.Node]int{}}
	if withSpans {
		d.spans = map[*yaml.Node]span{}
	}
	if looksJSON(data) {
		root, err := d.parseJSON()
		if err != nil {
			return nil, err
		}
		d.root, d.json = root, true
	} else if err := d.parseYAML(); err != nil {
		return nil, err
	}
	if err := duplicateKey(d.root); err != nil {
		return nil, err
	}
	return d, nil
}

// duplicateKey reports a key written twice in one mapping (the outermost
// such mapping first): CloudFormation rejects such a template, so judging it either way
// would be a guess. Aliases are not followed (the node they name is checked
// where it is written), and YAML merge keys (<<) may repeat.
func duplicateKey(root *yaml.Node) *parseError {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || n.Kind == yaml.AliasNode {
			continue
		}
		if n.Kind == yaml.MappingNode {
			seen := make(map[string]*yaml.Node, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Value == "<<" {
					continue
				}
				if first, dup := seen[k.Value]; dup {
					return &parseError{line: k.Line, msg: fmt.Sprintf("duplicate key %q (first on line %d): CloudFormation rejects the template", k.Value, first.Line)}
				}
				seen[k.Value] = k
			}
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, n.Content[i])
		}
	}
	return nil
}

// looksJSON reports whether data starts with { followed by " or }.
func looksJSON(data []byte) bool {
	i := bytes.IndexFunc(data, notSpace)
	if i < 0 || data[i] != '{' {
		return false
	}
	j := bytes.IndexFunc(data[i+1:], notSpace)
	return j >= 0 && (data[i+1+j] == '"' || data[i+1+j] == '}')
}

func notSpace(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+):`)

func (d *document) parseYAML() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &parseError{msg: fmt.Sprintf("yaml: parser failed: %v", r)}
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(d.src, &n); err != nil {
		pe := &parseError{msg: err.Error()}
		if m := yamlLineRE.FindStringSubmatch(pe.msg); m != nil {
			pe.line, _ = strconv.Atoi(m[1])
		}
		return pe
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		d.root = n.Content[0]
	} else {
		d.root = &n // empty document: Kind 0
	}
	d.yamlEnds(d.root, len(d.starts))
	return nil
}

// lineStarts returns the offset of the first byte of every line.
func lineStarts(data []byte) []int {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineOf returns the 1-based line of byte offset off.
func (d *document) lineOf(off int) int {
	lo, hi := 0, len(d.starts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if d.starts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// line returns the text of 1-based line n without its line break.
func (d *document) line(n int) []byte {
	if n < 1 || n > len(d.starts) {
		return nil
	}
	s := d.starts[n-1]
	e := len(d.src)
	if n < len(d.starts) {
		e = d.starts[n] - 1
	}
	return bytes.TrimSuffix(d.src[s:e], []byte{'\r'})
}

// end returns the last line of n.
func (d *document) end(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if e, ok := d.ends[n]; ok && e >= n.Line {
		return e
	}
	return n.Line
}

// filler reports whether a line carries nothing of a node's own: blank, a
// comment, a bare sequence dash or a document marker.
func filler(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) == 0 || t[0] == '#' || string(t) == "-" || string(t) == "---" || string(t) == "..."
}

// trim moves limit up past filler lines, not above line from.
func (d *document) trim(limit, from int) int {
	if limit < 1 || limit > len(d.starts) {
		return max(from, min(limit, len(d.starts)))
	}
	if d.lastContent == nil {
		d.lastContent = make([]int32, len(d.starts))
		last := int32(0)
		for l := 1; l <= len(d.starts); l++ {
			if !filler(d.line(l)) {
				last = int32(l)
			}
			d.lastContent[l-1] = last
		}
	}
	return max(from, int(d.lastContent[limit-1]))
}

// offset turns a 1-based line and yaml.v3 column (in characters) into a
// byte offset.
func (d *document) offset(line, col int) int {
	start := d.starts[line-1]
	end := len(d.src)
	if line < len(d.starts) {
		end = d.starts[line]
	}
	if d.asciiPrefix == nil {
		d.asciiPrefix = make([]int32, len(d.starts))
		for l := range d.starts {
			e := len(d.src)
			if l+1 < len(d.starts) {
				e = d.starts[l+1]
			}
			n := 0
			for n < e-d.starts[l] && d.src[d.starts[l]+n] < utf8.RuneSelf {
				n++
			}
			d.asciiPrefix[l] = int32(n)
		}
	}
	if col-1 <= int(d.asciiPrefix[line-1]) {
		return min(start+col-1, len(d.src))
	}
	offs, ok := d.runeOffsets[line]
	if !ok {
		offs = make([]int, 0, utf8.RuneCount(d.src[start:end]))
		for i := start; i < end; {
			offs = append(offs, i)
			_, size := utf8.DecodeRune(d.src[i:end])
			i += size
		}
		if d.runeOffsets == nil {
			d.runeOffsets = map[int][]int{}
		}
		d.runeOffsets[line] = offs
	}
	if col-1 < len(offs) {
		return offs[col-1]
	}
	return end
}

// yamlEnds records the last line of n and its descendants. limit is the last
// line n may reach: the line before its next sibling, or its parent's limit.
// It returns the end of n.
func (d *document) yamlEnds(n *yaml.Node, limit int) int {
	return d.nodeEnds(n, limit, false)
}

func (d *document) nodeEnds(n *yaml.Node, limit int, inFlow bool) int {
	if n == nil || n.Kind == 0 {
		return 0
	}
	if limit < n.Line {
		limit = n.Line
	}
	flow := false // a [...] or {...} whose closing bracket was found
	if n.Style&yaml.FlowStyle != 0 && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
		if e := d.flowEnd(n); e >= n.Line {
			limit, flow = e, true
		}
	}
	end := n.Line
	childFlow := inFlow || flow
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			l := limit
			if i+2 < len(n.Content) {
				l = n.Content[i+2].Line - 1
			}
			end = max(end, d.nodeEnds(n.Content[i], n.Content[i].Line, childFlow), d.nodeEnds(n.Content[i+1], l, childFlow))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			l := limit
			if i+1 < len(n.Content) {
				l = n.Content[i+1].Line - 1
			}
			end = max(end, d.nodeEnds(c, l, childFlow))
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			end = max(end, d.nodeEnds(c, limit, false))
		}
	}
	switch {
	case n.Kind == yaml.AliasNode:
	case flow:
		end = max(end, limit)
	case inFlow && n.Kind == yaml.ScalarNode:
		// a scalar inside [...] or {...} ends on its line
	default:
		end = max(end, d.trim(limit, n.Line))
	}
	if end != n.Line {
		d.ends[n] = end // end(n) is n.Line when n has no entry
	}
	return end
}

// flowEnd returns the line of the bracket that closes the flow collection n,
// or 0 when it cannot be found. One scan records every collection it passes,
// so nested collections cost nothing more.
func (d *document) flowEnd(n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(d.starts) {
		return 0
	}
	off := d.offset(n.Line, max(n.Column, 1))
	// Skip a tag (!If) or an anchor (&a) written before the bracket.
	for off < len(d.src) && (d.src[off] == '!' || d.src[off] == '&') {
		for off < len(d.src) && !isBlank(d.src[off]) {
			off++
		}
		for off < len(d.src) && isBlank(d.src[off]) {
			off++
		}
	}
	if off >= len(d.src) || (d.src[off] != '{' && d.src[off] != '[') {
		return 0
	}
	if e, ok := d.flowEnds[off]; ok {
		return e
	}
	if d.flowEnds == nil {
		d.flowEnds = map[int]int{}
	}
	var stack []int
	var quote byte
	for i := off; i < len(d.src); i++ {
		c := d.src[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote == '\'' && c == '\'' && i+1 < len(d.src) && d.src[i+1] == '\'':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '#' && i > 0 && isBlank(d.src[i-1]):
			for i < len(d.src) && d.src[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			if i == 0 || bytes.IndexByte([]byte(" \t\r\n:[{,"), d.src[i-1]) >= 0 {
				quote = c
			}
		case c == '{' || c == '[':
			stack = append(stack, i)
		case c == '}' || c == ']':
			if len(stack) == 0 {
				return 0
			}
			open := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			d.flowEnds[open] = d.lineOf(i)
			if len(stack) == 0 {
				return d.flowEnds[off]
			}
		}
	}
	return 0
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
