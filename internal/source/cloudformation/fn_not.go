package cloudformation

import "go.yaml.in/yaml/v3"

// not evaluates Fn::Not (!Not [condition]).
func (e *evaluator) not(arg *yaml.Node) val {
	args, ok := items(arg, 1, 1)
	if !ok {
		return unknown()
	}
	v := e.eval(args[0])
	if c, known := truth(v); known {
		return knownBool(!c)
	}
	return unknownFrom(v)
}
