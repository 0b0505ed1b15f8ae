package cloudformation

import "go.yaml.in/yaml/v3"

// and evaluates Fn::And (!And [c1, c2, ...]): false as soon as one condition
// is known false, true when all are known true, unknown otherwise.
func (e *evaluator) and(arg *yaml.Node) val {
	return e.logic(arg, false)
}

// logic evaluates Fn::And (decisive false) and Fn::Or (decisive true): the
// decisive value as soon as one condition has it, the other one when every
// condition is known, unknown otherwise.
func (e *evaluator) logic(arg *yaml.Node, decisive bool) val {
	args, ok := items(arg, 1, 1<<10)
	if !ok {
		return unknown()
	}
	allKnown := true
	var vals []val
	for _, a := range args {
		v := e.eval(a)
		c, known := truth(v)
		if known && c == decisive {
			return knownBool(decisive)
		}
		if !known {
			allKnown = false
			vals = append(vals, v)
		}
	}
	if allKnown {
		return knownBool(!decisive)
	}
	return unknownFrom(vals...)
}
