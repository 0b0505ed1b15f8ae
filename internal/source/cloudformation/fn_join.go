package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// join evaluates Fn::Join (!Join [delimiter, [a, b, ...]]) to a known string
// when the delimiter and every item are known.
func (e *evaluator) join(arg *yaml.Node) val {
	args, ok := items(arg, 2, 2)
	if !ok {
		return unknown()
	}
	d, l := e.eval(args[0]), e.eval(args[1])
	if d.state == model.Absent {
		d = knownStr("")
	}
	if !d.isScalar() || !l.isList() {
		return unknownFrom(d, l)
	}
	parts := make([]string, len(l.list))
	for i, x := range l.list {
		if !x.isScalar() {
			return unknownFrom(l)
		}
		parts[i] = x.s
	}
	return knownStr(strings.Join(parts, d.s))
}
