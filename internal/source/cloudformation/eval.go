package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// Bounds on evaluation, so that aliases and deep nesting cannot make a
// hostile template expensive: the number of nodes evaluated grows with the
// size of the file, not with what its aliases expand to. Past them the
// resource being read is reported as an error and not judged.
const (
	baseSteps    = 10000
	stepsPerByte = 8
	maxDepth     = 256
	maxAlts      = 64 // branches an unresolved Fn::If keeps
)

// evaluator resolves template expressions as far as the template allows.
type evaluator struct {
	t        *template
	conds    map[string]condResult
	steps    int
	maxSteps int
	depth    int
	// exhausted is set when a bound was hit: what was not read must not be
	// judged, so the resource being read is an error.
	exhausted bool
	comments  map[int][]model.Ignore // cloudassure:ignore comments by line
}

func newEvaluator(t *template) *evaluator {
	return &evaluator{t: t, conds: map[string]condResult{}, maxSteps: baseSteps + stepsPerByte*len(t.doc.src)}
}

// eval evaluates n: literals are known, intrinsic functions are resolved
// when they can be, null and AWS::NoValue are absent. Mappings are known
// objects whose entries are evaluated when read (see field).
func (e *evaluator) eval(n *yaml.Node) val {
	if n == nil {
		return absent()
	}
	e.steps++
	if e.steps > e.maxSteps || e.depth >= maxDepth {
		e.exhausted = true
		return unknown()
	}
	e.depth++
	defer func() { e.depth-- }()
	v := e.evalNode(n)
	if v.src == nil {
		v.src = n
	}
	return v
}

func (e *evaluator) evalNode(n *yaml.Node) val {
	switch n.Kind {
	case yaml.AliasNode:
		return e.eval(n.Alias)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return absent()
		}
		return e.eval(n.Content[0])
	}
	if name, arg, ok := intrinsic(n); ok {
		return e.call(name, arg)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		tag := n.ShortTag()
		if tag == "!!null" {
			return absent()
		}
		return val{state: model.Known, s: n.Value, tag: tag}
	case yaml.SequenceNode:
		items := make([]val, 0, len(n.Content))
		for _, c := range n.Content {
			if v := e.eval(c); v.state != model.Absent {
				items = append(items, v)
			}
		}
		return knownList(items)
	case yaml.MappingNode:
		return knownObject(n)
	}
	return unknown()
}

// field returns the value of key in v with its key and value nodes. v is an
// object, or a choice between branches (unresolved Fn::If) whose set
// branches are read and combined with choice. A field of an unknown value is
// unknown; of anything else, absent.
func (e *evaluator) field(v val, key string) (val, *yaml.Node, *yaml.Node) {
	switch {
	case v.isObject():
		k, n := lookup(v.node, key)
		if k == nil {
			return absent(), nil, nil
		}
		return e.eval(n), k, n
	case len(v.alts) > 0:
		var vs []val
		var kk, nn *yaml.Node
		for _, a := range v.alts {
			if a.state == model.Absent {
				continue
			}
			x, k, n := e.field(a, key)
			x.when = a.when
			vs = append(vs, x)
			if kk == nil {
				kk, nn = k, n
			}
		}
		return choice(vs...), kk, nn
	case v.state == model.Unknown:
		u := unknown()
		u.truncated = v.truncated
		return u, nil, nil
	}
	return absent(), nil, nil
}

// objects returns the mappings v may be: itself, or its set branches. ok is
// false when v is set but none of its possible values is a mapping.
func objects(v val) (objs []val, ok bool) {
	if v.isObject() {
		return []val{v}, true
	}
	for _, a := range v.alts {
		if a.isObject() {
			objs = append(objs, a)
		}
	}
	return objs, len(objs) > 0
}

// items returns the nodes of arg, a literal list of min to max entries.
func items(arg *yaml.Node, lo, hi int) ([]*yaml.Node, bool) {
	arg = deref(arg)
	if arg == nil || arg.Kind != yaml.SequenceNode || isTagged(arg) {
		return nil, false
	}
	if len(arg.Content) < lo || len(arg.Content) > hi {
		return nil, false
	}
	return arg.Content, true
}

// literal returns the text of n when it is a plain scalar, not a function.
func literal(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || isTagged(n) || n.ShortTag() == "!!null" {
		return "", false
	}
	return n.Value, true
}
