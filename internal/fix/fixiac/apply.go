package fixiac

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

// ApplyOptions say how a plan is written.
type ApplyOptions struct {
	// BackupDir, when set, receives a copy of every file before it is
	// changed, under BackupDir/<time>/<path as planned>.
	BackupDir string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Within, when set, are the paths given on the command line: a file
	// is written only if it resolves, symlinks followed, inside one of
	// them; any other is refused.
	Within []string
	// Expected, when set, is asked about every file before it is written,
	// with the text its patch gives; an error refuses the file (see Replan).
	Expected func(file string, patched []byte) error
}

// File statuses in an Outcome.
const (
	StatusWritten    = "written"     // the patch was written
	StatusPartial    = "partial"     // the patch was written; some behaviors still need a hand
	StatusUnchanged  = "unchanged"   // nothing to do for the file
	StatusNotHandled = "not-handled" // the plan could not patch (all of) the file
	StatusRefused    = "refused"     // the file changed since the plan was made
	StatusFailed     = "failed"      // the patch could not be applied or written
)

// FileResult is what Apply did to one file.
type FileResult struct {
	File    string `json:"file"`
	Status  string `json:"status"`
	Backup  string `json:"backup,omitempty"`
	Message string `json:"message,omitempty"`
}

// Outcome is what Apply did.
type Outcome struct {
	Files   []FileResult   `json:"files"`
	Summary map[string]int `json:"summary"`
}

// Complete reports whether every file of the plan was handled: written or
// left alone on purpose.
func (r *Outcome) Complete() bool {
	return r.Summary[StatusNotHandled]+r.Summary[StatusRefused]+r.Summary[StatusFailed]+r.Summary[StatusPartial] == 0
}

// WriteText writes the report for people: one line per file that was
// written or not handled, and a summary line.
func (r *Outcome) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Files {
		switch f.Status {
		case StatusUnchanged:
			continue
		case StatusWritten, StatusPartial:
			fmt.Fprintf(&b, "wrote %s", f.File)
			if f.Backup != "" {
				fmt.Fprintf(&b, " (backup: %s)", f.Backup)
			}
			if f.Status == StatusPartial {
				b.WriteString("; still to fix by hand:")
				writeLines(&b, f.Message)
			} else {
				b.WriteString("\n")
			}
		default:
			fmt.Fprintf(&b, "%s %s:", f.Status, f.File)
			writeLines(&b, f.Message)
		}
	}
	s := r.Summary
	written := s[StatusWritten] + s[StatusPartial]
	fmt.Fprintf(&b, "%d %s written, %d left as they are, %d not (fully) handled.\n", written, plural(written, "file", "files"),
		s[StatusUnchanged], s[StatusNotHandled]+s[StatusRefused]+s[StatusFailed]+s[StatusPartial])
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLines writes one problem per line, indented, or a single one on
// the line already started.
func writeLines(b *strings.Builder, msg string) {
	lines := strings.Split(msg, "\n")
	if len(lines) == 1 {
		b.WriteString(" " + msg + "\n")
		return
	}
	b.WriteString("\n")
	for _, l := range lines {
		b.WriteString("    - " + l + "\n")
	}
}

// Apply writes the patches of plan p. Each file is patched only if it is
// still exactly what the plan was made from (its SHA-256), the patch
// applies cleanly and the result parses; it is written atomically (a
// temporary file renamed over it) and keeps its mode. A file that fails is
// reported and the others are still written.
func Apply(p *fixplan.Plan, o ApplyOptions) (*Outcome, error) {
	if p.Kind != fixplan.KindIaC {
		return nil, fmt.Errorf("this is a fix %s plan; fix iac applies fix iac plans", p.Kind)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	stamp := o.Now().UTC().Format("20060102T150405Z")
	roots := resolveRoots(o.Within)
	// Every file is checked before any is written: the files of one
	// Terraform module are written all or none, since a patch of one (a
	// reference to a new variable) can need the patch of another (its
	// declaration).
	ready := make([]prepared, len(p.Changes))
	blocked := map[string]string{} // module directory → a file of it that cannot be written
	for i, c := range p.Changes {
		if c.Action != fixplan.Update {
			continue
		}
		ready[i] = prepareChange(c, o, roots)
		if f := c.Resource.File; ready[i].res.Status != "" && isTerraform(f) {
			if _, ok := blocked[filepath.Dir(f)]; !ok {
				blocked[filepath.Dir(f)] = f
			}
		}
	}
	rep := &Outcome{Files: []FileResult{}, Summary: map[string]int{}}
	for i, c := range p.Changes {
		res := FileResult{File: c.Resource.File}
		switch {
		case c.Action != fixplan.Update:
			res.Status = StatusUnchanged
			if c.Error != "" {
				res.Status, res.Message = StatusNotHandled, c.Error
			}
		case ready[i].res.Status != "":
			res = ready[i].res
		case isTerraform(c.Resource.File) && blocked[filepath.Dir(c.Resource.File)] != "":
			res.Status = StatusRefused
			res.Message = fmt.Sprintf("%s, of the same module, cannot be written, so the module is left as it is rather than patched in part",
				blocked[filepath.Dir(c.Resource.File)])
		default:
			res = ready[i].write(o.BackupDir, stamp)
			if res.Status == StatusWritten && c.Error != "" {
				res.Status, res.Message = StatusPartial, c.Error
			}
		}
		rep.Summary[res.Status]++
		rep.Files = append(rep.Files, res)
	}
	return rep, nil
}

// isTerraform reports whether file is a Terraform file a module is made of.
func isTerraform(file string) bool {
	return strings.HasSuffix(file, ".tf") || strings.HasSuffix(file, ".tf.json")
}

// prepared is a change checked and ready to write; res.Status is set when
// it cannot be written.
type prepared struct {
	res    FileResult
	target string
	old    []byte
	data   []byte
	mode   os.FileMode
}

func prepareChange(c fixplan.Change, o ApplyOptions, roots []string) prepared {
	file := c.Resource.File
	fail := func(status, msg string) prepared {
		return prepared{res: FileResult{File: file, Status: status, Message: msg}}
	}
	if c.Resource.Type != fixplan.TypeFile || file == "" {
		return fail(StatusFailed, "the change names no file")
	}
	target, err := filepath.EvalSymlinks(file)
	if err != nil {
		return fail(StatusFailed, readErrText(err))
	}
	if o.Within != nil && !insideAny(target, roots) {
		return fail(StatusRefused, fmt.Sprintf("it resolves to %s, outside the paths given (%s): fix iac writes only inside them", target, strings.Join(o.Within, ", ")))
	}
	info, err := os.Stat(target)
	if err != nil {
		return fail(StatusFailed, readErrText(err))
	}
	old, err := os.ReadFile(target)
	if err != nil {
		return fail(StatusFailed, readErrText(err))
	}
	if c.SHA256 == "" {
		return fail(StatusRefused, "the plan has no checksum of the file, so it cannot tell whether the file changed since: make a new plan")
	}
	if got := sha256Hex(old); got != c.SHA256 {
		return fail(StatusRefused, "the file changed since the plan was made: make a new plan (fix iac without --plan)")
	}
	newText, err := applyPatch(string(old), c.Patch)
	if err != nil {
		return fail(StatusFailed, "the plan's patch does not apply: "+err.Error())
	}
	data := []byte(newText)
	if o.Expected != nil {
		if err := o.Expected(file, data); err != nil {
			return fail(StatusRefused, err.Error())
		}
	}
	if err := checkParses(file, data); err != nil {
		return fail(StatusFailed, "the patched file would not parse, so it was not written: "+err.Error())
	}
	return prepared{res: FileResult{File: file}, target: target, old: old, data: data, mode: info.Mode().Perm()}
}

// write backs the file up (into backupDir, when set) and writes it.
func (p *prepared) write(backupDir, stamp string) FileResult {
	res := FileResult{File: p.res.File, Status: StatusFailed}
	if backupDir != "" {
		dst := filepath.Join(backupDir, stamp, backupName(p.res.File))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			res.Message = "backup: " + err.Error()
			return res
		}
		if err := fixplan.WriteFileAtomic(dst, p.old, p.mode); err != nil {
			res.Message = "backup: " + err.Error()
			return res
		}
		res.Backup = dst
	}
	if err := fixplan.WriteFileAtomic(p.target, p.data, p.mode); err != nil {
		res.Message = err.Error()
		return res
	}
	res.Status = StatusWritten
	return res
}

// checkParses parses a patched file with the reader scan iac uses.
func checkParses(file string, data []byte) error {
	if strings.HasSuffix(file, ".tf") {
		if _, diags := hclsyntax.ParseConfig(data, file, hcl.InitialPos); diags.HasErrors() {
			return fmt.Errorf("%s", diagText(diags))
		}
		return nil
	}
	if _, err := cloudformation.Read(file, data); err != nil {
		return fmt.Errorf("%s", readErrorText(err))
	}
	return nil
}

// backupName is path made relative and safe to join under a directory:
// no volume, no leading separator, ".." spelled "__".
func backupName(path string) string {
	p := filepath.ToSlash(filepath.Clean(path))
	p = strings.TrimPrefix(p, filepath.ToSlash(filepath.VolumeName(path)))
	parts := strings.Split(strings.TrimLeft(p, "/"), "/")
	for i, s := range parts {
		if s == ".." {
			parts[i] = "__"
		}
	}
	return filepath.FromSlash(strings.Join(parts, "/"))
}

// resolveRoots returns paths made absolute with their symlinks followed.
func resolveRoots(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, resolvePath(p))
	}
	return out
}

// resolvePath is p absolute with its symlinks followed, as far as it exists.
func resolvePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}

// insideAny reports whether target (resolved) is one of roots or below one.
func insideAny(target string, roots []string) bool {
	target = resolvePath(target)
	for _, r := range roots {
		rel, err := filepath.Rel(r, target)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return true
		}
	}
	return false
}

// Replan makes the plan again, over o.Paths with the options the saved plan
// p was made with, and returns the check Apply's Expected wants: a file may
// be written only with the text the new plan gives it. A saved plan then
// cannot write what fix iac would not plan now, whatever was edited in it.
func Replan(ctx context.Context, p *fixplan.Plan, o Options) (func(file string, patched []byte) error, error) {
	if p.IaC != nil {
		o.CreateResources = p.IaC.CreateResources
		o.IncludeDisabled = p.IaC.IncludeDisabled
		o.SamplingRate = p.IaC.SamplingRate
		o.Fields = p.IaC.Fields
		o.Exclude = p.IaC.Exclude
	}
	o.patched = map[string][]byte{}
	if _, err := MakePlan(ctx, o); err != nil {
		return nil, fmt.Errorf("planning again to check the saved plan: %w", err)
	}
	want := make(map[string][]byte, len(o.patched))
	for file, text := range o.patched {
		want[resolvePath(file)] = text
	}
	paths := strings.Join(o.Paths, ", ")
	if paths == "" {
		paths = "."
	}
	return func(file string, patched []byte) error {
		w, ok := want[resolvePath(file)]
		switch {
		case !ok:
			return fmt.Errorf("planning it again now (over %s, with the plan's options) changes nothing in it: make a new plan", paths)
		case !bytes.Equal(w, patched):
			return fmt.Errorf("its patch is not what planning it again now (over %s, with the plan's options) gives: make a new plan", paths)
		}
		return nil
	}, nil
}
