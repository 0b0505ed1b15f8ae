//go:build e2e

// Package terraform runs the real Terraform CLI and the real hashicorp/aws
// provider against the emulator: the provider is the emulator's third
// independent client, next to aws-sdk-go-v2 and the AWS CLI. Each stack in
// testdata/ is applied, planned again (no drift), scanned, fixed with
// cloudassure fix aws, planned again (only realtime_log_config_arn moves),
// applied back and destroyed; the fixiac-* modules go from code to account
// through cloudassure fix iac.
//
// The tests need terraform on PATH and the provider in a filesystem mirror
// (CLOUDASSURE_TF_PLUGIN_DIR, default /opt/tf-plugins). They fail, never
// skip, when either is missing. Run them with
//
//	go test -tags e2e ./internal/e2e/terraform/
package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// providerVersion is the hashicorp/aws version the stacks pin and the
// emulator was checked with.
const providerVersion = "5.100.0"

// binary is the cloudassure binary built once for these tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "cloudassure-tf-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "cloudassure")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, "../../../cmd/cloudassure")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cloudassure:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// toolchain is what every terraform run needs: the binary and a CLI
// config that installs the provider from the local mirror only.
type toolchain struct {
	terraform string
	cliConfig string
}

// findToolchain finds terraform and the provider mirror, failing the test
// (never skipping it) when either is missing.
func findToolchain(t *testing.T) toolchain {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform is not on PATH: these tests run the real Terraform CLI (%v)", err)
	}
	mirror := os.Getenv("CLOUDASSURE_TF_PLUGIN_DIR")
	if mirror == "" {
		mirror = "/opt/tf-plugins"
	}
	pattern := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", providerVersion, runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-aws_*")
	if m, _ := filepath.Glob(pattern); len(m) == 0 {
		t.Fatalf("the hashicorp/aws %s provider is not in the filesystem mirror %s (looked for %s); set CLOUDASSURE_TF_PLUGIN_DIR", providerVersion, mirror, pattern)
	}
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	body := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return toolchain{terraform: tf, cliConfig: cfg}
}

// workspace is one stack or module copied to a temporary directory, with
// the emulator it is applied to.
type workspace struct {
	t    *testing.T
	tc   toolchain
	dir  string
	home string
	emu  *emulator.Server
	url  string
	// providerLog receives the provider's debug log (TF_LOG_PROVIDER).
	providerLog string
}

func newWorkspace(t *testing.T, tc toolchain, stack string) *workspace {
	t.Helper()
	return newWorkspaceWith(t, tc, stack, emulator.Options{DeployDelay: time.Second, StreamActivationDelay: time.Second})
}

// newWorkspaceWith is newWorkspace with an emulator made with opts (its
// Logger is set here, and a Latency when opts has none).
func newWorkspaceWith(t *testing.T, tc toolchain, stack string, opts emulator.Options) *workspace {
	t.Helper()
	// The emulator's request log (operations, status codes and client
	// connections, never bodies) and the provider's debug log (its SDK
	// logs every attempt and why it retried) are shown when the test
	// fails; CLOUDASSURE_E2E_LOG_DIR keeps them.
	logDir := os.Getenv("CLOUDASSURE_E2E_LOG_DIR")
	if logDir == "" {
		logDir = t.TempDir()
	}
	prefix := filepath.Join(logDir, strings.ReplaceAll(t.Name(), "/", "_"))
	logPath, providerLog := prefix+".emulator.log", prefix+".provider.log"
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("emulator requests of %s:\n%s", stack, tail(string(b), 80))
			}
			if b, err := os.ReadFile(providerLog); err == nil {
				t.Logf("the provider's retried and failed attempts in %s:\n%s", stack, sdkRetries(string(b)))
			}
		}
	})
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Logger = log
	// Latency: a real endpoint is a network round trip away. On loopback the
	// emulator would answer a large request within microseconds, before the
	// provider's SDK has finished writing it, and that SDK then loses the
	// answer and sends the request again (TestLostResponseRetriedCreate in
	// internal/emulator/cloudfront); AWS answers in tens of milliseconds.
	// The answer to a body over 4 KiB (a distribution's config) waits longer:
	// only such a request can be lost, and the provider sends few of them.
	if opts.Faults.Latency == 0 {
		opts.Faults.Latency = 20 * time.Millisecond
	}
	if opts.Faults.LargeBodyLatency == 0 {
		opts.Faults.LargeBodyLatency = 250 * time.Millisecond
	}
	emu := emulator.New(opts)
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	dir := filepath.Join(t.TempDir(), filepath.Base(stack))
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", stack))); err != nil {
		t.Fatal(err)
	}
	return &workspace{t: t, tc: tc, dir: dir, home: t.TempDir(), emu: emu, url: url, providerLog: providerLog}
}

// sdkRetries picks from the provider's debug log the lines that say why an
// attempt failed or was made again, shortened to their message.
func sdkRetries(log string) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "retrying request") || strings.Contains(line, "request failed with") ||
			(strings.Contains(line, "attempt=") && !strings.Contains(line, `attempt=1;`)) {
			if len(line) > 400 {
				line = line[:400] + "…"
			}
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return tail(strings.Join(out, "\n"), 40)
}

// run runs a command in the workspace and returns its exit code and
// output. Anything but an exit status fails the test.
func (w *workspace) run(timeout time.Duration, name string, args ...string) (int, string, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = w.dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + w.home, "TMPDIR=" + os.TempDir(),
		"TF_CLI_CONFIG_FILE=" + w.tc.cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		"TF_VAR_endpoint=" + w.url,
		"AWS_ENDPOINT_URL=" + w.url, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(w.home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(w.home, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1",
	}
	if name == w.tc.terraform {
		cmd.Env = append(cmd.Env, "TF_LOG_PROVIDER=DEBUG", "TF_LOG_PATH="+w.providerLog)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if ctx.Err() != nil {
		w.t.Fatalf("%s %s: timed out after %v\n%s\n%s", name, strings.Join(args, " "), timeout, stdout.String(), stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

// terraform runs terraform and fails the test unless it exits with one of
// the wanted codes (0 when none is given).
func (w *workspace) terraform(want []int, args ...string) (int, string) {
	w.t.Helper()
	code, out, errOut := w.run(15*time.Minute, w.tc.terraform, append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	if len(want) == 0 {
		want = []int{0}
	}
	if !slices.Contains(want, code) {
		w.t.Fatalf("terraform %s: exit %d, want %v\n%s\n%s", strings.Join(args, " "), code, want, tail(out, 60), errOut)
	}
	return code, out
}

// cloudassure runs the built binary and fails the test unless it exits
// with the wanted code.
func (w *workspace) cloudassure(want int, args ...string) string {
	w.t.Helper()
	code, out, errOut := w.run(5*time.Minute, binary, args...)
	if code != want {
		w.t.Fatalf("cloudassure %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// plan is the part of `terraform show -json PLANFILE` the tests read.
type plan struct {
	ResourceChanges []struct {
		Address string `json:"address"`
		Type    string `json:"type"`
		Change  struct {
			Actions      []string `json:"actions"`
			Before       any      `json:"before"`
			After        any      `json:"after"`
			AfterUnknown any      `json:"after_unknown"`
		} `json:"change"`
	} `json:"resource_changes"`
}

// planJSON makes a plan file and returns `terraform show -json` of it.
func (w *workspace) planJSON(wantExit int) []byte {
	w.t.Helper()
	w.terraform([]int{wantExit}, "plan", "-input=false", "-detailed-exitcode", "-out=tfplan")
	_, out := w.terraform(nil, "show", "-json", "tfplan")
	return []byte(out)
}

func parsePlan(t *testing.T, data []byte) plan {
	t.Helper()
	var p plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	return p
}

// diffPaths lists the paths where two JSON values differ.
func diffPaths(a, b any, path string) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{path}
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		var out []string
		for k := range keys {
			out = append(out, diffPaths(av[k], bv[k], path+"."+k)...)
		}
		sort.Strings(out)
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return []string{path}
		}
		var out []string
		for i := range av {
			out = append(out, diffPaths(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if fmt.Sprint(a) != fmt.Sprint(b) || (a == nil) != (b == nil) {
		return []string{path}
	}
	return nil
}

// finding is the part of a scan report the tests compare.
type finding struct{ Rule, Resource, Status string }

func (w *workspace) scan() []finding {
	w.t.Helper()
	code, out, errOut := w.run(5*time.Minute, binary, "scan", "aws", "--format", "json")
	if code != 0 && code != 1 {
		w.t.Fatalf("scan aws: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep struct {
		Findings []struct {
			RuleID   string `json:"rule_id"`
			Status   string `json:"status"`
			Resource struct {
				Name string `json:"name"`
			} `json:"resource"`
		} `json:"findings"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		w.t.Fatalf("scan aws JSON: %v\n%s", err, out)
	}
	if len(rep.Errors) > 0 {
		w.t.Errorf("scan aws reported errors: %s", rep.Errors)
	}
	var fs []finding
	for _, f := range rep.Findings {
		fs = append(fs, finding{f.RuleID, f.Resource.Name, f.Status})
	}
	sort.Slice(fs, func(a, b int) bool { return fmt.Sprint(fs[a]) < fmt.Sprint(fs[b]) })
	return fs
}

// checkEmpty fails unless destroy left nothing behind in the emulator.
func (w *workspace) checkEmpty() {
	w.t.Helper()
	ctx := context.Background()
	cfg := live.EndpointConfig(w.url, nil)
	cf := cloudfront.NewFromConfig(cfg)
	dists, err := cf.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	configs, err := cf.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	streams, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	roles, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	if n := len(dists.DistributionList.Items) + len(configs.RealtimeLogConfigs.Items) + len(streams.StreamNames) + len(roles.Roles); n != 0 {
		w.t.Errorf("after destroy the emulator still holds %d distributions, %d real-time log configs, %d streams, %d roles",
			len(dists.DistributionList.Items), len(configs.RealtimeLogConfigs.Items), len(streams.StreamNames), len(roles.Roles))
	}
	cp, err := cf.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: cftypes.CachePolicyTypeCustom})
	if err != nil {
		w.t.Fatal(err)
	}
	orp, err := cf.ListOriginRequestPolicies(ctx, &cloudfront.ListOriginRequestPoliciesInput{Type: cftypes.OriginRequestPolicyTypeCustom})
	if err != nil {
		w.t.Fatal(err)
	}
	rhp, err := cf.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{Type: cftypes.ResponseHeadersPolicyTypeCustom})
	if err != nil {
		w.t.Fatal(err)
	}
	if n := len(cp.CachePolicyList.Items) + len(orp.OriginRequestPolicyList.Items) + len(rhp.ResponseHeadersPolicyList.Items); n != 0 {
		w.t.Errorf("after destroy the emulator still holds %d cache, %d origin request and %d response headers policies",
			len(cp.CachePolicyList.Items), len(orp.OriginRequestPolicyList.Items), len(rhp.ResponseHeadersPolicyList.Items))
	}
}

// stackCase is a stack and what its code implies.
type stackCase struct {
	name string
	// findings is what scan aws must report right after apply.
	findings []finding
	// fixed are the addresses fix aws must change, seen in the next plan.
	fixed []string
}

var stacks = []stackCase{
	{
		name: "site",
		findings: []finding{
			{"CF-001", "legacy", "SKIP"}, {"CF-001", "shop", "FAIL"}, {"CF-001", "www", "PASS"},
			{"CF-002", "legacy", "SKIP"}, {"CF-002", "shop", "PASS"}, {"CF-002", "www", "PASS"},
			{"CF-003", "legacy", "SKIP"}, {"CF-003", "shop", "PASS"}, {"CF-003", "www", "PASS"},
		},
		fixed: []string{`aws_cloudfront_distribution.site["shop"]`},
	},
	{
		name: "ondemand",
		findings: []finding{
			{"CF-001", "api", "FAIL"}, {"CF-001", "static", "FAIL"},
			{"CF-002", "api", "PASS"}, {"CF-002", "static", "SKIP"},
			{"CF-003", "api", "FAIL"}, {"CF-003", "static", "SKIP"},
		},
		fixed: []string{"aws_cloudfront_distribution.api", "aws_cloudfront_distribution.static"},
	},
	{
		name: "policies",
		findings: []finding{
			{"CF-001", "shop", "FAIL"}, {"CF-002", "shop", "PASS"}, {"CF-003", "shop", "PASS"},
		},
		fixed: []string{"aws_cloudfront_distribution.shop"},
	},
}

// realtimeLogPath matches the only attributes fix aws may change.
func realtimeLogPath(p string) bool {
	return strings.HasSuffix(p, ".realtime_log_config_arn") &&
		(strings.HasPrefix(p, ".default_cache_behavior[") || strings.HasPrefix(p, ".ordered_cache_behavior["))
}

// TestStacks holds the steps 1 to 5 for every stack.
func TestStacks(t *testing.T) {
	t.Parallel()
	tc := findToolchain(t)
	for _, sc := range stacks {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, tc, sc.name)
			w.terraform(nil, "init", "-input=false")

			// The plan of the stack before anything exists (TestPlanFixtures
			// keeps it as a scan iac fixture).
			w.terraform([]int{2}, "plan", "-input=false", "-detailed-exitcode", "-out=tfplan")

			// 1. apply.
			w.terraform(nil, "apply", "-input=false", "-auto-approve", "tfplan")

			// 2. No drift: the provider reads back exactly what it wrote.
			if code, out := w.terraform([]int{0, 2}, "plan", "-input=false", "-detailed-exitcode"); code != 0 {
				t.Fatalf("plan right after apply shows changes (the emulator lost or invented a field):\n%s", tail(out, 120))
			}

			// 3. scan aws gives the verdicts the code implies.
			if got := w.scan(); !slices.Equal(got, sc.findings) {
				t.Errorf("scan aws findings:\n got %v\nwant %v", got, sc.findings)
			}

			// 4. fix aws, then the provider sees exactly the fixed distributions
			// change, and in them realtime_log_config_arn alone.
			_, arn := w.terraform(nil, "output", "-raw", "realtime_log_config_arn")
			w.cloudassure(0, "fix", "aws", "--apply", "--yes", "--config-arn", strings.TrimSpace(arn), "--backup-dir", filepath.Join(w.home, "backups"))
			p := parsePlan(t, w.planJSON(2))
			var changed []string
			for _, rc := range p.ResourceChanges {
				if slices.Equal(rc.Change.Actions, []string{"no-op"}) || slices.Equal(rc.Change.Actions, []string{"read"}) {
					continue
				}
				changed = append(changed, rc.Address)
				if !slices.Equal(rc.Change.Actions, []string{"update"}) {
					t.Errorf("%s: actions %v after fix aws, want an in-place update", rc.Address, rc.Change.Actions)
				}
				paths := diffPaths(rc.Change.Before, rc.Change.After, "")
				if len(paths) == 0 {
					t.Errorf("%s: planned update without a difference", rc.Address)
				}
				for _, path := range paths {
					if !realtimeLogPath(path) {
						t.Errorf("%s: fix aws changed %s; only realtime_log_config_arn may change", rc.Address, path)
					}
				}
				if u := diffPaths(rc.Change.AfterUnknown, map[string]any{}, ""); len(u) > 0 {
					t.Errorf("%s: values unknown until apply: %v", rc.Address, u)
				}
			}
			sort.Strings(changed)
			if !slices.Equal(changed, sc.fixed) {
				t.Errorf("plan after fix aws changes %v, want exactly %v", changed, sc.fixed)
			}

			// Back to the code (an in-place UpdateDistribution through the
			// provider), and again no drift.
			w.terraform(nil, "apply", "-input=false", "-auto-approve", "tfplan")
			w.terraform([]int{0}, "plan", "-input=false", "-detailed-exitcode")

			// 5. destroy: disable, wait for Deployed, delete with If-Match;
			// detach policies; delete the config once no distribution uses it.
			w.terraform(nil, "destroy", "-input=false", "-auto-approve")
			w.checkEmpty()
		})
	}
}

// TestFixIaC holds step 6: fix iac on a module, then validate, apply and
// scan: every CF-001, CF-002 and CF-003 finding passes.
func TestFixIaC(t *testing.T) {
	t.Parallel()
	tc := findToolchain(t)
	for _, tt := range []struct {
		module string
		args   []string
		dists  []string
	}{
		{"fixiac-existing", []string{"--write"}, []string{"blog", "docs"}},
		{"fixiac-create", []string{"--write", "--create-resources"}, []string{"app"}},
	} {
		t.Run(tt.module, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, tc, tt.module)
			w.cloudassure(0, append(append([]string{"fix", "iac"}, tt.args...), ".")...)
			w.terraform(nil, "init", "-input=false")
			w.terraform(nil, "validate")
			w.terraform(nil, "apply", "-input=false", "-auto-approve")
			w.terraform([]int{0}, "plan", "-input=false", "-detailed-exitcode")
			var want []finding
			for _, rule := range []string{"CF-001", "CF-002", "CF-003"} {
				for _, d := range tt.dists {
					want = append(want, finding{rule, d, "PASS"})
				}
			}
			if got := w.scan(); !slices.Equal(got, want) {
				t.Errorf("scan aws after fix iac and apply:\n got %v\nwant %v", got, want)
			}
			w.terraform(nil, "destroy", "-input=false", "-auto-approve")
			w.checkEmpty()
		})
	}
}
