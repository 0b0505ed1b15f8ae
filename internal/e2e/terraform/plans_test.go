//go:build e2e

package terraform

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator"
)

var updatePlans = flag.Bool("update-plans", false, "rewrite the scan iac plan fixtures in internal/source/tfplan/testdata/real from the plans terraform makes")

// planFixtureDir holds the real plans scan iac is tested with.
const planFixtureDir = "../../source/tfplan/testdata/real"

// fixtureClock is the emulator's clock while plan fixtures are made, so
// that the dates it returns are the same in every run.
var fixtureClock = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// planCase is a stack whose plans are scan iac fixtures: the plan before
// anything exists (values known after apply) is written to create, and,
// once that is applied and change has edited the code, the next one (known
// values, prior_state) to update. Either path may be empty: that plan is
// made but not kept. The paths default to planFixtureDir/STACK-create.json
// and STACK-update.json.
type planCase struct {
	stack          string
	change         func(w *workspace)
	create, update string
	// also are more copies of the update plan.
	also []string
}

// paths returns where pc's plans are kept.
func (pc planCase) paths() (create, update string) {
	create, update = pc.create, pc.update
	if create == "" && update == "" {
		create = filepath.Join(planFixtureDir, pc.stack+"-create.json")
		update = filepath.Join(planFixtureDir, pc.stack+"-update.json")
	}
	return create, update
}

// replaceFiles returns a change that removes the files named remove and
// renames each from in rename to its to.
func replaceFiles(remove []string, rename map[string]string) func(w *workspace) {
	return func(w *workspace) {
		w.t.Helper()
		for _, name := range remove {
			if err := os.Remove(filepath.Join(w.dir, name)); err != nil {
				w.t.Fatal(err)
			}
		}
		for from, to := range rename {
			if err := os.Rename(filepath.Join(w.dir, from), filepath.Join(w.dir, to)); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

// edit returns a change that replaces old, which must occur exactly once,
// with new in the stack's main.tf.
func edit(pairs ...string) func(w *workspace) {
	return func(w *workspace) {
		w.t.Helper()
		path := filepath.Join(w.dir, "main.tf")
		data, err := os.ReadFile(path)
		if err != nil {
			w.t.Fatal(err)
		}
		s := string(data)
		for i := 0; i+1 < len(pairs); i += 2 {
			if n := strings.Count(s, pairs[i]); n != 1 {
				w.t.Fatalf("main.tf holds %q %d times, want once", pairs[i], n)
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
}

// fixIaC returns a change that runs cloudassure fix iac with args on the
// stack.
func fixIaC(args ...string) func(w *workspace) {
	return func(w *workspace) {
		w.t.Helper()
		w.cloudassure(0, append(append([]string{"fix", "iac"}, args...), ".")...)
	}
}

var planCases = []planCase{
	// www's static files stop logging: a behavior loses its known ARN.
	{stack: "site", change: edit("log_static = true", "log_static = false")},
	// The config is renamed (replaced, so its ARN is unknown again) and the
	// static distribution starts logging to it.
	{stack: "ondemand", change: edit(
		`name          = "api-sampled"`, `name          = "api-sampled-v2"`,
		`target_origin_id       = "bucket"`, `target_origin_id       = "bucket"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.sampled.arn`)},
	// fix iac points the behaviors without a config at the existing one.
	{stack: "fixiac-existing", change: fixIaC("--write")},
	// fix iac adds the stream, role and config, and references them.
	{stack: "fixiac-create", change: fixIaC("--write", "--create-resources")},
	// Modules: blog's behaviors lose the ARN they had from module.logs, docs
	// gains it, and edge is deleted.
	{stack: "modules", change: edit("{ blog = true, docs = false }", "{ blog = false, docs = true }", "count  = 1", "count  = 0")},
	// The plan of the mixed trees scan iac's and fix iac's golden tests read
	// (fix iac leaves it as it is): retired is deleted, app and its config
	// are created, edge is unchanged.
	{stack: "treeplan", change: replaceFiles([]string{"retired.tf"}, map[string]string{"app.tf.next": "app.tf"}),
		update: "../../source/iac/testdata/tree/plan/plan.json",
		also:   []string{"../../fix/fixiac/testdata/mixed/input/plan.json", "../../fix/fixiac/testdata/mixed/want/plan.json"}},
}

// parityCases are the parity fixtures of internal/source/iac (the same
// distribution as CloudFormation YAML, JSON, Terraform and plan JSON): their
// plan.json is the plan of their main.tf, with the stacks' provider.tf.
var parityCases = []string{"literal", "partial"}

// parityDir is where the parity cases are, relative to testdata.
const parityDir = "../../../source/iac/testdata/parity"

// TestPlanFixtures makes, for each stack, the plans scan iac is tested
// with and compares them with the committed fixtures; -update-plans
// rewrites them:
//
//	go test -tags e2e -run TestPlanFixtures -update-plans ./internal/e2e/terraform/
func TestPlanFixtures(t *testing.T) {
	t.Parallel()
	tc := findToolchain(t)
	for _, pc := range planCases {
		t.Run(pc.stack, func(t *testing.T) {
			t.Parallel()
			// No delays and a fixed clock and seed: what the emulator
			// returns depends on the requests alone.
			w := newWorkspaceWith(t, tc, pc.stack, emulator.Options{Seed: 1, Now: func() time.Time { return fixtureClock }})
			w.terraform(nil, "init", "-input=false")
			create, update := pc.paths()
			if p := w.planJSON(2); create != "" {
				checkPlanFixture(t, create, p, w.url)
			}
			w.terraform(nil, "apply", "-input=false", "-auto-approve", "tfplan")
			pc.change(w)
			if p := w.planJSON(2); update != "" {
				for _, path := range append([]string{update}, pc.also...) {
					checkPlanFixture(t, path, p, w.url)
				}
			}
		})
	}
	for _, name := range parityCases {
		t.Run("parity/"+name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspaceWith(t, tc, filepath.Join(parityDir, name), emulator.Options{Seed: 1, Now: func() time.Time { return fixtureClock }})
			provider, err := os.ReadFile(filepath.Join("testdata", "site", "provider.tf"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(w.dir, "provider.tf"), provider, 0o644); err != nil {
				t.Fatal(err)
			}
			w.terraform(nil, "init", "-input=false")
			checkPlanFixture(t, filepath.Join("testdata", parityDir, name, "plan.json"), w.planJSON(2), w.url)
		})
	}
}

// checkPlanFixture compares the plan terraform made with the committed
// scan iac fixture at path (-update-plans rewrites it). What differs
// from run to run is replaced by fixed values: the emulator's random port,
// the plan's timestamp; Terraform lists relevant_attributes in no fixed
// order.
func checkPlanFixture(t *testing.T, path string, data []byte, url string) {
	t.Helper()
	norm := normalizePlan(t, data, url)
	if *updatePlans {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, norm, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if !bytes.Equal(want, norm) {
		got := filepath.Join(os.TempDir(), "cloudassure-plan-"+strings.ReplaceAll(filepath.ToSlash(path), "/", "_"))
		_ = os.WriteFile(got, norm, 0o644)
		wl, gl := strings.Split(string(want), "\n"), strings.Split(string(norm), "\n")
		line := 0
		for line < len(wl) && line < len(gl) && wl[line] == gl[line] {
			line++
		}
		var w, g string
		if line < len(wl) {
			w = wl[line]
		}
		if line < len(gl) {
			g = gl[line]
		}
		t.Errorf("the plan terraform makes differs from the scan iac fixture %s at line %d:\n fixture %s\n    plan %s\nthe plan is in %s; rerun with -update-plans and review the diff", path, line+1, w, g, got)
	}
}

// normalizePlan returns the plan JSON with fixed values for what differs
// from run to run, indented as terraform show -json would not (so that
// diffs of fixtures are readable).
func normalizePlan(t *testing.T, data []byte, url string) []byte {
	t.Helper()
	// Numbers stay as terraform wrote them.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	v["timestamp"] = fixtureClock.Format(time.RFC3339)
	if ra, ok := v["relevant_attributes"].([]any); ok {
		sort.Slice(ra, func(a, b int) bool { return fmt.Sprint(ra[a]) < fmt.Sprint(ra[b]) })
	}
	norm, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	norm = bytes.ReplaceAll(norm, []byte(url), []byte("http://127.0.0.1:4566"))
	return append(renumber(norm), '\n')
}

// volatile are the values that differ from run to run even with the
// emulator's seed and clock fixed: the emulator's random IDs (drawn in the
// order the provider's concurrent requests arrive) and the provider's
// unique IDs (a prefix, the wall clock to 0.1 ms and a counter: caller
// references, role policy attachment IDs).
var volatile = []struct {
	re     *regexp.Regexp
	format string
}{
	{regexp.MustCompile(`\bE[A-Z0-9]{13}\b`), "E%013d"},                                 // distribution and OAC IDs, ETags
	{regexp.MustCompile(`\bd[a-z0-9]{13}\.cloudfront\.net\b`), "d%013d.cloudfront.net"}, // distribution domain names
	{regexp.MustCompile(`\bAROA[A-Z0-9]{17}\b`), "AROA%017d"},                           // role IDs
	{regexp.MustCompile(`\bANPA[A-Z0-9]{17}\b`), "ANPA%017d"},                           // policy IDs
	{regexp.MustCompile(`\b20[0-9]{24}\b`), "%026d"},                                    // the provider's unique IDs: caller references, attachment IDs
}

// renumber replaces each volatile value by a placeholder of the same shape,
// numbered in the order the values first appear in data; the same value
// gets the same placeholder everywhere (an ID and the ARN holding it).
func renumber(data []byte) []byte {
	for _, v := range volatile {
		seen := map[string]string{}
		data = v.re.ReplaceAllFunc(data, func(m []byte) []byte {
			p, ok := seen[string(m)]
			if !ok {
				p = fmt.Sprintf(v.format, len(seen)+1)
				seen[string(m)] = p
			}
			return []byte(p)
		})
	}
	return data
}
