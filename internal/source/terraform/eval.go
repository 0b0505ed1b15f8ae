package terraform

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/cloudassure/cloudassure/internal/model"
)

// refMark marks a value that carries a reference to a real-time log config,
// so the reference survives variables, locals, module inputs and outputs,
// templates, conditionals and function calls.
type refMark struct {
	key      string // the config's address, module path included
	dangling bool   // the name is not declared in its module
}

// refs are the config references a value carries.
type refs struct {
	configs  []string
	dangling []string
}

// refsOf collects the refMarks anywhere in v.
func refsOf(v cty.Value) refs {
	_, marks := v.UnmarkDeep()
	var out refs
	for m := range marks {
		if rm, ok := m.(refMark); ok {
			if rm.dangling {
				out.dangling = append(out.dangling, rm.key)
			} else {
				out.configs = append(out.configs, rm.key)
			}
		}
	}
	sort.Strings(out.configs)
	sort.Strings(out.dangling)
	return out
}

// evalExpr evaluates expr. A failed evaluation gives an unknown value that
// still carries the config references of the values the expression names.
func evalExpr(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value) {
	defer func() {
		if recover() != nil {
			v = unknownWithRefs(expr, ctx)
		}
	}()
	v, diags := expr.Value(ctx)
	if diags.HasErrors() || v == cty.NilVal {
		return unknownWithRefs(expr, ctx)
	}
	return v
}

// unknownWithRefs is an unknown value marked with the references of every
// variable expr names.
func unknownWithRefs(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value) {
	v = cty.DynamicVal
	if ctx == nil {
		return v
	}
	defer func() {
		if recover() != nil {
			v = cty.DynamicVal
		}
	}()
	var marks []cty.ValueMarks
	for _, t := range expr.Variables() {
		tv, _ := t.TraverseAbs(ctx)
		if tv == cty.NilVal {
			continue
		}
		_, m := tv.UnmarkDeep()
		keep := cty.ValueMarks{}
		for mk := range m {
			if _, ok := mk.(refMark); ok {
				keep[mk] = struct{}{}
			}
		}
		marks = append(marks, keep)
	}
	return v.WithMarks(marks...)
}

// convertVariable applies a variable's type constraint (with optional
// attribute defaults) to v; v is kept as is when it does not convert.
func convertVariable(v cty.Value, typeAttr *hclsyntax.Attribute) (out cty.Value) {
	if typeAttr == nil {
		return v
	}
	defer func() {
		if recover() != nil {
			out = v
		}
	}()
	ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(typeAttr.Expr)
	if diags.HasErrors() {
		return v
	}
	c := v
	if defaults != nil {
		c = defaults.Apply(c)
	}
	c, err := convert.Convert(c, ty)
	if err != nil {
		return v
	}
	return c
}

// stringValue reads a string attribute: missing, null and "" are absent.
func stringValue(a *hclsyntax.Attribute, ctx *hcl.EvalContext, block hcl.Range) (model.Value[string], refs) {
	if a == nil {
		return model.AbsentValue[string](origin(block)), refs{}
	}
	o := origin(a.SrcRange)
	v := evalExpr(a.Expr, ctx)
	rs := refsOf(v)
	s, state := asString(v)
	switch state {
	case model.Known:
		return model.KnownValue(s, o), rs
	case model.Unknown:
		return model.UnknownValue[string](o), rs
	}
	return model.AbsentValue[string](o), rs
}

// asString converts v to a string with its state: null and "" are absent.
func asString(v cty.Value) (s string, state model.State) {
	defer func() {
		if recover() != nil {
			s, state = "", model.Unknown
		}
	}()
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return "", model.Unknown
	}
	if v.IsNull() {
		return "", model.Absent
	}
	c, err := convert.Convert(v, cty.String)
	if err != nil || !c.IsKnown() {
		return "", model.Unknown
	}
	if c.IsNull() || c.AsString() == "" {
		return "", model.Absent
	}
	return c.AsString(), model.Known
}

// boolValue reads a bool attribute: missing and null are absent.
func boolValue(a *hclsyntax.Attribute, ctx *hcl.EvalContext, block hcl.Range) model.Value[bool] {
	return scalarValue(a, ctx, block, cty.Bool, func(c cty.Value) (bool, bool) { return c.True(), true })
}

// intValue reads a whole-number attribute: missing and null are absent; a
// fraction is unknown (Terraform would reject it).
func intValue(a *hclsyntax.Attribute, ctx *hcl.EvalContext, block hcl.Range) model.Value[int] {
	return scalarValue(a, ctx, block, cty.Number, func(c cty.Value) (int, bool) {
		bf := c.AsBigFloat()
		if !bf.IsInt() {
			return 0, false
		}
		n, acc := bf.Int64()
		return int(n), acc == 0 && n == int64(int(n))
	})
}

// scalarValue evaluates a, converts it to ty and extracts it with get:
// missing and null are absent; what cannot be evaluated, converted or
// extracted is unknown (set, at a value not known here).
func scalarValue[T any](a *hclsyntax.Attribute, ctx *hcl.EvalContext, block hcl.Range, ty cty.Type, get func(cty.Value) (T, bool)) (val model.Value[T]) {
	if a == nil {
		return model.AbsentValue[T](origin(block))
	}
	o := origin(a.SrcRange)
	defer func() {
		if recover() != nil {
			val = model.UnknownValue[T](o)
		}
	}()
	v, _ := evalExpr(a.Expr, ctx).UnmarkDeep()
	switch {
	case !v.IsKnown():
		return model.UnknownValue[T](o)
	case v.IsNull():
		return model.AbsentValue[T](o)
	}
	c, err := convert.Convert(v, ty)
	if err != nil || !c.IsKnown() {
		return model.UnknownValue[T](o)
	}
	if c.IsNull() {
		return model.AbsentValue[T](o)
	}
	x, ok := get(c)
	if !ok {
		return model.UnknownValue[T](o)
	}
	return model.KnownValue(x, o)
}

// stringsValue reads a list or set of strings: missing and null are absent;
// any unknown element makes the whole value unknown.
func stringsValue(a *hclsyntax.Attribute, ctx *hcl.EvalContext, block hcl.Range) (val model.Value[[]string]) {
	if a == nil {
		return model.AbsentValue[[]string](origin(block))
	}
	o := origin(a.SrcRange)
	defer func() {
		if recover() != nil {
			val = model.UnknownValue[[]string](o)
		}
	}()
	v, _ := evalExpr(a.Expr, ctx).UnmarkDeep()
	switch {
	case !v.IsWhollyKnown():
		return model.UnknownValue[[]string](o)
	case v.IsNull():
		return model.AbsentValue[[]string](o)
	case !v.CanIterateElements() || v.Type().IsMapType() || v.Type().IsObjectType():
		return model.UnknownValue[[]string](o)
	}
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		s, state := asString(e)
		if state == model.Unknown {
			return model.UnknownValue[[]string](o)
		}
		out = append(out, s)
	}
	return model.KnownValue(out, o)
}

func origin(r hcl.Range) model.Origin { return model.Origin{Range: hclRange(r)} }
