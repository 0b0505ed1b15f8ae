package cloudformation

import (
	"go.yaml.in/yaml/v3"
)

// findInMap evaluates Fn::FindInMap (!FindInMap [Map, TopKey, SecondKey]):
// the Mappings entry when the keys are known and present. An optional fourth
// argument {DefaultValue: x} (AWS::LanguageExtensions) is used when the entry
// is missing; otherwise a missing entry is unknown.
func (e *evaluator) findInMap(arg *yaml.Node) val {
	args, ok := items(arg, 3, 4)
	if !ok {
		return unknown()
	}
	keys := make([]val, 3)
	for i := range keys {
		keys[i] = e.eval(args[i])
		if !keys[i].isScalar() {
			return unknownFrom(keys...)
		}
	}
	m := e.t.mappings[keys[0].s]
	if _, top := lookup(m, keys[1].s); top != nil {
		if k, n := lookup(top, keys[2].s); k != nil {
			return e.eval(n)
		}
	}
	if len(args) == 4 {
		if k, n := lookup(args[3], "DefaultValue"); k != nil {
			return e.eval(n)
		}
	}
	return unknown()
}
