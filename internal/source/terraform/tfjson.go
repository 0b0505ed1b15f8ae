package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Terraform's JSON syntax (*.tf.json) is read into the same syntax tree as
// native files, so that everything after parsing is the same for both. What
// is a block and what an attribute is Terraform's schema's business; the
// blocks this package reads are listed in jsonBlocks, everything else is an
// attribute. As in Terraform, strings are templates ("${var.x}") except in a
// variable's default, and a variable's type is an expression in a string.

// jsonBlocks are the nested block types read inside resources.
var jsonBlocks = map[string]bool{
	"default_cache_behavior": true, "ordered_cache_behavior": true, "cache_behavior": true,
	"endpoint": true, "kinesis_stream_config": true, "content": true,
}

// jsonSkip are nested blocks and arguments this package never reads.
var jsonSkip = map[string]bool{
	"//": true, "lifecycle": true, "provisioner": true, "connection": true, "depends_on": true,
	"provider": true, "providers": true, "validation": true,
}

// maxJSONDepth bounds how deep a .tf.json file may nest.
const maxJSONDepth = 512

// jnode is a JSON value with the byte offsets where it starts and ends.
type jnode struct {
	kind       byte // '{', '[', 's' string, 'n' number, 'b' bool, '0' null
	start, end int
	keys       []string
	keyStart   []int
	elems      []*jnode
	s          string
	num        json.Number
	b          bool
}

// jsonParser reads one .tf.json file.
type jsonParser struct {
	src    []byte
	name   string
	starts []int // offset of every line's first byte
	dec    *json.Decoder
	diags  hcl.Diagnostics
}

// parseJSONConfig parses a file in Terraform's JSON syntax.
func parseJSONConfig(src []byte, name string) (*hclsyntax.Body, hcl.Diagnostics) {
	p, root, diags := parseJSONObject(src, name)
	if diags.HasErrors() {
		return nil, diags
	}
	body := p.newBody(root)
	for i, k := range root.keys {
		v := root.elems[i]
		switch k {
		case "resource", "data":
			p.labelled(body, k, v, 2)
		case "module", "variable", "output":
			p.labelled(body, k, v, 1)
		case "locals":
			for _, o := range objectsOf(v) {
				b := p.block("locals", nil, nil, root.keyStart[i], o)
				b.Body = p.attrsBody(o, "locals")
				body.Blocks = append(body.Blocks, b)
			}
		}
	}
	return body, p.diags
}

// parseJSONVars parses a variable file in JSON (terraform.tfvars.json):
// an object of literal values.
func parseJSONVars(src []byte, name string) (*hclsyntax.Body, hcl.Diagnostics) {
	p, root, diags := parseJSONObject(src, name)
	if diags.HasErrors() {
		return nil, diags
	}
	body := p.newBody(root)
	for i, k := range root.keys {
		v := root.elems[i]
		if x := p.expr(v, true); x != nil {
			ks := root.keyStart[i]
			body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: x, SrcRange: p.rng(ks, v.end), NameRange: p.rng(ks, ks+len(k)+2)}
		}
	}
	return body, p.diags
}

// parseJSONObject parses src, which must hold one JSON object.
func parseJSONObject(src []byte, name string) (*jsonParser, *jnode, hcl.Diagnostics) {
	p := &jsonParser{src: src, name: name, starts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			p.starts = append(p.starts, i+1)
		}
	}
	p.dec = json.NewDecoder(bytes.NewReader(src))
	p.dec.UseNumber()
	root, err := p.value(0)
	if err == nil {
		if _, err2 := p.dec.Token(); err2 != io.EOF {
			err = errors.New("unexpected data after the top-level object")
		}
	}
	if err != nil {
		off := p.tokenStart(int(p.dec.InputOffset()))
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 {
			off = int(se.Offset) - 1 // the offending byte
		}
		if errors.Is(err, io.EOF) {
			err, off = io.ErrUnexpectedEOF, len(src)
		}
		off = max(0, min(off, len(src)))
		rng := p.rng(off, min(off+1, len(src)))
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid JSON", Detail: err.Error(), Subject: &rng}}
	}
	if root.kind != '{' {
		rng := p.rng(root.start, root.end)
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid Terraform JSON", Detail: "the top level must be an object", Subject: &rng}}
	}
	return p, root, nil
}

// value reads the next JSON value.
func (p *jsonParser) value(depth int) (*jnode, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxJSONDepth)
	}
	prev := int(p.dec.InputOffset())
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &jnode{start: p.tokenStart(prev), end: int(p.dec.InputOffset())}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		for p.dec.More() {
			if t == '{' {
				kp := int(p.dec.InputOffset())
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				n.keys = append(n.keys, k)
				n.keyStart = append(n.keyStart, p.tokenStart(kp))
			}
			e, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		n.end = int(p.dec.InputOffset())
	case string:
		n.kind, n.s = 's', t
	case json.Number:
		n.kind, n.num = 'n', t
	case bool:
		n.kind, n.b = 'b', t
	default:
		n.kind = '0'
	}
	return n, nil
}

// tokenStart skips the separators and spaces from off to the next token.
func (p *jsonParser) tokenStart(off int) int {
	for off < len(p.src) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) pos(off int) hcl.Pos {
	line := sort.Search(len(p.starts), func(i int) bool { return p.starts[i] > off })
	return hcl.Pos{Line: line, Column: off - p.starts[line-1] + 1, Byte: off}
}

func (p *jsonParser) rng(from, to int) hcl.Range {
	if to > 0 && to > from {
		to-- // the last byte, so that a value ending a line ends on it
	}
	return hcl.Range{Filename: p.name, Start: p.pos(from), End: p.pos(to)}
}

// objectsOf is v as a list of objects: an object, or an array of them.
func objectsOf(v *jnode) []*jnode {
	switch v.kind {
	case '{':
		return []*jnode{v}
	case '[':
		var out []*jnode
		for _, e := range v.elems {
			if e.kind == '{' {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

func (p *jsonParser) newBody(o *jnode) *hclsyntax.Body {
	r := p.rng(o.start, o.end)
	return &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: r, EndRange: hcl.Range{Filename: p.name, Start: r.End, End: r.End}}
}

// labelled adds the blocks of kind written as {"label": {"label": {body}}},
// n labels deep.
func (p *jsonParser) labelled(body *hclsyntax.Body, kind string, v *jnode, n int) {
	var walk func(v *jnode, labels []string, ranges []hcl.Range, keyStart int)
	walk = func(v *jnode, labels []string, ranges []hcl.Range, keyStart int) {
		for _, o := range objectsOf(v) {
			if len(labels) == n {
				b := p.block(kind, labels, ranges, keyStart, o)
				b.Body = p.attrsBody(o, kind)
				body.Blocks = append(body.Blocks, b)
				continue
			}
			for i, k := range o.keys {
				if k == "//" {
					continue
				}
				kr := p.rng(o.keyStart[i], o.keyStart[i]+len(k)+2)
				walk(o.elems[i], append(append([]string(nil), labels...), k), append(append([]hcl.Range(nil), ranges...), kr), o.keyStart[i])
			}
		}
	}
	walk(v, nil, nil, 0)
}

// block is a block of type typ whose body is o, written at the key starting at keyStart.
func (p *jsonParser) block(typ string, labels []string, ranges []hcl.Range, keyStart int, o *jnode) *hclsyntax.Block {
	typeRange := p.rng(keyStart, keyStart+1)
	if len(labels) > 0 {
		typeRange = ranges[len(ranges)-1] // the last label's key, where the block's own object begins
	}
	return &hclsyntax.Block{
		Type: typ, Labels: labels, LabelRanges: ranges,
		TypeRange:       typeRange,
		OpenBraceRange:  p.rng(o.start, o.start+1),
		CloseBraceRange: p.rng(o.end-1, o.end),
	}
}

// attrsBody reads o as the body of a block of kind.
func (p *jsonParser) attrsBody(o *jnode, kind string) *hclsyntax.Body {
	body := p.newBody(o)
	for i, k := range o.keys {
		v := o.elems[i]
		ks := o.keyStart[i]
		switch {
		case jsonSkip[k] && kind != "locals":
		case (kind == "resource" || kind == "block") && k == "dynamic":
			p.labelled(body, "dynamic", v, 1)
		case (kind == "resource" || kind == "dynamic" || kind == "block") && jsonBlocks[k]:
			for _, e := range objectsOf(v) {
				b := p.block(k, nil, nil, ks, e)
				b.TypeRange = p.rng(ks, ks+len(k)+2)
				b.Body = p.attrsBody(e, "block")
				body.Blocks = append(body.Blocks, b)
			}
		default:
			var expr hclsyntax.Expression
			switch {
			case kind == "variable" && k == "type" && v.kind == 's':
				e, diags := hclsyntax.ParseExpression([]byte(v.s), p.name, p.pos(v.start+1))
				p.diags = append(p.diags, diags...)
				expr = e
			case kind == "variable" && k == "default":
				expr = p.expr(v, true)
			case kind == "dynamic" && k == "iterator" && v.kind == 's':
				expr = &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: v.s, SrcRange: p.rng(v.start, v.end)}}, SrcRange: p.rng(v.start, v.end)}
			default:
				expr = p.expr(v, false)
			}
			if expr == nil {
				continue
			}
			body.Attributes[k] = &hclsyntax.Attribute{
				Name: k, Expr: expr,
				SrcRange:  p.rng(ks, v.end),
				NameRange: p.rng(ks, ks+len(k)+2),
			}
		}
	}
	return body
}

// expr turns a JSON value into an expression: strings are templates unless
// literal is set.
func (p *jsonParser) expr(v *jnode, literal bool) hclsyntax.Expression {
	r := p.rng(v.start, v.end)
	switch v.kind {
	case 's':
		if literal {
			return &hclsyntax.LiteralValueExpr{Val: cty.StringVal(v.s), SrcRange: r}
		}
		e, diags := hclsyntax.ParseTemplate([]byte(v.s), p.name, p.pos(v.start+1))
		p.diags = append(p.diags, diags...)
		if diags.HasErrors() {
			return nil
		}
		return e
	case 'n':
		n, err := cty.ParseNumberVal(v.num.String())
		if err != nil {
			return nil
		}
		return &hclsyntax.LiteralValueExpr{Val: n, SrcRange: r}
	case 'b':
		return &hclsyntax.LiteralValueExpr{Val: cty.BoolVal(v.b), SrcRange: r}
	case '0':
		return &hclsyntax.LiteralValueExpr{Val: cty.NullVal(cty.DynamicPseudoType), SrcRange: r}
	case '[':
		t := &hclsyntax.TupleConsExpr{SrcRange: r, OpenRange: p.rng(v.start, v.start+1)}
		for _, e := range v.elems {
			if x := p.expr(e, literal); x != nil {
				t.Exprs = append(t.Exprs, x)
			}
		}
		return t
	case '{':
		o := &hclsyntax.ObjectConsExpr{SrcRange: r, OpenRange: p.rng(v.start, v.start+1)}
		for i, k := range v.keys {
			if k == "//" {
				continue
			}
			x := p.expr(v.elems[i], literal)
			if x == nil {
				continue
			}
			kr := p.rng(v.keyStart[i], v.keyStart[i]+len(k)+2)
			o.Items = append(o.Items, hclsyntax.ObjectConsItem{KeyExpr: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(k), SrcRange: kr}, ValueExpr: x})
		}
		return o
	}
	return nil
}
