package cloudfront_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

const (
	cfTestRoleARN   = "arn:aws:iam::111122223333:role/cloudfront-realtime"
	cfTestStreamARN = "arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs"
)

func newCloudFrontClient(t testing.TB, opts emulator.Options) (*emulator.Server, *cloudfront.Client) {
	t.Helper()
	s, cfg := emutest.Start(t, opts)
	return s, cloudfront.NewFromConfig(cfg)
}

func createDistribution(t testing.TB, c *cloudfront.Client, cfg *types.DistributionConfig) *cloudfront.CreateDistributionOutput {
	t.Helper()
	out, err := c.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return out
}

func createRealtimeLogConfig(t testing.TB, c *cloudfront.Client, name string, fields ...string) string {
	t.Helper()
	if len(fields) == 0 {
		fields = []string{"timestamp", "c-ip", "sc-status"}
	}
	out, err := c.CreateRealtimeLogConfig(context.Background(), &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String(name), SamplingRate: aws.Int64(100), Fields: fields,
		EndPoints: []types.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &types.KinesisStreamConfig{
			RoleARN: aws.String(cfTestRoleARN), StreamARN: aws.String(cfTestStreamARN),
		}}},
	})
	if err != nil {
		t.Fatalf("CreateRealtimeLogConfig %s: %v", name, err)
	}
	return aws.ToString(out.RealtimeLogConfig.ARN)
}

// cfWantAPIError fails unless err is an API error with the given code.
func cfWantAPIError(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%s)", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

var (
	cfDistIDRe = regexp.MustCompile(`^E[A-Z0-9]{13}$`)
	cfETagRe   = regexp.MustCompile(`^[A-Z0-9]{13,14}$`)
	cfDomainRe = regexp.MustCompile(`^[a-z0-9]+\.cloudfront\.net$`)
)

func TestCloudFrontDistributionLifecycle(t *testing.T) {
	ctx := context.Background()
	s, c := newCloudFrontClient(t, emulator.Options{})

	created := createDistribution(t, c, emutest.DistributionConfig("ref-1", ""))
	d := created.Distribution
	id := aws.ToString(d.Id)
	if !cfDistIDRe.MatchString(id) {
		t.Errorf("ID %q does not look like a CloudFront ID", id)
	}
	if !cfETagRe.MatchString(aws.ToString(created.ETag)) {
		t.Errorf("ETag %q does not look like a CloudFront ETag", aws.ToString(created.ETag))
	}
	if want := "https://cloudfront.amazonaws.com/2020-05-31/distribution/" + id; aws.ToString(created.Location) != want {
		t.Errorf("Location = %q, want %q", aws.ToString(created.Location), want)
	}
	if want := "arn:aws:cloudfront::" + s.AccountID() + ":distribution/" + id; aws.ToString(d.ARN) != want {
		t.Errorf("ARN = %q, want %q", aws.ToString(d.ARN), want)
	}
	if !cfDomainRe.MatchString(aws.ToString(d.DomainName)) {
		t.Errorf("DomainName = %q", aws.ToString(d.DomainName))
	}
	if aws.ToString(d.Status) != "Deployed" || d.LastModifiedTime == nil || d.InProgressInvalidationBatches == nil {
		t.Errorf("Status %q, LastModifiedTime %v, InProgressInvalidationBatches %v", aws.ToString(d.Status), d.LastModifiedTime, d.InProgressInvalidationBatches)
	}

	got, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ETag) != aws.ToString(created.ETag) || aws.ToString(got.Distribution.DomainName) != aws.ToString(d.DomainName) {
		t.Errorf("GetDistribution = %+v, ETag %s", got.Distribution, aws.ToString(got.ETag))
	}

	gc, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	etag1 := aws.ToString(gc.ETag)

	// Update replaces the whole config and changes the ETag.
	newCfg := emutest.DistributionConfig("ref-1", "")
	newCfg.Enabled = aws.Bool(false)
	newCfg.Comment = aws.String("disabled")
	up, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag1), DistributionConfig: newCfg})
	if err != nil {
		t.Fatal(err)
	}
	etag2 := aws.ToString(up.ETag)
	if etag2 == etag1 || !cfETagRe.MatchString(etag2) {
		t.Errorf("update ETag %q (was %q)", etag2, etag1)
	}
	if aws.ToString(up.Distribution.DistributionConfig.Comment) != "disabled" {
		t.Errorf("updated comment = %q", aws.ToString(up.Distribution.DistributionConfig.Comment))
	}

	// Stale and missing If-Match.
	_, err = c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag1), DistributionConfig: newCfg})
	var pf *types.PreconditionFailed
	if !errors.As(err, &pf) {
		t.Fatalf("stale If-Match: want *types.PreconditionFailed, got %v", err)
	}
	_, err = c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), DistributionConfig: newCfg})
	var iim *types.InvalidIfMatchVersion
	if !errors.As(err, &iim) {
		t.Fatalf("missing If-Match: want *types.InvalidIfMatchVersion, got %v", err)
	}
	_, err = c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id)})
	cfWantAPIError(t, err, "InvalidIfMatchVersion")
	_, err = c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag1)})
	cfWantAPIError(t, err, "PreconditionFailed")

	// CallerReference cannot change.
	_, err = c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag2), DistributionConfig: emutest.DistributionConfig("other", "")})
	cfWantAPIError(t, err, "IllegalUpdate")

	// An enabled distribution cannot be deleted.
	other := createDistribution(t, c, emutest.DistributionConfig("ref-2", ""))
	_, err = c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: other.Distribution.Id, IfMatch: other.ETag})
	var nd *types.DistributionNotDisabled
	if !errors.As(err, &nd) {
		t.Fatalf("delete enabled: want DistributionNotDisabled, got %v", err)
	}

	if _, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag2)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	var nsd *types.NoSuchDistribution
	if !errors.As(err, &nsd) {
		t.Fatalf("after delete: want *types.NoSuchDistribution, got %v", err)
	}
	_, err = c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag2), DistributionConfig: newCfg})
	cfWantAPIError(t, err, "NoSuchDistribution")
	_, err = c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String("ENOSUCHDIST123")})
	cfWantAPIError(t, err, "NoSuchDistribution")

	// Duplicate caller reference.
	_, err = c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: emutest.DistributionConfig("ref-2", "")})
	var dae *types.DistributionAlreadyExists
	if !errors.As(err, &dae) {
		t.Fatalf("duplicate CallerReference: want DistributionAlreadyExists, got %v", err)
	}
}

func TestCloudFrontDeployDelay(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	_, c := newCloudFrontClient(t, emulator.Options{DeployDelay: 5 * time.Minute, Now: clock})

	cfg := emutest.DistributionConfig("ref", "")
	cfg.Enabled = aws.Bool(false)
	out := createDistribution(t, c, cfg)
	if got := aws.ToString(out.Distribution.Status); got != "InProgress" {
		t.Fatalf("status after create = %s, want InProgress", got)
	}
	if !out.Distribution.LastModifiedTime.Equal(now) {
		t.Errorf("LastModifiedTime = %v, want %v", out.Distribution.LastModifiedTime, now)
	}
	_, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: out.Distribution.Id, IfMatch: out.ETag})
	cfWantAPIError(t, err, "DistributionNotDisabled")

	advance(5 * time.Minute)
	got, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: out.Distribution.Id})
	if err != nil {
		t.Fatal(err)
	}
	if s := aws.ToString(got.Distribution.Status); s != "Deployed" {
		t.Fatalf("status after delay = %s, want Deployed", s)
	}
	up, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: out.Distribution.Id, IfMatch: got.ETag, DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if s := aws.ToString(up.Distribution.Status); s != "InProgress" {
		t.Fatalf("status after update = %s, want InProgress", s)
	}
	list, err := c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if s := aws.ToString(list.DistributionList.Items[0].Status); s != "InProgress" {
		t.Fatalf("summary status = %s, want InProgress", s)
	}
	advance(5 * time.Minute)
	if _, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: out.Distribution.Id, IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
}

func TestCloudFrontListPagination(t *testing.T) {
	ctx := context.Background()
	_, c := newCloudFrontClient(t, emulator.Options{})
	var ids []string
	for i := range 250 {
		ids = append(ids, aws.ToString(createDistribution(t, c, emutest.DistributionConfig(fmt.Sprint("ref-", i), "")).Distribution.Id))
	}

	p := cloudfront.NewListDistributionsPaginator(c, &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(100)})
	var got []string
	var sizes []int
	marker := ""
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		l := page.DistributionList
		if aws.ToString(l.Marker) != marker {
			t.Errorf("page %d: Marker = %q, want %q", len(sizes), aws.ToString(l.Marker), marker)
		}
		if int(aws.ToInt32(l.Quantity)) != len(l.Items) || aws.ToInt32(l.MaxItems) != 100 {
			t.Errorf("page %d: Quantity %d, %d items, MaxItems %d", len(sizes), aws.ToInt32(l.Quantity), len(l.Items), aws.ToInt32(l.MaxItems))
		}
		if aws.ToBool(l.IsTruncated) != (l.NextMarker != nil) {
			t.Errorf("page %d: IsTruncated %v but NextMarker %v", len(sizes), aws.ToBool(l.IsTruncated), l.NextMarker)
		}
		sizes = append(sizes, len(l.Items))
		for _, s := range l.Items {
			got = append(got, aws.ToString(s.Id))
		}
		marker = aws.ToString(l.NextMarker)
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("IDs not in creation order (-want +got):\n%s", diff)
	}

	// Default and maximum page size is 100.
	for _, max := range []*int32{nil, aws.Int32(1000)} {
		out, err := c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{MaxItems: max})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.DistributionList.Items) != 100 || aws.ToString(out.DistributionList.NextMarker) != ids[99] {
			t.Errorf("MaxItems %v: %d items, NextMarker %q", max, len(out.DistributionList.Items), aws.ToString(out.DistributionList.NextMarker))
		}
	}
	// A marker stays valid after its distribution is deleted.
	cfg := emutest.DistributionConfig("ref-99", "")
	cfg.Enabled = aws.Bool(false)
	gc, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(ids[99])})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(ids[99]), IfMatch: gc.ETag, DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(ids[99]), IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{Marker: aws.String(ids[99]), MaxItems: aws.Int32(200)})
	if err != nil {
		t.Fatal(err)
	}
	l := out.DistributionList
	if len(l.Items) != 100 || aws.ToString(l.Items[0].Id) != ids[100] || aws.ToString(l.NextMarker) != ids[199] {
		t.Errorf("after deleted marker: %d items, first %s, NextMarker %s", len(l.Items), aws.ToString(l.Items[0].Id), aws.ToString(l.NextMarker))
	}
	_, err = c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{Marker: aws.String("EBOGUSMARKER00")})
	cfWantAPIError(t, err, "InvalidArgument")
}

func TestCloudFrontListEmpty(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	out, err := c.ListDistributions(context.Background(), &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	l := out.DistributionList
	if aws.ToInt32(l.Quantity) != 0 || len(l.Items) != 0 || aws.ToBool(l.IsTruncated) || l.Marker == nil || l.NextMarker != nil {
		t.Errorf("empty list = %+v", l)
	}
}

func TestCloudFrontConfigValidation(t *testing.T) {
	ctx := context.Background()
	s, c := newCloudFrontClient(t, emulator.Options{})
	arn := createRealtimeLogConfig(t, c, "logs")
	createDistribution(t, c, func() *types.DistributionConfig {
		cfg := emutest.DistributionConfig("taken", "")
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"taken.example.com"}}
		return cfg
	}())

	tests := []struct {
		name   string
		modify func(*types.DistributionConfig)
		code   string
		typed  any
	}{
		{"aliases quantity", func(d *types.DistributionConfig) {
			d.Aliases = &types.Aliases{Quantity: aws.Int32(2), Items: []string{"a.example.com"}}
		}, "InconsistentQuantities", new(*types.InconsistentQuantities)},
		{"origins quantity", func(d *types.DistributionConfig) { d.Origins.Quantity = aws.Int32(2) }, "InconsistentQuantities", nil},
		{"cache behaviors quantity", func(d *types.DistributionConfig) { d.CacheBehaviors.Quantity = aws.Int32(3) }, "InconsistentQuantities", nil},
		{"cache behaviors missing items", func(d *types.DistributionConfig) { d.CacheBehaviors.Items = nil }, "InconsistentQuantities", nil},
		{"custom error responses quantity", func(d *types.DistributionConfig) {
			d.CustomErrorResponses = &types.CustomErrorResponses{Quantity: aws.Int32(0), Items: []types.CustomErrorResponse{{ErrorCode: aws.Int32(404)}}}
		}, "InconsistentQuantities", nil},
		{"nested headers quantity", func(d *types.DistributionConfig) {
			d.DefaultCacheBehavior.CachePolicyId = nil
			d.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{QueryString: aws.Bool(false),
				Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone},
				Headers: &types.Headers{Quantity: aws.Int32(1)}}
		}, "InconsistentQuantities", nil},
		{"no origins", func(d *types.DistributionConfig) {
			d.Origins = &types.Origins{Quantity: aws.Int32(0), Items: []types.Origin{}}
		}, "InvalidArgument", nil},
		{"empty caller reference", func(d *types.DistributionConfig) { d.CallerReference = aws.String("") }, "InvalidArgument", nil},
		{"empty target origin", func(d *types.DistributionConfig) { d.DefaultCacheBehavior.TargetOriginId = aws.String("") }, "InvalidArgument", nil},
		{"no cache policy or forwarded values", func(d *types.DistributionConfig) { d.DefaultCacheBehavior.CachePolicyId = nil }, "InvalidArgument", nil},
		{"unknown target origin", func(d *types.DistributionConfig) { d.CacheBehaviors.Items[0].TargetOriginId = aws.String("nope") }, "NoSuchOrigin", nil},
		{"unknown realtime log config", func(d *types.DistributionConfig) {
			d.CacheBehaviors.Items[0].RealtimeLogConfigArn = aws.String("arn:aws:cloudfront::" + s.AccountID() + ":realtime-log-config/missing")
		}, "NoSuchRealtimeLogConfig", new(*types.NoSuchRealtimeLogConfig)},
		{"realtime log config of another account", func(d *types.DistributionConfig) {
			d.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String("arn:aws:cloudfront::999999999999:realtime-log-config/logs")
		}, "RealtimeLogConfigOwnerMismatch", new(*types.RealtimeLogConfigOwnerMismatch)},
		{"malformed realtime log config ARN", func(d *types.DistributionConfig) {
			d.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String("logs")
		}, "InvalidArgument", nil},
		{"alias in use", func(d *types.DistributionConfig) {
			d.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"TAKEN.example.com"}}
		}, "CNAMEAlreadyExists", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := emutest.DistributionConfig(fmt.Sprint("bad-", i), "", arn)
			tt.modify(cfg)
			_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			cfWantAPIError(t, err, tt.code)
			if tt.typed != nil && !errors.As(err, tt.typed) {
				t.Errorf("error %T is not %T", err, tt.typed)
			}
		})
	}

	// The same checks apply to updates, and an empty ARN means no logging.
	out := createDistribution(t, c, emutest.DistributionConfig("ok", "", ""))
	bad := emutest.DistributionConfig("ok", "arn:aws:cloudfront::"+s.AccountID()+":realtime-log-config/missing")
	_, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: out.Distribution.Id, IfMatch: out.ETag, DistributionConfig: bad})
	cfWantAPIError(t, err, "NoSuchRealtimeLogConfig")
}
