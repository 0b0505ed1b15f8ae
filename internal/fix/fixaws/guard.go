package fixaws

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
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
func behaviorARN(c *cftypes.DistributionConfig, b fixplan.Behavior) **string {
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
func configBehaviors(c *cftypes.DistributionConfig) []fixplan.Behavior {
	out := []fixplan.Behavior{{PathPattern: "*", Default: true}}
	if c.CacheBehaviors != nil {
		for _, cb := range c.CacheBehaviors.Items {
			out = append(out, fixplan.Behavior{PathPattern: aws.ToString(cb.PathPattern)})
		}
	}
	return out
}

// attachment is what applying a planned change to a fetched config did.
type attachment struct {
	gained    []fixplan.Behavior // behaviors that now get the config
	already   []fixplan.Behavior // planned behaviors that have it already
	gone      []fixplan.Behavior // planned behaviors the config no longer has
	taken     []fixplan.Behavior // planned behaviors that meanwhile got another config
	unplanned []fixplan.Behavior // behaviors without any config that the plan does not name
}

// attach sets arn on the planned behaviors of c that still lack a config
// (or, for a planned replacement, still have the config the plan saw). It
// changes nothing else.
func attach(c *cftypes.DistributionConfig, planned []fixplan.Behavior, arn string) attachment {
	var a attachment
	named := map[fixplan.Behavior]bool{}
	for _, b := range planned {
		named[fixplan.Behavior{PathPattern: b.PathPattern, Default: b.Default}] = true
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
func CheckOnlyARNsAdded(before, after *cftypes.DistributionConfig, arn string, gained []fixplan.Behavior) error {
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

// configDiff describes how two configs differ, for messages: one line per
// field that differs. Origin custom header values are never shown (teams use
// them as shared secrets with the origin); only the backup holds them.
func configDiff(before, after *cftypes.DistributionConfig) string {
	var lines []string
	diffValues("", reflect.ValueOf(before), reflect.ValueOf(after), &lines)
	const limit = 40
	if len(lines) > limit {
		lines = append(lines[:limit], fmt.Sprintf("… and %d more", len(lines)-limit))
	}
	if len(lines) == 0 {
		return "(no difference in the fields the SDK knows)"
	}
	return strings.Join(lines, "\n")
}

// secretField reports whether the field at path holds a secret.
func secretField(path string) bool {
	return strings.Contains(path, "CustomHeaders.Items[") && strings.HasSuffix(path, ".HeaderValue")
}

// diffValues appends a line for every field where a and b differ.
func diffValues(path string, a, b reflect.Value, out *[]string) {
	if len(*out) > 100 {
		return
	}
	emit := func(x, y string) {
		*out = append(*out, fmt.Sprintf("~ %s: %s → %s", strings.TrimPrefix(path, "."), x, y))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		switch {
		case a.IsNil() && b.IsNil():
		case a.IsNil() || b.IsNil():
			emit(showValue(path, a), showValue(path, b))
		default:
			diffValues(path, a.Elem(), b.Elem(), out)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				diffValues(path+"."+f.Name, a.Field(i), b.Field(i), out)
			}
		}
	case reflect.Slice:
		for i := range max(a.Len(), b.Len()) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= a.Len():
				*out = append(*out, fmt.Sprintf("+ %s: %s", strings.TrimPrefix(p, "."), showValue(p, b.Index(i))))
			case i >= b.Len():
				*out = append(*out, fmt.Sprintf("- %s: %s", strings.TrimPrefix(p, "."), showValue(p, a.Index(i))))
			default:
				diffValues(p, a.Index(i), b.Index(i), out)
			}
		}
	case reflect.Map:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			emit(showValue(path, a), showValue(path, b))
		}
	default:
		if a.IsValid() && b.IsValid() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
			if secretField(path) {
				emit("(value not shown)", "(another value, not shown)")
				return
			}
			emit(showValue(path, a), showValue(path, b))
		}
	}
}

// showValue renders a value for configDiff: scalars as they are, anything
// composite by its type only, so no nested secret is printed.
func showValue(path string, v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "(none)"
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map, reflect.Array:
		return "(" + v.Type().String() + ")"
	}
	if secretField(path) {
		return "(value not shown)"
	}
	if v.Kind() == reflect.String {
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}
