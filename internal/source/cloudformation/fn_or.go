package cloudformation

import "go.yaml.in/yaml/v3"

// or evaluates Fn::Or (!Or [c1, c2, ...]): true as soon as one condition is
// known true, false when all are known false, unknown otherwise.
func (e *evaluator) or(arg *yaml.Node) val {
	return e.logic(arg, true)
}
