package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// condResult is a named condition once evaluated.
type condResult struct {
	value, known bool
}

// condition evaluates the named condition of the Conditions section. known is
// false when it cannot be resolved, is not defined or refers to itself.
func (e *evaluator) condition(name string) (value, known bool) {
	if r, seen := e.conds[name]; seen {
		return r.value, r.known // an entry being evaluated reads as unknown
	}
	n, ok := e.t.conditions[name]
	if !ok {
		return false, false
	}
	e.conds[name] = condResult{}
	r := condResult{}
	if b := boolValue(e.eval(n), model.Origin{}); b.State == model.Known {
		r = condResult{value: b.V, known: true}
	}
	e.conds[name] = r
	return r.value, r.known
}

// conditionFn evaluates a condition reference ({Condition: Name} inside
// Fn::And, Fn::Or and Fn::Not, or !Condition Name) to a known boolean when
// the condition can be resolved.
func (e *evaluator) conditionFn(arg *yaml.Node) val {
	name, ok := literal(arg)
	if !ok {
		return unknown()
	}
	if c, known := e.condition(name); known {
		return knownBool(c)
	}
	return unknown()
}

// truth is v as a condition: its value and whether it is known.
func truth(v val) (value, known bool) {
	b := boolValue(v, model.Origin{})
	return b.V, b.State == model.Known
}
