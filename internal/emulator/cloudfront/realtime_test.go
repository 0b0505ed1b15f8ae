package cloudfront_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/realtimelog"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

func TestRealtimeLogConfigLifecycle(t *testing.T) {
	ctx := context.Background()
	s, c := newCloudFrontClient(t, emulator.Options{})

	arn := createRealtimeLogConfig(t, c, "main", "sc-status", "cmcd-version", "s-ip", "timestamp", "c-ip", "timestamp")
	if want := "arn:aws:cloudfront::" + s.AccountID() + ":realtime-log-config/main"; arn != want {
		t.Errorf("ARN = %q, want %q", arn, want)
	}
	_, err := c.CreateRealtimeLogConfig(ctx, &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String("main"), SamplingRate: aws.Int64(1), Fields: []string{"timestamp"},
		EndPoints: []types.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &types.KinesisStreamConfig{
			RoleARN: aws.String(cfTestRoleARN), StreamARN: aws.String(cfTestStreamARN)}}},
	})
	var exists *types.RealtimeLogConfigAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate name: want RealtimeLogConfigAlreadyExists, got %v", err)
	}

	want := &types.RealtimeLogConfig{
		ARN: aws.String(arn), Name: aws.String("main"), SamplingRate: aws.Int64(100),
		Fields: []string{"timestamp", "c-ip", "s-ip", "sc-status", "cmcd-version"}, // CloudFront's order, once each
		EndPoints: []types.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &types.KinesisStreamConfig{
			RoleARN: aws.String(cfTestRoleARN), StreamARN: aws.String(cfTestStreamARN)}}},
	}
	for _, in := range []*cloudfront.GetRealtimeLogConfigInput{{Name: aws.String("main")}, {ARN: aws.String(arn)}} {
		got, err := c.GetRealtimeLogConfig(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got.RealtimeLogConfig, cfCmpSDK); diff != "" {
			t.Errorf("GetRealtimeLogConfig (-want +got):\n%s", diff)
		}
	}
	_, err = c.GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("nope")})
	var nsr *types.NoSuchRealtimeLogConfig
	if !errors.As(err, &nsr) {
		t.Fatalf("get missing: want NoSuchRealtimeLogConfig, got %v", err)
	}
	_, err = c.GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{})
	cfWantAPIError(t, err, "InvalidArgument")

	// Update by ARN replaces sampling rate, fields and endpoints.
	stream2 := "arn:aws:kinesis:eu-west-1:111122223333:stream/other"
	up, err := c.UpdateRealtimeLogConfig(ctx, &cloudfront.UpdateRealtimeLogConfigInput{
		ARN: aws.String(arn), SamplingRate: aws.Int64(5), Fields: []string{"cs-uri-stem", "timestamp"},
		EndPoints: []types.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &types.KinesisStreamConfig{
			RoleARN: aws.String(cfTestRoleARN), StreamARN: aws.String(stream2)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := up.RealtimeLogConfig
	if aws.ToInt64(r.SamplingRate) != 5 || !cmp.Equal(r.Fields, []string{"timestamp", "cs-uri-stem"}) ||
		aws.ToString(r.EndPoints[0].KinesisStreamConfig.StreamARN) != stream2 || aws.ToString(r.Name) != "main" {
		t.Errorf("updated config = %+v", r)
	}
	_, err = c.UpdateRealtimeLogConfig(ctx, &cloudfront.UpdateRealtimeLogConfigInput{Name: aws.String("nope"), SamplingRate: aws.Int64(5)})
	cfWantAPIError(t, err, "NoSuchRealtimeLogConfig")

	// In use while a behavior references it.
	d := createDistribution(t, c, emutest.DistributionConfig("d", "", arn))
	_, err = c.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{Name: aws.String("main")})
	var inUse *types.RealtimeLogConfigInUse
	if !errors.As(err, &inUse) {
		t.Fatalf("delete in use: want RealtimeLogConfigInUse, got %v", err)
	}
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{
		Id: d.Distribution.Id, IfMatch: d.ETag, DistributionConfig: emutest.DistributionConfig("d", "", ""),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{ARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRealtimeLogConfig(ctx, &cloudfront.DeleteRealtimeLogConfigInput{Name: aws.String("main")})
	cfWantAPIError(t, err, "NoSuchRealtimeLogConfig")
}

func TestRealtimeLogConfigValidation(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ep := func(streamType, role, stream string) []types.EndPoint {
		return []types.EndPoint{{StreamType: aws.String(streamType), KinesisStreamConfig: &types.KinesisStreamConfig{
			RoleARN: aws.String(role), StreamARN: aws.String(stream)}}}
	}
	good := ep("Kinesis", cfTestRoleARN, cfTestStreamARN)
	tests := []struct {
		name      string
		rate      int64
		fields    []string
		endpoints []types.EndPoint
		cfName    string
	}{
		{"sampling rate 0", 0, []string{"timestamp"}, good, "n"},
		{"sampling rate 101", 101, []string{"timestamp"}, good, "n"},
		{"unknown field", 10, []string{"timestamp", "c-ipp"}, good, "n"},
		{"no fields", 10, []string{}, good, "n"},
		{"no endpoints", 10, []string{"timestamp"}, []types.EndPoint{}, "n"},
		{"not kinesis", 10, []string{"timestamp"}, ep("Firehose", cfTestRoleARN, cfTestStreamARN), "n"},
		{"no kinesis config", 10, []string{"timestamp"}, []types.EndPoint{{StreamType: aws.String("Kinesis")}}, "n"},
		{"role is not a role", 10, []string{"timestamp"}, ep("Kinesis", "arn:aws:iam::111122223333:user/bob", cfTestStreamARN), "n"},
		{"stream is not a stream", 10, []string{"timestamp"}, ep("Kinesis", cfTestRoleARN, "arn:aws:s3:::bucket"), "n"},
		{"bad name", 10, []string{"timestamp"}, good, "no spaces please"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateRealtimeLogConfig(context.Background(), &cloudfront.CreateRealtimeLogConfigInput{
				Name: aws.String(tt.cfName), SamplingRate: aws.Int64(tt.rate), Fields: tt.fields, EndPoints: tt.endpoints,
			})
			var ia *types.InvalidArgument
			if !errors.As(err, &ia) {
				t.Fatalf("want *types.InvalidArgument, got %v", err)
			}
		})
	}
	// Every field CloudFront knows is accepted and comes back in its order.
	arn := createRealtimeLogConfig(t, c, "all", realtimelog.Fields()...)
	got, err := c.GetRealtimeLogConfig(context.Background(), &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(realtimelog.Fields(), got.RealtimeLogConfig.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestRealtimeLogConfigRawRequests(t *testing.T) {
	s, _ := newCloudFrontClient(t, emulator.Options{})
	url := s.URL() + "/2020-05-31/realtime-log-config"
	create := `<CreateRealtimeLogConfigRequest xmlns="` + cloudFrontNS + `"><EndPoints><member><StreamType>Kinesis</StreamType>` +
		`<KinesisStreamConfig><RoleARN>` + cfTestRoleARN + `</RoleARN><StreamARN>` + cfTestStreamARN + `</StreamARN></KinesisStreamConfig>` +
		`</member></EndPoints><Fields><Field>timestamp</Field></Fields><Name>raw</Name><SamplingRate>%s</SamplingRate></CreateRealtimeLogConfigRequest>`
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"fractional rate", fmt.Sprintf(create, "1.5"), 400, "InvalidArgument"},
		{"wrong root", strings.ReplaceAll(fmt.Sprintf(create, "1"), "CreateRealtimeLogConfigRequest", "UpdateRealtimeLogConfigRequest"), 400, "MalformedXML"},
		{"ok", fmt.Sprintf(create, "1"), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := cfRawRequest(t, http.MethodPost, url, tt.body, nil)
			if status != tt.status || tt.code != "" && !strings.Contains(body, "<Code>"+tt.code+"</Code>") {
				t.Errorf("status %d, body %s; want %d %s", status, body, tt.status, tt.code)
			}
			if status == 201 && !strings.Contains(body, "<CreateRealtimeLogConfigResult xmlns=\""+cloudFrontNS+"\"><RealtimeLogConfig><ARN>") {
				t.Errorf("unexpected create response %s", body)
			}
		})
	}
}

func TestListRealtimeLogConfigs(t *testing.T) {
	ctx := context.Background()
	_, c := newCloudFrontClient(t, emulator.Options{})
	out, err := c.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if l := out.RealtimeLogConfigs; len(l.Items) != 0 || aws.ToBool(l.IsTruncated) || l.Marker == nil {
		t.Errorf("empty list = %+v", l)
	}
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("cfg-%d", i)
		createRealtimeLogConfig(t, c, name)
		want = append(want, name)
	}
	var got []string
	marker := ""
	for pages := 0; ; pages++ {
		out, err := c.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{MaxItems: aws.Int32(2), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		l := out.RealtimeLogConfigs
		if aws.ToInt32(l.MaxItems) != 2 || aws.ToString(l.Marker) != marker {
			t.Errorf("page %d: MaxItems %d, Marker %q", pages, aws.ToInt32(l.MaxItems), aws.ToString(l.Marker))
		}
		for _, r := range l.Items {
			got = append(got, aws.ToString(r.Name))
			if len(r.Fields) == 0 || len(r.EndPoints) != 1 {
				t.Errorf("list item %+v lacks fields or endpoints", r)
			}
		}
		if !aws.ToBool(l.IsTruncated) {
			if l.NextMarker != nil || pages != 2 {
				t.Errorf("last page %d has NextMarker %v", pages, l.NextMarker)
			}
			break
		}
		marker = aws.ToString(l.NextMarker)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestListDistributionsByRealtimeLogConfig(t *testing.T) {
	ctx := context.Background()
	_, c := newCloudFrontClient(t, emulator.Options{})
	a := createRealtimeLogConfig(t, c, "a")
	b := createRealtimeLogConfig(t, c, "b")
	createRealtimeLogConfig(t, c, "unused")
	var wantA, wantB []string
	for i := range 7 {
		var cfg *types.DistributionConfig
		switch i % 3 {
		case 0:
			cfg = emutest.DistributionConfig(fmt.Sprint(i), a)
			wantA = append(wantA, "")
		case 1:
			cfg = emutest.DistributionConfig(fmt.Sprint(i), "", "", b, a)
			wantA = append(wantA, "")
			wantB = append(wantB, "")
		default:
			cfg = emutest.DistributionConfig(fmt.Sprint(i), "")
		}
		id := aws.ToString(createDistribution(t, c, cfg).Distribution.Id)
		if i%3 != 2 {
			wantA[len(wantA)-1] = id
		}
		if i%3 == 1 {
			wantB[len(wantB)-1] = id
		}
	}
	list := func(in *cloudfront.ListDistributionsByRealtimeLogConfigInput) []string {
		t.Helper()
		var ids []string
		for {
			out, err := c.ListDistributionsByRealtimeLogConfig(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range out.DistributionList.Items {
				ids = append(ids, aws.ToString(s.Id))
			}
			if !aws.ToBool(out.DistributionList.IsTruncated) {
				return ids
			}
			in.Marker = out.DistributionList.NextMarker
		}
	}
	if diff := cmp.Diff(wantA, list(&cloudfront.ListDistributionsByRealtimeLogConfigInput{RealtimeLogConfigName: aws.String("a"), MaxItems: aws.Int32(2)})); diff != "" {
		t.Errorf("by name a (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantB, list(&cloudfront.ListDistributionsByRealtimeLogConfigInput{RealtimeLogConfigArn: aws.String(b)})); diff != "" {
		t.Errorf("by ARN b (-want +got):\n%s", diff)
	}
	if got := list(&cloudfront.ListDistributionsByRealtimeLogConfigInput{RealtimeLogConfigName: aws.String("unused")}); len(got) != 0 {
		t.Errorf("unused config lists %v", got)
	}
	_, err := c.ListDistributionsByRealtimeLogConfig(ctx, &cloudfront.ListDistributionsByRealtimeLogConfigInput{})
	cfWantAPIError(t, err, "InvalidArgument")
}
