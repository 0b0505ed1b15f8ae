// Package fixiac patches infrastructure as code so that every cache
// behavior of every enabled CloudFront distribution sends real-time logs
// (rule CF-001): CloudFormation templates in YAML and JSON, and Terraform
// modules.
//
// MakePlan reads the files under the paths given (of the operating system,
// or of an fs.FS) with the readers scan iac uses, finds the distributions
// that fail CF-001, and plans one patch per file: RealtimeLogConfigArn (or
// realtime_log_config_arn) is added to every behavior that has none, or
// whose value is empty, null or AWS::NoValue, and set to
//
//   - the real-time log config defined in the same template or module, when
//     there is exactly one (and it is not conditional);
//   - otherwise a new parameter (CloudFormation) or variable (Terraform),
//     declared if missing;
//   - or, with CreateResources, a Kinesis stream, an IAM role for CloudFront
//     and a real-time log config added to the file.
//
// The patches are made on what the readers read, each file read once: the
// CloudFormation reader's YAML tree with its positions; for Terraform, the
// reader's bytes of each file, in which its hclsyntax ranges find the
// blocks that hclwrite then edits.
//
// A patch only inserts text (or replaces the empty value): everything else
// in the file stays byte for byte what it was, comments and formatting
// included. Every patch is checked before it is planned: the patched text
// parses again with the reader `scan iac` uses, is the original plus exactly
// the intended additions, and passes CF-001 for the distributions it fixes.
// A file that cannot be read or patched safely is left alone and reported;
// the others still are patched.
//
// Apply, a separate step, writes a plan's patches to the operating system's
// files, each file atomically, and refuses a file that changed since the
// plan was made.
package fixiac

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/tfplan"
)

// Names fix iac gives what it adds.
const (
	// ParameterName is the CloudFormation parameter behaviors refer to
	// when the template has no single real-time log config.
	ParameterName = "RealtimeLogConfigArn"
	// VariableName is the Terraform variable for the same purpose.
	VariableName = "realtime_log_config_arn"
	// parameterDescription describes the parameter and the variable.
	parameterDescription = "ARN of the CloudFront real-time log config every cache behavior sends real-time logs to (CF-001)"
)

// Options say what to patch and how.
type Options struct {
	// Paths are files or directories, shown in the plan as given; default ".".
	Paths []string
	// FS, when set, holds the files instead of the operating system: Paths
	// are then paths in it (slash-separated, see fs.ValidPath). Planning
	// reads only through it; Apply writes the operating system's files.
	FS fs.FS
	// Exclude are globs (see glob.Match) of files and directories to skip.
	Exclude []string
	// CreateResources adds a Kinesis stream, an IAM role and a real-time
	// log config where a template or module has no single config, instead
	// of a parameter or variable.
	CreateResources bool
	// IncludeDisabled fixes disabled distributions too.
	IncludeDisabled bool
	// Policy is the team policy; SamplingRate and Fields of a created
	// config default to its MinSamplingRate and RequiredFields.
	Policy       rules.Policy
	SamplingRate int
	Fields       []string
	// Ignores are the accepted findings of .cloudassure.yaml: a
	// distribution whose CF-001 finding is suppressed is left alone.
	Ignores []settings.Ignore
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Progress, when set, is told how many of the files and Terraform
	// module steps (a read, then a patch, per module) are done.
	Progress func(done, total int)

	// patched, when set, receives the text every planned file is patched
	// to, by file as the plan names it (Replan).
	patched map[string][]byte
}

// withDefaults fills in the defaults and checks the options.
func (o Options) withDefaults() (Options, error) {
	if len(o.Paths) == 0 {
		o.Paths = []string{"."}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Policy.MinSamplingRate == 0 && o.Policy.RequiredFields == nil {
		o.Policy = rules.DefaultPolicy()
	}
	if o.SamplingRate == 0 {
		o.SamplingRate = o.Policy.MinSamplingRate
	}
	if len(o.Fields) == 0 {
		o.Fields = o.Policy.RequiredFields
	}
	if err := realtimelog.CheckConfig(o.SamplingRate, o.Fields); err != nil {
		return o, err
	}
	o.Fields = realtimelog.SortedFields(o.Fields)
	return o, nil
}

// MakePlan reads every file under o.Paths and plans the patches. Problems
// with single files are in the plan (Action None with Error set); the error
// return is for options that cannot be used, or ctx ending.
func MakePlan(ctx context.Context, o Options) (*fixplan.Plan, error) {
	given := &fixplan.IaCOptions{CreateResources: o.CreateResources, IncludeDisabled: o.IncludeDisabled, SamplingRate: o.SamplingRate, Fields: o.Fields, Exclude: o.Exclude}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &fixplan.Plan{Version: fixplan.Version, Kind: fixplan.KindIaC, CreatedAt: o.Now().UTC(), IaC: given, Changes: []fixplan.Change{}}
	files, tfDirs, unreadable := iac.Discover(o.FS, o.Paths, o.Exclude)
	for _, e := range unreadable {
		p.Changes = append(p.Changes, errorChange(e.Range.File, e.Message))
	}
	total, done := len(files)+2*len(tfDirs), 0
	step := func() {
		done++
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, fixFile(f, &o)...)
		step()
	}
	changes, err := fixModules(ctx, tfDirs, &o, step)
	if err != nil {
		return nil, err
	}
	p.Changes = append(p.Changes, changes...)
	sort.SliceStable(p.Changes, func(i, j int) bool { return p.Changes[i].Resource.File < p.Changes[j].Resource.File })
	return p, nil
}

// fixFile plans the patch of one JSON or YAML file: a template is patched,
// a Terraform plan is reported, anything else is not a concern.
func fixFile(f iac.Entry, o *Options) []fixplan.Change {
	name := f.Name
	data, err := fs.ReadFile(f.Tree.FS, f.Path)
	if err != nil {
		return []fixplan.Change{errorChange(name, readErrText(err))}
	}
	switch {
	case tfplan.Detect(data):
		return planFile(name, data, o)
	case cloudformation.Detect(data):
		return fixTemplate(name, data, o)
	}
	return nil
}

// planFile reports a Terraform plan JSON file: it is generated, so it is
// never patched; its .tf source is.
func planFile(name string, data []byte, o *Options) []fixplan.Change {
	inv, err := tfplan.Read(name, data, func(string) (model.Range, bool) { return model.Range{}, false })
	if err != nil {
		return []fixplan.Change{errorChange(name, "cannot parse: "+readErrorText(err))}
	}
	if inv == nil {
		return nil
	}
	var failing []string
	for _, j := range judge(inv, o) {
		if j.f.Status == finding.Fail {
			failing = append(failing, j.d.ID)
		}
	}
	if len(failing) == 0 {
		return nil
	}
	ch := noneChange(name, fmt.Sprintf("not patchable: Terraform plan JSON is generated; fix the .tf source and run terraform plan again (%s %s CF-001)",
		strings.Join(failing, ", "), plural(len(failing), "fails", "fail")))
	return []fixplan.Change{ch}
}

// judged is a distribution with its CF-001 finding.
type judged struct {
	d *model.Distribution
	f finding.Finding
}

// judge runs CF-001 over inv through the engine, as scan iac does,
// suppressions included.
func judge(inv *model.Inventory, o *Options) []judged {
	set := engine.Settings{File: &settings.File{Policy: o.Policy, Ignore: o.Ignores}, IncludeDisabled: o.IncludeDisabled}
	if o.Now != nil {
		set.Now = o.Now()
	}
	vs := engine.Judge(inv, []*rules.Rule{rules.CF001()}, set).Verdicts
	out := make([]judged, len(vs))
	for i, v := range vs {
		out[i] = judged{v.Distribution, v.Finding}
	}
	return out
}

// notFixedSummary says why a distribution that is not patched is left alone.
func notFixedSummary(j judged) string {
	switch {
	case j.f.Suppression != nil:
		return fmt.Sprintf("%s: skipped, CF-001 is suppressed (%s)", j.d.ID, j.f.Suppression.Reason)
	case j.f.Status == finding.Skip:
		return fmt.Sprintf("%s: skipped, disabled (--include-disabled fixes disabled distributions too)", j.d.ID)
	}
	return fmt.Sprintf("%s: already passes CF-001", j.d.ID)
}

// errorChange is a file left as it is because of msg (one problem a line).
func errorChange(file, msg string) fixplan.Change {
	return fixplan.Change{
		Action:   fixplan.None,
		Resource: fixplan.Resource{Type: fixplan.TypeFile, File: file},
		Summary:  "not changed: " + strings.ReplaceAll(msg, "\n", "; "),
		Error:    msg,
	}
}

// gainText says how many of a distribution's behaviors gain a config.
func gainText(n, total int) string {
	return fmt.Sprintf("%d of %d %s %s", n, total, plural(total, "behavior", "behaviors"), plural(n, "gains", "gain"))
}

func noneChange(file, summary string) fixplan.Change {
	return fixplan.Change{Action: fixplan.None, Resource: fixplan.Resource{Type: fixplan.TypeFile, File: file}, Summary: summary}
}

// updateChange is the change patching file from old to new.
func updateChange(o *Options, file string, old, new []byte, summary, diff string) fixplan.Change {
	if o.patched != nil {
		o.patched[file] = new
	}
	return fixplan.Change{
		Action:   fixplan.Update,
		Resource: fixplan.Resource{Type: fixplan.TypeFile, File: file},
		Summary:  summary,
		Diff:     diff,
		Patch:    unifiedDiff(file, string(old), string(new)),
		SHA256:   sha256Hex(old),
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// readErrText is a file system error without the path the change already
// names.
func readErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
