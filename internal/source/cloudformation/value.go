package cloudformation

import (
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// kind is the shape of a known value.
type kind uint8

const (
	scalar kind = iota
	list
	object
)

// val is what an expression evaluates to.
type val struct {
	state model.State
	kind  kind
	s     string     // scalar text
	tag   string     // scalar YAML tag: !!str, !!int, !!float, !!bool
	list  []val      // list items; AWS::NoValue items are already dropped
	node  *yaml.Node // object: the mapping, read lazily
	// config is the logical ID of an AWS::CloudFront::RealtimeLogConfig the
	// value refers to through Ref or Fn::GetAtt X.Arn.
	config string
	// dangling is a logical ID referred to that the template does not define.
	dangling string
	// alts are the branches of an Fn::If whose condition cannot be resolved.
	alts []val
	// src is the node the value was evaluated from.
	src *yaml.Node
	// when, on a branch in alts, is the condition under which it is taken,
	// e.g. "IsProd is false".
	when string
	// truncated is set when the value had more branches than maxAlts: they
	// cannot all be judged, so the resource is an error.
	truncated bool
}

// both joins two branch conditions.
func both(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " and " + b
}

func absent() val                  { return val{state: model.Absent} }
func unknown() val                 { return val{state: model.Unknown} }
func knownStr(s string) val        { return val{state: model.Known, s: s, tag: "!!str"} }
func knownBool(b bool) val         { return val{state: model.Known, s: strconv.FormatBool(b), tag: "!!bool"} }
func knownList(items []val) val    { return val{state: model.Known, kind: list, list: items} }
func knownObject(n *yaml.Node) val { return val{state: model.Known, kind: object, node: n} }

// unknownFrom is an unresolvable result computed from args: it keeps the
// first dangling reference among them.
func unknownFrom(args ...val) val {
	v := unknown()
	for _, a := range args {
		if d := a.danglingRef(); d != "" {
			v.dangling = d
			break
		}
	}
	return v
}

// danglingRef returns the first dangling reference in v, its items or branches.
func (v val) danglingRef() string {
	if v.dangling != "" {
		return v.dangling
	}
	for _, x := range v.list {
		if d := x.danglingRef(); d != "" {
			return d
		}
	}
	for _, x := range v.alts {
		if d := x.danglingRef(); d != "" {
			return d
		}
	}
	return ""
}

// empty reports whether v is absent or the empty string: not set.
func (v val) empty() bool { return v.state == model.Absent || (v.isScalar() && v.s == "") }

func (v val) isScalar() bool { return v.state == model.Known && v.kind == scalar }
func (v val) isList() bool   { return v.state == model.Known && v.kind == list }
func (v val) isObject() bool { return v.state == model.Known && v.kind == object }

// choice is the value of a choice between branches that cannot be resolved
// (Fn::If). Absent when every branch is absent or empty; the branch's value when all
// branches are the same known scalar; otherwise unknown (set), referring to a
// real-time log config when every set branch refers to the same one.
func choice(branches ...val) val {
	var alts []val
	for _, b := range branches {
		if len(b.alts) > 0 {
			for _, a := range b.alts {
				a.when = both(b.when, a.when)
				alts = append(alts, a)
			}
		} else {
			alts = append(alts, b)
		}
	}
	allAbsent, sameScalar, sameConfig, first := true, true, true, true
	config := ""
	for i, a := range alts {
		if !a.empty() {
			allAbsent = false
			if first {
				config, first = a.config, false
			} else if a.config != config {
				sameConfig = false
			}
		}
		if !a.isScalar() || a.dangling != "" || a.config != "" || (i > 0 && (a.s != alts[0].s || a.tag != alts[0].tag)) {
			sameScalar = false
		}
	}
	switch {
	case len(alts) == 0 || allAbsent:
		return absent()
	case sameScalar:
		return alts[0]
	}
	v := unknownFrom(alts...)
	if sameConfig {
		v.config = config
	}
	if len(alts) <= maxAlts {
		v.alts = alts
	} else {
		v.truncated = true
	}
	for _, a := range alts {
		v.truncated = v.truncated || a.truncated
	}
	return v
}

// stringValue is v as a model string: an empty or null value is absent; a
// list or mapping where a string belongs is set but not usable, so unknown.
func stringValue(v val, o model.Origin) model.Value[string] {
	switch {
	case v.state == model.Absent:
		return model.AbsentValue[string](o)
	case v.isScalar() && v.s == "":
		return model.AbsentValue[string](o)
	case v.isScalar():
		return model.KnownValue(v.s, o)
	}
	return model.UnknownValue[string](o)
}

// boolValue is v as a model bool: true and false in any case, also as
// strings. Anything else that is set is unknown.
func boolValue(v val, o model.Origin) model.Value[bool] {
	if v.state == model.Absent || (v.isScalar() && v.s == "") {
		return model.AbsentValue[bool](o)
	}
	if v.isScalar() {
		switch strings.ToLower(v.s) {
		case "true":
			return model.KnownValue(true, o)
		case "false":
			return model.KnownValue(false, o)
		}
	}
	return model.UnknownValue[bool](o)
}

// intValue is v as a model int: a whole number, also as a string.
func intValue(v val, o model.Origin) model.Value[int] {
	if v.state == model.Absent || (v.isScalar() && v.s == "") {
		return model.AbsentValue[int](o)
	}
	if v.isScalar() {
		s := strings.TrimSpace(v.s)
		if i, err := strconv.Atoi(s); err == nil {
			return model.KnownValue(i, o)
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<31 {
			return model.KnownValue(int(f), o)
		}
	}
	return model.UnknownValue[int](o)
}

// stringsValue is v as a model list of strings; unknown when any item is.
func stringsValue(v val, o model.Origin) model.Value[[]string] {
	switch {
	case v.state == model.Absent:
		return model.AbsentValue[[]string](o)
	case !v.isList():
		return model.UnknownValue[[]string](o)
	}
	out := make([]string, 0, len(v.list))
	for _, x := range v.list {
		if !x.isScalar() {
			return model.UnknownValue[[]string](o)
		}
		out = append(out, x.s)
	}
	return model.KnownValue(out, o)
}
