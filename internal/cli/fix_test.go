package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixaws"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// fixAccount serves the demo account behind wrap (nil for none) and points
// the AWS configuration of the test at it.
func fixAccount(t *testing.T, wrap func(http.Handler) http.Handler) (*emulator.Server, string, map[string]string) {
	t.Helper()
	emu := emulator.New(emulator.Options{Seed: 5})
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(emu)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cases, err := demo.Seed(context.Background(), live.EndpointConfig(srv.URL, nil), emu.AccountID(), emu)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": srv.URL, "AWS_PROFILE": "", "HOME": t.TempDir(),
	} {
		t.Setenv(k, v)
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.Comment] = c.ID
	}
	return emu, srv.URL, ids
}

type fixRun struct {
	code           int
	stdout, stderr string
}

// runFix runs cloudassure with args and stdin as Execute does.
func runFix(t *testing.T, stdin string, args ...string) fixRun {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb}
	code := Execute(context.Background(), ios, args)
	return fixRun{code, out.String(), errb.String()}
}

// runFixTTY runs fix aws as if standard input were a terminal.
func runFixTTY(t *testing.T, stdin string, args ...string) fixRun {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb}
	cmd := newFixAWSCmd(ios, func(o *fixAWSOptions) error {
		o.stdinIsTerminal = func() bool { return true }
		return o.run(context.Background(), ios)
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	code := 0
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = 2
		errb.WriteString(err.Error())
	}
	return fixRun{code, out.String(), errb.String()}
}

func TestFixAWSPlanThenApply(t *testing.T) {
	emu, _, ids := fixAccount(t, nil)
	backups := t.TempDir()

	r := runFix(t, "", "fix", "aws")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("plan: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"+ create  AWS::Kinesis::Stream", "+ create  AWS::IAM::Role", "+ create  AWS::CloudFront::RealtimeLogConfig",
		ids["missing everywhere"] + " (missing everywhere)",
		`~ behavior "/images/*": RealtimeLogConfigArn "" → "arn:aws:cloudfront::111122223333:realtime-log-config/cloudassure-realtime-logs"`,
		"Plan: 3 to create, 4 to update, 0 to reuse, 10 left as they are.",
		"--apply",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runFix(t, "", "fix", "aws", "--format", "json")
	var p fixplan.Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 || !p.HasChanges() || p.Account != "111122223333" {
		t.Fatalf("json plan: exit %d, %v\n%s", r.code, err, r.stdout)
	}

	// Without a terminal and without --yes nothing is sent at all.
	before := emu.Requests()
	r = runFix(t, "", "fix", "aws", "--apply")
	if r.code != 2 || !strings.Contains(r.stderr, "standard input is not a terminal") || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("--apply without --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	if emu.Requests() != before {
		t.Errorf("%d requests sent before refusing", emu.Requests()-before)
	}

	planFile := filepath.Join(t.TempDir(), "plan.json")
	r = runFix(t, "", "fix", "aws", "--apply", "--yes", "--format", "json", "--backup-dir", backups, "--plan-out", planFile)
	var out struct {
		Plan   fixplan.Plan  `json:"plan"`
		Report fixaws.Result `json:"report"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("apply: exit %d, %v, stderr %q\n%s", r.code, err, r.stderr, r.stdout)
	}
	s := out.Report.Summary
	if s.Fixed != 4 || s.Failed != 0 || s.APICallsTotal == 0 || s.APICalls["cloudfront:UpdateDistribution"] != 4 || len(out.Plan.Changes) != 17 {
		t.Errorf("report summary %+v, %d changes", s, len(out.Plan.Changes))
	}
	if _, err := fixplan.Load(planFile); err != nil {
		t.Errorf("--plan-out: %v", err)
	}
	if strings.Contains(r.stderr, "\x1b[") {
		t.Errorf("progress written without a terminal: %q", r.stderr)
	}

	// A second run: nothing to do, exit 0.
	r = runFix(t, "", "fix", "aws", "--apply", "--yes", "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") || !strings.Contains(r.stdout, "0 fixed, 13 unchanged, 1 skipped, 0 failed") {
		t.Errorf("second apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The saved plan applied again: the distributions are re-read and left alone.
	r = runFix(t, "", "fix", "aws", "--plan", planFile, "--apply", "--yes", "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "0 fixed") || !strings.Contains(r.stdout, "every planned behavior") && !strings.Contains(r.stdout, "already had the config") {
		t.Errorf("saved plan re-applied: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFixAWSConfirmation(t *testing.T) {
	emu, url, ids := fixAccount(t, nil)
	backups := t.TempDir()
	cf := cloudfront.NewFromConfig(live.EndpointConfig(url, nil))
	logs := func() bool {
		out, err := cf.GetDistributionConfig(context.Background(), &cloudfront.GetDistributionConfigInput{Id: aws.String(ids["missing everywhere"])})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn) != ""
	}
	r := runFixTTY(t, "no\n", "--apply", "--backup-dir", backups)
	if r.code != 2 || !strings.Contains(r.stderr, "Apply this plan to account 111122223333?") || !strings.Contains(r.stderr, "apply cancelled") || logs() {
		t.Fatalf("answer no: exit %d stderr %q", r.code, r.stderr)
	}
	r = runFixTTY(t, "yes\n", "--apply", "--backup-dir", backups, "--wait")
	if r.code != 0 || !strings.Contains(r.stdout, "4 fixed") || !strings.Contains(r.stdout, "deployed") || !logs() {
		t.Fatalf("answer yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	_ = emu

	// Undo asks too.
	files, _ := filepath.Glob(filepath.Join(backups, "111122223333", ids["missing everywhere"]+"-*.json"))
	if len(files) != 1 {
		t.Fatalf("backups %v", files)
	}
	r = runFixTTY(t, "\n", "--undo", files[0], "--backup-dir", backups)
	if r.code != 2 || !strings.Contains(r.stderr, "undo cancelled") || !logs() {
		t.Errorf("undo answered no: exit %d %q", r.code, r.stderr)
	}
	r = runFixTTY(t, "yes\n", "--undo", files[0], "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "Restored distribution "+ids["missing everywhere"]) || logs() {
		t.Errorf("undo answered yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFixAWSUndo(t *testing.T) {
	_, url, ids := fixAccount(t, nil)
	backups := t.TempDir()
	id := ids["only the default behavior missing"]
	if r := runFix(t, "", "fix", "aws", "--apply", "--yes", "--backup-dir", backups, "--distribution", id); r.code != 0 || !strings.Contains(r.stdout, "1 fixed") {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(backups, "111122223333", id+"-*.json"))
	if len(files) != 1 {
		t.Fatalf("backups %v", files)
	}
	// Changed since the fix: refused, then forced.
	cf := cloudfront.NewFromConfig(live.EndpointConfig(url, nil))
	got, err := cf.GetDistributionConfig(context.Background(), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	got.DistributionConfig.Comment = aws.String("edited later")
	if _, err := cf.UpdateDistribution(context.Background(), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig}); err != nil {
		t.Fatal(err)
	}
	r := runFix(t, "", "fix", "aws", "--undo", files[0], "--yes", "--backup-dir", backups)
	if r.code != 2 || !strings.Contains(r.stdout, "was not restored (refused)") || !strings.Contains(r.stdout, "--force") {
		t.Errorf("undo of a changed distribution: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runFix(t, "", "fix", "aws", "--undo", files[0], "--yes", "--force", "--backup-dir", backups, "--format", "json")
	var res fixaws.UndoResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 || res.Status != fixaws.UndoRestored || !res.Forced {
		t.Errorf("forced undo: exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	r = runFix(t, "", "fix", "aws", "--undo", files[0], "--yes", "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("undo twice: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runFix(t, "", "fix", "aws", "--undo", filepath.Join(backups, "nope.json"), "--yes"); r.code != 2 || !strings.Contains(r.stderr, "nope.json") {
		t.Errorf("missing backup: exit %d %q", r.code, r.stderr)
	}
}

// TestFixAWSFailureExitCode: one distribution that cannot be updated makes
// the apply exit 2 and is reported with the reason; the others are fixed.
func TestFixAWSFailureExitCode(t *testing.T) {
	var denied string
	_, _, ids := fixAccount(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && denied != "" && strings.Contains(r.URL.Path, "/distribution/"+denied+"/") {
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform cloudfront:UpdateDistribution</Message></Error><RequestId>x</RequestId></ErrorResponse>`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	denied = ids["missing everywhere"]
	r := runFix(t, "", "fix", "aws", "--apply", "--yes", "--backup-dir", t.TempDir())
	if r.code != 2 || !strings.Contains(r.stdout, "3 fixed, 9 unchanged, 1 skipped, 1 failed") ||
		!strings.Contains(r.stdout, "fix aws needs the IAM permission cloudfront:UpdateDistribution") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFixAWSFlags(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml"}, `unknown format "xml"`},
		{[]string{"--force"}, "--force only goes with --undo"},
		{[]string{"--undo", "b.json", "--apply"}, "--apply cannot be used with --undo"},
		{[]string{"--undo", "b.json", "--distribution", "E1"}, "--distribution cannot be used with --undo"},
		{[]string{"--plan", "p.json", "--stream-name", "s"}, "--stream-name cannot be used with --plan"},
		{[]string{"--config-arn", "arn:x", "--sampling-rate", "50"}, "--sampling-rate cannot be used with --config-arn"},
		{[]string{"--sampling-rate", "0"}, "--sampling-rate must be a whole number from 1 to 100"},
		{[]string{"--shards", "-1"}, "--shards must be 0"},
		{[]string{"--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"--wait"}, "--wait only goes with --apply"},
		{[]string{"extra"}, "unknown command"},
		{[]string{"--plan", filepath.Join(t.TempDir(), "missing.json")}, "missing.json"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runFix(t, "", append([]string{"fix", "aws"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
	// The flags reach the options.
	var got *fixAWSOptions
	cmd := newFixAWSCmd(&IO{In: strings.NewReader("")}, func(o *fixAWSOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--distribution", "E1", "--distribution", "E2", "--fields", "timestamp,c-ip", "--shards", "3",
		"--no-encryption", "--replace-existing", "--include-disabled", "--config-name", "n", "--role-name", "r", "--stream-name", "s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.distributions, " ") != "E1 E2" || strings.Join(got.fields, " ") != "timestamp c-ip" || got.shards != 3 ||
		!got.noEncryption || !got.replaceExisting || !got.includeDisabled || got.configName != "n" || got.roleName != "r" ||
		got.streamName != "s" || got.concurrency != 4 || got.format != "table" {
		t.Errorf("options %+v", got)
	}
	// A plan for another tool is refused.
	iacPlan := filepath.Join(t.TempDir(), "iac.json")
	if err := (&fixplan.Plan{Version: fixplan.Version, Kind: fixplan.KindIaC}).Save(iacPlan); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "A")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	if r := runFix(t, "", "fix", "aws", "--plan", iacPlan); r.code != 2 || !strings.Contains(r.stderr, "fix iac plan") {
		t.Errorf("iac plan: exit %d %q", r.code, r.stderr)
	}
	_ = os.Remove(iacPlan)
}

func TestFixProgress(t *testing.T) {
	var b bytes.Buffer
	off := &fixProgress{p: newProgress(&b, false)}
	off.Update(fixaws.Progress{Stage: "updating", Done: 1, Total: 2})
	off.Done()
	if b.Len() != 0 {
		t.Errorf("progress without a terminal: %q", b.String())
	}
	on := &fixProgress{p: newProgress(&b, true)}
	on.Update(fixaws.Progress{Stage: "distributions", Done: 0, Total: -1})
	on.Update(fixaws.Progress{Stage: "updating", Done: 2, Total: 2})
	on.Update(fixaws.Progress{Stage: "waiting", Done: 0, Total: 2})
	on.Done()
	for _, want := range []string{"reading distributions… 0", "updating distributions… 2/2", "waiting until the distributions are deployed… 0/2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("progress %q lacks %q", b.String(), want)
		}
	}
}
