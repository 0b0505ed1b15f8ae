package cloudformation

import (
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// source is the Inventory.Source of what Read returns.
const source = "cloudformation"

// Read reads the CloudFormation template data (JSON or YAML) into an
// inventory: its distributions and real-time log configs. name is the path
// shown in findings. Configs are keyed by name + "#" + logical ID, the key a
// behavior's ConfigRef holds. A resource that cannot be read is recorded in
// the inventory's Errors and the rest is still read; the error return, a
// *model.ReadError, is only for a file that cannot be parsed at all.
func Read(name string, data []byte) (*model.Inventory, error) {
	doc, err := parse(data)
	if err != nil {
		return nil, parseReadError(name, err)
	}
	return readDocument(name, doc)
}

// parseReadError is the ReadError of a template that does not parse.
func parseReadError(name string, err error) *model.ReadError {
	re := &model.ReadError{Operation: "parse", Range: model.Range{File: name}, Message: err.Error()}
	var pe *parseError
	if errors.As(err, &pe) {
		re.Range.StartLine, re.Range.EndLine = pe.line, pe.line
	}
	return re
}

// readDocument reads a parsed template as Read does.
func readDocument(name string, doc *document) (*model.Inventory, error) {
	root := deref(doc.root)
	if root == nil || root.Kind != yaml.MappingNode {
		msg := "not a CloudFormation template: the top level is " + describe(root) + ", not a mapping"
		if root == nil || root.Kind == 0 {
			msg = "not a CloudFormation template: the file is empty"
		}
		re := &model.ReadError{Operation: "parse", Range: model.Range{File: name}, Message: msg}
		if root != nil && root.Line > 0 {
			re.Range.StartLine, re.Range.EndLine = root.Line, root.Line
		}
		return nil, re
	}
	t, errs := newTemplate(name, doc, root)
	inv := &model.Inventory{
		Source:  source,
		Configs: map[string]*model.RealtimeLogConfig{},
		Errors:  errs,
	}
	e := newEvaluator(t)
	for _, r := range t.order {
		e.exhausted = false
		switch r.typ {
		case typeDistribution:
			d, errs := e.distribution(r)
			if e.exhausted {
				inv.Errors = append(inv.Errors, budgetError(t, r))
				continue
			}
			if d != nil {
				inv.Distributions = append(inv.Distributions, d)
			}
			inv.Errors = append(inv.Errors, errs...)
		case typeConfig:
			c, errs := e.realtimeLogConfig(r)
			if e.exhausted {
				inv.Errors = append(inv.Errors, budgetError(t, r))
				continue
			}
			if c != nil {
				inv.Configs[t.configKey(r.id)] = c
			}
			inv.Errors = append(inv.Errors, errs...)
		}
	}
	return inv, nil
}

// budgetError says that r could not be read within the evaluation bounds.
func budgetError(t *template, r *resource) *model.ReadError {
	return t.errorAt(r.id, r.key, r.node, "the evaluation budget ran out (YAML aliases, nesting or Fn::If branches on unresolvable conditions expand too far) while reading %s; it is not checked", r.typ)
}

// origin locates a property by its key and value nodes, or at fallback (the
// object that would hold it) when the property is absent.
func (e *evaluator) origin(key, n *yaml.Node, fallback model.Range) model.Origin {
	if key == nil {
		return model.Origin{Range: fallback}
	}
	return model.Origin{Range: e.t.rangeOf(key, n)}
}

// properties returns the Properties of resource r, or an error when they
// cannot be read.
func (e *evaluator) properties(r *resource) (val, *model.ReadError) {
	k, n := lookup(r.node, "Properties")
	if k == nil {
		return val{}, e.t.errorAt(r.id, r.key, r.node, "%s has no Properties", r.typ)
	}
	v := e.eval(n)
	if _, ok := objects(v); !ok && v.state != model.Unknown {
		return val{}, e.t.errorAt(r.id, k, n, "Properties is %s, not a mapping", describe(n))
	}
	return v, nil
}

// created reports whether r is created: false only when its Condition
// resolves to false.
func (e *evaluator) created(r *resource) bool {
	_, cn := lookup(r.node, "Condition")
	name, ok := literal(cn)
	if !ok {
		return true
	}
	c, known := e.condition(name)
	return !known || c
}
