package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// equals evaluates Fn::Equals (!Equals [a, b]) to a known boolean when both
// values are known. Values compare as text; an absent value as "".
func (e *evaluator) equals(arg *yaml.Node) val {
	args, ok := items(arg, 2, 2)
	if !ok {
		return unknown()
	}
	a, b := e.eval(args[0]), e.eval(args[1])
	if eq, known := equalVals(a, b); known {
		return knownBool(eq)
	}
	return unknownFrom(a, b)
}

func equalVals(a, b val) (eq, known bool) {
	if a.state == model.Absent {
		a = knownStr("")
	}
	if b.state == model.Absent {
		b = knownStr("")
	}
	switch {
	case a.state != model.Known || b.state != model.Known:
		return false, false
	case a.kind == scalar && b.kind == scalar:
		return a.s == b.s, true
	case a.kind == list && b.kind == list:
		if len(a.list) != len(b.list) {
			return false, true
		}
		for i := range a.list {
			eq, known := equalVals(a.list[i], b.list[i])
			if !known || !eq {
				return eq, known
			}
		}
		return true, true
	case a.kind == object || b.kind == object:
		return false, false
	}
	return false, true // a list and a string
}
