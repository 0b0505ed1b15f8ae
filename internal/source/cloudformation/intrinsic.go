package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// isTagged reports whether n carries a local tag such as !Ref.
func isTagged(n *yaml.Node) bool {
	return strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && !strings.HasPrefix(n.Tag, "!<")
}

// intrinsic recognises an intrinsic function call in its short form (a YAML
// tag: !Ref X) or its long form (a mapping with one key: {Ref: X},
// {Fn::GetAtt: [X, Arn]}). It returns the function's name without "Fn::"
// ("Ref", "GetAtt", "Condition") and its argument.
func intrinsic(n *yaml.Node) (name string, arg *yaml.Node, ok bool) {
	if isTagged(n) {
		c := *n
		c.Style &^= yaml.TaggedStyle
		switch n.Kind {
		case yaml.ScalarNode:
			c.Tag = "!!str"
		case yaml.SequenceNode:
			c.Tag = "!!seq"
		case yaml.MappingNode:
			c.Tag = "!!map"
		}
		return strings.TrimPrefix(n.Tag[1:], "Fn::"), &c, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Kind == yaml.ScalarNode {
		switch k := n.Content[0].Value; {
		case k == "Ref", k == "Condition":
			return k, n.Content[1], true
		case strings.HasPrefix(k, "Fn::"):
			return k[len("Fn::"):], n.Content[1], true
		}
	}
	return "", nil, false
}

// longName is the name of a function as the long form writes it.
func longName(name string) string {
	if name == "Ref" || name == "Condition" {
		return name
	}
	return "Fn::" + name
}

// call evaluates the intrinsic function name with its argument. Functions it
// does not know (Fn::Cidr, Fn::Transform...) are unknown.
func (e *evaluator) call(name string, arg *yaml.Node) val {
	switch name {
	case "Ref":
		return e.ref(arg)
	case "GetAtt":
		return e.getAtt(arg)
	case "Sub":
		return e.sub(arg)
	case "If":
		return e.fnIf(arg)
	case "Select":
		return e.selectFn(arg)
	case "ImportValue":
		return e.importValue(arg)
	case "FindInMap":
		return e.findInMap(arg)
	case "Join":
		return e.join(arg)
	case "Equals":
		return e.equals(arg)
	case "Not":
		return e.not(arg)
	case "And":
		return e.and(arg)
	case "Or":
		return e.or(arg)
	case "Condition":
		return e.conditionFn(arg)
	case "Split":
		return e.split(arg)
	case "GetAZs":
		return e.getAZs(arg)
	case "Base64":
		return e.base64(arg)
	}
	return unknown()
}
