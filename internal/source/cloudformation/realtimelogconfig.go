package cloudformation

import (
	"github.com/cloudassure/cloudassure/internal/model"
)

// realtimeLogConfig reads an AWS::CloudFront::RealtimeLogConfig. Its Name is
// the logical ID when the name is not a known string.
func (e *evaluator) realtimeLogConfig(r *resource) (*model.RealtimeLogConfig, []*model.ReadError) {
	props, perr := e.properties(r)
	if perr != nil {
		return nil, []*model.ReadError{perr}
	}
	rng := e.t.rangeOf(r.key, r.node)
	c := &model.RealtimeLogConfig{Name: r.id, Range: rng}
	if v, _, _ := e.field(props, "Name"); v.isScalar() && v.s != "" {
		c.Name = v.s
	}
	v, k, n := e.field(props, "SamplingRate")
	c.SamplingRate = intValue(v, e.origin(k, n, rng))
	v, k, n = e.field(props, "Fields")
	c.Fields = stringsValue(v, e.origin(k, n, rng))

	var errs []*model.ReadError
	v, k, n = e.field(props, "EndPoints")
	items := e.listItems(v, n)
	if v.state == model.Unknown && items == nil {
		// EndPoints is set but cannot be resolved: one endpoint of unknowns.
		o := e.origin(k, n, rng)
		c.Endpoints = append(c.Endpoints, model.Endpoint{
			StreamType: model.UnknownValue[string](o),
			StreamARN:  model.UnknownValue[string](o),
			RoleARN:    model.UnknownValue[string](o),
		})
	}
	for _, it := range items {
		if _, ok := objects(it.v); !ok && it.v.state == model.Known {
			errs = append(errs, e.t.errorAt(r.id, it.node, it.node, "EndPoints item is %s, not a mapping", describe(it.node)))
			continue
		}
		c.Endpoints = append(c.Endpoints, e.endpoint(it.v, e.t.rangeOf(it.node, it.node)))
	}
	if v.state == model.Known && !v.isList() {
		errs = append(errs, e.t.errorAt(r.id, k, n, "EndPoints is %s, not a list", describe(n)))
	}
	return c, errs
}

// endpoint reads one entry of EndPoints (note CloudFormation's casing:
// KinesisStreamConfig.RoleArn and StreamArn).
func (e *evaluator) endpoint(v val, rng model.Range) model.Endpoint {
	var ep model.Endpoint
	st, k, n := e.field(v, "StreamType")
	ep.StreamType = stringValue(st, e.origin(k, n, rng))
	kc, kk, kn := e.field(v, "KinesisStreamConfig")
	krng := rng
	if kk != nil {
		krng = e.t.rangeOf(kk, kn)
	}
	role, k, n := e.field(kc, "RoleArn")
	ep.RoleARN = stringValue(role, e.origin(k, n, krng))
	stream, k, n := e.field(kc, "StreamArn")
	ep.StreamARN = stringValue(stream, e.origin(k, n, krng))
	return ep
}
