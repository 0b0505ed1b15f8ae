package cloudformation

import (
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// distribution reads an AWS::CloudFront::Distribution. It returns nil when
// the resource's Condition is false or its DistributionConfig cannot be read
// (then with an error saying why).
func (e *evaluator) distribution(r *resource) (*model.Distribution, []*model.ReadError) {
	if !e.created(r) {
		return nil, nil
	}
	props, perr := e.properties(r)
	if perr != nil {
		return nil, []*model.ReadError{perr}
	}
	dc, dk, dn := e.field(props, "DistributionConfig")
	if _, ok := objects(dc); !ok {
		switch {
		case dk == nil && dc.state == model.Unknown:
			return nil, []*model.ReadError{e.t.errorAt(r.id, r.key, r.node, "Properties cannot be resolved; the distribution is not checked")}
		case dk == nil:
			return nil, []*model.ReadError{e.t.errorAt(r.id, r.key, r.node, "%s has no DistributionConfig", r.typ)}
		case dc.state == model.Unknown:
			return nil, []*model.ReadError{e.t.errorAt(r.id, dk, dn, "DistributionConfig is %s; the distribution is not checked", describe(dn))}
		}
		return nil, []*model.ReadError{e.t.errorAt(r.id, dk, dn, "DistributionConfig is %s, not a mapping", describe(dn))}
	}
	rng := e.t.rangeOf(r.key, r.node)
	d := &model.Distribution{ID: r.id, Type: r.typ, Range: rng}
	v, k, n := e.field(dc, "Enabled")
	d.Enabled = boolValue(v, e.origin(k, n, rng))
	v, k, n = e.field(dc, "Staging")
	d.Staging = boolValue(v, e.origin(k, n, rng))
	if v, _, _ := e.field(dc, "Comment"); v.isScalar() {
		d.Comment = v.s
	}
	var errs []*model.ReadError
	dcRange := e.t.rangeOf(dk, dn)
	v, k, n = e.field(dc, "DefaultCacheBehavior")
	brng := dcRange
	if k != nil {
		brng = e.t.rangeOf(k, n)
	}
	if _, ok := objects(v); ok || v.state != model.Known {
		d.Behaviors = append(d.Behaviors, e.behavior(v, brng, true))
	} else {
		errs = append(errs, e.t.errorAt(r.id, k, n, "DefaultCacheBehavior is %s, not a mapping", describe(n)))
	}
	v, k, n = e.field(dc, "CacheBehaviors")
	for _, it := range e.listItems(v, n) {
		irng := e.t.rangeOf(it.node, it.node)
		if _, ok := objects(it.v); !ok && it.v.state == model.Known {
			errs = append(errs, e.t.errorAt(r.id, it.node, it.node, "CacheBehaviors item is %s, not a mapping", describe(it.node)))
			continue
		}
		d.Behaviors = append(d.Behaviors, e.behavior(it.v, irng, false))
	}
	if v.state == model.Known && !v.isList() {
		errs = append(errs, e.t.errorAt(r.id, k, n, "CacheBehaviors is %s, not a list", describe(n)))
	}
	d.Ignores = e.ignores(r)
	return d, errs
}

// behavior reads one cache behavior from v, a mapping or a choice between
// mappings. When v cannot be resolved at all the behavior is kept with an
// unknown config ARN: it is set, and cannot be judged.
func (e *evaluator) behavior(v val, rng model.Range, isDefault bool) *model.Behavior {
	b := &model.Behavior{Default: isDefault, Range: rng}
	if isDefault {
		b.PathPattern = model.DefaultPathPattern
	} else {
		pv, _, pn := e.field(v, "PathPattern")
		switch {
		case pv.isScalar():
			b.PathPattern = pv.s
		case pn != nil:
			b.PathPattern = exprText(pn)
		case v.src != nil && v.state == model.Unknown && len(v.alts) == 0:
			b.PathPattern = exprText(v.src)
		}
	}
	av, k, n := e.field(v, "RealtimeLogConfigArn")
	if v.truncated || av.truncated {
		e.exhausted = true // too many branches to judge each
	}
	b.RealtimeLogConfigARN = stringValue(av, e.origin(k, n, rng))
	// A condition that cannot be resolved must not hide a missing config:
	// a branch without one fails, named by its condition.
	for _, a := range av.alts {
		if a.empty() {
			b.RealtimeLogConfigARN = model.AbsentValue[string](e.origin(k, n, rng))
			b.Condition = a.when
			break
		}
	}
	if b.Condition != "" || !model.IsSet(b.RealtimeLogConfigARN) {
		b.Condition = both(v.when, b.Condition)
	}
	if av.config != "" && b.RealtimeLogConfigARN.State != model.Absent {
		b.ConfigRef = e.t.configKey(av.config)
	}
	b.DanglingRef = av.danglingRef()
	return b
}

// item is one entry of a list property with the node it was written as.
type item struct {
	v    val
	node *yaml.Node
}

// listItems returns the entries of a list property v written as n, without
// the absent ones (AWS::NoValue, an Fn::If resolved to AWS::NoValue). A list
// that cannot be resolved as a whole (!Ref ListParam) has no entries.
func (e *evaluator) listItems(v val, n *yaml.Node) []item {
	var out []item
	if v.truncated {
		e.exhausted = true // too many branches to judge each
	}
	if len(v.alts) > 0 {
		// A list chosen by a condition that cannot be resolved: the
		// behaviors of every branch are judged, each under its condition.
		for _, a := range v.alts {
			if !a.isList() {
				continue
			}
			for _, iv := range a.list {
				node := iv.src
				if node == nil {
					node = n
				}
				iv.when = both(a.when, iv.when)
				out = append(out, item{iv, node})
			}
		}
		return out
	}
	if ln := deref(n); ln != nil && ln.Kind == yaml.SequenceNode && !isTagged(ln) {
		for _, c := range ln.Content {
			if iv := e.eval(c); iv.state != model.Absent {
				out = append(out, item{iv, c})
			}
		}
		return out
	}
	if !v.isList() {
		return nil
	}
	for _, iv := range v.list {
		node := iv.src
		if node == nil {
			node = n
		}
		out = append(out, item{iv, node})
	}
	return out
}
