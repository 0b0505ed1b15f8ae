package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// realPlans holds the plans Terraform wrote for the stacks of
// internal/e2e/terraform (see internal/source/tfplan/real_test.go).
const realPlans = "../source/tfplan/testdata/real"

// TestScanIaCRealPlans runs scan iac on each real plan: the table it prints
// is a golden file (testdata/realplans/NAME.txt, -update rewrites them), and
// the verdicts are the ones the code implies. A value known only after apply
// counts as set; "" read back from the account and null from the code are
// missing; CF-002 needs an account, so IaC scans do not judge it.
func TestScanIaCRealPlans(t *testing.T) {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		plan string
		code int
		want []string
	}{
		{"site-create", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-001 aws_cloudfront_distribution.site["shop"] FAIL /static/*`, // null in the code
			`CF-001 aws_cloudfront_distribution.site["www"] PASS`,            // every ARN known after apply
			`CF-003 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-003 aws_cloudfront_distribution.site["shop"] PASS`,
			`CF-003 aws_cloudfront_distribution.site["www"] PASS`,
		}},
		{"site-update", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-001 aws_cloudfront_distribution.site["shop"] FAIL /static/*`, // "" read back
			`CF-001 aws_cloudfront_distribution.site["www"] FAIL /static/*`,  // lost its known ARN
			`CF-003 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-003 aws_cloudfront_distribution.site["shop"] PASS`,
			`CF-003 aws_cloudfront_distribution.site["www"] PASS`,
		}},
		{"ondemand-create", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.api FAIL /health`,
			`CF-001 aws_cloudfront_distribution.static FAIL *`,
			`CF-003 aws_cloudfront_distribution.api FAIL`, // 10 % and three fields
			`CF-003 aws_cloudfront_distribution.static SKIP`,
		}},
		{"ondemand-update", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.api FAIL /health`,
			`CF-001 aws_cloudfront_distribution.static PASS`, // the replaced config's ARN, unknown
			`CF-003 aws_cloudfront_distribution.api FAIL`,
			`CF-003 aws_cloudfront_distribution.static FAIL`,
		}},
		{"fixiac-existing-create", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.blog FAIL /img/*`,
			`CF-001 aws_cloudfront_distribution.docs FAIL *`,
			`CF-003 aws_cloudfront_distribution.blog PASS`,
			`CF-003 aws_cloudfront_distribution.docs SKIP`,
		}},
		{"fixiac-existing-update", ExitOK, []string{
			`CF-001 aws_cloudfront_distribution.blog PASS`,
			`CF-001 aws_cloudfront_distribution.docs PASS`,
			`CF-003 aws_cloudfront_distribution.blog PASS`,
			`CF-003 aws_cloudfront_distribution.docs PASS`,
		}},
		{"fixiac-create-create", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.app FAIL *,/api/*`,
			`CF-003 aws_cloudfront_distribution.app SKIP`,
		}},
		{"fixiac-create-update", ExitOK, []string{
			`CF-001 aws_cloudfront_distribution.app PASS`,
			`CF-003 aws_cloudfront_distribution.app PASS`,
		}},
		{"modules-create", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.root PASS`,
			`CF-001 aws_cloudfront_distribution.via_local PASS`,
			`CF-001 module.cdn["blog"].aws_cloudfront_distribution.this PASS`, // dynamic behaviors too
			`CF-001 module.cdn["docs"].aws_cloudfront_distribution.this FAIL *,/docs/*,/feed/*,/health`,
			`CF-001 module.edge[0].aws_cloudfront_distribution.this PASS`,
			`CF-003 aws_cloudfront_distribution.root PASS`,
			`CF-003 aws_cloudfront_distribution.via_local SKIP`, // through a local: which config is not in the plan
			`CF-003 module.cdn["blog"].aws_cloudfront_distribution.this PASS`,
			`CF-003 module.cdn["docs"].aws_cloudfront_distribution.this SKIP`,
			`CF-003 module.edge[0].aws_cloudfront_distribution.this PASS`,
		}},
		{"modules-update", ExitFindings, []string{
			`CF-001 aws_cloudfront_distribution.root PASS`,
			`CF-001 aws_cloudfront_distribution.via_local PASS`,
			`CF-001 module.cdn["blog"].aws_cloudfront_distribution.this FAIL *,/blog/*,/feed/*,/health`,
			`CF-001 module.cdn["docs"].aws_cloudfront_distribution.this PASS`,
			`CF-003 aws_cloudfront_distribution.root PASS`,
			`CF-003 aws_cloudfront_distribution.via_local PASS`, // matched by its known ARN
			`CF-003 module.cdn["blog"].aws_cloudfront_distribution.this SKIP`,
			`CF-003 module.cdn["docs"].aws_cloudfront_distribution.this PASS`,
		}},
	} {
		t.Run(tt.plan, func(t *testing.T) {
			dir := t.TempDir()
			data, err := os.ReadFile(filepath.Join(realPlans, tt.plan+".json"))
			if err != nil {
				t.Fatal(err)
			}
			file := tt.plan + ".json"
			if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)

			ios, out, errb := testIO()
			if code := Execute(context.Background(), ios, []string{"scan", "iac", file}); code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, errb.String())
			}
			checkNoSecret(t, out.String())
			goldenText(t, filepath.Join(testdata, "realplans", tt.plan+".txt"), stableTable(out.String()))

			ios, out, errb = testIO()
			Execute(context.Background(), ios, []string{"scan", "iac", file, "--format", "json"})
			checkNoSecret(t, out.String())
			var rep struct {
				Findings []struct {
					RuleID   string `json:"rule_id"`
					Status   string `json:"status"`
					Resource struct {
						ID string `json:"id"`
					} `json:"resource"`
					Location struct {
						File      string `json:"file"`
						StartLine int    `json:"start_line"`
					} `json:"location"`
					Behaviors []struct {
						PathPattern string `json:"path_pattern"`
					} `json:"behaviors"`
				} `json:"findings"`
				Errors []json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("JSON report: %v\n%s%s", err, out.String(), errb.String())
			}
			if len(rep.Errors) != 0 {
				t.Errorf("errors: %s", rep.Errors)
			}
			lines := strings.Split(string(data), "\n")
			var got []string
			for _, f := range rep.Findings {
				s := fmt.Sprintf("%s %s %s", f.RuleID, f.Resource.ID, f.Status)
				if f.Status == "FAIL" && f.RuleID == "CF-001" {
					var paths []string
					for _, b := range f.Behaviors {
						paths = append(paths, b.PathPattern)
					}
					s += " " + strings.Join(paths, ",")
				}
				got = append(got, s)
				// A finding points at the resource's entry in the plan.
				l := f.Location.StartLine
				if f.Location.File != file || l < 1 || l > len(lines) || strings.TrimSpace(lines[l-1]) != fmt.Sprintf("%q: %q,", "address", f.Resource.ID) {
					t.Errorf("%s %s: location %+v is not its resource_changes entry", f.RuleID, f.Resource.ID, f.Location)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// checkNoSecret fails when the origin custom header's value, which the
// plans hold (sensitive in the modules stack), is in the output.
func checkNoSecret(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "not-a-real-secret") {
		t.Error("the output holds the origin custom header's value")
	}
}

var (
	tableStarted  = regexp.MustCompile(`(?m)^(cloudassure \S+ · source iac · )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`)
	tableFinished = regexp.MustCompile(`(?m) — finished in [0-9.]+(ms|s)$`)
)

// stableTable blanks the start time and duration of a scan's table.
func stableTable(s string) []byte {
	s = tableStarted.ReplaceAllString(s, "${1}TIME")
	s = tableFinished.ReplaceAllString(s, " — finished in DURATION")
	return []byte(s)
}

// goldenText compares got with the file at path; -update rewrites it.
func goldenText(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output; run go test ./internal/cli -run %s -update and review the diff\n got:\n%s", path, t.Name(), got)
	}
}

// TestScanIaCRealPlanWithSource scans a real plan together with the .tf
// files it was made from: each distribution is judged once, from the plan,
// and its finding points at the resource in main.tf.
func TestScanIaCRealPlanWithSource(t *testing.T) {
	dir := t.TempDir()
	stack := filepath.Join("..", "e2e", "terraform", "testdata", "site")
	for _, f := range []struct{ from, to string }{
		{filepath.Join(stack, "main.tf"), "main.tf"},
		{filepath.Join(stack, "provider.tf"), "provider.tf"},
		{filepath.Join(realPlans, "site-create.json"), "plan.json"},
	} {
		data, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.to), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(filepath.Join(dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, `resource "aws_cloudfront_distribution" "site"`) {
			line = i + 1
		}
	}
	t.Chdir(dir)
	ios, out, errb := testIO()
	if code := Execute(context.Background(), ios, []string{"scan", "iac", ".", "--format", "json"}); code != ExitFindings {
		t.Errorf("exit %d, want %d\n%s", code, ExitFindings, errb.String())
	}
	var rep struct {
		Findings []struct {
			RuleID   string `json:"rule_id"`
			Status   string `json:"status"`
			Resource struct {
				ID string `json:"id"`
			} `json:"resource"`
			Location struct {
				File      string `json:"file"`
				StartLine int    `json:"start_line"`
			} `json:"location"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s %s %s", f.RuleID, f.Resource.ID, f.Status))
		if f.Location.File != "main.tf" || f.Location.StartLine != line {
			t.Errorf("%s %s at %+v, want main.tf:%d", f.RuleID, f.Resource.ID, f.Location, line)
		}
	}
	sort.Strings(got)
	want := []string{
		`CF-001 aws_cloudfront_distribution.site["legacy"] SKIP`,
		`CF-001 aws_cloudfront_distribution.site["shop"] FAIL`,
		`CF-001 aws_cloudfront_distribution.site["www"] PASS`,
		`CF-003 aws_cloudfront_distribution.site["legacy"] SKIP`,
		`CF-003 aws_cloudfront_distribution.site["shop"] PASS`,
		`CF-003 aws_cloudfront_distribution.site["www"] PASS`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
}
