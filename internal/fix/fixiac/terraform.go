package fixiac

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/terraform"
	"github.com/cloudassure/cloudassure/internal/source/tfplan"
	"github.com/cloudassure/cloudassure/internal/source/tree"
)

const attrConfigARN = "realtime_log_config_arn"

// behaviorTypes are the nested block types of a distribution that are
// cache behaviors, and whether they are the default one.
var behaviorTypes = map[string]bool{"default_cache_behavior": true, "ordered_cache_behavior": false, "cache_behavior": false}

// tfModule is a module directory being patched: the .tf files of it
// that the Terraform reader read, as it read them.
type tfModule struct {
	dir   iac.Entry
	files []*terraform.File // in name order; not those in JSON syntax
	// declared names, by block kind and type: "resource aws_kinesis_stream" → names
	names   map[string]map[string]bool
	configs []string // unconditional aws_cloudfront_realtime_log_config names
	nconfig int      // every aws_cloudfront_realtime_log_config, conditional too
}

// tfSet is one behavior block whose realtime_log_config_arn is set: the
// resource's index among the file's top-level blocks, the behavior's among
// the resource's blocks, and for a dynamic block its content block's.
type tfSet struct {
	top, nested, content int
	open, close          hcl.Range // the braces of the block that gets the attribute
}

// tfEdit is what one file gets.
type tfEdit struct {
	sets   []tfSet
	append []string // blocks added at the end
}

func (m *tfModule) file(name string) *terraform.File {
	for _, f := range m.files {
		if f.Name == filepath.Clean(name) {
			return f
		}
	}
	return nil
}

// newModule indexes the .tf files of module directory dir as read.
func newModule(dir iac.Entry, files []*terraform.File) *tfModule {
	m := &tfModule{dir: dir, names: map[string]map[string]bool{}}
	for _, f := range files {
		if !f.JSON {
			m.files = append(m.files, f)
		}
	}
	sort.Slice(m.files, func(i, j int) bool { return m.files[i].Name < m.files[j].Name })
	for _, f := range m.files {
		if f.Body == nil {
			continue
		}
		for _, b := range f.Body.Blocks {
			if len(b.Labels) == 0 {
				continue
			}
			kind := b.Type + " " + b.Labels[0]
			if m.names[kind] == nil {
				m.names[kind] = map[string]bool{}
			}
			m.names[kind][b.Labels[len(b.Labels)-1]] = true
			if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == terraform.TypeRealtimeLogConfig {
				m.nconfig++
				_, count := b.Body.Attributes["count"]
				_, each := b.Body.Attributes["for_each"]
				if !count && !each {
					m.configs = append(m.configs, b.Labels[1])
				}
			}
		}
	}
	return m
}

// fileError says why f, a file of a module, was not parsed.
func fileError(f *terraform.File) string {
	switch {
	case f.Err != nil:
		return readErrText(f.Err)
	case f.Diags.HasErrors():
		return diagText(f.Diags)
	}
	return "not in HCL's native syntax"
}

// diagText is the first error of diags as "line N: summary: detail".
func diagText(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			msg = fmt.Sprintf("line %d: %s", d.Subject.Start.Line, msg)
		}
		return msg
	}
	return diags.Error()
}

// calledJudged is a distribution of a called module as its caller, the
// root module in directory root, makes it.
type calledJudged struct {
	root string
	j    judged
}

// moduleRead is a module directory read as a root module: the reader's
// module, with its files, and its distributions judged.
type moduleRead struct {
	mod    *terraform.Module
	err    error
	judged []judged
}

// fixModules plans the patches of the Terraform module directories. A
// module that a scanned root module calls is judged as that call makes it
// (its inputs), the way scan iac judges it; one nobody calls, on its own.
func fixModules(ctx context.Context, dirs []iac.Entry, o *Options, step func()) ([]fixplan.Change, error) {
	inSet := map[string]iac.Entry{}
	for _, d := range dirs {
		inSet[d.Name] = d
	}
	reads := map[string]*moduleRead{}
	calledIn := map[string][]calledJudged{}
	var out []fixplan.Change
	outside := map[string]bool{}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &moduleRead{}
		r.mod, r.err = terraform.ReadRootModule(d.Tree, d.Path)
		if r.mod != nil {
			r.judged = judge(r.mod.Inventory, o)
		}
		reads[d.Name] = r
		step()
		for _, j := range r.judged {
			if !strings.HasPrefix(j.d.ID, "module.") {
				continue
			}
			file := filepath.Clean(j.d.Range.File)
			md := filepath.Dir(file)
			if _, ok := inSet[md]; ok {
				calledIn[md] = append(calledIn[md], calledJudged{d.Name, j})
				continue
			}
			if j.f.Status == finding.Fail && !outside[file] {
				outside[file] = true
				out = append(out, errorChange(file, fmt.Sprintf("%s fails CF-001 and is defined in a module outside the paths given: run fix iac on %s", j.d.ID, md)))
			}
		}
	}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, fixModule(d, reads[d.Name], calledIn[d.Name], inSet, o)...)
		reads[d.Name] = nil // its files are no longer needed
		step()
	}
	return out, nil
}

// fixModule plans the patches of one module directory d, from its files as
// the reader read them when it read d as a root module: its own
// distributions as read on their own, or as called when called. dirs are
// the module directories planned, by name.
func fixModule(d iac.Entry, r *moduleRead, called []calledJudged, dirs map[string]iac.Entry, o *Options) []fixplan.Change {
	dir := d.Name
	if r.err != nil {
		return []fixplan.Change{errorChange(dir, readErrorText(r.err))}
	}
	m := newModule(d, r.mod.Files)
	var out []fixplan.Change
	var broken []string
	for _, f := range m.files {
		if f.Body == nil {
			out = append(out, errorChange(f.Name, "cannot parse: "+fileError(f)))
			broken = append(broken, f.Name)
		}
	}
	// The contexts the patch is checked in: the callers', or its own.
	contexts := map[string][]judged{}
	var js []judged
	for _, c := range called {
		js = append(js, c.j)
		contexts[c.root] = append(contexts[c.root], c.j)
	}
	if len(js) == 0 {
		for _, j := range r.judged {
			if !strings.HasPrefix(j.d.ID, "module.") {
				js = append(js, j)
			}
		}
		contexts[dir] = js
	}
	// The distributions, by file; one judgment per resource (a module
	// called twice is judged twice: a failing call counts).
	byFile := map[string][]judged{}
	index := map[string]int{}
	var fileOrder []string
	for _, j := range js {
		file := filepath.Clean(j.d.Range.File)
		if filepath.Dir(file) != dir {
			continue
		}
		key := file + "\x00" + standaloneAddr(j.d.ID)
		if i, ok := index[key]; ok {
			if prev := byFile[file][i]; prev.f.Status != finding.Fail && j.f.Status == finding.Fail {
				byFile[file][i] = j
			}
			continue
		}
		if _, ok := byFile[file]; !ok {
			fileOrder = append(fileOrder, file)
		}
		index[key] = len(byFile[file])
		byFile[file] = append(byFile[file], j)
	}
	sort.Strings(fileOrder)
	if len(broken) > 0 {
		for _, file := range fileOrder {
			for _, j := range byFile[file] {
				if j.f.Status == finding.Fail {
					out = append(out, errorChange(file, fmt.Sprintf("%s in the same module does not parse, so the module is not patched", strings.Join(broken, ", "))))
					break
				}
			}
		}
		return out
	}

	type fixed struct {
		id    string
		total int
		names []string
	}
	edits := map[string]*tfEdit{}
	var targets []*target
	notes := map[string][]string{}
	problems := map[string][]string{}
	fixedIn := map[string][]fixed{}
	for _, file := range fileOrder {
		f := m.file(file)
		for _, j := range byFile[file] {
			if j.f.Status != finding.Fail {
				notes[file] = append(notes[file], notFixedSummary(j))
				continue
			}
			if f == nil { // Terraform's JSON syntax (*.tf.json): read, not edited
				problems[file] = append(problems[file], fmt.Sprintf("%s is written in Terraform's JSON syntax, which fix iac does not edit; set realtime_log_config_arn on its behaviors by hand", j.d.ID))
				continue
			}
			tg, sets, names := tfTarget(f, j)
			problems[file] = append(problems[file], tg.unfixable...)
			if len(sets) == 0 {
				continue
			}
			targets = append(targets, tg)
			if edits[file] == nil {
				edits[file] = &tfEdit{}
			}
			edits[file].sets = append(edits[file].sets, sets...)
			fixedIn[file] = append(fixedIn[file], fixed{j.d.ID, tg.total, names})
		}
	}
	if len(targets) == 0 {
		for _, file := range fileOrder {
			out = append(out, leftAlone(file, notes[file], problems[file]))
		}
		return out
	}

	// What the behaviors get, and what the module gains for it.
	shared, mixed := "", false
	for _, tg := range targets {
		for _, v := range tg.siblings {
			if v == "" || (shared != "" && v != shared) {
				mixed = true
			}
			shared = v
		}
	}
	if mixed {
		shared = ""
	}
	trav, refDesc, extra := m.reference(o, shared)
	if x := extra[""]; x != nil { // no home chosen: the first patched file
		delete(extra, "")
		for _, file := range fileOrder {
			if edits[file] != nil {
				extra[file] = x
				break
			}
		}
	}
	for file, x := range extra {
		if edits[file] == nil {
			edits[file] = &tfEdit{}
		}
		edits[file].append = append(edits[file].append, x.text...)
	}

	patched := map[string][]byte{}
	var changed []string
	for file, e := range edits {
		src, err := patchTF(m.file(file), e, trav)
		if err != nil {
			return append(out, errorChange(file, "cannot be patched safely, left as it is: "+err.Error()))
		}
		patched[file] = src
		changed = append(changed, file)
	}
	sort.Strings(changed)
	if err := verifyModule(m, patched, contexts, dirs, targets, o); err != nil {
		for _, file := range changed {
			out = append(out, errorChange(file, "cannot be patched safely, left as it is: "+err.Error()))
		}
		return out
	}
	for _, file := range changed {
		var parts, diff []string
		for _, fx := range fixedIn[file] {
			parts = append(parts, fmt.Sprintf("%s: %s real-time logs (%s)", fx.id, gainText(len(fx.names), fx.total), strings.Join(fx.names, ", ")))
			for _, n := range fx.names {
				diff = append(diff, fmt.Sprintf("~ %s behavior %s: %s → %s", fx.id, n, attrConfigARN, refDesc))
			}
		}
		if len(fixedIn[file]) > 0 {
			parts = append(parts, "sets "+attrConfigARN+" to "+refDesc)
		}
		if x := extra[file]; x != nil {
			diff = append(diff, x.diff...)
			parts = append(parts, "adds "+strings.Join(trimMarks(x.diff), ", "))
		}
		parts = append(parts, notes[file]...)
		ch := updateChange(o, file, m.file(file).Src, patched[file], strings.Join(parts, "; "), strings.Join(diff, "\n"))
		if len(problems[file]) > 0 {
			ch.Error = strings.Join(problems[file], "\n")
		}
		out = append(out, ch)
	}
	for _, file := range fileOrder {
		if edits[file] == nil {
			out = append(out, leftAlone(file, notes[file], problems[file]))
		}
	}
	return out
}

// standaloneAddr is a resource address without its module path, as the
// module's own reading names it: module.cdn.aws_x.this is aws_x.this.
func standaloneAddr(id string) string {
	parts := strings.Split(tfplan.ResourceAddress(id), ".")
	if len(parts) < 2 {
		return id
	}
	return strings.Join(parts[len(parts)-2:], ".")
}

// tfTarget matches the failing behaviors of j's finding to the blocks of
// file f. names are the behaviors the sets fix.
func tfTarget(f *terraform.File, j judged) (tg *target, sets []tfSet, names []string) {
	tg = &target{id: j.d.ID, total: len(j.d.Behaviors)}
	top := -1
	for i, b := range f.Body.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0]+"."+b.Labels[1] == standaloneAddr(j.d.ID) {
			top = i
		}
	}
	type cand struct {
		set     tfSet
		line    int
		def     bool
		attr    *hclsyntax.Attribute
		found   bool
		done    bool
		matched bool
	}
	var cands []*cand
	if top >= 0 {
		for i, b := range f.Body.Blocks[top].Body.Blocks {
			typ, body, content, open, close := b.Type, b.Body, -1, b.OpenBraceRange, b.CloseBraceRange
			if b.Type == "dynamic" && len(b.Labels) == 1 {
				typ = b.Labels[0]
				body = nil
				for ci, c := range b.Body.Blocks {
					if c.Type == "content" {
						body, content, open, close = c.Body, ci, c.OpenBraceRange, c.CloseBraceRange
						break
					}
				}
			}
			def, ok := behaviorTypes[typ]
			if !ok || body == nil {
				continue
			}
			c := &cand{set: tfSet{top: top, nested: i, content: content, open: open, close: close}, line: b.Range().Start.Line, def: def}
			c.attr, c.found = body.Attributes[attrConfigARN]
			cands = append(cands, c)
		}
	}
	for i, fb := range j.f.Behaviors {
		name := fixplan.Behavior{PathPattern: fb.PathPattern, Default: fb.Default}.String()
		problem := fmt.Sprintf("behavior %s has no real-time log config", name)
		if i < len(j.f.Problems) {
			problem = j.f.Problems[i]
		}
		line, file := 0, ""
		if fb.Location != nil {
			line, file = fb.Location.StartLine, filepath.Clean(fb.Location.File)
		}
		unfixable := func(why string) {
			tg.unfixable = append(tg.unfixable, fmt.Sprintf("%s (line %d): %s; %s", j.d.ID, line, problem, why))
			tg.unfixed = append(tg.unfixed, name)
		}
		var c *cand
		for _, x := range cands {
			if x.line == line && x.def == fb.Default && file == f.Name {
				c = x
				c.matched = true
				break
			}
		}
		switch {
		case c == nil:
			unfixable("the block is not in " + f.Name + " (an override file?): add " + attrConfigARN + " by hand")
		case c.found && !emptyExpr(c.attr.Expr):
			unfixable(fmt.Sprintf("its %s = %s is kept (fix iac never replaces a reference): fix it by hand",
				attrConfigARN, exprSource(f, c.attr.Expr)))
		default:
			names = append(names, name)
			if !c.done {
				c.done = true
				sets = append(sets, c.set)
			}
		}
	}
	tg.fixed = names
	// What the behaviors that pass are set to: a variable they share can
	// serve the others too.
	for _, c := range cands {
		if c.matched || !c.found {
			continue
		}
		v := ""
		if t, ok := c.attr.Expr.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 2 && t.Traversal.RootName() == "var" {
			if a, ok := t.Traversal[1].(hcl.TraverseAttr); ok {
				v = a.Name
			}
		}
		tg.siblings = append(tg.siblings, v)
	}
	return tg, sets, names
}

// emptyExpr reports whether e is "" or null.
func emptyExpr(e hclsyntax.Expression) bool {
	switch x := e.(type) {
	case *hclsyntax.TemplateExpr:
		if len(x.Parts) == 0 {
			return true
		}
		if len(x.Parts) == 1 {
			if l, ok := x.Parts[0].(*hclsyntax.LiteralValueExpr); ok && l.Val.Type() == cty.String && l.Val.IsKnown() && !l.Val.IsNull() {
				return l.Val.AsString() == ""
			}
		}
	case *hclsyntax.LiteralValueExpr:
		return x.Val.IsNull()
	}
	return false
}

// exprSource is e's source text in f, on one line, shortened.
func exprSource(f *terraform.File, e hclsyntax.Expression) string {
	s := f.Text(e.Range())
	if s == "" {
		return "an expression"
	}
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

// tfExtra is what a file of the module gains besides the behaviors'
// attribute: blocks, and the plan's lines for them.
type tfExtra struct {
	text []string
	diff []string
}

// reference chooses what behaviors are set to: the module's one real-time
// log config, a new variable, or (CreateResources) a new config with its
// stream and role. extra maps a file to what it gains; key "" is the first
// patched file.
func (m *tfModule) reference(o *Options, sharedVar string) (hcl.Traversal, string, map[string]*tfExtra) {
	traversal := func(parts ...string) (hcl.Traversal, string) {
		t := hcl.Traversal{hcl.TraverseRoot{Name: parts[0]}}
		for _, p := range parts[1:] {
			t = append(t, hcl.TraverseAttr{Name: p})
		}
		return t, strings.Join(parts, ".")
	}
	extra := map[string]*tfExtra{}
	if m.nconfig == 1 && len(m.configs) == 1 {
		t, s := traversal(terraform.TypeRealtimeLogConfig, m.configs[0], "arn")
		return t, s, extra
	}
	if sharedVar != "" && m.names["variable "+sharedVar][sharedVar] {
		// The distributions' other behaviors log through this variable:
		// so do these, and callers of the module need no new input.
		t, s := traversal("var", sharedVar)
		return t, s, extra
	}
	if o.CreateResources {
		text, diff, cfg := m.resourcesText(o)
		extra[""] = &tfExtra{text: text, diff: diff}
		t, s := traversal(terraform.TypeRealtimeLogConfig, cfg, "arn")
		return t, s, extra
	}
	t, s := traversal("var", VariableName)
	if m.names["variable "+VariableName][VariableName] {
		return t, s, extra
	}
	block := fmt.Sprintf("variable %q {\n  type        = string\n  description = %q\n}\n", VariableName, parameterDescription)
	home := ""
	if f := m.file(filepath.Join(m.dir.Name, "variables.tf")); f != nil && f.Body != nil {
		home = f.Name
	}
	extra[home] = &tfExtra{text: []string{block}, diff: []string{fmt.Sprintf("+ variable %q (string)", VariableName)}}
	return t, s, extra
}

// resourcesText is the Terraform for CreateResources and the name of the
// config it declares.
func (m *tfModule) resourcesText(o *Options) (blocks, diff []string, config string) {
	unique := func(kind, base string) string {
		taken := m.names[kind]
		name := base
		for i := 2; taken[name]; i++ {
			name = fmt.Sprintf("%s_%d", base, i)
		}
		return name
	}
	account := ""
	if names := sortedKeys(m.names["data aws_caller_identity"]); len(names) > 0 {
		account = names[0]
	} else {
		account = "current"
		blocks = append(blocks, "data \"aws_caller_identity\" \"current\" {}\n")
		diff = append(diff, "+ data aws_caller_identity.current")
	}
	stream := unique("resource aws_kinesis_stream", "realtime_logs")
	role := unique("resource aws_iam_role", "realtime_logs")
	policy := unique("resource aws_iam_role_policy", "realtime_logs")
	config = unique("resource "+terraform.TypeRealtimeLogConfig, "realtime_logs")
	prefix := namePrefix(m.dir.Path)
	trustDoc, roleDoc := deliveryDocuments()
	subst := map[string]string{
		placeholderAccount: "data.aws_caller_identity." + account + ".account_id",
		placeholderStream:  "aws_kinesis_stream." + stream + ".arn",
	}
	fields := make([]string, len(o.Fields))
	for i, f := range o.Fields {
		fields[i] = fmt.Sprintf("%q", f)
	}
	blocks = append(blocks,
		fmt.Sprintf(`resource "aws_kinesis_stream" %q {
  name            = %q
  encryption_type = "KMS"
  kms_key_id      = %q

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}
`, stream, prefix+"-realtime-logs", realtimelog.AWSManagedKey),
		fmt.Sprintf(`resource "aws_iam_role" %q {
  name_prefix = "cloudfront-realtime-logs-"
  description = "Lets CloudFront deliver real-time logs to ${aws_kinesis_stream.%s.name}"
  assume_role_policy = %s
}
`, role, stream, policyHCL(trustDoc, subst, "  ")),
		fmt.Sprintf(`resource "aws_iam_role_policy" %q {
  name = %q
  role = aws_iam_role.%s.id
  policy = %s
}
`, policy, rolePolicyName, role, policyHCL(roleDoc, subst, "  ")),
		fmt.Sprintf(`resource %q %q {
  name          = %q
  sampling_rate = %d
  fields        = [%s]

  endpoint {
    stream_type = "Kinesis"

    kinesis_stream_config {
      role_arn   = aws_iam_role.%s.arn
      stream_arn = aws_kinesis_stream.%s.arn
    }
  }

  depends_on = [aws_iam_role_policy.%s]
}
`, terraform.TypeRealtimeLogConfig, config, prefix+"-realtime-logs", o.SamplingRate, strings.Join(fields, ", "), role, stream, policy),
	)
	diff = append(diff,
		fmt.Sprintf("+ resource aws_kinesis_stream.%s (on-demand, encrypted with %s)", stream, realtimelog.AWSManagedKey),
		fmt.Sprintf("+ resource aws_iam_role.%s (for cloudfront.amazonaws.com) with aws_iam_role_policy.%s", role, policy),
		fmt.Sprintf("+ resource %s.%s (sampling %d %%, %d fields)", terraform.TypeRealtimeLogConfig, config, o.SamplingRate, len(o.Fields)),
	)
	return blocks, diff, config
}

var nonName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// namePrefix names what CreateResources adds after the module directory,
// dir, a path in the file system read (for the operating system's files,
// the absolute path: the directory's own name, even when given as ".").
func namePrefix(dir string) string {
	base := path.Base(dir)
	base = strings.Trim(nonName.ReplaceAllString(base, "-"), "-")
	if base == "" {
		base = "cloudfront"
	}
	if len(base) > 64 {
		base = base[:64]
	}
	return base
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// patchTF sets realtime_log_config_arn in the behavior blocks of f with
// hclwrite and appends the new blocks. hclwrite re-spaces every token it
// writes, so the spacing of the original tokens is put back: only the new
// tokens are formatted, and nothing else in the file changes.
func patchTF(f *terraform.File, e *tfEdit, trav hcl.Traversal) ([]byte, error) {
	eol := lineEnding(f.Src)
	src, err := expandSingleLine(f.Src, e.sets, eol)
	if err != nil {
		return nil, err
	}
	wf, diags := hclwrite.ParseConfig(src, f.Name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("hclwrite: %s", diagText(diags))
	}
	before := wf.Body().BuildTokens(nil)
	if !bytes.Equal(before.Bytes(), src) {
		return nil, fmt.Errorf("hclwrite does not reproduce the file exactly")
	}
	orig := make(map[*hclwrite.Token]int, len(before))
	for _, t := range before {
		orig[t] = t.SpacesBefore
	}
	type added struct {
		attr   *hclwrite.Attribute
		indent int
	}
	var adds []added
	for _, s := range e.sets {
		tops := wf.Body().Blocks()
		if s.top >= len(tops) {
			return nil, fmt.Errorf("internal error: block %d not found", s.top)
		}
		nested := tops[s.top].Body().Blocks()
		if s.nested >= len(nested) {
			return nil, fmt.Errorf("internal error: nested block %d not found", s.nested)
		}
		blk := nested[s.nested]
		if s.content >= 0 {
			cs := blk.Body().Blocks()
			if s.content >= len(cs) {
				return nil, fmt.Errorf("internal error: content block not found")
			}
			blk = cs[s.content]
		}
		body := blk.Body()
		indent := -1
		for _, a := range body.Attributes() {
			if t := firstToken(a.BuildTokens(nil)); t != nil {
				if sb, ok := orig[t]; ok {
					indent = sb
					break
				}
			}
		}
		adds = append(adds, added{body.SetAttributeTraversal(attrConfigARN, trav), indent})
	}
	_ = wf.Bytes() // formats every token's spacing in place
	after := wf.Body().BuildTokens(nil)
	for _, t := range after {
		if sb, ok := orig[t]; ok {
			t.SpacesBefore = sb
		} else if t.Type == hclsyntax.TokenNewline {
			t.Bytes = []byte(eol)
		}
	}
	for _, a := range adds {
		if t := firstToken(a.attr.BuildTokens(nil)); t != nil && a.indent >= 0 {
			if _, old := orig[t]; !old {
				t.SpacesBefore = a.indent
			}
		}
	}
	out := after.Bytes()
	for _, block := range e.append {
		if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, eol...)
		}
		if len(out) > 0 {
			out = append(out, eol...)
		}
		out = append(out, withEOL(string(hclwrite.Format([]byte(block))), eol)...)
	}
	if bytes.Equal(hclwrite.Format(f.Src), f.Src) {
		// The file is written as terraform fmt writes it (its formatter is
		// hclwrite's): keep it so, which realigns the = of the arguments
		// next to the one added. Nothing else moves, since the rest is
		// formatted already.
		out = hclwrite.Format(out)
	}
	return out, nil
}

// firstToken is the first token of an attribute that is not a comment: its name.
func firstToken(ts hclwrite.Tokens) *hclwrite.Token {
	for _, t := range ts {
		if t.Type != hclsyntax.TokenComment && t.Type != hclsyntax.TokenNewline {
			return t
		}
	}
	return nil
}

// expandSingleLine rewrites the blocks of sets written on one line
// (`ordered_cache_behavior { path_pattern = "/a" }`) over several lines: HCL
// allows a one-line block only with a single argument.
func expandSingleLine(src []byte, sets []tfSet, eol string) ([]byte, error) {
	var edits []edit
	for _, s := range sets {
		if s.open.Start.Line != s.close.Start.Line {
			continue
		}
		// The indentation of the block's line.
		line := src[bytes.LastIndexByte(src[:s.open.Start.Byte], '\n')+1 : s.open.Start.Byte]
		ind := string(line[:len(line)-len(bytes.TrimLeft(line, " \t"))])
		inner := strings.TrimSpace(string(src[s.open.End.Byte:s.close.Start.Byte]))
		text := eol + ind
		if inner != "" {
			text = eol + ind + "  " + inner + eol + ind
		}
		edits = append(edits, edit{start: s.open.End.Byte, end: s.close.Start.Byte, text: text})
	}
	return applyEdits(src, edits)
}

// verifyModule re-reads the patched module with the same reader as scan
// iac, in every context it was judged in (each calling root module, or on
// its own), from an overlay of the file system in which only the patched
// files differ, and requires the behaviors patched to pass CF-001 and
// nothing to fail that did not before. patched and contexts are by name;
// dirs are the module directories planned, by name.
func verifyModule(m *tfModule, patched map[string][]byte, contexts map[string][]judged, dirs map[string]iac.Entry, targets []*target, o *Options) error {
	files := make(map[string][]byte, len(patched))
	for name, data := range patched {
		if err := checkParses(name, data); err != nil {
			return fmt.Errorf("the patched %s does not parse: %w", name, err)
		}
		files[m.file(name).Path] = data
	}
	roots := make([]string, 0, len(contexts))
	for r := range contexts {
		roots = append(roots, r)
	}
	sort.Strings(roots)
	for _, root := range roots {
		if err := verifyIn(dirs[root], m.dir.Name, files, contexts[root], targets, o); err != nil {
			return err
		}
	}
	return nil
}

// verifyIn checks the patch in root module root: files are the patched
// files, by path in the file system read.
func verifyIn(root iac.Entry, dir string, files map[string][]byte, before []judged, targets []*target, o *Options) error {
	// The tree as it will be: the patched files over the others. Files are
	// named as the first reading named them.
	t := root.Tree
	t.FS = tree.Overlay{Base: t.FS, Files: files}
	inv, err := terraform.ReadModuleFS(t, root.Path)
	if err != nil {
		return fmt.Errorf("the patched module cannot be read: %s", readErrorText(err))
	}
	// The distributions of dir in this context; each target applies to
	// every instance of its resource.
	inDir := func(js []judged) []judged {
		var out []judged
		for _, j := range js {
			if filepath.Clean(filepath.Dir(j.d.Range.File)) == filepath.Clean(dir) {
				out = append(out, j)
			}
		}
		return out
	}
	b := inDir(before)
	var ts []*target
	for _, j := range b {
		for _, tg := range targets {
			if standaloneAddr(tg.id) == standaloneAddr(j.d.ID) {
				ts = append(ts, &target{id: j.d.ID, fixed: tg.fixed})
			}
		}
	}
	return checkFixed(b, inDir(judge(inv, o)), ts, func(id string) string { return id })
}
