package tfplan

import (
	"fmt"
	"math"
	"strconv"

	"github.com/cloudassure/cloudassure/internal/model"
)

// object is a planned object value (change.after, or a nested block in it)
// with the matching part of change.after_unknown.
type object struct {
	after   map[string]any
	unknown any // true, a map like after, or nil
	origin  model.Origin
}

func newObject(after, unknown any, rng model.Range) object {
	m, _ := after.(map[string]any)
	return object{after: m, unknown: unknown, origin: model.Origin{Range: rng}}
}

// unknownAt reports whether key is known only after apply, and returns the
// after_unknown subtree under key.
func (o object) unknownAt(key string) (bool, any) {
	switch u := o.unknown.(type) {
	case bool:
		return u, u
	case map[string]any:
		sub := u[key]
		b, ok := sub.(bool)
		return ok && b, sub
	}
	return false, nil
}

// str reads a string: null, missing and "" are absent.
func (o object) str(key string) model.Value[string] {
	if unk, _ := o.unknownAt(key); unk {
		return model.UnknownValue[string](o.origin)
	}
	switch v := o.after[key].(type) {
	case nil:
		return model.AbsentValue[string](o.origin)
	case string:
		if v == "" {
			return model.AbsentValue[string](o.origin)
		}
		return model.KnownValue(v, o.origin)
	case bool:
		return model.KnownValue(strconv.FormatBool(v), o.origin)
	case float64:
		return model.KnownValue(strconv.FormatFloat(v, 'f', -1, 64), o.origin)
	default:
		return model.UnknownValue[string](o.origin)
	}
}

// bool reads a boolean: null and missing are absent.
func (o object) bool(key string) model.Value[bool] {
	if unk, _ := o.unknownAt(key); unk {
		return model.UnknownValue[bool](o.origin)
	}
	switch v := o.after[key].(type) {
	case nil:
		return model.AbsentValue[bool](o.origin)
	case bool:
		return model.KnownValue(v, o.origin)
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return model.KnownValue(b, o.origin)
		}
	}
	return model.UnknownValue[bool](o.origin)
}

// int reads a whole number: null and missing are absent, anything else
// that is not a whole number is unknown.
func (o object) int(key string) model.Value[int] {
	if unk, _ := o.unknownAt(key); unk {
		return model.UnknownValue[int](o.origin)
	}
	switch v := o.after[key].(type) {
	case nil:
		return model.AbsentValue[int](o.origin)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return model.KnownValue(int(v), o.origin)
		}
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return model.KnownValue(n, o.origin)
		}
	}
	return model.UnknownValue[int](o.origin)
}

// strings reads a list or set of strings: null and missing are absent; an
// unknown element makes the whole value unknown.
func (o object) strings(key string) model.Value[[]string] {
	unk, sub := o.unknownAt(key)
	if unk {
		return model.UnknownValue[[]string](o.origin)
	}
	if subl, ok := sub.([]any); ok {
		for _, u := range subl {
			if b, ok := u.(bool); ok && b {
				return model.UnknownValue[[]string](o.origin)
			}
		}
	}
	switch v := o.after[key].(type) {
	case nil:
		return model.AbsentValue[[]string](o.origin)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			switch s := e.(type) {
			case string:
				out = append(out, s)
			default:
				out = append(out, fmt.Sprint(s))
			}
		}
		return model.KnownValue(out, o.origin)
	}
	return model.UnknownValue[[]string](o.origin)
}

// list reads a list of nested blocks. When after_unknown says the whole
// list is unknown, each element (at least one) is unknown throughout.
func (o object) list(key string) []object {
	unk, sub := o.unknownAt(key)
	items, _ := o.after[key].([]any)
	subs, _ := sub.([]any)
	n := max(len(items), len(subs))
	if unk && n == 0 {
		n = 1
	}
	out := make([]object, 0, n)
	for i := 0; i < n; i++ {
		e := object{origin: o.origin}
		if i < len(items) {
			e.after, _ = items[i].(map[string]any)
		}
		switch {
		case unk:
			e.unknown = true
		case i < len(subs):
			e.unknown = subs[i]
		}
		out = append(out, e)
	}
	return out
}
