package fixaws

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/fix/plan"
)

// CopyConfig returns a deep copy of a distribution config.
func CopyConfig(c *cftypes.DistributionConfig) *cftypes.DistributionConfig {
	if c == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(c)).Interface().(*cftypes.DistributionConfig)
}

// deepCopy copies v and everything it points to. Unexported struct fields
// are left zero; the SDK's only ones are zero-size markers.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(deepCopy(v.Elem()))
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			f := n.Field(i)
			if !f.CanSet() {
				if v.Type().Field(i).Type.Size() != 0 {
					panic(fmt.Sprintf("fixaws: cannot copy unexported field %s.%s", v.Type(), v.Type().Field(i).Name))
				}
				continue
			}
			f.Set(deepCopy(v.Field(i)))
		}
		return n
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(deepCopy(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(deepCopy(it.Key()), deepCopy(it.Value()))
		}
		return n
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		n := reflect.New(v.Type()).Elem()
		n.Set(deepCopy(v.Elem()))
		return n
	}
	return v
}

// behaviorARN returns a pointer to the RealtimeLogConfigArn field of the
// behavior b names in c, or nil when c has no such behavior.
func behaviorARN(c *cftypes.DistributionConfig, b plan.Behavior) **string {
	if b.Default {
		if c.DefaultCacheBehavior == nil {
			return nil
		}
		return &c.DefaultCacheBehavior.RealtimeLogConfigArn
	}
	if c.CacheBehaviors == nil {
		return nil
	}
	for i := range c.CacheBehaviors.Items {
		if aws.ToString(c.CacheBehaviors.Items[i].PathPattern) == b.PathPattern {
			return &c.CacheBehaviors.Items[i].RealtimeLogConfigArn
		}
	}
	return nil
}

// configBehaviors lists every behavior of a config, the default first.
func configBehaviors(c *cftypes.DistributionConfig) []plan.Behavior {
	out := []plan.Behavior{{PathPattern: "*", Default: true}}
	if c.CacheBehaviors != nil {
		for _, cb := range c.CacheBehaviors.Items {
			out = append(out, plan.Behavior{PathPattern: aws.ToString(cb.PathPattern)})
		}
	}
	return out
}

// attachment is what applying a planned change to a fetched config did.
type attachment struct {
	gained    []plan.Behavior // behaviors that now get the config
	already   []plan.Behavior // planned behaviors that have it already
	gone      []plan.Behavior // planned behaviors the config no longer has
	taken     []plan.Behavior // planned behaviors that meanwhile got another config
	unplanned []plan.Behavior // behaviors without any config that the plan does not name
}

// attach sets arn on the planned behaviors of c that still lack a config
// (or, for a planned replacement, still have the config the plan saw). It
// changes nothing else.
func attach(c *cftypes.DistributionConfig, planned []plan.Behavior, arn string) attachment {
	var a attachment
	named := map[plan.Behavior]bool{}
	for _, b := range planned {
		named[plan.Behavior{PathPattern: b.PathPattern, Default: b.Default}] = true
		field := behaviorARN(c, b)
		switch {
		case field == nil:
			a.gone = append(a.gone, b)
		case aws.ToString(*field) == arn:
			a.already = append(a.already, b)
		case aws.ToString(*field) == "" || aws.ToString(*field) == b.From:
			*field = aws.String(arn)
			a.gained = append(a.gained, b)
		default:
			a.taken = append(a.taken, b)
		}
	}
	for _, b := range configBehaviors(c) {
		if !named[b] && aws.ToString(*behaviorARN(c, b)) == "" {
			a.unplanned = append(a.unplanned, b)
		}
	}
	return a
}

// CheckOnlyARNsAdded returns an error unless after differs from before
// only in that the behaviors listed in gained have RealtimeLogConfigArn
// set to arn. It is the last check before a config is sent.
func CheckOnlyARNsAdded(before, after *cftypes.DistributionConfig, arn string, gained []plan.Behavior) error {
	if before == nil || after == nil {
		return fmt.Errorf("refusing to send: a distribution config is missing")
	}
	b, a := CopyConfig(before), CopyConfig(after)
	for _, g := range gained {
		fa, fb := behaviorARN(a, g), behaviorARN(b, g)
		if fa == nil || fb == nil {
			return fmt.Errorf("refusing to send: behavior %s is not in both configs", g)
		}
		if aws.ToString(*fa) != arn {
			return fmt.Errorf("refusing to send: behavior %s would get RealtimeLogConfigArn %q, not %q", g, aws.ToString(*fa), arn)
		}
		*fa, *fb = nil, nil
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return fmt.Errorf("refusing to send: the config would change more than the real-time log config ARNs:\n%s", configDiff(b, a))
}

// configDiff describes how two configs differ, for error messages.
func configDiff(before, after *cftypes.DistributionConfig) (out string) {
	defer func() {
		if recover() != nil {
			out = "(the difference could not be shown)"
		}
	}()
	d := cmp.Diff(before, after, cmp.Exporter(func(reflect.Type) bool { return true }))
	const limit = 2000
	if len(d) > limit {
		d = d[:limit] + "\n…"
	}
	return strings.TrimRight(d, "\n")
}
