package fixiac

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

const (
	typeDistribution = "AWS::CloudFront::Distribution"
	typeConfig       = "AWS::CloudFront::RealtimeLogConfig"
	keyConfigARN     = "RealtimeLogConfigArn"
)

// cfnDoc is a template parsed for editing, YAML or JSON: its nodes, and
// the edits that add to them.
type cfnDoc interface {
	root() *yaml.Node
	longForm() bool
	// addKeys adds pairs at the end of mapping m.
	addKeys(m *yaml.Node, pairs []pair, depth int) ([]edit, error)
	// replaceValue replaces the value v of key k in mapping m.
	replaceValue(m, k, v, val *yaml.Node, depth int) ([]edit, error)
	// addBefore adds pairs to the top-level mapping m before its key k.
	addBefore(m, k *yaml.Node, pairs []pair) ([]edit, error)
}

// editable prepares the parsed template t for editing.
func editable(t *cloudformation.Template) (cfnDoc, error) {
	if t.JSON() {
		return newJSONDoc(t)
	}
	return newYAMLDoc(t)
}

// fixTemplate plans the patch of one CloudFormation template.
func fixTemplate(name string, data []byte, o *Options) []fixplan.Change {
	tmpl, err := cloudformation.Parse(name, data)
	if err != nil {
		return []fixplan.Change{errorChange(name, "cannot parse: "+readErrorText(err))}
	}
	inv, err := tmpl.Read()
	if err != nil {
		return []fixplan.Change{errorChange(name, "cannot parse: "+readErrorText(err))}
	}
	// The reader's tree is patched: edits go where its nodes are written.
	body := tmpl.Source()
	bom := data[:len(data)-len(body)]
	doc, err := editable(tmpl)
	if err != nil {
		return []fixplan.Change{errorChange(name, "cannot parse: "+err.Error())}
	}
	t := indexTemplate(doc.root())
	var problems, notes []string
	for _, e := range inv.Errors {
		if r := t.res[e.Resource]; r != nil && r.typ == typeDistribution {
			problems = append(problems, readErrorText(e))
		}
	}
	judged := judge(inv, o)
	if len(judged) == 0 && len(problems) == 0 {
		return nil
	}
	var targets []*target
	for _, j := range judged {
		if j.f.Status != finding.Fail {
			notes = append(notes, notFixedSummary(j))
			continue
		}
		tg := t.target(j)
		problems = append(problems, tg.unfixable...)
		if len(tg.fixed) > 0 {
			targets = append(targets, tg)
		}
	}
	if len(targets) == 0 {
		return []fixplan.Change{leftAlone(name, notes, problems)}
	}

	ref, extra, extraDiff := t.reference(doc, o)
	var ops []cfnOp
	var diff, parts []string
	for _, tg := range targets {
		for _, b := range tg.fix {
			ops = append(ops, cfnOp{m: b.m, k: b.k, v: b.v, pairs: []pair{{keyConfigARN, ref}}, depth: 8})
			from := ""
			if b.v != nil {
				from = " " + valueText(b.v)
			}
			diff = append(diff, fmt.Sprintf("~ %s behavior %s: %s%s → %s", tg.id, b.name, keyConfigARN, from, refText(ref)))
		}
		parts = append(parts, fmt.Sprintf("%s: %s real-time logs (%s)", tg.id, gainText(len(tg.fixed), tg.total), strings.Join(tg.fixed, ", ")))
	}
	ops = append(ops, extra...)
	diff = append(diff, extraDiff...)
	parts = append(parts, "sets "+keyConfigARN+" to "+refText(ref))
	if len(extraDiff) > 0 {
		parts = append(parts, "adds "+strings.Join(trimMarks(extraDiff), ", "))
	}
	parts = append(parts, notes...)

	patched, err := renderOps(doc, body, ops)
	if err == nil {
		err = verifyTemplate(name, doc, ops, bom, patched, judged, targets, o)
	}
	if err != nil {
		msg := "cannot be patched safely, left as it is: " + err.Error()
		return []fixplan.Change{errorChange(name, strings.Join(append([]string{msg}, problems...), "\n"))}
	}
	full := append(append([]byte(nil), bom...), patched...)
	ch := updateChange(o, name, data, full, strings.Join(parts, "; "), strings.Join(diff, "\n"))
	if len(problems) > 0 {
		ch.Error = strings.Join(problems, "\n")
	}
	return []fixplan.Change{ch}
}

// leftAlone is the change of a file nothing is done to.
func leftAlone(name string, notes, problems []string) fixplan.Change {
	if len(problems) > 0 {
		ch := errorChange(name, strings.Join(problems, "\n"))
		if len(notes) > 0 {
			ch.Summary += "; " + strings.Join(notes, "; ")
		}
		return ch
	}
	return noneChange(name, "nothing to do: "+strings.Join(notes, "; "))
}

// trimMarks drops the "+ " of diff lines.
func trimMarks(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, "+ ")
	}
	return out
}

// readErrorText is a reader error as "line N: message".
func readErrorText(err error) string {
	var re *model.ReadError
	if errors.As(err, &re) {
		s := re.Message
		if re.Resource != "" {
			s = re.Resource + ": " + s
		}
		if l := fmt.Sprintf("line %d:", re.Range.StartLine); re.Range.StartLine > 0 && !strings.Contains(s, l) {
			s = l + " " + s
		}
		return s
	}
	return err.Error()
}

// template indexes a template's sections by name.
type template struct {
	top       *yaml.Node
	res       map[string]*cfnResource
	resources *yaml.Node // the Resources mapping
	paramsKey *yaml.Node
	params    *yaml.Node // the value of Parameters, when the key is there
	configs   []*cfnResource
	taken     map[string]bool // logical IDs of parameters and resources
	// fixing are the behavior mappings already patched: one mapping can
	// be several behaviors through YAML aliases.
	fixing map[*yaml.Node]bool
}

type cfnResource struct {
	id          string
	node        *yaml.Node
	typ         string
	conditional bool
}

func indexTemplate(top *yaml.Node) *template {
	t := &template{top: top, res: map[string]*cfnResource{}, taken: map[string]bool{}, fixing: map[*yaml.Node]bool{}}
	t.paramsKey, t.params = cloudformation.Lookup(top, "Parameters")
	t.params = cloudformation.Deref(t.params)
	if t.params != nil && t.params.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(t.params.Content); i += 2 {
			t.taken[t.params.Content[i].Value] = true
		}
	}
	_, rs := cloudformation.Lookup(top, "Resources")
	rs = cloudformation.Deref(rs)
	if rs == nil || rs.Kind != yaml.MappingNode {
		return t
	}
	t.resources = rs
	for i := 0; i+1 < len(rs.Content); i += 2 {
		id := rs.Content[i].Value
		t.taken[id] = true
		n := cloudformation.Deref(rs.Content[i+1])
		r := &cfnResource{id: id, node: n}
		if _, tn := cloudformation.Lookup(n, "Type"); tn != nil && cloudformation.Deref(tn).Kind == yaml.ScalarNode {
			r.typ = cloudformation.Deref(tn).Value
		}
		if k, _ := cloudformation.Lookup(n, "Condition"); k != nil {
			r.conditional = true
		}
		t.res[id] = r
		if r.typ == typeConfig {
			t.configs = append(t.configs, r)
		}
	}
	// The last definition of a repeated logical ID counts.
	var kept []*cfnResource
	for _, c := range t.configs {
		if t.res[c.id] == c {
			kept = append(kept, c)
		}
	}
	t.configs = kept
	return t
}

// target is a failing distribution: the behaviors to patch and the
// failing ones that cannot be.
type target struct {
	id        string
	total     int
	fix       []behaviorFix
	unfixable []string
	// fixed and unfixed are the failing behaviors patched and left alone,
	// as the plan names them.
	fixed, unfixed []string
	// siblings are the variables the distribution's passing behaviors are
	// set to ("" for anything else); Terraform only.
	siblings []string
}

type behaviorFix struct {
	name string     // as the plan shows it: "*" (default), "/api/*"
	m    *yaml.Node // the behavior's mapping
	k, v *yaml.Node // the present but empty RealtimeLogConfigArn, if any
}

// behaviorNode is a cache behavior as written: the default one is located
// by its key's line, ordered ones by their item's line, as the reader does.
type behaviorNode struct {
	line int
	def  bool
	node *yaml.Node
	used bool
}

func (t *template) behaviors(id string) []*behaviorNode {
	r := t.res[id]
	if r == nil {
		return nil
	}
	_, props := cloudformation.Lookup(r.node, "Properties")
	_, dc := cloudformation.Lookup(cloudformation.Deref(props), "DistributionConfig")
	dc = cloudformation.Deref(dc)
	if dc == nil || dc.Kind != yaml.MappingNode {
		return nil
	}
	var out []*behaviorNode
	if k, v := cloudformation.Lookup(dc, "DefaultCacheBehavior"); k != nil {
		out = append(out, &behaviorNode{line: k.Line, def: true, node: v})
	}
	if _, cb := cloudformation.Lookup(dc, "CacheBehaviors"); cb != nil {
		if cb = cloudformation.Deref(cb); cb.Kind == yaml.SequenceNode && !cloudformation.IsTagged(cb) {
			for _, it := range cb.Content {
				out = append(out, &behaviorNode{line: it.Line, node: it})
			}
		}
	}
	return out
}

// target matches the failing behaviors of j's finding to the template.
func (t *template) target(j judged) *target {
	tg := &target{id: j.d.ID, total: len(j.d.Behaviors)}
	nodes := t.behaviors(j.d.ID)
	for i, fb := range j.f.Behaviors {
		name := fixplan.Behavior{PathPattern: fb.PathPattern, Default: fb.Default}.String()
		problem := fmt.Sprintf("behavior %s has no real-time log config", name)
		if i < len(j.f.Problems) {
			problem = j.f.Problems[i]
		}
		line := 0
		if fb.Location != nil {
			line = fb.Location.StartLine
		}
		unfixable := func(why string) {
			tg.unfixable = append(tg.unfixable, fmt.Sprintf("%s (line %d): %s; %s", j.d.ID, line, problem, why))
			tg.unfixed = append(tg.unfixed, name)
		}
		var bn *behaviorNode
		for _, n := range nodes {
			if !n.used && n.def == fb.Default && n.line == line {
				bn = n
				break
			}
		}
		if bn == nil {
			unfixable("it is not written as a plain DefaultCacheBehavior or CacheBehaviors entry: add RealtimeLogConfigArn by hand")
			continue
		}
		bn.used = true
		m := cloudformation.Deref(bn.node)
		if m == nil || m.Kind != yaml.MappingNode || isCall(m) {
			unfixable("the behavior is written with an intrinsic function or an alias, not as a mapping: add RealtimeLogConfigArn by hand")
			continue
		}
		k, v := cloudformation.Lookup(m, keyConfigARN)
		switch {
		case t.fixing[m]:
			tg.fixed = append(tg.fixed, name) // the same mapping, patched once
		case k == nil:
			t.fixing[m] = true
			tg.fix = append(tg.fix, behaviorFix{name: name, m: m})
			tg.fixed = append(tg.fixed, name)
		case emptyValue(v):
			t.fixing[m] = true
			tg.fix = append(tg.fix, behaviorFix{name: name, m: m, k: k, v: v})
			tg.fixed = append(tg.fixed, name)
		default:
			unfixable(fmt.Sprintf("its %s %s is kept (fix iac never replaces a reference): fix it by hand", keyConfigARN, valueText(v)))
		}
	}
	return tg
}

// reference chooses what behaviors are set to, and what the template gains
// for it: the one real-time log config of the template, a parameter, or
// (CreateResources) a new stream, role and config.
func (t *template) reference(doc cfnDoc, o *Options) (ref *yaml.Node, ops []cfnOp, diff []string) {
	f := cfnForm{long: doc.longForm()}
	if len(t.configs) == 1 && !t.configs[0].conditional {
		return f.getAtt(t.configs[0].id, "Arn"), nil, nil
	}
	if o.CreateResources && t.resources != nil {
		n := cfnNames{stream: uniqueName(streamBase, t.taken), role: uniqueName(roleBase, t.taken), config: uniqueName(configBase, t.taken)}
		ops = append(ops, cfnOp{m: t.resources, pairs: cfnResources(f, n, o), depth: 1})
		diff = []string{
			fmt.Sprintf("+ resource %s (AWS::Kinesis::Stream, on-demand, encrypted with %s)", n.stream, "alias/aws/kinesis"),
			fmt.Sprintf("+ resource %s (AWS::IAM::Role for cloudfront.amazonaws.com)", n.role),
			fmt.Sprintf("+ resource %s (%s, sampling %d %%, %d fields)", n.config, typeConfig, o.SamplingRate, len(o.Fields)),
		}
		return f.getAtt(n.config, "Arn"), ops, diff
	}
	if t.params != nil && t.params.Kind == yaml.MappingNode {
		if k, _ := cloudformation.Lookup(t.params, ParameterName); k != nil {
			return f.ref(ParameterName), nil, nil // declared already
		}
	}
	name := uniqueName(ParameterName, t.taken)
	def := []pair{{name, parameterNode()}}
	diff = []string{fmt.Sprintf("+ parameter %s (String)", name)}
	switch {
	case t.params != nil && t.params.Kind == yaml.MappingNode:
		ops = append(ops, cfnOp{m: t.params, pairs: def, depth: 1})
	case t.paramsKey != nil:
		// "Parameters:" with nothing after it
		ops = append(ops, cfnOp{m: t.top, k: t.paramsKey, v: t.params, pairs: []pair{{"Parameters", pairsNode(def)}}})
	default:
		ops = append(ops, cfnOp{m: t.top, before: t.sectionAfterParameters(), pairs: []pair{{"Parameters", pairsNode(def)}}})
	}
	return f.ref(name), ops, diff
}

// sectionAfterParameters is the top-level key a new Parameters section goes
// before: the first of the sections that conventionally follow it.
func (t *template) sectionAfterParameters() *yaml.Node {
	follow := map[string]bool{"Rules": true, "Mappings": true, "Conditions": true, "Resources": true, "Outputs": true}
	for i := 0; i+1 < len(t.top.Content); i += 2 {
		if follow[t.top.Content[i].Value] {
			return t.top.Content[i]
		}
	}
	return nil
}

// cfnOp is one change to the template: pairs added to mapping m (before
// key before, if set), or the value v of key k replaced by pairs[0].val.
type cfnOp struct {
	m      *yaml.Node
	k, v   *yaml.Node
	before *yaml.Node
	pairs  []pair
	depth  int
}

// renderOps turns ops into text edits and applies them.
func renderOps(doc cfnDoc, body []byte, ops []cfnOp) ([]byte, error) {
	var edits []edit
	adds := map[*yaml.Node][]pair{}
	depth := map[*yaml.Node]int{}
	var order []*yaml.Node
	for _, op := range ops {
		var es []edit
		var err error
		switch {
		case op.k != nil:
			es, err = doc.replaceValue(op.m, op.k, op.v, op.pairs[0].val, op.depth)
		case op.before != nil:
			es, err = doc.addBefore(op.m, op.before, op.pairs)
		default:
			if _, ok := adds[op.m]; !ok {
				order = append(order, op.m)
			}
			adds[op.m] = append(adds[op.m], op.pairs...)
			depth[op.m] = op.depth
		}
		if err != nil {
			return nil, err
		}
		edits = append(edits, es...)
	}
	for _, m := range order {
		es, err := doc.addKeys(m, adds[m], depth[m])
		if err != nil {
			return nil, err
		}
		edits = append(edits, es...)
	}
	return applyEdits(body, edits)
}

// verifyTemplate checks a patch before it is planned: the patched text
// parses, is the original plus exactly the ops, reads as a template, and
// the distributions patched fail CF-001 only for the behaviors left alone.
func verifyTemplate(name string, doc cfnDoc, ops []cfnOp, bom, patched []byte, before []judged, targets []*target, o *Options) error {
	full := append(append([]byte(nil), bom...), patched...)
	again, err := cloudformation.Parse(name, full)
	if err != nil {
		return fmt.Errorf("the patched template does not parse: %s", readErrorText(err))
	}
	got := again.Root()
	if got == nil || got.Kind != yaml.MappingNode {
		return fmt.Errorf("the patched template does not parse: the top level is not a mapping")
	}
	want := doc.root()
	for _, op := range ops {
		applyOp(op)
	}
	if path, ok := sameTree(want, got, ""); !ok {
		return fmt.Errorf("the patched template differs from the original at %s by more than the additions", path)
	}
	if n, m := duplicateKeys(got, 0), duplicateKeys(want, 0); n > m {
		return fmt.Errorf("the patched template repeats a key")
	}
	inv, err := again.Read()
	if err != nil {
		return fmt.Errorf("the patched template cannot be read: %s", readErrorText(err))
	}
	return checkFixed(before, judge(inv, o), targets, func(id string) string { return id })
}

// checkFixed compares CF-001 before and after a patch, distribution by
// distribution (named by key(ID)): the behaviors patched no longer fail, and
// nothing fails that did not fail before.
func checkFixed(before, after []judged, targets []*target, key func(string) string) error {
	failing := func(j judged) map[string]int {
		out := map[string]int{}
		if j.f.Status == finding.Fail {
			for _, b := range j.f.Behaviors {
				out[fixplan.Behavior{PathPattern: b.PathPattern, Default: b.Default}.String()]++
			}
		}
		return out
	}
	allowed := map[string]map[string]int{}
	for _, j := range before {
		allowed[key(j.d.ID)] = failing(j)
	}
	patched := map[string]bool{}
	for _, tg := range targets {
		k := key(tg.id)
		patched[k] = true
		for _, n := range tg.fixed {
			if allowed[k][n] > 0 {
				allowed[k][n]--
			}
		}
	}
	seen := map[string]bool{}
	for _, j := range after {
		k := key(j.d.ID)
		seen[k] = true
		for n, c := range failing(j) {
			if c > allowed[k][n] {
				if patched[k] {
					return fmt.Errorf("%s would still fail CF-001 for behavior %s: %s", j.d.ID, n, j.f.Message)
				}
				return fmt.Errorf("%s would fail CF-001 for behavior %s, which it did not before: %s", j.d.ID, n, j.f.Message)
			}
		}
	}
	for k := range patched {
		if !seen[k] {
			return fmt.Errorf("%s is no longer read as a distribution", k)
		}
	}
	return nil
}

// applyOp makes the original tree what the patched one should be.
func applyOp(op cfnOp) {
	switch {
	case op.k != nil:
		for i := 1; i < len(op.m.Content); i += 2 {
			if op.m.Content[i-1] == op.k {
				op.m.Content[i] = op.pairs[0].val
			}
		}
	default:
		for _, p := range op.pairs {
			op.m.Content = append(op.m.Content, str(p.key), p.val)
		}
	}
}

// maxTreeDepth bounds the comparison of node trees.
const maxTreeDepth = 10000

// sameTree compares two node trees for what they mean to CloudFormation:
// kinds, tags, values and keys (in any order), not positions, styles or
// comments. It returns the path of the first difference.
func sameTree(a, b *yaml.Node, path string) (string, bool) {
	return sameNode(a, b, path, 0)
}

func sameNode(a, b *yaml.Node, path string, depth int) (string, bool) {
	if path == "" {
		path = "the top level"
	}
	if a == nil || b == nil || depth > maxTreeDepth {
		return path, a == nil && b == nil
	}
	if a.Kind != b.Kind || a.Anchor != b.Anchor {
		return path, false
	}
	switch a.Kind {
	case yaml.AliasNode:
		return path, a.Value == b.Value
	case yaml.ScalarNode:
		return path, scalarKey(a) == scalarKey(b)
	case yaml.SequenceNode:
		if a.ShortTag() != b.ShortTag() || len(a.Content) != len(b.Content) {
			return path, false
		}
		for i := range a.Content {
			if p, ok := sameNode(a.Content[i], b.Content[i], fmt.Sprintf("%s[%d]", path, i), depth+1); !ok {
				return p, false
			}
		}
		return path, true
	case yaml.MappingNode:
		if a.ShortTag() != b.ShortTag() || len(a.Content) != len(b.Content) {
			return path, false
		}
		pa, pb := sortedPairs(a), sortedPairs(b)
		for i := range pa {
			p := path + "." + pa[i][0].Value
			if _, ok := sameNode(pa[i][0], pb[i][0], p, depth+1); !ok {
				return p, false
			}
			if q, ok := sameNode(pa[i][1], pb[i][1], p, depth+1); !ok {
				return q, false
			}
		}
		return path, true
	}
	return path, true
}

// duplicateKeys counts the keys repeated in the mappings of n (the
// original may repeat keys already; a patch must not add any).
func duplicateKeys(n *yaml.Node, depth int) int {
	if n == nil || depth > maxTreeDepth || n.Kind == yaml.AliasNode {
		return 0
	}
	count := 0
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := scalarKey(n.Content[i])
			if seen[k] {
				count++
			}
			seen[k] = true
		}
	}
	for _, c := range n.Content {
		count += duplicateKeys(c, depth+1)
	}
	return count
}

// scalarKey is what a scalar means: its resolved tag and canonical value.
func scalarKey(n *yaml.Node) string {
	tag := n.ShortTag()
	v := n.Value
	switch tag {
	case "!!null":
		v = ""
	case "!!bool":
		v = strings.ToLower(v)
	}
	return tag + "\x00" + v
}

func sortedPairs(m *yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, [2]*yaml.Node{m.Content[i], m.Content[i+1]})
	}
	sort.SliceStable(out, func(i, j int) bool { return scalarKey(out[i][0]) < scalarKey(out[j][0]) })
	return out
}

// emptyValue reports whether v sets nothing: "", null, AWS::NoValue.
func emptyValue(v *yaml.Node) bool {
	if v == nil {
		return true
	}
	switch v.Kind {
	case yaml.ScalarNode:
		switch {
		case v.ShortTag() == "!!null":
			return true
		case v.ShortTag() == "!!str" && v.Value == "":
			return true
		case v.Tag == "!Ref" && v.Value == "AWS::NoValue":
			return true
		}
	case yaml.MappingNode:
		if len(v.Content) == 2 && v.Content[0].Value == "Ref" && v.Content[1].Kind == yaml.ScalarNode && v.Content[1].Value == "AWS::NoValue" {
			return true
		}
	}
	return false
}

// valueText shows a value in a sentence.
func valueText(v *yaml.Node) string {
	switch {
	case v.Kind == yaml.AliasNode:
		return "*" + v.Value
	case v.Kind == yaml.ScalarNode && cloudformation.IsTagged(v):
		return v.Tag + " " + v.Value
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		return "null"
	case v.Kind == yaml.ScalarNode:
		return fmt.Sprintf("%q", v.Value)
	}
	s := renderCompact(v)
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

// isCall reports whether m is an intrinsic function call, short or long form.
func isCall(m *yaml.Node) bool {
	_, _, ok := cloudformation.Intrinsic(m)
	return ok
}
