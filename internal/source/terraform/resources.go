package terraform

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/cloudassure/cloudassure/internal/model"
)

// maxDynamic bounds how many elements a dynamic block is expanded into.
const maxDynamic = 1000

// readResources adds m's distributions and real-time log configs to r.inv.
func (r *reader) readResources(m *module, ctx *hcl.EvalContext) {
	for _, d := range m.decls {
		if d.kind != "resource" {
			continue
		}
		typ := d.labels[0]
		switch typ {
		case TypeDistribution, TypeMultitenantDistribution, TypeRealtimeLogConfig:
		default:
			continue
		}
		if !created(d.body, ctx) {
			continue
		}
		addr := m.addr + typ + "." + d.labels[1]
		if typ == TypeRealtimeLogConfig {
			// References name the config without an instance key.
			r.inv.Configs[addr] = m.readConfig(d, ctx, addr)
			continue
		}
		reps := repetitions(d.body, ctx)
		if !r.spend(len(reps), addr, d.block) {
			continue
		}
		for _, in := range reps {
			dist := m.readDistribution(d, in.ctx, addr+in.key)
			dist.Root = r.rootName
			r.inv.Distributions = append(r.inv.Distributions, dist)
		}
	}
}

// maxTotalInstances bounds the distributions and module instances one root
// module expands into, whatever the nesting of count and for_each.
const maxTotalInstances = 10000

// spend takes n instances of the block at addr from the reader's budget; when
// it runs out the block is an error and is not read.
func (r *reader) spend(n int, addr string, b *hclsyntax.Block) bool {
	r.instances += n
	if r.instances <= maxTotalInstances {
		return true
	}
	r.addErr(&model.ReadError{Operation: "read", Resource: addr, Range: hclRange(b.Range()),
		Message: fmt.Sprintf("count and for_each expand to more than %d instances in this root module; not checked", maxTotalInstances)})
	return false
}

// maxInstances bounds how many instances a count or for_each is expanded
// into; past it, one instance stands for them all.
const maxInstances = 1000

// repetition is one instance of a resource or module block: its instance
// key as Terraform writes it in addresses ([0], ["a"]; "" for a block
// without count or for_each, or one whose count or for_each is not known
// here) and the context with count.index or each.key and each.value.
type repetition struct {
	key string
	ctx *hcl.EvalContext
}

// repetitions expands a block's count or for_each when it is known.
func repetitions(body mergedBody, ctx *hcl.EvalContext) []repetition {
	one := []repetition{{ctx: ctx}}
	if a := body.attr("count"); a != nil {
		v, _ := evalExpr(a.Expr, ctx).UnmarkDeep()
		n, ok := wholeNumber(v)
		if !ok || n < 0 || n > maxInstances {
			return one
		}
		out := make([]repetition, 0, n)
		for i := range n {
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(i))})}
			out = append(out, repetition{key: fmt.Sprintf("[%d]", i), ctx: child})
		}
		return out
	}
	a := body.attr("for_each")
	if a == nil {
		return one
	}
	v := evalExpr(a.Expr, ctx)
	if u, _ := v.Unmark(); u.IsKnown() && !u.IsNull() && (u.Type().IsListType() || u.Type().IsTupleType()) {
		return one // Terraform rejects a list; its keys would be made up
	}
	elems, known := elements(v)
	if !known {
		return one
	}
	out := make([]repetition, 0, len(elems))
	for _, kv := range elems {
		key, state := asString(kv[0])
		if state == model.Unknown {
			return one
		}
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": kv[0], "value": kv[1]})}
		out = append(out, repetition{key: "[" + strconv.Quote(key) + "]", ctx: child})
	}
	return out
}

// wholeNumber is v as an int when it is a known whole number.
func wholeNumber(v cty.Value) (n int, ok bool) {
	defer func() {
		if recover() != nil {
			n, ok = 0, false
		}
	}()
	if !v.IsKnown() || v.IsNull() {
		return 0, false
	}
	c, err := convert.Convert(v, cty.Number)
	if err != nil || c.IsNull() {
		return 0, false
	}
	bf := c.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	return int(i), acc == big.Exact && i <= maxInstances
}

func (m *module) readDistribution(d *decl, ctx *hcl.EvalContext, addr string) *model.Distribution {
	typ := d.labels[0]
	rng := d.block.Range()
	dist := &model.Distribution{
		ID:      addr,
		Type:    typ,
		Range:   hclRange(rng),
		Enabled: boolValue(d.body.attr("enabled"), ctx, rng),
		Staging: model.AbsentValue[bool](origin(rng)),
	}
	if typ == TypeDistribution {
		dist.Staging = boolValue(d.body.attr("staging"), ctx, rng)
	}
	if c, _ := stringValue(d.body.attr("comment"), ctx, rng); c.State == model.Known {
		dist.Comment = c.V
	}
	if insts := m.expand(d.body.blocks("default_cache_behavior"), ctx); len(insts) > 0 {
		dist.Behaviors = append(dist.Behaviors, insts[0].behavior(true))
	}
	ordered := "ordered_cache_behavior"
	if typ == TypeMultitenantDistribution {
		ordered = "cache_behavior"
	}
	for _, in := range m.expand(d.body.blocks(ordered), ctx) {
		dist.Behaviors = append(dist.Behaviors, in.behavior(false))
	}
	dist.Ignores = d.file.ignores(d.block)
	return dist
}

func (m *module) readConfig(d *decl, ctx *hcl.EvalContext, addr string) *model.RealtimeLogConfig {
	rng := d.block.Range()
	cfg := &model.RealtimeLogConfig{
		Name:         addr,
		SamplingRate: intValue(d.body.attr("sampling_rate"), ctx, rng),
		Fields:       stringsValue(d.body.attr("fields"), ctx, rng),
		Range:        hclRange(rng),
	}
	if n, _ := stringValue(d.body.attr("name"), ctx, rng); n.State == model.Known {
		cfg.Name = n.V
	}
	for _, ep := range m.expand(d.body.blocks("endpoint"), ctx) {
		e := model.Endpoint{}
		e.StreamType, _ = stringValue(ep.body.Attributes["stream_type"], ep.ctx, ep.rng)
		e.StreamARN = model.AbsentValue[string](origin(ep.rng))
		e.RoleARN = model.AbsentValue[string](origin(ep.rng))
		if ks := m.expand(blocksOf(ep.body, "kinesis_stream_config"), ep.ctx); len(ks) > 0 {
			k := ks[0]
			e.StreamARN, _ = stringValue(k.body.Attributes["stream_arn"], k.ctx, k.rng)
			e.RoleARN, _ = stringValue(k.body.Attributes["role_arn"], k.ctx, k.rng)
		}
		cfg.Endpoints = append(cfg.Endpoints, e)
	}
	return cfg
}

// instance is one nested block as Terraform will see it: a static block, or
// one element of a dynamic block with its iterator in ctx.
type instance struct {
	body *hclsyntax.Body
	ctx  *hcl.EvalContext
	rng  hcl.Range // the block's range (the whole dynamic block for dynamic ones)
	m    *module
}

// expand turns blocks into instances, expanding dynamic blocks whose
// for_each is known.
func (m *module) expand(blocks []*hclsyntax.Block, ctx *hcl.EvalContext) []instance {
	var out []instance
	for _, b := range blocks {
		if b.Type != "dynamic" {
			out = append(out, instance{body: b.Body, ctx: ctx, rng: b.Range(), m: m})
			continue
		}
		var content *hclsyntax.Block
		for _, c := range b.Body.Blocks {
			if c.Type == "content" {
				content = c
				break
			}
		}
		if content == nil {
			continue
		}
		iter := b.Labels[0]
		if a, ok := b.Body.Attributes["iterator"]; ok {
			if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
				iter = kw
			}
		}
		var elems [][2]cty.Value
		known := false
		if a, ok := b.Body.Attributes["for_each"]; ok {
			elems, known = elements(evalExpr(a.Expr, ctx))
		}
		if !known {
			// The content stands for however many blocks for_each makes.
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{iter: cty.DynamicVal}
			out = append(out, instance{body: content.Body, ctx: child, rng: b.Range(), m: m})
			continue
		}
		for _, kv := range elems {
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": kv[0], "value": kv[1]})}
			out = append(out, instance{body: content.Body, ctx: child, rng: b.Range(), m: m})
		}
	}
	return out
}

// elements returns the key/value pairs of a known collection, or false when
// v is not one (or is too large to expand).
func elements(v cty.Value) (out [][2]cty.Value, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	v, marks := v.Unmark()
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil, false
	}
	n := v.Length()
	if !n.IsKnown() {
		return nil, false
	}
	if v.LengthInt() > maxDynamic {
		return nil, false
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out = append(out, [2]cty.Value{k.WithMarks(marks), e.WithMarks(marks)})
	}
	return out, true
}

// behavior reads a cache behavior block.
func (in instance) behavior(def bool) *model.Behavior {
	b := &model.Behavior{Default: def, PathPattern: model.DefaultPathPattern, Range: hclRange(in.rng)}
	if !def {
		b.PathPattern = in.pathPattern()
	}
	a := in.body.Attributes["realtime_log_config_arn"]
	v, rs := stringValue(a, in.ctx, in.rng)
	b.RealtimeLogConfigARN = v
	if a != nil && v.State == model.Unknown {
		// A condition known only at deploy time must not hide a missing
		// config: a branch without one fails, named by its condition.
		for _, br := range in.m.branches(a.Expr, in.ctx, "", 0) {
			if _, state := asString(br.v); state == model.Absent {
				b.RealtimeLogConfigARN = model.AbsentValue[string](v.Origin)
				b.Condition = br.when
				break
			}
		}
	}
	if len(rs.dangling) > 0 {
		b.DanglingRef = rs.dangling[0]
	}
	if len(rs.configs) == 1 && b.RealtimeLogConfigARN.State != model.Absent {
		b.ConfigRef = rs.configs[0]
	}
	return b
}

// branch is one outcome of a conditional expression and when it is taken.
type branch struct {
	when string
	v    cty.Value
}

// maxBranchDepth bounds how deep nested conditionals are followed.
const maxBranchDepth = 6

// branches returns the outcomes of expr, following conditionals whose
// condition is not known here into both sides.
func (m *module) branches(expr hcl.Expression, ctx *hcl.EvalContext, when string, depth int) []branch {
	for {
		p, ok := expr.(*hclsyntax.ParenthesesExpr)
		if !ok {
			break
		}
		expr = p.Expression
	}
	c, ok := expr.(*hclsyntax.ConditionalExpr)
	if !ok || depth >= maxBranchDepth {
		return []branch{{when, evalExpr(expr, ctx)}}
	}
	cond, _ := evalExpr(c.Condition, ctx).UnmarkDeep()
	if cond.IsKnown() && !cond.IsNull() && cond.Type() == cty.Bool {
		if cond.True() {
			return m.branches(c.TrueResult, ctx, when, depth+1)
		}
		return m.branches(c.FalseResult, ctx, when, depth+1)
	}
	text := m.text(c.Condition.Range())
	join := func(s string) string {
		if when == "" {
			return s
		}
		return when + " and " + s
	}
	return append(m.branches(c.TrueResult, ctx, join(text+" is true"), depth+1),
		m.branches(c.FalseResult, ctx, join(text+" is false"), depth+1)...)
}

// pathPattern is the behavior's path_pattern when it is known here, else
// the source text of its expression.
func (in instance) pathPattern() string {
	a, ok := in.body.Attributes["path_pattern"]
	if !ok {
		return ""
	}
	if s, state := asString(evalExpr(a.Expr, in.ctx)); state == model.Known {
		return s
	}
	return in.m.text(a.Expr.Range())
}

// text is the source text of rng, on one line.
func (m *module) text(rng hcl.Range) string {
	for _, f := range m.files {
		if f.Name == rng.Filename {
			return f.Text(rng)
		}
	}
	return ""
}
