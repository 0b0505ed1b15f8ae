package fixiac

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

const smallTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: web
`

// planFor writes files into a new directory, makes the working directory
// and returns the plan for it.
func planFor(t *testing.T, files map[string]string, o Options) *fixplan.Plan {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	o.Now = testNow
	p, err := MakePlan(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyRefusesAChangedFile(t *testing.T) {
	p := planFor(t, map[string]string{"cdn.yaml": smallTemplate, "other.yaml": smallTemplate}, Options{})
	changed := smallTemplate + "# edited after the plan\n"
	os.WriteFile("cdn.yaml", []byte(changed), 0o640)
	rep, err := Apply(p, ApplyOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete() || rep.Summary[StatusRefused] != 1 || rep.Summary[StatusWritten] != 1 {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range rep.Files {
		if f.File == "cdn.yaml" && (f.Status != StatusRefused || !strings.Contains(f.Message, "changed since the plan")) {
			t.Errorf("cdn.yaml: %+v", f)
		}
	}
	if data, _ := os.ReadFile("cdn.yaml"); string(data) != changed {
		t.Error("a file changed since the plan was written")
	}
	if data, _ := os.ReadFile("other.yaml"); !strings.Contains(string(data), "RealtimeLogConfigArn: !Ref RealtimeLogConfigArn") {
		t.Errorf("the other file was not written:\n%s", data)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "refused cdn.yaml: the file changed since the plan was made") {
		t.Errorf("report text:\n%s", text.String())
	}
}

func TestApplyKeepsModeAndBacksUp(t *testing.T) {
	p := planFor(t, map[string]string{"infra/cdn.yaml": smallTemplate}, Options{})
	os.Chmod("infra/cdn.yaml", 0o604)
	backups := t.TempDir()
	rep, err := Apply(p, ApplyOptions{BackupDir: backups, Now: testNow})
	if err != nil || !rep.Complete() {
		t.Fatalf("%v %+v", err, rep)
	}
	info, err := os.Stat("infra/cdn.yaml")
	if err != nil || info.Mode().Perm() != 0o604 {
		t.Errorf("mode %v after writing, want 0604 (%v)", info.Mode().Perm(), err)
	}
	want := filepath.Join(backups, "20260102T030405Z", "infra", "cdn.yaml")
	if rep.Files[0].Backup != want {
		t.Errorf("backup %q, want %q", rep.Files[0].Backup, want)
	}
	if data, err := os.ReadFile(want); err != nil || string(data) != smallTemplate {
		t.Errorf("backup holds %q (%v)", data, err)
	}
	leftovers, _ := filepath.Glob("infra/.*.tmp")
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestApplyThroughASymlink(t *testing.T) {
	p := planFor(t, map[string]string{"real/cdn.yaml": smallTemplate}, Options{})
	if err := os.Symlink(filepath.Join("real", "cdn.yaml"), "link.yaml"); err != nil {
		t.Skip("no symlinks:", err)
	}
	for i := range p.Changes {
		p.Changes[i].Resource.File = "link.yaml"
		p.Changes[i].Patch = strings.ReplaceAll(p.Changes[i].Patch, "real/cdn.yaml", "link.yaml")
	}
	rep, err := Apply(p, ApplyOptions{Now: testNow})
	if err != nil || !rep.Complete() {
		t.Fatalf("%v %+v", err, rep)
	}
	if fi, err := os.Lstat("link.yaml"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if data, _ := os.ReadFile("real/cdn.yaml"); !strings.Contains(string(data), "RealtimeLogConfigArn") {
		t.Error("the link's target was not patched")
	}
}

// TestSavedPlan saves a plan, loads it back and applies exactly it.
func TestSavedPlan(t *testing.T) {
	p := planFor(t, map[string]string{"cdn.yaml": smallTemplate, "bad.yaml": "AWSTemplateFormatVersion: x\nResources: [\n"}, Options{})
	if err := p.Save("plan.json"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("plan.json")
	if !strings.Contains(string(data), `"sha256": "`+sha256Hex([]byte(smallTemplate))+`"`) || !strings.Contains(string(data), `"error": "cannot parse`) {
		t.Errorf("saved plan lacks the checksum or the error:\n%s", data)
	}
	loaded, err := fixplan.Load("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(loaded, ApplyOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Complete() || rep.Summary[StatusWritten] != 1 || rep.Summary[StatusNotHandled] != 1 {
		t.Errorf("report %+v", rep)
	}
	// Applying it again: the file has changed since (it was patched).
	rep, _ = Apply(loaded, ApplyOptions{Now: testNow})
	if rep.Summary[StatusRefused] != 1 {
		t.Errorf("second apply %+v", rep)
	}
	if _, err := Apply(&fixplan.Plan{Version: fixplan.Version, Kind: fixplan.KindAWS}, ApplyOptions{}); err == nil {
		t.Error("a fix aws plan was applied")
	}
}

func TestApplyRefusesBadPlans(t *testing.T) {
	planFor(t, map[string]string{"cdn.yaml": smallTemplate}, Options{})
	sum := sha256Hex([]byte(smallTemplate))
	tests := []struct {
		name   string
		change fixplan.Change
		status string
		msg    string
	}{
		{"no checksum", fixplan.Change{Action: fixplan.Update, Resource: fixplan.Resource{Type: fixplan.TypeFile, File: "cdn.yaml"}, Patch: "x"}, StatusRefused, "no checksum"},
		{"patch does not apply", fixplan.Change{Action: fixplan.Update, Resource: fixplan.Resource{Type: fixplan.TypeFile, File: "cdn.yaml"}, SHA256: sum,
			Patch: "--- a/cdn.yaml\n+++ b/cdn.yaml\n@@ -1 +1 @@\n-nope\n+x\n"}, StatusFailed, "does not apply"},
		{"result does not parse", fixplan.Change{Action: fixplan.Update, Resource: fixplan.Resource{Type: fixplan.TypeFile, File: "cdn.yaml"}, SHA256: sum,
			Patch: "--- a/cdn.yaml\n+++ b/cdn.yaml\n@@ -1 +1 @@\n-AWSTemplateFormatVersion: \"2010-09-09\"\n+AWSTemplateFormatVersion: [\n"}, StatusFailed, "would not parse"},
		{"missing file", fixplan.Change{Action: fixplan.Update, Resource: fixplan.Resource{Type: fixplan.TypeFile, File: "gone.yaml"}, SHA256: sum}, StatusFailed, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Apply(&fixplan.Plan{Version: fixplan.Version, Kind: fixplan.KindIaC, Changes: []fixplan.Change{tt.change}}, ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f := rep.Files[0]; f.Status != tt.status || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("%+v, want %s containing %q", f, tt.status, tt.msg)
			}
			if data, _ := os.ReadFile("cdn.yaml"); string(data) != smallTemplate {
				t.Error("the file was changed")
			}
		})
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{SamplingRate: 101},
		{Fields: []string{"timestamp", "nope"}},
		{Policy: rules.Policy{MinSamplingRate: 0, RequiredFields: []string{}}},
	} {
		if _, err := MakePlan(context.Background(), o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	p := planFor(t, map[string]string{}, Options{Paths: []string{"missing/dir"}})
	if len(p.Changes) != 1 || !strings.Contains(p.Changes[0].Error, "no such file") || p.Changes[0].Resource.File != "missing/dir" {
		t.Errorf("missing path: %+v", p.Changes)
	}
}

// TestVerifyCatchesABadPatch tampers with a patch before the check: the
// tree comparison or CF-001 must reject it.
func TestVerifyCatchesABadPatch(t *testing.T) {
	o := &Options{Policy: rules.DefaultPolicy(), Now: testNow}
	body := []byte(smallTemplate)
	tests := []struct {
		name    string
		tamper  func(string) string
		wantErr string
	}{
		{"something else changed", func(s string) string { return strings.Replace(s, "TargetOriginId: web", "TargetOriginId: other", 1) }, "differs from the original"},
		{"does not parse", func(s string) string { return s + "  : [\n" }, "does not parse"},
		{"value left empty", func(s string) string { return strings.Replace(s, "!Ref RealtimeLogConfigArn", `""`, 1) }, "differs from the original"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseCFN(body)
			if err != nil {
				t.Fatal(err)
			}
			tpl := indexTemplate(doc.root())
			m := cloudformation.Deref(tpl.res["Cdn"].node)
			_, props := cloudformation.Lookup(m, "Properties")
			_, dc := cloudformation.Lookup(props, "DistributionConfig")
			_, b := cloudformation.Lookup(dc, "DefaultCacheBehavior")
			ref, extra, _ := tpl.reference(doc, o)
			ops := append([]cfnOp{{m: b, pairs: []pair{{keyConfigARN, ref}}, depth: 8}}, extra...)
			patched, err := renderOps(doc, body, ops)
			if err != nil {
				t.Fatal(err)
			}
			bad := []byte(tt.tamper(string(patched)))
			err = verifyTemplate("cdn.yaml", doc, ops, nil, bad, nil, []*target{{id: "Cdn", fixed: []string{`"*" (default)`}}}, o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSameTree(t *testing.T) {
	parse := func(s string) *yaml.Node {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(s), &n); err != nil {
			t.Fatal(err)
		}
		return n.Content[0]
	}
	tests := []struct {
		a, b string
		same bool
	}{
		{"a: 1\nb: [x, y]\n", "b:\n  - x\n  - y\na: 1 # comment\n", true},
		{"a: ~\n", "a: null\n", true},
		{"a: ''\n", "a: \"\"\n", true},
		{"a: 1\n", "a: '1'\n", false},
		{"a: !Ref X\n", "a: {Ref: X}\n", false},
		{"a: [x, y]\n", "a: [y, x]\n", false},
		{"a: 1\n", "a: 1\nb: 2\n", false},
	}
	for _, tt := range tests {
		if _, same := sameTree(parse(tt.a), parse(tt.b), ""); same != tt.same {
			t.Errorf("sameTree(%q, %q) = %v", tt.a, tt.b, same)
		}
	}
}

// TestProgressCountsEveryStep: each file and each module's read and patch
// is one step, and the last report is total of total.
func TestProgressCountsEveryStep(t *testing.T) {
	var steps [][2]int
	_, err := MakePlan(context.Background(), Options{
		Paths:    []string{filepath.Join("testdata", "mixed", "input")},
		Progress: func(done, total int) { steps = append(steps, [2]int{done, total}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 {
		t.Fatal("no progress reported")
	}
	total := steps[0][1]
	for i, s := range steps {
		if s != [2]int{i + 1, total} {
			t.Fatalf("step %d reported %v, want %d of %d", i, s, i+1, total)
		}
	}
	if len(steps) != total {
		t.Errorf("%d steps reported, total says %d", len(steps), total)
	}
}

// parseCFN parses a template for editing with the reader scan iac uses.
func parseCFN(body []byte) (cfnDoc, error) {
	t, err := cloudformation.Parse("", body)
	if err != nil {
		return nil, err
	}
	return editable(t)
}
