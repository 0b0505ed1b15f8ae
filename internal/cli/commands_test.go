package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// TestUnknownSubcommand checks that a command group given a subcommand it
// does not have exits 2 and lists the valid ones, instead of printing help
// and exiting 0.
func TestUnknownSubcommand(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"scan", "gcp"}, []string{`unknown command "gcp" for "cloudassure scan"`, "valid commands: aws, iac"}},
		{[]string{"fix", "foo"}, []string{`unknown command "foo" for "cloudassure fix"`, "valid commands: aws, iac"}},
		{[]string{"nosuchcommand"}, []string{`unknown command "nosuchcommand" for "cloudassure"`, "valid commands:", "scan"}},
		{[]string{"scan", "aws2"}, []string{`unknown command "aws2"`, "did you mean"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, out, errb := testIO()
			code := Execute(context.Background(), ios, tt.args)
			if code != ExitIncomplete {
				t.Errorf("exit %d, want %d (stdout %q)", code, ExitIncomplete, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not contain %q", errb.String(), w)
				}
			}
		})
	}
	// A group on its own still shows its help.
	ios, out, _ := testIO()
	if code := Execute(context.Background(), ios, []string{"scan"}); code != ExitOK || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("scan alone: exit %d, stdout %q", code, out.String())
	}
}

// TestScanIaCNothingFound checks that scan iac over a tree without
// infrastructure code says so on stderr.
func TestScanIaCNothingFound(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name": "site"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# site\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, errb := testIO()
	Execute(context.Background(), ios, []string{"scan", "iac", dir})
	if want := "no CloudFront distribution found in infrastructure code under " + dir; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q does not contain %q", errb.String(), want)
	}
}

// TestScanReadsOnlyWhatRulesNeed runs the demo scan with --rule: CF-001 lists
// the distributions and makes no other call (no STS, IAM or Kinesis reads);
// CF-003 adds the real-time log configs.
func TestScanReadsOnlyWhatRulesNeed(t *testing.T) {
	for _, tt := range []struct {
		rule  string
		calls []string
	}{
		{"CF-001", []string{"cloudfront:ListDistributions"}},
		{"CF-003", []string{"cloudfront:ListDistributions", "cloudfront:ListRealtimeLogConfigs"}},
	} {
		t.Run(tt.rule, func(t *testing.T) {
			ios, out, errb := testIO()
			if code := Execute(context.Background(), ios, []string{"demo", "--rule", tt.rule, "--format", "json"}); code != ExitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var rep finding.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(rep.Summary.APICalls)); !slices.Equal(got, tt.calls) {
				t.Errorf("API calls %v, want only %v", rep.Summary.APICalls, tt.calls)
			}
			if rep.Account == "" || len(rep.Findings) == 0 {
				t.Errorf("account %q, %d findings", rep.Account, len(rep.Findings))
			}
		})
	}
}

// TestScanAWSListFailureReportedOnce checks that a ListDistributions that
// fails is one error in the report (the live source records it with its
// operation and code; the engine must not add it again as a bare message).
func TestScanAWSListFailureReportedOnce(t *testing.T) {
	fixAccount(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/2020-05-31/distribution" {
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>`+
					`<Message>User is not authorized to perform: cloudfront:ListDistributions</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	ios, out, errb := testIO()
	if code := Execute(context.Background(), ios, []string{"scan", "aws", "--format", "json"}); code != ExitIncomplete {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitIncomplete, errb.String())
	}
	var rep finding.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	var list []finding.ScanError
	for _, e := range rep.Errors {
		if strings.Contains(e.Message, "ListDistributions") {
			list = append(list, e)
		}
	}
	if len(list) != 1 || list[0].Operation != "cloudfront:ListDistributions" || list[0].Code != "AccessDenied" {
		t.Errorf("errors about ListDistributions = %+v, want one with its operation and code", list)
	}
}
