package cloudformation

import "go.yaml.in/yaml/v3"

// getAZs evaluates Fn::GetAZs (!GetAZs region): the zones are known only at
// deploy time, so it is unknown.
func (e *evaluator) getAZs(arg *yaml.Node) val {
	return unknownFrom(e.eval(arg))
}
