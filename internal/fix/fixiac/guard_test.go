package fixiac

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

const smallModule = `resource "aws_cloudfront_distribution" "web" {
  enabled = true

  default_cache_behavior {
    target_origin_id       = "web"
    viewer_protocol_policy = "allow-all"
  }
}
`

// TestPlanJSONThatDoesNotParse: a plan JSON fix iac cannot parse is
// reported, as scan iac reports it, not passed over.
func TestPlanJSONThatDoesNotParse(t *testing.T) {
	p := planFor(t, map[string]string{"plan.json": `{"format_version": "1.2", "resource_changes": [`}, Options{})
	if len(p.Changes) != 1 {
		t.Fatalf("changes %+v, want one for plan.json", p.Changes)
	}
	c := p.Changes[0]
	if c.Resource.File != "plan.json" || c.Action != fixplan.None || !strings.Contains(c.Error, "cannot parse") {
		t.Errorf("change %+v, want plan.json not changed with a parse error", c)
	}
}

// TestWriteNeverThroughASymlinkOutside: a .tf file of a module that is a
// symlink to a file outside the paths given is not written; the others are.
func TestWriteNeverThroughASymlinkOutside(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	files := map[string]string{
		"outside/main.tf":        smallModule,
		"infra/cdn/main.tf":      smallModule,
		"infra/linked/locals.tf": "locals {\n  a = 1\n}\n",
	}
	for name, text := range files {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join("..", "..", "outside", "main.tf"), filepath.Join("infra", "linked", "main.tf")); err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(context.Background(), Options{Paths: []string{"infra"}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(p, ApplyOptions{Now: testNow, Within: []string{"infra"}})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, f := range rep.Files {
		status[filepath.ToSlash(f.File)] = f.Status
	}
	if status["infra/cdn/main.tf"] != StatusWritten || status["infra/linked/main.tf"] != StatusRefused {
		t.Fatalf("statuses %v, want infra/cdn/main.tf written and infra/linked/main.tf refused", status)
	}
	if data, _ := os.ReadFile("outside/main.tf"); string(data) != smallModule {
		t.Errorf("the file outside the paths was rewritten:\n%s", data)
	}
	if rep.Complete() {
		t.Error("a refused file must make the report incomplete")
	}
}

// TestSavedPlanOnlyInsideThePaths: a saved plan is written only for files
// inside the paths given, and only with the patches planning them again
// gives now; a hand-made or outside change is refused.
func TestSavedPlanOnlyInsideThePaths(t *testing.T) {
	p := planFor(t, map[string]string{"infra/cdn.yaml": smallTemplate, "infra/other.yaml": smallTemplate, "elsewhere/x.yaml": smallTemplate}, Options{Paths: []string{"infra"}})
	if len(p.Changes) != 2 {
		t.Fatalf("changes %+v", p.Changes)
	}
	// A change for a file outside the paths, with a valid patch for it.
	op, err := MakePlan(context.Background(), Options{Paths: []string{"elsewhere"}, Now: testNow})
	if err != nil || len(op.Changes) != 1 {
		t.Fatalf("%v %+v", err, op)
	}
	p.Changes = append(p.Changes, op.Changes[0])
	// A hand-edited patch: it adds a line the planner never adds.
	for i, c := range p.Changes {
		if c.Resource.File == filepath.Join("infra", "other.yaml") {
			p.Changes[i].Patch = strings.Replace(c.Patch, "+Parameters:", "+Outputs: {Evil: {Value: x}}\n+Parameters:", 1)
			p.Changes[i].Patch = strings.Replace(p.Changes[i].Patch, ",6 @@", ",7 @@", 1)
		}
	}
	if err := p.Save("plan.json"); err != nil {
		t.Fatal(err)
	}
	loaded, err := fixplan.Load("plan.json")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"infra"}
	expected, err := Replan(context.Background(), loaded, Options{Paths: paths, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(loaded, ApplyOptions{Now: testNow, Within: paths, Expected: expected})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]FileResult{}
	for _, f := range rep.Files {
		status[filepath.ToSlash(f.File)] = f
	}
	if got := status["infra/cdn.yaml"]; got.Status != StatusWritten {
		t.Errorf("infra/cdn.yaml: %+v, want written", got)
	}
	if got := status["infra/other.yaml"]; got.Status != StatusRefused || !strings.Contains(got.Message, "planning it again") {
		t.Errorf("infra/other.yaml (patch edited): %+v, want refused", got)
	}
	if got := status["elsewhere/x.yaml"]; got.Status != StatusRefused || !strings.Contains(got.Message, "outside") {
		t.Errorf("elsewhere/x.yaml: %+v, want refused as outside the paths", got)
	}
	for _, name := range []string{"elsewhere/x.yaml", "infra/other.yaml"} {
		if data, _ := os.ReadFile(name); string(data) != smallTemplate {
			t.Errorf("%s was written:\n%s", name, data)
		}
	}
}

// TestTerraformFmtKept: a .tf file that passes terraform fmt -check still
// passes it after fix iac --write (every golden case's Terraform input).
func TestTerraformFmtKept(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("terraform is not on PATH; CI must have it")
		}
		t.Skip("terraform is not on PATH")
	}
	cases, _ := filepath.Glob(filepath.Join("testdata", "*", "input"))
	checked := 0
	for _, in := range cases {
		tfs, _ := filepath.Glob(filepath.Join(in, "*.tf"))
		more, _ := filepath.Glob(filepath.Join(in, "*", "*.tf"))
		if len(tfs)+len(more) == 0 {
			continue
		}
		name := filepath.Base(filepath.Dir(in))
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(in)); err != nil {
				t.Fatal(err)
			}
			clean := map[string]bool{}
			for _, f := range append(tfs, more...) {
				rel, _ := filepath.Rel(in, f)
				clean[rel] = fmtCheck(tf, filepath.Join(dir, rel)) == nil
			}
			t.Chdir(dir)
			o := Options{Now: testNow, CreateResources: strings.HasPrefix(name, "create-")}
			p, err := MakePlan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Apply(p, ApplyOptions{Now: testNow, Within: []string{"."}}); err != nil {
				t.Fatal(err)
			}
			for rel, ok := range clean {
				if !ok {
					continue
				}
				checked++
				if err := fmtCheck(tf, rel); err != nil {
					data, _ := os.ReadFile(rel)
					t.Errorf("%s passed terraform fmt -check before fix iac --write, not after: %v\n%s", rel, err, data)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatal("no Terraform input passes terraform fmt -check: the test checks nothing")
	}
}

func fmtCheck(tf, file string) error {
	out, err := exec.Command(tf, "fmt", "-check", "-diff", file).CombinedOutput()
	if err != nil {
		return &fmtError{string(out)}
	}
	return nil
}

type fmtError struct{ out string }

func (e *fmtError) Error() string { return "terraform fmt -check fails:\n" + e.out }

// TestModuleWrittenAllOrNone: when one file of a module cannot be written
// (its variables.tf is a symlink to outside the paths), the module's other
// files are not written either: main.tf would refer to a variable declared
// nowhere.
func TestModuleWrittenAllOrNone(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	vars := "variable \"region\" {\n  type = string\n}\n"
	for name, text := range map[string]string{"shared/variables.tf": vars, "infra/main.tf": smallModule} {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join("..", "shared", "variables.tf"), filepath.Join("infra", "variables.tf")); err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(context.Background(), Options{Paths: []string{"infra"}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	for _, c := range p.Changes {
		if c.Action == fixplan.Update {
			updates++
		}
	}
	if updates != 2 {
		t.Fatalf("plan %+v: want main.tf and variables.tf updated", p.Changes)
	}
	rep, err := Apply(p, ApplyOptions{Now: testNow, Within: []string{"infra"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Status != StatusRefused {
			t.Errorf("%s: %s (%s), want refused", f.File, f.Status, f.Message)
		}
	}
	if data, _ := os.ReadFile(filepath.Join("infra", "main.tf")); string(data) != smallModule {
		t.Errorf("main.tf was written although its variable could not be declared:\n%s", data)
	}
}
