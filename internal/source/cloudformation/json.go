package cloudformation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseJSON builds a YAML node tree from JSON with encoding/json's token
// stream, so that JSON keeps JSON's rules (escapes such as \/, long keys) and
// every node its start and end lines. yaml.v3 alone rejects some valid JSON.
// Only objects and arrays get an entry in d.ends: a JSON scalar cannot span
// lines (strings hold no raw line breaks), so it ends on the line it starts.
func (d *document) parseJSON() (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(d.src))
	dec.UseNumber()
	var stack []*yaml.Node
	var root *yaml.Node
	var slab []yaml.Node // nodes are allocated 64 at a time
	// Tokens come in order, so their lines are found by moving forward.
	cur := 1
	lineAt := func(off int) int {
		for cur < len(d.starts) && d.starts[cur] <= off {
			cur++
		}
		return cur
	}
	for {
		prev := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			if root == nil || len(stack) > 0 {
				return nil, d.jsonError(io.ErrUnexpectedEOF, len(d.src))
			}
			return root, nil
		}
		if err != nil {
			return nil, d.jsonError(err, int(dec.InputOffset()))
		}
		if root != nil && len(stack) == 0 {
			return nil, d.jsonError(errors.New("unexpected data after the top-level value"), d.tokenStart(prev))
		}
		start := d.tokenStart(prev)
		line := lineAt(start)
		col := start - d.starts[line-1] + 1
		if delim, ok := tok.(json.Delim); ok && (delim == '}' || delim == ']') {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if line != top.Line {
				d.ends[top] = line
			}
			if d.spans != nil {
				d.spans[top] = span{d.spans[top].start, int(dec.InputOffset())}
			}
			continue
		}
		if len(slab) == cap(slab) {
			slab = make([]yaml.Node, 0, 64)
		}
		slab = append(slab, yaml.Node{Line: line, Column: col})
		n := &slab[len(slab)-1]
		switch v := tok.(type) {
		case json.Delim:
			n.Style = yaml.FlowStyle
			if v == '{' {
				n.Kind, n.Tag = yaml.MappingNode, "!!map"
			} else {
				n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
			}
		case string:
			n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", v, yaml.DoubleQuotedStyle
		case json.Number:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", v.String()
			if strings.ContainsAny(n.Value, ".eE") {
				n.Tag = "!!float"
			}
		case bool:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(v)
		case nil:
			n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
		}
		if d.spans != nil {
			d.spans[n] = span{start, int(dec.InputOffset())}
		}
		if len(stack) == 0 {
			root = n
		} else {
			parent := stack[len(stack)-1]
			parent.Content = append(parent.Content, n)
		}
		if n.Kind != yaml.ScalarNode {
			stack = append(stack, n)
		}
	}
}

// tokenStart skips the white space and separators after offset off.
func (d *document) tokenStart(off int) int {
	for off < len(d.src) {
		switch d.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

// jsonError turns a decoder error into a parse error with the line it happened on.
func (d *document) jsonError(err error, off int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
		if off > 0 {
			off-- // Offset counts the byte that was read
		}
	}
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of JSON input"
		off = len(d.src)
	}
	off = max(0, min(off, len(d.src)))
	line := d.lineOf(off)
	if off == len(d.src) {
		line = d.lastLine()
	}
	return &parseError{line: line, msg: fmt.Sprintf("json: line %d: %s", line, msg)}
}

// lastLine is the last line that holds text.
func (d *document) lastLine() int {
	return d.trim(len(d.starts), 1)
}
