package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

func iamTagStrings(tags []types.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return out
}

func TestIAMRoleTags(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("tagged"), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("cdn")}, {Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("cost"), Value: aws.String("")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("tagged"), TagKeys: []string{"cost", "absent"}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := iamTagStrings(list.Tags), []string{"env=prod", "team=cdn"}; !cmp.Equal(got, want) {
		t.Errorf("ListRoleTags %v, want %v (sorted by key)", got, want)
	}
	page, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged"), MaxItems: aws.Int32(1)})
	if err != nil || !page.IsTruncated || len(page.Tags) != 1 {
		t.Fatalf("first page: %v %+v", err, page)
	}
	page, err = c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged"), Marker: page.Marker})
	if err != nil || page.IsTruncated || !cmp.Equal(iamTagStrings(page.Tags), []string{"team=cdn"}) {
		t.Fatalf("second page: %v %+v", err, page)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Role.Tags); n != 2 {
		t.Errorf("GetRole carries %d tags, want 2", n)
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []types.Tag{{Key: aws.String("bad<key>"), Value: aws.String("v")}}})
	emutest.WantCode(t, err, "ValidationError")
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("missing"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	emutest.WantCode(t, err, "NoSuchEntity")
	var many []types.Tag
	for _, k := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		many = append(many, types.Tag{Key: aws.String(string(k)), Value: aws.String("v")})
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: many[:49]})
	emutest.WantCode(t, err, "LimitExceeded")
}

func TestIAMUpdateRole(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "r")
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), Description: aws.String("logs"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Role.Description) != "logs" || aws.ToInt32(got.Role.MaxSessionDuration) != 7200 {
		t.Errorf("after UpdateRole: %q, %d", aws.ToString(got.Role.Description), aws.ToInt32(got.Role.MaxSessionDuration))
	}
	desc, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("r"), Description: aws.String("other")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Role.Description) != "other" || aws.ToString(desc.Role.RoleName) != "r" {
		t.Errorf("UpdateRoleDescription returned %+v", desc.Role)
	}
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(60)})
	emutest.WantCode(t, err, "ValidationError")
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("nope")})
	emutest.WantCode(t, err, "NoSuchEntity")

	profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("r")})
	if err != nil || len(profiles.InstanceProfiles) != 0 || profiles.IsTruncated {
		t.Errorf("ListInstanceProfilesForRole: %v %+v", err, profiles)
	}
	_, err = c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("nope")})
	emutest.WantCode(t, err, "NoSuchEntity")
}

// TestIAMPolicyVersionsAndTags follows what the Terraform provider does to
// update and delete a managed policy: create versions, list them, delete
// the ones that are not the default, then delete the policy.
func TestIAMPolicyVersionsAndTags(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	created, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName: aws.String("put"), PolicyDocument: aws.String(emutest.RolePolicy),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.Policy.Arn
	for range 2 {
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(emutest.RolePolicy)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	versions, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range versions.Versions {
		s := aws.ToString(v.VersionId)
		if v.IsDefaultVersion {
			s += "*"
		}
		got = append(got, s)
	}
	if want := []string{"v3", "v2*", "v1"}; !cmp.Equal(got, want) {
		t.Errorf("ListPolicyVersions %v, want %v", got, want)
	}
	page, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn, MaxItems: aws.Int32(2)})
	if err != nil || !page.IsTruncated || len(page.Versions) != 2 {
		t.Fatalf("first page: %v %+v", err, page)
	}
	page, err = c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn, Marker: page.Marker})
	if err != nil || len(page.Versions) != 1 || aws.ToString(page.Versions[0].VersionId) != "v1" {
		t.Fatalf("second page: %v %+v", err, page)
	}
	_, err = c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")})
	emutest.WantCode(t, err, "NoSuchEntity")
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	emutest.WantCode(t, err, "DeleteConflict")

	if _, err := c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn})
	if err != nil || !cmp.Equal(iamTagStrings(tags.Tags), []string{"env=prod"}) {
		t.Errorf("ListPolicyTags: %v %v", err, iamTagStrings(tags.Tags))
	}
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	emutest.WantCode(t, err, "AccessDenied")

	for _, v := range versions.Versions {
		if !v.IsDefaultVersion {
			if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: v.VersionId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
}
