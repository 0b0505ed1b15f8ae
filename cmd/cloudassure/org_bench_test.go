package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchOrg seeds an organization of members accounts with dists
// distributions each (every tenth missing its real-time log config on an
// ordered behavior), one stream, one delivery role and one config per
// account, and the audit role in every member. Seeding runs without latency.
func benchOrg(b *testing.B, members, dists int) (*emulator.Server, string) {
	b.Helper()
	emu := emulator.New(emulator.Options{Seed: 1})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emu.Close() })
	emu.CreateOrganization()
	mgmt := emu.AccountID()
	accounts := []string{mgmt}
	for i := range members {
		id := fmt.Sprintf("%012d", 400000000001+i)
		if err := emu.AddOrganizationAccount(emulator.OrgAccount{ID: id}); err != nil {
			b.Fatal(err)
		}
		if err := emu.AddAccessKey("AKIABENCH"+id, id); err != nil {
			b.Fatal(err)
		}
		accounts = append(accounts, id)
	}
	start := time.Now()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for _, id := range accounts {
		g.Go(func() error { return seedBenchAccount(ctx, url, id, mgmt, dists) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d accounts × %d distributions in %s", len(accounts), dists, time.Since(start).Round(time.Second))
	return emu, url
}

func seedBenchAccount(ctx context.Context, url, id, mgmt string, dists int) error {
	cfg := live.EndpointConfig(url, nil)
	if id != mgmt {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIABENCH"+id, "s", "")
	}
	ic, cf := iam.NewFromConfig(cfg), cloudfront.NewFromConfig(cfg)
	if _, err := kinesis.NewFromConfig(cfg).CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String("cf-logs"), StreamModeDetails: &kintypes.StreamModeDetails{StreamMode: kintypes.StreamModeOnDemand},
	}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	stream := "arn:aws:kinesis:us-east-1:" + id + ":stream/cf-logs"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("cf-logs"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	deliver := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":%q}]}`, stream)
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("cf-logs"), PolicyName: aws.String("deliver"), PolicyDocument: aws.String(deliver)}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	if id != mgmt {
		audit := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, mgmt)
		if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(auditrole.Name), AssumeRolePolicyDocument: aws.String(audit)}); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
		if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(auditrole.Name), PolicyName: aws.String("audit"), PolicyDocument: aws.String(auditrole.Policy)}); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
	}
	out, err := cf.CreateRealtimeLogConfig(ctx, &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String("main"), SamplingRate: aws.Int64(100),
		Fields: []string{"timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location"},
		EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
			StreamARN: aws.String(stream), RoleARN: aws.String("arn:aws:iam::" + id + ":role/cf-logs"),
		}}},
	})
	if err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	arn := aws.ToString(out.RealtimeLogConfig.ARN)
	for i := range dists {
		second := arn
		if i%10 == 0 {
			second = ""
		}
		dc := demo.DistributionConfig(fmt.Sprintf("%s-%d", id, i), "bench", true, arn, []string{"/api/*", "/static/*"}, []string{arn, second})
		if _, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: dc}); err != nil {
			return fmt.Errorf("account %s distribution %d: %w", id, i, err)
		}
	}
	return nil
}

// runMeasured runs the binary and returns its stdout, wall time and peak
// resident set size. The peak is read from /proc (VmHWM) while it runs:
// the rusage of a child counts the parent's memory at the fork, which here
// holds the emulator.
func runMeasured(b *testing.B, env []string, args ...string) ([]byte, time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(binary, args...)
	home := b.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true"}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := vmHWM(status); kb*1024 > peak.Load() {
				peak.Store(kb * 1024)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	wall := time.Since(start)
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		b.Fatalf("cloudassure %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes(), wall, peak.Load()
}

// vmHWM reads the peak resident set size (kB) from a /proc status file; 0
// once the process is gone.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkScanOrg audits an organization of 1,000 members × 100
// distributions (CLOUDASSURE_BENCH_ACCOUNTS, CLOUDASSURE_BENCH_DISTRIBUTIONS)
// at 50 ms per call with the built binary: scan aws --org, as a user runs it.
// Not a timed test: run it with -benchtime 1x and read the figures.
func BenchmarkScanOrg(b *testing.B) {
	members := benchEnv("CLOUDASSURE_BENCH_ACCOUNTS", 1000)
	dists := benchEnv("CLOUDASSURE_BENCH_DISTRIBUTIONS", 100)
	concurrency := benchEnv("CLOUDASSURE_BENCH_ACCOUNT_CONCURRENCY", 16)
	emu, url := benchOrg(b, members, dists)
	emu.SetFaults(emulator.Faults{Latency: 50 * time.Millisecond})
	env := []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1"}
	for b.Loop() {
		before := emu.Requests()
		out, wall, rss := runMeasured(b, env, "scan", "aws", "--org", "--format", "json", "--timeout", "30m",
			"--account-concurrency", strconv.Itoa(concurrency))
		var rep finding.Report
		if err := json.Unmarshal(out, &rep); err != nil {
			b.Fatal(err)
		}
		if rep.Summary.Accounts == nil || rep.Summary.Accounts.Scanned != members+1 {
			b.Fatalf("accounts %+v, want %d scanned", rep.Summary.Accounts, members+1)
		}
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
		b.ReportMetric(float64(emu.Requests()-before), "requests")
		b.ReportMetric(float64(rep.Summary.APICallsTotal), "api-calls")
		b.ReportMetric(float64(rep.Summary.APICallsTotal)/float64(members+1), "calls/account")
		b.ReportMetric(float64(len(rep.Findings)), "findings")
		ops, _ := json.Marshal(rep.Summary.APICalls)
		b.Logf("scan aws --org: %d accounts × %d distributions, --account-concurrency %d: %s wall, peak RSS %.0f MB, calls %s",
			members+1, dists, concurrency, wall.Round(time.Millisecond), float64(rss)/(1<<20), ops)
	}
}

// BenchmarkScanOrgBaselineLoop is the loop a user of a single-account tool
// writes: for each account, assume the role, then scan it, one after the
// other. It runs CLOUDASSURE_BENCH_BASELINE_ACCOUNTS (50) members of the same
// organization; multiply by accounts/50 to compare with BenchmarkScanOrg.
func BenchmarkScanOrgBaselineLoop(b *testing.B) {
	members := benchEnv("CLOUDASSURE_BENCH_BASELINE_ACCOUNTS", 50)
	dists := benchEnv("CLOUDASSURE_BENCH_DISTRIBUTIONS", 100)
	emu, url := benchOrg(b, members, dists)
	emu.SetFaults(emulator.Faults{Latency: 50 * time.Millisecond})
	stsc := sts.NewFromConfig(live.EndpointConfig(url, nil))
	for b.Loop() {
		start := time.Now()
		calls := 0
		for i := range members {
			id := fmt.Sprintf("%012d", 400000000001+i)
			out, err := stsc.AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::" + id + ":role/" + auditrole.Name), RoleSessionName: aws.String("loop"),
			})
			if err != nil {
				b.Fatal(err)
			}
			c := out.Credentials
			env := []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=" + aws.ToString(c.AccessKeyId),
				"AWS_SECRET_ACCESS_KEY=" + aws.ToString(c.SecretAccessKey), "AWS_SESSION_TOKEN=" + aws.ToString(c.SessionToken), "AWS_REGION=us-east-1"}
			js, _, _ := runMeasured(b, env, "scan", "aws", "--format", "json")
			var rep finding.Report
			if err := json.Unmarshal(js, &rep); err != nil {
				b.Fatal(err)
			}
			if rep.Account != id {
				b.Fatalf("scanned %s, want %s", rep.Account, id)
			}
			calls += rep.Summary.APICallsTotal + 1
		}
		wall := time.Since(start)
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()*1000/float64(members), "extrapolated-1000-accounts-s")
		b.ReportMetric(float64(calls)/float64(members), "calls/account")
		b.Logf("sequential loop: %d accounts × %d distributions in %s; for 1,000 accounts: %.0f s",
			members, dists, wall.Round(time.Millisecond), wall.Seconds()*1000/float64(members))
	}
}
