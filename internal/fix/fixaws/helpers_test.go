package fixaws

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// testEmulator serves an emulator on loopback for the test.
func testEmulator(t testing.TB, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// retryingConfig is sdkConfig with live.LoadConfig's adaptive retryer and a
// short backoff, as the CLI has it.
func retryingConfig(t testing.TB, url string, counter *live.CallCounter, attempts int) aws.Config {
	t.Helper()
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg, err := live.LoadConfig(context.Background(), live.ConfigOptions{
		Region: "us-east-1", EndpointURL: url, MaxAttempts: attempts, MaxBackoff: 5 * time.Millisecond, Counter: counter,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	return cfg
}

// seedDemo fills the emulator with the demo account.
func seedDemo(t testing.TB, emu *emulator.Server, url string) []*demo.Case {
	t.Helper()
	cases, err := demo.Seed(context.Background(), live.EndpointConfig(url, nil), emu.AccountID(), emu)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// seedMany creates n enabled distributions, each with a default and two
// ordered behaviors and no real-time logs, and returns their IDs.
func seedMany(t testing.TB, url string, n int, prefix string) []string {
	t.Helper()
	cf := cloudfront.NewFromConfig(live.EndpointConfig(url, nil))
	ids := make([]string, n)
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for i := range n {
		g.Go(func() error {
			cfg := demo.DistributionConfig(fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s %d", prefix, i), true, "",
				[]string{"/api/*", "/static/*"}, []string{"", ""})
			out, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			if err != nil {
				return err
			}
			ids[i] = aws.ToString(out.Distribution.Id)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// testApplyOptions keeps the waits of an apply short.
func testApplyOptions(cfg aws.Config, dir string) ApplyOptions {
	return ApplyOptions{
		Config: cfg, BackupRoot: dir,
		StreamWaitMinDelay: 10 * time.Millisecond, StreamWaitMaxDelay: 50 * time.Millisecond,
		WaitMinDelay: 10 * time.Millisecond, WaitMaxDelay: 50 * time.Millisecond,
	}
}

// getConfig returns a distribution's config and ETag.
func getConfig(t testing.TB, cf *cloudfront.Client, id string) (*cftypes.DistributionConfig, string) {
	t.Helper()
	out, err := cf.GetDistributionConfig(context.Background(), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.DistributionConfig, aws.ToString(out.ETag)
}

// allLogging reports whether every behavior of c logs to arn.
func allLogging(c *cftypes.DistributionConfig, arn string) bool {
	for _, b := range configBehaviors(c) {
		if aws.ToString(*behaviorARN(c, b)) != arn {
			return false
		}
	}
	return true
}

// resourceCounts counts the streams, roles and real-time log configs of the account.
func resourceCounts(t testing.TB, cfg aws.Config) (streams, roles, configs int) {
	t.Helper()
	ctx := context.Background()
	ks, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cloudfront.NewFromConfig(cfg).ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{})
	if err != nil {
		t.Fatal(err)
	}
	return len(ks.StreamNames), len(rs.Roles), len(cs.RealtimeLogConfigs.Items)
}

// changesOf returns the changes of p about resources of type typ.
func changesOf(p *fixplan.Plan, typ string) []fixplan.Change {
	var out []fixplan.Change
	for _, c := range p.Changes {
		if c.Resource.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// resultOf returns the report's result for distribution id.
func resultOf(t testing.TB, rep *Result, id string) DistributionResult {
	t.Helper()
	for _, d := range rep.Distributions {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no result for distribution %s", id)
	return DistributionResult{}
}

// seedExistingConfigs creates real-time log configs with the given names,
// delivering to a stream and role that need not exist.
func seedExistingConfigs(t testing.TB, cfg aws.Config, names []string) {
	t.Helper()
	cf := cloudfront.NewFromConfig(cfg)
	for _, name := range names {
		_, err := cf.CreateRealtimeLogConfig(context.Background(), &cloudfront.CreateRealtimeLogConfigInput{
			Name: aws.String(name), SamplingRate: aws.Int64(100), Fields: []string{"timestamp"},
			EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
				StreamARN: aws.String("arn:aws:kinesis:us-east-1:111122223333:stream/" + name),
				RoleARN:   aws.String("arn:aws:iam::111122223333:role/" + name),
			}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
