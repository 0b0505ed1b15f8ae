package terraform

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/tree"
)

// module is one Terraform module being read: its files, its declarations
// and the values its expressions are evaluated with.
type module struct {
	dir     string // the directory: a path in the tree's file system
	rootDir string // the root module's directory, for path.module
	isRoot  bool
	addr    string               // "module.a.module.b." prefix; "" for the root module
	inputs  map[string]cty.Value // the caller's arguments; nil for the root module
	stack   []string             // directories of the calling modules, this one last

	files      []*File // the files that parsed
	decls      []*decl
	byKey      map[string]*decl
	locals     map[string]*hclsyntax.Attribute
	localOrder []string
	localDeps  map[string][]string // locals each local refers to
	roots      map[string]bool     // root names of every traversal in the module

	// configs are the declared aws_cloudfront_realtime_log_config names;
	// dangling are the names referenced but not declared; unresolved are
	// such names when a file of the module did not parse (the declaration
	// may be in it).
	configs    map[string]bool
	dangling   map[string]bool
	unresolved map[string]bool
	broken     bool // a file of the module could not be read

	vars    map[string]cty.Value
	modules map[string]cty.Value // module.NAME values: outputs of local modules
}

// File is one .tf or .tf.json file of a module as the reader read it: its
// bytes and, when it parsed, its syntax tree, whose ranges are byte offsets
// into Src.
type File struct {
	// Path is the file's path in the tree's file system; Name is how
	// findings show it, and the file name of Body's ranges.
	Path, Name string
	Src        []byte
	// Body is the parsed file; nil when it could not be read (Err) or
	// parsed (Diags, the error diagnostics).
	Body     *hclsyntax.Body
	Err      error
	Diags    hcl.Diagnostics
	Override bool // an override file (override.tf, *_override.tf)
	JSON     bool // Terraform's JSON syntax (*.tf.json): no comments
}

// Text is the source text of rng, a range in f, on one line; "" when rng
// is not in Src.
func (f *File) Text(rng hcl.Range) string {
	if rng.Start.Byte < 0 || rng.End.Byte > len(f.Src) || rng.Start.Byte > rng.End.Byte {
		return ""
	}
	return strings.Join(strings.Fields(string(f.Src[rng.Start.Byte:rng.End.Byte])), " ")
}

// decl is a top-level block (resource, data, module, variable, output),
// merged with its override blocks.
type decl struct {
	kind   string
	labels []string
	block  *hclsyntax.Block // the first, non-override declaration
	file   *File
	body   mergedBody
}

func (d *decl) name() string { return d.labels[len(d.labels)-1] }

// mergedBody is a block's body followed by the bodies of its overrides.
type mergedBody []*hclsyntax.Body

// attr returns the attribute as the last body that sets it has it.
func (b mergedBody) attr(name string) *hclsyntax.Attribute {
	for i := len(b) - 1; i >= 0; i-- {
		if a, ok := b[i].Attributes[name]; ok {
			return a
		}
	}
	return nil
}

// blocks returns the nested blocks of type typ (static, or dynamic with that
// label) from the last body that has any.
func (b mergedBody) blocks(typ string) []*hclsyntax.Block {
	for i := len(b) - 1; i >= 0; i-- {
		if bs := blocksOf(b[i], typ); len(bs) > 0 {
			return bs
		}
	}
	return nil
}

// blocksOf returns body's blocks of type typ, static or dynamic, in order.
func blocksOf(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == typ || (b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ) {
			out = append(out, b)
		}
	}
	return out
}

// labelCount is how many labels each top-level block kind this package reads has.
var labelCount = map[string]int{"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}

// readModule reads m's files and resources into r.inv and returns the value
// module.NAME has in the caller: an object of m's outputs.
func (r *reader) readModule(m *module, paths []string) cty.Value {
	m.byKey = map[string]*decl{}
	m.locals = map[string]*hclsyntax.Attribute{}
	for _, p := range paths {
		f := r.parseFile(p)
		if m.isRoot {
			r.files = append(r.files, f)
		}
		if f.Body != nil {
			m.files = append(m.files, f)
		} else {
			m.broken = true
		}
	}
	for _, f := range m.files {
		m.collect(f)
	}
	m.scanReferences()
	m.vars = r.variables(m)
	m.modules = map[string]cty.Value{}
	for _, d := range m.decls {
		if d.kind == "module" {
			m.modules[d.name()] = cty.DynamicVal
		}
	}
	r.callModules(m)
	ctx := m.evalContext(m.evalLocals())
	r.readResources(m, ctx)

	outputs := map[string]cty.Value{}
	for _, d := range m.decls {
		if d.kind != "output" {
			continue
		}
		v := cty.DynamicVal
		if a := d.body.attr("value"); a != nil {
			v = evalExpr(a.Expr, ctx)
		}
		outputs[d.name()] = v
	}
	return objectVal(outputs)
}

// parseFile reads and parses one .tf or .tf.json file. A file with errors is
// reported and has no Body.
func (r *reader) parseFile(p string) *File {
	f := &File{Path: p, Name: r.display(p), Override: isOverride(path.Base(p)), JSON: isJSONFile(p)}
	src, err := fs.ReadFile(r.tree.FS, p)
	if err != nil {
		f.Err = err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		r.addErr(&model.ReadError{Operation: "read", Range: model.Range{File: f.Name}, Message: err.Error()})
		return f
	}
	f.Src = src
	var diags hcl.Diagnostics
	if f.JSON {
		f.Body, diags = parseJSONConfig(src, f.Name)
	} else {
		var file *hcl.File
		file, diags = hclsyntax.ParseConfig(src, f.Name, hcl.InitialPos)
		if !diags.HasErrors() {
			f.Body, _ = file.Body.(*hclsyntax.Body)
		}
	}
	if diags.HasErrors() {
		f.Body, f.Diags = nil, diags
		r.addDiags(f.Name, diags)
	}
	return f
}

// addDiags records each error diagnostic as a parse error.
func (r *reader) addDiags(file string, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		rng := model.Range{File: file}
		if d.Subject != nil {
			rng = model.Range{File: d.Subject.Filename, StartLine: d.Subject.Start.Line, EndLine: d.Subject.End.Line}
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		r.addErr(&model.ReadError{Operation: "parse", Range: rng, Message: msg})
	}
}

// collect adds f's top-level declarations to m, merging override files.
func (m *module) collect(f *File) {
	for _, b := range f.Body.Blocks {
		if b.Type == "locals" {
			for _, a := range sortedAttrs(b.Body) {
				if _, seen := m.locals[a.Name]; !seen {
					m.localOrder = append(m.localOrder, a.Name)
				}
				m.locals[a.Name] = a
			}
			continue
		}
		n, ok := labelCount[b.Type]
		if !ok || len(b.Labels) != n {
			continue
		}
		key := b.Type + "\x00" + strings.Join(b.Labels, "\x00")
		if d, seen := m.byKey[key]; seen {
			if f.Override {
				d.body = append(d.body, b.Body)
			}
			continue
		}
		d := &decl{kind: b.Type, labels: b.Labels, block: b, file: f, body: mergedBody{b.Body}}
		m.byKey[key] = d
		m.decls = append(m.decls, d)
	}
}

// sortedAttrs returns body's attributes in source order.
func sortedAttrs(body *hclsyntax.Body) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		out = append(out, a)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].SrcRange.Start.Byte < out[j-1].SrcRange.Start.Byte; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// scanReferences records the root names of every traversal in the module,
// the config names referenced, and which locals each local refers to.
func (m *module) scanReferences() {
	m.roots = map[string]bool{}
	m.configs = map[string]bool{}
	m.dangling = map[string]bool{}
	m.unresolved = map[string]bool{}
	referenced := map[string]bool{}
	for _, d := range m.decls {
		if d.kind == "resource" && d.labels[0] == TypeRealtimeLogConfig {
			m.configs[d.labels[1]] = true
		}
	}
	for _, f := range m.files {
		walkTraversals(f.Body, func(e *hclsyntax.ScopeTraversalExpr) {
			root := e.Traversal.RootName()
			m.roots[root] = true
			if root == TypeRealtimeLogConfig {
				if name, ok := attrStep(e.Traversal, 1); ok {
					referenced[name] = true
				}
			}
		})
	}
	for name := range referenced {
		switch {
		case m.configs[name]:
		case m.broken:
			m.unresolved[name] = true
		default:
			m.dangling[name] = true
		}
	}
	m.localDeps = map[string][]string{}
	for name, a := range m.locals {
		for _, t := range a.Expr.Variables() {
			if t.RootName() != "local" {
				continue
			}
			if dep, ok := attrStep(t, 1); ok {
				if _, declared := m.locals[dep]; declared {
					m.localDeps[name] = append(m.localDeps[name], dep)
				}
			}
		}
	}
}

// walkTraversals calls f for every scope traversal (var.x, local.y, ...)
// under n, in the order hclsyntax.VisitAll visits them, without VisitAll's
// allocations at every node. Node types it does not know are handed to
// VisitAll.
func walkTraversals(n hclsyntax.Node, f func(*hclsyntax.ScopeTraversalExpr)) {
	switch n := n.(type) {
	case nil:
	case *hclsyntax.ScopeTraversalExpr:
		f(n)
	case *hclsyntax.Body:
		if n == nil {
			return
		}
		walkTraversals(n.Attributes, f)
		walkTraversals(n.Blocks, f)
	case hclsyntax.Attributes:
		// VisitAll ranges over the map too: the order is the map's.
		for _, a := range n {
			walkTraversals(a, f)
		}
	case *hclsyntax.Attribute:
		walkTraversals(n.Expr, f)
	case hclsyntax.Blocks:
		for _, b := range n {
			walkTraversals(b, f)
		}
	case *hclsyntax.Block:
		walkTraversals(n.Body, f)
	case *hclsyntax.LiteralValueExpr, *hclsyntax.AnonSymbolExpr, *hclsyntax.ExprSyntaxError:
	case *hclsyntax.TemplateExpr:
		for _, p := range n.Parts {
			walkTraversals(p, f)
		}
	case *hclsyntax.TemplateWrapExpr:
		walkTraversals(n.Wrapped, f)
	case *hclsyntax.TemplateJoinExpr:
		walkTraversals(n.Tuple, f)
	case *hclsyntax.FunctionCallExpr:
		for _, a := range n.Args {
			walkTraversals(a, f)
		}
	case *hclsyntax.TupleConsExpr:
		for _, e := range n.Exprs {
			walkTraversals(e, f)
		}
	case *hclsyntax.ObjectConsExpr:
		for _, it := range n.Items {
			walkTraversals(it.KeyExpr, f)
			walkTraversals(it.ValueExpr, f)
		}
	case *hclsyntax.ObjectConsKeyExpr:
		// A bare name as a key is a literal, not a reference.
		if hcl.ExprAsKeyword(n.Wrapped) == "" {
			walkTraversals(n.Wrapped, f)
		}
	case *hclsyntax.ConditionalExpr:
		walkTraversals(n.Condition, f)
		walkTraversals(n.TrueResult, f)
		walkTraversals(n.FalseResult, f)
	case *hclsyntax.BinaryOpExpr:
		walkTraversals(n.LHS, f)
		walkTraversals(n.RHS, f)
	case *hclsyntax.UnaryOpExpr:
		walkTraversals(n.Val, f)
	case *hclsyntax.ParenthesesExpr:
		walkTraversals(n.Expression, f)
	case *hclsyntax.RelativeTraversalExpr:
		walkTraversals(n.Source, f)
	case *hclsyntax.IndexExpr:
		walkTraversals(n.Collection, f)
		walkTraversals(n.Key, f)
	case *hclsyntax.SplatExpr:
		walkTraversals(n.Source, f)
		walkTraversals(n.Each, f)
	case *hclsyntax.ForExpr:
		walkTraversals(n.CollExpr, f)
		walkTraversals(n.KeyExpr, f)
		walkTraversals(n.ValExpr, f)
		walkTraversals(n.CondExpr, f)
	default:
		hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
			if e, ok := n.(*hclsyntax.ScopeTraversalExpr); ok {
				f(e)
			}
			return nil
		})
	}
}

// attrStep returns the name of traversal step i when it is an attribute.
func attrStep(t hcl.Traversal, i int) (string, bool) {
	if len(t) <= i {
		return "", false
	}
	if a, ok := t[i].(hcl.TraverseAttr); ok {
		return a.Name, true
	}
	return "", false
}

// variables resolves m's input variables: the caller's inputs (or, for the
// root module, terraform.tfvars and *.auto.tfvars), else the default, else
// unknown.
func (r *reader) variables(m *module) map[string]cty.Value {
	given := m.inputs
	if m.isRoot {
		given = r.tfvars(m.dir)
	}
	out := map[string]cty.Value{}
	for _, d := range m.decls {
		if d.kind != "variable" {
			continue
		}
		name := d.name()
		v, have := given[name]
		if have && v.IsNull() && !nullable(d) {
			have = false
		}
		if !have {
			if a := d.body.attr("default"); a != nil {
				v, have = evalExpr(a.Expr, nil), true
			}
		}
		if !have {
			out[name] = cty.DynamicVal
			continue
		}
		out[name] = convertVariable(v, d.body.attr("type"))
	}
	return out
}

// nullable reports whether a variable accepts null from its caller (the
// default) rather than falling back to its default value.
func nullable(d *decl) bool {
	a := d.body.attr("nullable")
	if a == nil {
		return true
	}
	v := evalExpr(a.Expr, nil)
	return !(v.IsKnown() && v.Type() == cty.Bool && v.False())
}

// tfvars reads the variable files Terraform loads by itself in dir.
func (r *reader) tfvars(dir string) map[string]cty.Value {
	out := map[string]cty.Value{}
	var files []VarFile
	for _, p := range tfvarsFiles(r.tree.FS, dir) {
		name := r.display(p)
		src, err := fs.ReadFile(r.tree.FS, p)
		if err != nil {
			r.addErr(&model.ReadError{Operation: "read", Range: model.Range{File: name}, Message: err.Error()})
			continue
		}
		files = append(files, VarFile{Name: name, Data: src})
	}
	// Then the files given with --var-file, later ones winning, as Terraform does.
	for _, vf := range append(files, r.varFiles...) {
		name, src := vf.Name, vf.Data
		var body *hclsyntax.Body
		var diags hcl.Diagnostics
		if strings.HasSuffix(name, ".json") {
			body, diags = parseJSONVars(src, name)
		} else {
			var file *hcl.File
			file, diags = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
			if !diags.HasErrors() {
				body, _ = file.Body.(*hclsyntax.Body)
			}
		}
		if diags.HasErrors() {
			r.addDiags(name, diags)
			continue
		}
		if body == nil {
			continue
		}
		for _, a := range sortedAttrs(body) {
			out[a.Name] = evalExpr(a.Expr, nil)
		}
	}
	return out
}

// callModules reads m's module calls, each after the calls its arguments
// depend on (through locals too), so module outputs flow between calls.
func (r *reader) callModules(m *module) {
	var pending []*decl
	for _, d := range m.decls {
		if d.kind == "module" {
			pending = append(pending, d)
		}
	}
	if len(pending) == 0 {
		return
	}
	deps := map[*decl]map[string]bool{}
	for _, d := range pending {
		deps[d] = m.moduleDeps(d)
	}
	done := map[string]bool{}
	for len(pending) > 0 {
		next := 0
		for i, d := range pending {
			ready := true
			for dep := range deps[d] {
				if _, isCall := m.modules[dep]; isCall && !done[dep] && dep != d.name() {
					ready = false
					break
				}
			}
			if ready {
				next = i
				break
			}
		}
		d := pending[next]
		pending = append(pending[:next], pending[next+1:]...)
		ctx := m.evalContext(m.evalLocals())
		m.modules[d.name()] = r.callModule(m, d, ctx)
		done[d.name()] = true
	}
}

// moduleDeps returns the module calls d's arguments refer to, directly or
// through locals.
func (m *module) moduleDeps(d *decl) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	var visit func(ts []hcl.Traversal)
	visit = func(ts []hcl.Traversal) {
		for _, t := range ts {
			name, ok := attrStep(t, 1)
			if !ok {
				continue
			}
			switch t.RootName() {
			case "module":
				out[name] = true
			case "local":
				if a, declared := m.locals[name]; declared && !seen[name] {
					seen[name] = true
					visit(a.Expr.Variables())
				}
			}
		}
	}
	for _, body := range d.body {
		for _, a := range body.Attributes {
			visit(a.Expr.Variables())
		}
	}
	return out
}

// moduleMeta are the module block's arguments that are not inputs.
var moduleMeta = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

// callModule reads the module d calls, when its source is local, and
// returns the value module.NAME has in m.
func (r *reader) callModule(m *module, d *decl, ctx *hcl.EvalContext) cty.Value {
	name := d.name()
	addr := m.addr + "module." + name
	srcAttr := d.body.attr("source")
	if srcAttr == nil {
		return cty.DynamicVal
	}
	sv := evalExpr(srcAttr.Expr, nil)
	if !sv.IsKnown() || sv.IsNull() || sv.Type() != cty.String {
		return cty.DynamicVal
	}
	source := sv.AsString()
	if !strings.HasPrefix(source, "./") && !strings.HasPrefix(source, "../") {
		return cty.DynamicVal // registry, git, archive…: not read
	}
	if !created(d.body, ctx) {
		return cty.DynamicVal
	}
	repeated := d.body.attr("count") != nil || d.body.attr("for_each") != nil
	where := hclRange(srcAttr.SrcRange)
	fail := func(format string, args ...any) cty.Value {
		r.addErr(&model.ReadError{Operation: "read", Resource: addr, Range: where, Message: fmt.Sprintf(format, args...)})
		return cty.DynamicVal
	}
	dir := path.Join(m.dir, source)
	fi, err := fs.Stat(r.tree.FS, dir)
	switch {
	case err != nil && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid)):
		return fail("module source %q: directory %s does not exist", source, r.display(dir))
	case err != nil:
		return fail("module source %q: %v", source, err)
	case !fi.IsDir():
		return fail("module source %q: %s is not a directory", source, r.display(dir))
	}
	for _, s := range m.stack {
		if s == dir {
			return fail("module source %q: the module calls itself (through %s)", source, r.display(dir))
		}
	}
	if len(m.stack) >= maxModuleDepth {
		return fail("module source %q: modules nested deeper than %d are not read", source, maxModuleDepth)
	}
	files, err := tfFiles(r.tree.FS, dir)
	if err != nil {
		return fail("module source %q: %v", source, err)
	}
	// One read per instance: count.index and each.* are known in its inputs.
	var outputs cty.Value
	reps := repetitions(d.body, ctx)
	if !r.spend(len(reps), addr, d.block) {
		return cty.DynamicVal
	}
	for _, rep := range reps {
		inputs := map[string]cty.Value{}
		for _, body := range d.body {
			for n, a := range body.Attributes {
				if !moduleMeta[n] {
					inputs[n] = evalExpr(a.Expr, rep.ctx)
				}
			}
		}
		child := &module{
			dir:     dir,
			rootDir: m.rootDir,
			addr:    addr + rep.key + ".",
			inputs:  inputs,
			stack:   append(append([]string(nil), m.stack...), dir),
		}
		outputs = r.readModule(child, files)
	}
	if repeated {
		return cty.DynamicVal
	}
	return outputs
}

// evalLocals evaluates m's locals, each after the locals it uses; locals in
// a cycle are unknown.
func (m *module) evalLocals() cty.Value {
	done := make(map[string]cty.Value, len(m.locals))
	ctx := m.evalContext(cty.EmptyObjectVal)
	pending := append([]string(nil), m.localOrder...)
	for progress := true; progress && len(pending) > 0; {
		progress = false
		rest := pending[:0]
		for _, name := range pending {
			ready := true
			for _, dep := range m.localDeps[name] {
				if _, ok := done[dep]; !ok && dep != name {
					ready = false
					break
				}
			}
			if !ready {
				rest = append(rest, name)
				continue
			}
			ctx.Variables["local"] = objectVal(done)
			done[name] = evalExpr(m.locals[name].Expr, ctx)
			progress = true
		}
		pending = rest
	}
	for _, name := range pending {
		done[name] = cty.DynamicVal
	}
	return objectVal(done)
}

// evalContext returns the context m's expressions are evaluated in.
func (m *module) evalContext(locals cty.Value) *hcl.EvalContext {
	vars := make(map[string]cty.Value, len(m.roots)+6)
	for root := range m.roots {
		vars[root] = cty.DynamicVal
	}
	vars["var"] = objectVal(m.vars)
	vars["local"] = locals
	vars["module"] = objectVal(m.modules)
	vars["path"] = cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(m.pathModule()),
		"root":   cty.StringVal("."),
		"cwd":    cty.StringVal("."),
	})
	configs := map[string]cty.Value{}
	for name := range m.configs {
		configs[name] = cty.DynamicVal.Mark(refMark{key: m.addr + TypeRealtimeLogConfig + "." + name})
	}
	for name := range m.dangling {
		configs[name] = cty.DynamicVal.Mark(refMark{key: m.addr + TypeRealtimeLogConfig + "." + name, dangling: true})
	}
	for name := range m.unresolved {
		configs[name] = cty.DynamicVal
	}
	vars[TypeRealtimeLogConfig] = objectVal(configs)
	return &hcl.EvalContext{Variables: vars, Functions: functions}
}

// pathModule is path.module: the module's directory relative to the root
// module's.
func (m *module) pathModule() string {
	if m.isRoot {
		return "."
	}
	return tree.Rel(m.rootDir, m.dir)
}

// created reports whether a resource or module block creates anything:
// false only for a known count of 0 or a known, empty for_each.
func created(body mergedBody, ctx *hcl.EvalContext) bool {
	if a := body.attr("count"); a != nil {
		v, _ := evalExpr(a.Expr, ctx).UnmarkDeep()
		if v.IsKnown() && !v.IsNull() && v.Type() == cty.Number && v.AsBigFloat().Sign() == 0 {
			return false
		}
	}
	if a := body.attr("for_each"); a != nil {
		v, _ := evalExpr(a.Expr, ctx).Unmark()
		if v.IsKnown() && !v.IsNull() && v.CanIterateElements() {
			if n := v.Length(); n.IsKnown() && n.AsBigFloat().Sign() == 0 {
				return false
			}
		}
	}
	return true
}

// objectVal is cty.ObjectVal that accepts an empty map.
func objectVal(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

// hclRange converts an HCL range to a model range.
func hclRange(r hcl.Range) model.Range {
	return model.Range{File: r.Filename, StartLine: r.Start.Line, EndLine: r.End.Line}
}
