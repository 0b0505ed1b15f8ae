package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// selectFn evaluates Fn::Select (!Select [index, list]): the item when the
// index and the list are known and the index is in range, unknown otherwise.
func (e *evaluator) selectFn(arg *yaml.Node) val {
	args, ok := items(arg, 2, 2)
	if !ok {
		return unknown()
	}
	idx, l := e.eval(args[0]), e.eval(args[1])
	i := intValue(idx, model.Origin{})
	if i.State != model.Known || !l.isList() || i.V < 0 || i.V >= len(l.list) {
		return unknownFrom(idx, l)
	}
	return l.list[i.V]
}
