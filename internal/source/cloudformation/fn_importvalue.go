package cloudformation

import "go.yaml.in/yaml/v3"

// importValue evaluates Fn::ImportValue (!ImportValue name): another stack's
// export, known only at deploy time, so unknown.
func (e *evaluator) importValue(arg *yaml.Node) val {
	return unknownFrom(e.eval(arg))
}
