package cloudformation

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxTextLen bounds the text shown for an expression.
const maxTextLen = 200

// exprText renders an expression the way a person writes it in YAML, with
// long-form functions in short form, so that the same expression reads the
// same from JSON and YAML: {"Fn::Sub": "/${Env}/*"} and !Sub /${Env}/* are
// both "!Sub /${Env}/*".
func exprText(n *yaml.Node) string {
	var b strings.Builder
	writeExpr(&b, n, 0)
	s := b.String()
	if len(s) > maxTextLen {
		s = s[:maxTextLen] + "…"
	}
	return s
}

func writeExpr(b *strings.Builder, n *yaml.Node, depth int) {
	if n == nil {
		return
	}
	if depth > 16 || b.Len() > maxTextLen {
		b.WriteString("…")
		return
	}
	if n.Kind == yaml.AliasNode {
		b.WriteString("*" + n.Value)
		return
	}
	if name, arg, ok := intrinsic(n); ok {
		b.WriteString("!" + name + " ")
		if name == "GetAtt" {
			if args, ok := items(arg, 2, 2); ok {
				id, ok1 := literal(args[0])
				attr, ok2 := literal(args[1])
				if ok1 && ok2 {
					b.WriteString(id + "." + attr)
					return
				}
			}
		}
		writeExpr(b, arg, depth+1)
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		writeScalar(b, n)
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if b.Len() > maxTextLen {
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, c, depth+1)
		}
		b.WriteByte(']')
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content) && b.Len() <= maxTextLen; i += 2 {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, n.Content[i], depth+1)
			b.WriteString(": ")
			writeExpr(b, n.Content[i+1], depth+1)
		}
		b.WriteByte('}')
	}
}

// writeScalar writes a scalar plainly when YAML would read it back the same
// way, quoted otherwise.
func writeScalar(b *strings.Builder, n *yaml.Node) {
	s := n.Value
	plain := s != "" && !strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") &&
		!strings.ContainsAny(s, "\n\t") && !strings.Contains(s, ": ") && !strings.Contains(s, " #") &&
		strings.TrimSpace(s) == s
	if plain || n.ShortTag() != "!!str" {
		b.WriteString(s)
		return
	}
	b.WriteString(strconv.Quote(s))
}
