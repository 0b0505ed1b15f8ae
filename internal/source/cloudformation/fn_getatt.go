package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// getAtt evaluates Fn::GetAtt (!GetAtt X.Arn, !GetAtt [X, Arn],
// {Fn::GetAtt: "X.Arn"}). Attributes exist only after deploy, so it is
// unknown; X.Arn of a real-time log config refers to that config, and an X
// the template does not define is dangling.
func (e *evaluator) getAtt(arg *yaml.Node) val {
	if s, ok := literal(arg); ok {
		id, attr, found := strings.Cut(s, ".")
		if !found {
			return unknown()
		}
		return e.attribute(id, attr)
	}
	args, ok := items(arg, 2, 2)
	if !ok {
		return unknown()
	}
	id, ok := literal(args[0])
	if !ok {
		return unknown()
	}
	attr := ""
	if v := e.eval(args[1]); v.isScalar() {
		attr = v.s
	}
	return e.attribute(id, attr)
}

// attribute is attribute attr of the resource with logical ID id; attr is
// empty when it cannot be resolved.
func (e *evaluator) attribute(id, attr string) val {
	r, ok := e.t.resources[id]
	if !ok {
		if _, param := e.t.params[id]; param {
			return unknown()
		}
		return e.missing(id)
	}
	v := unknown()
	if r.typ == typeConfig && attr == "Arn" {
		v.config = id
	}
	return v
}
