package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// sub evaluates Fn::Sub (!Sub "text", !Sub ["text", {Var: value}]). Text
// without variables is known; ${!Name} is the literal ${Name}. Variables are
// resolved like Ref (${Name}) and Fn::GetAtt (${Name.Attr}) or from the
// variable map; the result is known when every variable is, which includes
// parameters with a default. A text that is exactly one variable is that
// variable's value, so !Sub "${Config.Arn}" refers to the config like GetAtt.
func (e *evaluator) sub(arg *yaml.Node) val {
	var text string
	var vars *yaml.Node
	if s, ok := literal(arg); ok {
		text = s
	} else if args, ok := items(arg, 1, 2); ok {
		if text, ok = literal(args[0]); !ok {
			return unknown()
		}
		if len(args) == 2 {
			vars = args[1]
		}
	} else {
		return unknown()
	}
	parts := parseSub(text)
	if len(parts) == 1 && parts[0].variable {
		v := e.subVar(parts[0].text, vars)
		if v.isScalar() {
			return knownStr(v.s)
		}
		if v.state == model.Unknown && len(v.alts) == 0 {
			return v
		}
		return unknownFrom(v)
	}
	var b strings.Builder
	var vals []val
	resolved := true
	for _, p := range parts {
		if !p.variable {
			b.WriteString(p.text)
			continue
		}
		v := e.subVar(p.text, vars)
		vals = append(vals, v)
		if !v.isScalar() {
			resolved = false
		}
		b.WriteString(v.s)
	}
	if !resolved {
		return unknownFrom(vals...)
	}
	return knownStr(b.String())
}

// subVar is the value of variable name in a Sub text.
func (e *evaluator) subVar(name string, vars *yaml.Node) val {
	if k, n := lookup(vars, name); k != nil {
		return e.eval(n)
	}
	if id, attr, ok := strings.Cut(name, "."); ok && !strings.Contains(id, "::") {
		return e.attribute(id, attr)
	}
	v := e.refName(name)
	if v.state == model.Absent {
		return unknown() // ${AWS::NoValue} is not a string
	}
	return v
}

// subPart is a literal piece of a Sub text or a variable name.
type subPart struct {
	text     string
	variable bool
}

// parseSub splits a Sub text into literals and ${variables}.
func parseSub(s string) []subPart {
	var parts []subPart
	var lit strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		s = s[i+2:]
		if strings.HasPrefix(s, "!") {
			lit.WriteString("${")
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			lit.WriteString("${")
			lit.WriteString(s)
			break
		}
		if lit.Len() > 0 {
			parts = append(parts, subPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, subPart{text: strings.TrimSpace(s[:j]), variable: true})
		s = s[j+1:]
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, subPart{text: lit.String()})
	}
	return parts
}
