package fixiac

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testNow is the clock of every plan the tests make.
var testNow = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// goldenCases are the trees under testdata/NAME/input. Each is patched;
// the result must be testdata/NAME/want byte for byte, and the plan's text
// testdata/NAME/plan.golden.
var goldenCases = []struct {
	name string
	opts Options
	// left are the files the plan reports problems with (parse errors,
	// references it never replaces); fail are the distributions still
	// failing CF-001 after the fix, by ID, sorted.
	left []string
	fail []string
}{
	{name: "yaml-short"},
	{name: "yaml-long"},
	{name: "yaml-flow"},
	{name: "yaml-crlf"},
	{name: "yaml-novalue"},
	{name: "yaml-anchors"},
	{name: "edge-cases"},
	{name: "disabled", opts: Options{IncludeDisabled: true}},
	{name: "json-2space"},
	{name: "json-4space"},
	{name: "json-tab"},
	{name: "create-yaml", opts: Options{CreateResources: true}},
	{name: "create-json", opts: Options{CreateResources: true, SamplingRate: 5, Fields: []string{"c-ip", "timestamp"}}},
	{name: "create-tf", opts: Options{CreateResources: true}},
	{name: "tf-dynamic"},
	{name: "tf-multitenant"},
	{name: "tf-crlf"},
	{name: "tf-variables"},
	{name: "tf-module-call"},
	{name: "mixed", left: []string{"broken.yaml", "dangling.yaml", "tf-broken/main.tf", "tf-broken/other.tf"},
		fail: []string{"Cdn", "aws_cloudfront_distribution.app", "aws_cloudfront_distribution.web"}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := filepath.Abs(filepath.Join("testdata", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			copyTree(t, filepath.Join(src, "input"), dir)
			t.Chdir(dir)
			input := readTree(t, ".")

			o := tc.opts
			o.Now = testNow
			p, err := MakePlan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := p.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join(src, "plan.golden"), text.Bytes())
			if got := readTree(t, "."); !sameFiles(got, input) {
				t.Fatal("making the plan changed files")
			}

			// The files left alone are exactly the expected ones.
			var left []string
			for _, c := range p.Changes {
				if c.Error != "" {
					left = append(left, filepath.ToSlash(c.Resource.File))
				}
				if c.Action == fixplan.Update {
					checkPatch(t, c, input)
				}
			}
			if strings.Join(left, ",") != strings.Join(tc.left, ",") {
				t.Errorf("files left with an error: %v, want %v", left, tc.left)
			}

			rep, err := Apply(p, ApplyOptions{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Complete() != (len(tc.left) == 0 && len(tc.fail) == 0) {
				t.Errorf("report complete = %v: %+v", rep.Complete(), rep.Files)
			}
			got := readTree(t, ".")
			want := filepath.Join(src, "want")
			if *update {
				os.RemoveAll(want)
				writeTree(t, want, got)
			}
			if wantFiles := readTree(t, want); !sameFiles(got, wantFiles) {
				for name := range got {
					if !bytes.Equal(got[name], wantFiles[name]) {
						t.Errorf("%s differs from want/%s:\n%s", name, name, unifiedDiff(name, string(wantFiles[name]), string(got[name])))
					}
				}
				t.Fatal("run go test ./fixiac -run TestGolden -update and review the diff")
			}
			if gotTwo := readTree(t, "."); !sameFiles(gotTwo, got) {
				t.Fatal("tree changed")
			}

			// The diff applies with patch(1) too.
			if path, err := exec.LookPath("patch"); err == nil {
				pdir := t.TempDir()
				copyTree(t, filepath.Join(src, "input"), pdir)
				var all strings.Builder
				for _, c := range p.Changes {
					all.WriteString(c.Patch)
				}
				if all.Len() > 0 {
					cmd := exec.Command(path, "-p1", "--binary", "--quiet", "--no-backup-if-mismatch")
					cmd.Dir, cmd.Stdin = pdir, strings.NewReader(all.String())
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("patch -p1: %v\n%s", err, out)
					}
				}
				if !sameFiles(readTree(t, pdir), got) {
					t.Error("patch -p1 of the plan's diffs gives other files than fix iac writes")
				}
			}

			// The scanner now finds CF-001 passing wherever it was fixed.
			inv, err := iac.Read(context.Background(), iac.Options{Paths: []string{"."}})
			if err != nil {
				t.Fatal(err)
			}
			var failing []string
			for _, j := range judge(inv, &Options{Policy: rules.DefaultPolicy(), IncludeDisabled: tc.opts.IncludeDisabled, Now: testNow}) {
				if j.f.Status == finding.Fail {
					failing = append(failing, j.d.ID)
				}
			}
			sort.Strings(failing)
			if strings.Join(failing, ",") != strings.Join(tc.fail, ",") {
				t.Errorf("CF-001 fails after the fix for %v, want %v", failing, tc.fail)
			}

			// A second run has nothing to do.
			again, err := MakePlan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range again.Changes {
				if c.Action != fixplan.None {
					t.Errorf("second run: %s %s: %s\n%s", c.Action, c.Resource.File, c.Summary, c.Patch)
				}
			}
		})
	}
}

// checkPatch applies a change's patch to the original with the package's
// own applier and requires the result to parse.
func checkPatch(t *testing.T, c fixplan.Change, input map[string][]byte) {
	t.Helper()
	name := filepath.ToSlash(c.Resource.File)
	old, ok := input[name]
	if !ok {
		t.Errorf("%s: the change names a file not in the input", name)
		return
	}
	if c.SHA256 != sha256Hex(old) {
		t.Errorf("%s: sha256 %s, want %s", name, c.SHA256, sha256Hex(old))
	}
	if !strings.HasPrefix(c.Patch, "--- a/"+name+"\n+++ b/"+name+"\n") {
		t.Errorf("%s: patch headers: %.80q", name, c.Patch)
	}
	patched, err := applyPatch(string(old), c.Patch)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if err := checkParses(name, []byte(patched)); err != nil {
		t.Errorf("%s: patched file does not parse: %v", name, err)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./fixiac -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs:\n%s\nrun go test ./fixiac -run %s -update and review the diff", path,
			unifiedDiff(filepath.Base(path), string(want), string(got)), t.Name())
	}
}

// readTree returns the files under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	writeTree(t, dst, readTree(t, src))
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}
