// Package rules holds cloudassure's checks. Each rule lives in one file with
// its metadata next to its logic, reads only the model, and returns findings.
package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// Risk levels, as the knowledge base grades them.
const (
	RiskHigh   = "High"
	RiskMedium = "Medium"
	RiskLow    = "Low"
)

// Rule is one check with everything a person needs to understand and fix it.
type Rule struct {
	ID    string
	Name  string
	Title string
	Risk  string
	// Pillar is the AWS Well-Architected pillar the rule serves.
	Pillar      string
	Rationale   string
	Remediation Remediation
	Links       []string
	// LiveOnly rules need a running account (they prove delivery) and are
	// skipped for infrastructure as code.
	LiveOnly bool
	// Needs says what of a live account the check reads besides the
	// distributions, so the live source reads nothing more (see NeedsOf).
	Needs model.Needs
	// Judge evaluates the rule over an inventory: one verdict per distribution.
	Judge func(inv *model.Inventory, opts Options) []Verdict
	// Examples are good and bad inventories that the meta-test runs.
	Examples []Example
}

// Remediation says how to fix a failing resource, one way per tool.
type Remediation struct {
	Summary        string
	Console        string
	CLI            string
	CloudFormation string
	Terraform      string
}

// Example is an inventory the rule must judge a certain way.
type Example struct {
	Name string
	// Want is the status every finding of the rule must have (PASS for good
	// examples; FAIL or ERROR for bad ones, where at least one must have it).
	Want      finding.Status
	Inventory func() *model.Inventory
}

// Options tune how rules judge an inventory.
type Options struct {
	Policy Policy
	// IncludeDisabled evaluates disabled distributions instead of skipping them.
	IncludeDisabled bool
}

// Policy is the team's real-time logging policy, checked by CF-003; it
// lives with the rest of the domain knowledge in realtimelog.
type Policy = realtimelog.Policy

// DefaultPolicy is the policy used when the team sets none.
func DefaultPolicy() Policy { return realtimelog.DefaultPolicy() }

// All lists every rule, in ID order.
func All() []*Rule {
	return []*Rule{CF001(), cf002(), cf003()}
}

// CF001 is the rule both fixers make pass: every cache behavior of an
// enabled distribution sends real-time logs.
func CF001() *Rule { return cf001() }

// NeedsOf returns what of a live account the rules rs read together.
func NeedsOf(rs []*Rule) model.Needs {
	var n model.Needs
	for _, r := range rs {
		n = n.Or(r.Needs)
	}
	return n
}

// Find returns the rule with the given ID (case-insensitive) or name.
func Find(id string) (*Rule, bool) {
	for _, r := range All() {
		if strings.EqualFold(r.ID, id) || r.Name == id {
			return r, true
		}
	}
	return nil, false
}

// Verdict is one rule's finding about one distribution, kept together so that
// nothing downstream pairs them by position.
type Verdict struct {
	Distribution *model.Distribution
	Finding      finding.Finding
}

// Judge evaluates rules over an inventory and returns their verdicts, rule by
// rule in the order of rs, each rule's in distribution order. Rules that need
// a live account are left out for IaC.
func Judge(inv *model.Inventory, rs []*Rule, opts Options) []Verdict {
	var out []Verdict
	for _, r := range rs {
		if r.LiveOnly && !inv.Live {
			continue
		}
		out = append(out, r.Judge(inv, opts)...)
	}
	return out
}

// Check runs the rule over an inventory and returns its findings alone.
func (r *Rule) Check(inv *model.Inventory, opts Options) []finding.Finding {
	return findingsOf(r.Judge(inv, opts))
}

// Run is Judge without the distributions: the findings alone, in order.
func Run(inv *model.Inventory, rs []*Rule, opts Options) []finding.Finding {
	return findingsOf(Judge(inv, rs, opts))
}

func findingsOf(vs []Verdict) []finding.Finding {
	out := make([]finding.Finding, len(vs))
	for i, v := range vs {
		out[i] = v.Finding
	}
	return out
}

// Select returns the rules with the given IDs or names, in the order given,
// or every rule when ids is empty.
func Select(ids []string) ([]*Rule, error) {
	if len(ids) == 0 {
		return All(), nil
	}
	var rs []*Rule
	for _, id := range ids {
		r, ok := Find(strings.TrimSpace(id))
		if !ok {
			return nil, fmt.Errorf("unknown rule %q (see cloudassure rules)", id)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// Info returns the rule's metadata as reporters see it.
func (r *Rule) Info() finding.RuleInfo {
	link := ""
	if len(r.Links) > 0 {
		link = r.Links[0]
	}
	return finding.RuleInfo{
		ID: r.ID, Name: r.Name, Title: r.Title, Risk: r.Risk,
		Rationale: r.Rationale, Remediation: r.Remediation.Summary, HelpURI: link,
	}
}

// newFinding starts a finding of rule r about distribution d.
func (r *Rule) newFinding(d *model.Distribution, status finding.Status, msg string) finding.Finding {
	f := finding.Finding{
		RuleID:   r.ID,
		Title:    r.Title,
		Status:   status,
		Risk:     r.Risk,
		Message:  msg,
		Resource: distributionResource(d),
		Staging:  d.Staging.State == model.Known && d.Staging.V,
	}
	if !d.Range.IsZero() {
		f.Location = location(d.Range)
	}
	parts := []string{r.ID, f.Resource.Type, f.Resource.ID, d.Range.File}
	if d.Root != "" {
		parts = append(parts, d.Root)
	}
	f.Fingerprint = fingerprint(parts...)
	return f
}

func distributionResource(d *model.Distribution) finding.Resource {
	typ := d.Type
	if typ == "" {
		typ = "AWS::CloudFront::Distribution"
	}
	return finding.Resource{Type: typ, ID: d.ID, Root: d.Root, ARN: d.ARN, Name: d.Comment}
}

func location(r model.Range) *finding.Location {
	if r.IsZero() {
		return nil
	}
	return &finding.Location{File: r.File, StartLine: r.StartLine, EndLine: r.EndLine}
}

// behaviorsOf renders behaviors of d for a finding, each with its position
// among d's behaviors.
func behaviorsOf(d *model.Distribution, bs []*model.Behavior) []finding.Behavior {
	pos := positions(d)
	out := make([]finding.Behavior, len(bs))
	for i, b := range bs {
		out[i] = behaviorOf(b, pos[b])
	}
	return out
}

// positions numbers d's behaviors: 0 for the default, 1.. for the ordered
// ones in order (the model lists the default first, when there is one).
func positions(d *model.Distribution) map[*model.Behavior]int {
	pos := make(map[*model.Behavior]int, len(d.Behaviors))
	n := 0
	for _, b := range d.Behaviors {
		if b.Default {
			pos[b] = 0
			continue
		}
		n++
		pos[b] = n
	}
	return pos
}

// behaviorOf renders a model behavior for a finding at position pos.
func behaviorOf(b *model.Behavior, pos int) finding.Behavior {
	return finding.Behavior{
		PathPattern:          b.PathPattern,
		Default:              b.Default,
		Position:             pos,
		RealtimeLogConfigARN: b.RealtimeLogConfigARN.V,
		State:                b.RealtimeLogConfigARN.State.String(),
		Location:             location(b.Range),
	}
}

// behaviorName names a behavior in a sentence.
func behaviorName(b *model.Behavior) string {
	if b.Default {
		return "the default behavior (*)"
	}
	return fmt.Sprintf("behavior %q", b.PathPattern)
}

func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// skipDisabled returns a SKIP finding when d is disabled and not asked for.
func skipDisabled(r *Rule, d *model.Distribution, opts Options) (finding.Finding, bool) {
	if opts.IncludeDisabled || d.Enabled.State != model.Known || d.Enabled.V {
		return finding.Finding{}, false
	}
	return r.newFinding(d, finding.Skip, "distribution is disabled (use --include-disabled to evaluate it)"), true
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// attachedConfigs returns the distinct config references of d's behaviors in
// first-use order, with the behaviors that use each.
func attachedConfigs(d *model.Distribution) ([]string, map[string][]*model.Behavior) {
	var order []string
	uses := map[string][]*model.Behavior{}
	for _, b := range d.Behaviors {
		key := b.ConfigRef // resolved by the source, whether the ARN is known yet or not
		if key == "" {
			if b.RealtimeLogConfigARN.State != model.Known || b.RealtimeLogConfigARN.V == "" {
				continue
			}
			key = b.RealtimeLogConfigARN.V
		}
		if _, ok := uses[key]; !ok {
			order = append(order, key)
		}
		uses[key] = append(uses[key], b)
	}
	return order, uses
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
