package emulator_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// kinCLIJSON decodes the CLI's JSON output.
func kinCLIJSON(t testing.TB, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, out)
	}
}

// kinWantCLIError fails unless the CLI's output names the AWS error code.
func kinWantCLIError(t testing.TB, out, code string) {
	t.Helper()
	if !strings.Contains(out, "("+code+")") {
		t.Errorf("CLI output lacks (%s):\n%s", code, out)
	}
}

// cliUserIDRe is the form of the emulator user's ID: AIDA and 17 characters.
var cliUserIDRe = regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`)

// TestKinesisIAMCLI drives the emulator with the AWS CLI v2. The three
// services run in parallel and make few calls, since each costs about a
// second of CPU.
func TestKinesisIAMCLI(t *testing.T) {
	emutest.AWSCLI(t)
	s, cfg := emutest.StartNoRetry(t, emulator.Options{})
	url := s.URL()

	t.Run("kinesis", func(t *testing.T) {
		t.Parallel()
		emutest.RunCLI(t, url, false, "kinesis", "create-stream", "--stream-name", "cli-logs", "--shard-count", "2")

		var sum struct{ StreamDescriptionSummary map[string]any }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "describe-stream-summary", "--stream-name", "cli-logs"), &sum)
		got := sum.StreamDescriptionSummary
		for key, want := range map[string]any{
			"StreamName":           "cli-logs",
			"StreamARN":            "arn:aws:kinesis:us-east-1:111122223333:stream/cli-logs",
			"StreamStatus":         "ACTIVE",
			"StreamModeDetails":    map[string]any{"StreamMode": "PROVISIONED"},
			"RetentionPeriodHours": 24.0,
			"EncryptionType":       "NONE",
			"OpenShardCount":       2.0,
			"EnhancedMonitoring":   []any{map[string]any{"ShardLevelMetrics": []any{}}},
		} {
			if diff := cmp.Diff(want, got[key]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", key, diff)
			}
		}
		if ts, _ := got["StreamCreationTimestamp"].(string); !strings.HasPrefix(ts, "20") {
			t.Errorf("StreamCreationTimestamp %v", got["StreamCreationTimestamp"])
		}

		arn := strings.TrimSpace(emutest.RunCLI(t, url, false, "kinesis", "describe-stream", "--stream-name", "cli-logs", "--query", "StreamDescription.StreamARN"))
		if arn != `"arn:aws:kinesis:us-east-1:111122223333:stream/cli-logs"` {
			t.Errorf("describe-stream --query: %s", arn)
		}

		var list struct{ StreamNames []string }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "list-streams"), &list)
		if diff := cmp.Diff([]string{"cli-logs"}, list.StreamNames); diff != "" {
			t.Errorf("list-streams (-want +got):\n%s", diff)
		}

		var put struct{ ShardId, SequenceNumber string }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "put-record", "--stream-name", "cli-logs", "--partition-key", "edge-1", "--data", "aGVsbG8gZnJvbSB0aGUgQ0xJ"), &put)
		if !strings.HasPrefix(put.ShardId, "shardId-") || put.SequenceNumber == "" {
			t.Fatalf("put-record: %+v", put)
		}
		recs := emutest.ReadShard(t, kinesis.NewFromConfig(cfg), "cli-logs", put.ShardId)
		if len(recs) != 1 || string(recs[0].Data) != "hello from the CLI" || aws.ToString(recs[0].SequenceNumber) != put.SequenceNumber {
			t.Errorf("records after put-record: %+v", recs)
		}

		out := emutest.RunCLI(t, url, true, "kinesis", "describe-stream-summary", "--stream-name", "missing")
		kinWantCLIError(t, out, "ResourceNotFoundException")
	})

	t.Run("iam", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		trustFile := filepath.Join(dir, "trust.json")
		if err := os.WriteFile(trustFile, []byte(emutest.TrustPolicy), 0o600); err != nil {
			t.Fatal(err)
		}
		var trust map[string]any
		kinCLIJSON(t, emutest.TrustPolicy, &trust)

		var created struct{ Role map[string]any }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", "file://"+trustFile), &created)
		if created.Role["Arn"] != "arn:aws:iam::111122223333:role/cli-role" {
			t.Errorf("create-role Arn %v", created.Role["Arn"])
		}
		// The CLI decodes URL-encoded documents into JSON objects.
		if diff := cmp.Diff(trust, created.Role["AssumeRolePolicyDocument"]); diff != "" {
			t.Errorf("create-role AssumeRolePolicyDocument (-want +got):\n%s", diff)
		}

		emutest.RunCLI(t, url, false, "iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "kinesis-write", "--policy-document", emutest.RolePolicy)
		var pol struct {
			RoleName, PolicyName string
			PolicyDocument       any
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "get-role-policy", "--role-name", "cli-role", "--policy-name", "kinesis-write"), &pol)
		var wantDoc map[string]any
		kinCLIJSON(t, emutest.RolePolicy, &wantDoc)
		if diff := cmp.Diff(wantDoc, pol.PolicyDocument); diff != "" || pol.RoleName != "cli-role" || pol.PolicyName != "kinesis-write" {
			t.Errorf("get-role-policy %s %s, document (-want +got):\n%s", pol.RoleName, pol.PolicyName, diff)
		}

		emutest.RunCLI(t, url, false, "iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", "arn:aws:iam::aws:policy/AmazonKinesisFullAccess")
		var attached struct {
			AttachedPolicies []struct{ PolicyName, PolicyArn string }
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "list-attached-role-policies", "--role-name", "cli-role"), &attached)
		if len(attached.AttachedPolicies) != 1 || attached.AttachedPolicies[0].PolicyArn != "arn:aws:iam::aws:policy/AmazonKinesisFullAccess" || attached.AttachedPolicies[0].PolicyName != "AmazonKinesisFullAccess" {
			t.Errorf("list-attached-role-policies: %+v", attached)
		}

		out := emutest.RunCLI(t, url, true, "iam", "get-role", "--role-name", "missing")
		kinWantCLIError(t, out, "NoSuchEntity")
	})

	t.Run("sts", func(t *testing.T) {
		t.Parallel()
		var id struct{ UserId, Account, Arn string }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "sts", "get-caller-identity"), &id)
		if id.Account != "111122223333" || id.Arn != "arn:aws:iam::111122223333:user/emulator" || !cliUserIDRe.MatchString(id.UserId) {
			t.Errorf("get-caller-identity: %+v", id)
		}
	})
}
