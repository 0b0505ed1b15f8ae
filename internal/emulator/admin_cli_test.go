package emulator_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// TestAdminOperationsCLI drives the operations the Terraform AWS provider
// added to the emulator (retention, tags, capacity mode, limits, managed
// cache policies, origin access controls, role tags, instance profiles,
// policy versions) with the AWS CLI v2, a client the emulator was not
// written against.
func TestAdminOperationsCLI(t *testing.T) {
	emutest.AWSCLI(t)
	s, _ := emutest.StartNoRetry(t, emulator.Options{})
	url := s.URL()

	t.Run("kinesis", func(t *testing.T) {
		t.Parallel()
		emutest.RunCLI(t, url, false, "kinesis", "create-stream", "--stream-name", "admin", "--shard-count", "1")
		emutest.RunCLI(t, url, false, "kinesis", "increase-stream-retention-period", "--stream-name", "admin", "--retention-period-hours", "72")
		emutest.RunCLI(t, url, false, "kinesis", "add-tags-to-stream", "--stream-name", "admin", "--tags", "team=edge,env=prod")
		var tags struct {
			Tags        []map[string]string
			HasMoreTags bool
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "list-tags-for-stream", "--stream-name", "admin"), &tags)
		if want := []map[string]string{{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "edge"}}; !cmp.Equal(tags.Tags, want) || tags.HasMoreTags {
			t.Errorf("list-tags-for-stream: %+v", tags)
		}
		var sum struct{ StreamDescriptionSummary map[string]any }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "describe-stream-summary", "--stream-name", "admin"), &sum)
		if got := sum.StreamDescriptionSummary["RetentionPeriodHours"]; got != 72.0 {
			t.Errorf("RetentionPeriodHours %v, want 72", got)
		}
		kinWantCLIError(t, emutest.RunCLI(t, url, true, "kinesis", "decrease-stream-retention-period", "--stream-name", "admin", "--retention-period-hours", "96"), "InvalidArgumentException")
		var limits map[string]float64
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "describe-limits"), &limits)
		if limits["ShardLimit"] != 500 || limits["OpenShardCount"] != 1 {
			t.Errorf("describe-limits: %v", limits)
		}
		var resharded map[string]any
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "kinesis", "update-shard-count", "--stream-name", "admin", "--target-shard-count", "2", "--scaling-type", "UNIFORM_SCALING"), &resharded)
		if resharded["CurrentShardCount"] != 1.0 || resharded["TargetShardCount"] != 2.0 {
			t.Errorf("update-shard-count: %v", resharded)
		}
	})

	t.Run("cloudfront", func(t *testing.T) {
		t.Parallel()
		var list struct {
			CachePolicyList struct {
				Items []struct {
					CachePolicy struct {
						Id                string
						CachePolicyConfig struct{ Name string }
					}
				}
			}
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "cloudfront", "list-cache-policies", "--type", "managed"), &list)
		ids := map[string]string{}
		for _, it := range list.CachePolicyList.Items {
			ids[it.CachePolicy.CachePolicyConfig.Name] = it.CachePolicy.Id
		}
		if ids["Managed-CachingOptimized"] != "658327ea-f89d-4fab-a63d-7e88639e58f6" || len(ids) != 7 {
			t.Errorf("list-cache-policies: %v", ids)
		}
		var oac struct{ OriginAccessControl struct{ Id string } }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "cloudfront", "create-origin-access-control", "--origin-access-control-config",
			"Name=assets,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3"), &oac)
		var got struct {
			OriginAccessControl struct{ OriginAccessControlConfig map[string]string }
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "cloudfront", "get-origin-access-control", "--id", oac.OriginAccessControl.Id), &got)
		if c := got.OriginAccessControl.OriginAccessControlConfig; c["Name"] != "assets" || c["SigningBehavior"] != "always" {
			t.Errorf("get-origin-access-control: %v", c)
		}
		kinWantCLIError(t, emutest.RunCLI(t, url, true, "cloudfront", "get-cache-policy", "--id", "nope"), "NoSuchCachePolicy")
	})

	t.Run("iam", func(t *testing.T) {
		t.Parallel()
		emutest.RunCLI(t, url, false, "iam", "create-role", "--role-name", "admin-cli", "--assume-role-policy-document", emutest.TrustPolicy)
		emutest.RunCLI(t, url, false, "iam", "tag-role", "--role-name", "admin-cli", "--tags", "Key=team,Value=edge")
		var tags struct{ Tags []map[string]string }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "list-role-tags", "--role-name", "admin-cli"), &tags)
		if want := []map[string]string{{"Key": "team", "Value": "edge"}}; !cmp.Equal(tags.Tags, want) {
			t.Errorf("list-role-tags: %+v", tags)
		}
		var profiles struct{ InstanceProfiles []any }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "list-instance-profiles-for-role", "--role-name", "admin-cli"), &profiles)
		if profiles.InstanceProfiles == nil || len(profiles.InstanceProfiles) != 0 {
			t.Errorf("list-instance-profiles-for-role: %+v", profiles)
		}
		var pol struct{ Policy struct{ Arn string } }
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "create-policy", "--policy-name", "admin-cli", "--policy-document", emutest.RolePolicy), &pol)
		var versions struct {
			Versions []struct {
				VersionId        string
				IsDefaultVersion bool
			}
		}
		kinCLIJSON(t, emutest.RunCLI(t, url, false, "iam", "list-policy-versions", "--policy-arn", pol.Policy.Arn), &versions)
		if len(versions.Versions) != 1 || versions.Versions[0].VersionId != "v1" || !versions.Versions[0].IsDefaultVersion {
			t.Errorf("list-policy-versions: %+v", versions)
		}
	})
}
