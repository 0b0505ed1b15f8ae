package cloudformation

import "go.yaml.in/yaml/v3"

// fnIf evaluates Fn::If (!If [Condition, then, else]). When the condition
// can be resolved it is the chosen branch. When it cannot, it is absent only
// if both branches are absent (AWS::NoValue, null, nothing); if only one is,
// the value may be set, so it is unknown (set). See choice.
func (e *evaluator) fnIf(arg *yaml.Node) val {
	args, ok := items(arg, 3, 3)
	if !ok {
		return unknown()
	}
	name, ok := literal(args[0])
	if !ok {
		return unknown()
	}
	if c, known := e.condition(name); known {
		if c {
			return e.eval(args[1])
		}
		return e.eval(args[2])
	}
	t, f := e.eval(args[1]), e.eval(args[2])
	t.when, f.when = name+" is true", name+" is false"
	return choice(t, f)
}
