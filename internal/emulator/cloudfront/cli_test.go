package cloudfront_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// cfDecodeCLI decodes the JSON output of the AWS CLI into v.
func cfDecodeCLI(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decoding CLI output: %v\n%s", err, out)
	}
}

// cliRealtimeLogConfig creates a real-time log config with the CLI and
// returns its ARN.
func cliRealtimeLogConfig(t *testing.T, url, name string) string {
	t.Helper()
	endPoints := fmt.Sprintf(`[{"StreamType":"Kinesis","KinesisStreamConfig":{"RoleARN":%q,"StreamARN":%q}}]`, cfTestRoleARN, cfTestStreamARN)
	var created struct{ RealtimeLogConfig types.RealtimeLogConfig }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "create-realtime-log-config", "--name", name,
		"--sampling-rate", "10", "--fields", "sc-status", "timestamp", "--end-points", endPoints), &created)
	arn := aws.ToString(created.RealtimeLogConfig.ARN)
	if !strings.HasSuffix(arn, ":realtime-log-config/"+name) || !cmp.Equal(created.RealtimeLogConfig.Fields, []string{"timestamp", "sc-status"}) {
		t.Fatalf("created %+v", created.RealtimeLogConfig)
	}
	return arn
}

// TestCloudFrontCLI drives the emulator with the AWS CLI v2 the way an
// operator would. The CLI starts slowly, so the parts run in parallel.
func TestCloudFrontCLI(t *testing.T) {
	emutest.AWSCLI(t)
	t.Parallel()
	t.Run("list-distributions", testCLIListDistributions)
	t.Run("update-distribution", testCLIUpdateDistribution)
	t.Run("realtime-log-configs", testCLIRealtimeLogConfigs)
}

func testCLIListDistributions(t *testing.T) {
	t.Parallel()
	s, c := newCloudFrontClient(t, emulator.Options{})
	// More than one page of distributions; every seventh is disabled.
	var enabled []string
	for i := range 130 {
		cfg := emutest.DistributionConfig(fmt.Sprint("cli-", i), "")
		cfg.Enabled = aws.Bool(i%7 != 3)
		id := aws.ToString(createDistribution(t, c, cfg).Distribution.Id)
		if i%7 != 3 {
			enabled = append(enabled, id)
		}
	}
	before := s.Requests()
	var ids []string
	cfDecodeCLI(t, emutest.RunCLI(t, s.URL(), false, "cloudfront", "list-distributions", "--query", "DistributionList.Items[?(Enabled==`true`)].Id"), &ids)
	if diff := cmp.Diff(enabled, ids); diff != "" {
		t.Errorf("enabled distributions (-want +got):\n%s", diff)
	}
	if n := s.Requests() - before; n != 2 {
		t.Errorf("the CLI made %d requests to list 130 distributions, want 2 pages", n)
	}
}

func testCLIUpdateDistribution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := newCloudFrontClient(t, emulator.Options{})
	url := s.URL()
	arn := createRealtimeLogConfig(t, c, "logs")
	id := aws.ToString(createDistribution(t, c, emutest.DistributionConfig("cli", "", arn, "")).Distribution.Id)

	var arns []string
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "get-distribution-config", "--id", id,
		"--query", "DistributionConfig.CacheBehaviors.Items[*].RealtimeLogConfigArn"), &arns)
	if diff := cmp.Diff([]string{arn, ""}, arns); diff != "" {
		t.Errorf("behavior ARNs (-want +got):\n%s", diff)
	}

	// Read, modify, write back with the ETag.
	var current struct {
		ETag               string
		DistributionConfig map[string]any
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "get-distribution-config", "--id", id), &current)
	current.DistributionConfig["Comment"] = "updated by the CLI"
	current.DistributionConfig["DefaultCacheBehavior"].(map[string]any)["RealtimeLogConfigArn"] = arn
	b, err := json.Marshal(current.DistributionConfig)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var updated struct {
		ETag         string
		Distribution types.Distribution
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "update-distribution", "--id", id, "--if-match", current.ETag,
		"--distribution-config", "file://"+file), &updated)
	if updated.ETag == current.ETag || updated.ETag == "" || aws.ToString(updated.Distribution.Id) != id {
		t.Errorf("update: ETag %q (was %q), Id %q", updated.ETag, current.ETag, aws.ToString(updated.Distribution.Id))
	}
	got, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.DistributionConfig.Comment) != "updated by the CLI" || aws.ToString(got.DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn) != arn {
		t.Errorf("config after CLI update: %+v", got.DistributionConfig)
	}
	out := emutest.RunCLI(t, url, true, "cloudfront", "update-distribution", "--id", id, "--if-match", current.ETag,
		"--distribution-config", "file://"+file)
	if !strings.Contains(out, "PreconditionFailed") {
		t.Errorf("stale --if-match: %s", out)
	}
}

func testCLIRealtimeLogConfigs(t *testing.T) {
	t.Parallel()
	s, c := newCloudFrontClient(t, emulator.Options{})
	url := s.URL()
	arn := cliRealtimeLogConfig(t, url, "cli-logs")
	createDistribution(t, c, emutest.DistributionConfig("uses-logs", "", "", arn))
	spare := createRealtimeLogConfig(t, c, "spare")

	var listed struct{ RealtimeLogConfigs types.RealtimeLogConfigs }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "list-realtime-log-configs"), &listed)
	var names []string
	for _, l := range listed.RealtimeLogConfigs.Items {
		names = append(names, aws.ToString(l.Name))
	}
	if diff := cmp.Diff([]string{"cli-logs", "spare"}, names); diff != "" {
		t.Errorf("list-realtime-log-configs (-want +got):\n%s", diff)
	}

	out := emutest.RunCLI(t, url, true, "cloudfront", "delete-realtime-log-config", "--name", "cli-logs")
	if !strings.Contains(out, "RealtimeLogConfigInUse") {
		t.Errorf("deleting a config in use: %s", out)
	}
	emutest.RunCLI(t, url, false, "cloudfront", "delete-realtime-log-config", "--arn", spare)
	_, err := c.GetRealtimeLogConfig(context.Background(), &cloudfront.GetRealtimeLogConfigInput{Name: aws.String("spare")})
	cfWantAPIError(t, err, "NoSuchRealtimeLogConfig")
}
