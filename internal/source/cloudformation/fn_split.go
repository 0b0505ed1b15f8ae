package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// split evaluates Fn::Split (!Split [delimiter, text]) to a known list when
// both are known and the delimiter is not empty.
func (e *evaluator) split(arg *yaml.Node) val {
	args, ok := items(arg, 2, 2)
	if !ok {
		return unknown()
	}
	d, s := e.eval(args[0]), e.eval(args[1])
	if !d.isScalar() || d.s == "" || !s.isScalar() {
		return unknownFrom(d, s)
	}
	parts := strings.Split(s.s, d.s)
	out := make([]val, len(parts))
	for i, p := range parts {
		out[i] = knownStr(p)
	}
	return knownList(out)
}
