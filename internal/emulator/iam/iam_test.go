package iam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// iamCmpSDK lets go-cmp compare SDK structs, which carry unexported fields.
var iamCmpSDK = cmp.Exporter(func(reflect.Type) bool { return true })

func iamTestClient(t testing.TB, opts emulator.Options) (*emulator.Server, *iam.Client) {
	t.Helper()
	s, cfg := emutest.StartNoRetry(t, opts)
	return s, iam.NewFromConfig(cfg)
}

// iamDecode undoes IAM's URL encoding of a policy document.
func iamDecode(t testing.TB, doc *string) string {
	t.Helper()
	s, err := url.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("document %q does not URL-decode: %v", aws.ToString(doc), err)
	}
	return s
}

func iamCreateRole(t testing.TB, c *iam.Client, name string) *types.Role {
	t.Helper()
	out, err := c.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return out.Role
}

var (
	iamRoleIDRe   = regexp.MustCompile(`^AROA[A-Z0-9]{17}$`)
	iamPolicyIDRe = regexp.MustCompile(`^ANPA[A-Z0-9]{17}$`)
)

func TestIAMRoleLifecycle(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := iamTestClient(t, emulator.Options{Now: clock.Now})

	created, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("CloudFrontRealtime"),
		Path:                     aws.String("/service-role/"),
		Description:              aws.String("delivers real-time logs"),
		AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy),
		Tags:                     []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	role := created.Role
	if !iamRoleIDRe.MatchString(aws.ToString(role.RoleId)) {
		t.Errorf("RoleId %s", aws.ToString(role.RoleId))
	}
	want := &types.Role{
		Path:                     aws.String("/service-role/"),
		RoleName:                 aws.String("CloudFrontRealtime"),
		RoleId:                   role.RoleId,
		Arn:                      aws.String("arn:aws:iam::111122223333:role/service-role/CloudFrontRealtime"),
		CreateDate:               aws.Time(clock.Now()),
		AssumeRolePolicyDocument: role.AssumeRolePolicyDocument,
		Description:              aws.String("delivers real-time logs"),
		Tags:                     []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}},
	}
	if diff := cmp.Diff(want, role, iamCmpSDK); diff != "" {
		t.Errorf("CreateRole (-want +got):\n%s", diff)
	}
	if got := iamDecode(t, role.AssumeRolePolicyDocument); got != emutest.TrustPolicy {
		t.Errorf("trust policy decodes to %q, want the document as given", got)
	}
	if aws.ToString(role.AssumeRolePolicyDocument) == emutest.TrustPolicy {
		t.Error("trust policy is not URL-encoded")
	}

	clock.Advance(time.Hour)
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("CloudFrontRealtime")})
	if err != nil {
		t.Fatal(err)
	}
	want.MaxSessionDuration = aws.Int32(3600)
	want.RoleLastUsed = &types.RoleLastUsed{}
	if diff := cmp.Diff(want, got.Role, iamCmpSDK); diff != "" {
		t.Errorf("GetRole (-want +got):\n%s", diff)
	}
	// Role names ignore case.
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("cloudfrontrealtime")}); err != nil {
		t.Errorf("GetRole in lower case: %v", err)
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("CLOUDFRONTREALTIME"), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)})
	emutest.WantErr[*types.EntityAlreadyExistsException](t, err)

	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("CloudFrontRealtime")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("CloudFrontRealtime")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("CloudFrontRealtime")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
}

func TestIAMCreateRoleErrors(t *testing.T) {
	_, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "taken")
	tests := []struct {
		name string
		in   iam.CreateRoleInput
		code string
	}{
		{"exists", iam.CreateRoleInput{RoleName: aws.String("taken"), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}, "EntityAlreadyExists"},
		{"invalid JSON", iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(`{"Version":`)}, "MalformedPolicyDocument"},
		{"not an object", iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(`[]`)}, "MalformedPolicyDocument"},
		{"no statement", iam.CreateRoleInput{RoleName: aws.String("r3"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`)}, "MalformedPolicyDocument"},
		{"no principal", iam.CreateRoleInput{RoleName: aws.String("r4"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`)}, "MalformedPolicyDocument"},
		{"bad version", iam.CreateRoleInput{RoleName: aws.String("r5"), AssumeRolePolicyDocument: aws.String(`{"Version":"2020-01-01","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`)}, "MalformedPolicyDocument"},
		{"bad name", iam.CreateRoleInput{RoleName: aws.String("no spaces"), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}, "ValidationError"},
		{"long name", iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}, "ValidationError"},
		{"bad path", iam.CreateRoleInput{RoleName: aws.String("r6"), Path: aws.String("no-slashes"), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}, "ValidationError"},
		{"short session", iam.CreateRoleInput{RoleName: aws.String("r7"), MaxSessionDuration: aws.Int32(60), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}, "ValidationError"},
		{"trust too big", iam.CreateRoleInput{RoleName: aws.String("r8"), AssumeRolePolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + strings.Repeat("a", 2100) + `"},"Action":"sts:AssumeRole"}}`)}, "LimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateRole(context.Background(), &tt.in)
			emutest.WantCode(t, err, tt.code)
		})
	}
	_, err := c.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String("nope")})
	emutest.WantErr[*types.MalformedPolicyDocumentException](t, err)
}

func TestIAMInlinePolicies(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "writer")
	put := func(name, doc string) error {
		_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		return err
	}
	for _, name := range []string{"zeta", "Alpha", "kinesis"} {
		if err := put(name, emutest.RolePolicy); err != nil {
			t.Fatal(err)
		}
	}
	replaced := strings.Replace(emutest.RolePolicy, "PutRecords", "ListShards", 1)
	if err := put("kinesis", replaced); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String("kinesis")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.RoleName) != "writer" || aws.ToString(got.PolicyName) != "kinesis" || iamDecode(t, got.PolicyDocument) != replaced {
		t.Errorf("GetRolePolicy = %s %s %s", aws.ToString(got.RoleName), aws.ToString(got.PolicyName), iamDecode(t, got.PolicyDocument))
	}
	list, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("writer")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Alpha", "kinesis", "zeta"}, list.PolicyNames); diff != "" || list.IsTruncated {
		t.Errorf("ListRolePolicies (-want +got):\n%s truncated %v", diff, list.IsTruncated)
	}

	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("writer")})
	emutest.WantErr[*types.DeleteConflictException](t, err)

	for _, tt := range []struct {
		name string
		err  error
		code string
	}{
		{"principal in a permissions policy", put("p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`), "MalformedPolicyDocument"},
		{"no resource", put("p", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`), "MalformedPolicyDocument"},
		{"bad effect", put("p", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`), "MalformedPolicyDocument"},
		{"too big", put("huge", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"`+strings.Repeat("x", 10300)+`"}]}`), "LimitExceeded"},
	} {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		emutest.WantCode(t, tt.err, tt.code)
	}
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("nobody"), PolicyName: aws.String("p"), PolicyDocument: aws.String(emutest.RolePolicy)})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String("missing")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	_, err = c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("nobody")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)

	for _, name := range []string{"zeta", "alpha", "kinesis"} { // names ignore case
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String(name)}); err != nil {
			t.Fatalf("DeleteRolePolicy %s: %v", name, err)
		}
	}
	_, err = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String("zeta")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("writer")}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMManagedPolicies(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := iamTestClient(t, emulator.Options{Now: clock.Now})
	iamCreateRole(t, c, "deliverer")

	created, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("KinesisWrite"), Path: aws.String("/cloudassure/"), PolicyDocument: aws.String(emutest.RolePolicy), Description: aws.String("writes logs")})
	if err != nil {
		t.Fatal(err)
	}
	pol := created.Policy
	arn := aws.String("arn:aws:iam::111122223333:policy/cloudassure/KinesisWrite")
	want := &types.Policy{
		PolicyName:                    aws.String("KinesisWrite"),
		PolicyId:                      pol.PolicyId,
		Arn:                           arn,
		Path:                          aws.String("/cloudassure/"),
		DefaultVersionId:              aws.String("v1"),
		AttachmentCount:               aws.Int32(0),
		PermissionsBoundaryUsageCount: aws.Int32(0),
		IsAttachable:                  true,
		CreateDate:                    aws.Time(clock.Now()),
		UpdateDate:                    aws.Time(clock.Now()),
	}
	if diff := cmp.Diff(want, pol, iamCmpSDK); diff != "" {
		t.Errorf("CreatePolicy (-want +got):\n%s", diff)
	}
	if !iamPolicyIDRe.MatchString(aws.ToString(pol.PolicyId)) {
		t.Errorf("PolicyId %s", aws.ToString(pol.PolicyId))
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("kinesiswrite"), PolicyDocument: aws.String(emutest.RolePolicy)})
	emutest.WantErr[*types.EntityAlreadyExistsException](t, err)

	// Versions.
	clock.Advance(time.Minute)
	v2doc := strings.Replace(emutest.RolePolicy, "PutRecords", "DescribeStream", 1)
	v2, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(v2doc), SetAsDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion || v2.PolicyVersion.Document != nil {
		t.Errorf("CreatePolicyVersion = %+v", v2.PolicyVersion)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Policy.DefaultVersionId) != "v2" || !got.Policy.UpdateDate.Equal(clock.Now()) || aws.ToString(got.Policy.Description) != "writes logs" {
		t.Errorf("GetPolicy after SetAsDefault: default %s, updated %v, description %q", aws.ToString(got.Policy.DefaultVersionId), got.Policy.UpdateDate, aws.ToString(got.Policy.Description))
	}
	for _, tt := range []struct {
		id, doc   string
		isDefault bool
	}{{"v1", emutest.RolePolicy, false}, {"v2", v2doc, true}} {
		v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String(tt.id)})
		if err != nil {
			t.Fatal(err)
		}
		if iamDecode(t, v.PolicyVersion.Document) != tt.doc || v.PolicyVersion.IsDefaultVersion != tt.isDefault {
			t.Errorf("GetPolicyVersion %s = %+v", tt.id, v.PolicyVersion)
		}
	}
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	for n := 3; n <= 5; n++ {
		v, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(emutest.RolePolicy)})
		if err != nil {
			t.Fatal(err)
		}
		if id := fmt.Sprintf("v%d", n); aws.ToString(v.PolicyVersion.VersionId) != id || v.PolicyVersion.IsDefaultVersion {
			t.Errorf("version %s, default %v, want %s not default", aws.ToString(v.PolicyVersion.VersionId), v.PolicyVersion.IsDefaultVersion, id)
		}
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(emutest.RolePolicy)})
	emutest.WantErr[*types.LimitExceededException](t, err)

	// Attachments.
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("deliverer"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(got.Policy.AttachmentCount) != 1 {
		t.Errorf("AttachmentCount = %d, want 1", aws.ToInt32(got.Policy.AttachmentCount))
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	emutest.WantErr[*types.DeleteConflictException](t, err)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deliverer")})
	emutest.WantErr[*types.DeleteConflictException](t, err)
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("deliverer"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("deliverer"), PolicyArn: arn})
	emutest.WantErr[*types.NoSuchEntityException](t, err)

	// Deletion needs the other versions gone first.
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	emutest.WantErr[*types.DeleteConflictException](t, err)
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	emutest.WantErr[*types.DeleteConflictException](t, err)
	for _, id := range []string{"v1", "v3", "v4", "v5"} {
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	emutest.WantErr[*types.NoSuchEntityException](t, err)

	for _, tt := range []struct {
		name string
		arn  string
		code string
	}{
		{"another account", "arn:aws:iam::444455556666:policy/KinesisWrite", "NoSuchEntity"},
		{"not an ARN", "KinesisWrite-is-not-an-arn", "InvalidInput"},
		{"wrong path", "arn:aws:iam::111122223333:policy/KinesisWrite", "NoSuchEntity"},
	} {
		_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(tt.arn)})
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		emutest.WantCode(t, err, tt.code)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deliverer")}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMAWSManagedPolicies(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "reader")
	tests := []struct {
		name       string
		wantAction string
	}{
		{"AmazonKinesisFullAccess", "kinesis:*"},
		{"ReadOnlyAccess", "kinesis:Describe*"},
		{"AdministratorAccess", "*"},
	}
	for _, tt := range tests {
		arn := aws.String("arn:aws:iam::aws:policy/" + tt.name)
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: arn}); err != nil {
			t.Fatalf("attach %s: %v", tt.name, err)
		}
		pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(pol.Policy.PolicyName) != tt.name || aws.ToString(pol.Policy.Path) != "/" || aws.ToInt32(pol.Policy.AttachmentCount) != 1 {
			t.Errorf("GetPolicy %s = %+v", tt.name, pol.Policy)
		}
		ver, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: pol.Policy.DefaultVersionId})
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Statement []struct {
				Effect string
				Action json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(iamDecode(t, ver.PolicyVersion.Document)), &doc); err != nil {
			t.Fatalf("%s document: %v", tt.name, err)
		}
		if len(doc.Statement) == 0 || doc.Statement[0].Effect != "Allow" || !strings.Contains(string(doc.Statement[0].Action), `"`+tt.wantAction+`"`) {
			t.Errorf("%s document = %+v, want it to allow %s", tt.name, doc, tt.wantAction)
		}
	}
	list, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.AttachedPolicies {
		names = append(names, aws.ToString(p.PolicyName))
	}
	if diff := cmp.Diff([]string{"AdministratorAccess", "AmazonKinesisFullAccess", "ReadOnlyAccess"}, names); diff != "" {
		t.Errorf("attached (-want +got):\n%s", diff)
	}

	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchManagedPolicy")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("nobody"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	emutest.WantErr[*types.NoSuchEntityException](t, err)
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	emutest.WantCode(t, err, "AccessDenied")
}

func TestIAMPagination(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	var want []string
	for n := range 7 {
		name := fmt.Sprintf("role-%d", n)
		want = append(want, name)
		path := "/"
		if n%2 == 1 {
			path = "/odd/"
		}
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(emutest.TrustPolicy)}); err != nil {
			t.Fatal(err)
		}
	}

	var got []string
	pages := 0
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if out.IsTruncated != (out.Marker != nil) {
			t.Errorf("IsTruncated %v with Marker %v", out.IsTruncated, out.Marker)
		}
		for _, r := range out.Roles {
			got = append(got, aws.ToString(r.RoleName))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
		t.Errorf("ListRoles in %d pages (-want +got):\n%s", pages, diff)
	}

	odd, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/odd/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(odd.Roles) != 3 {
		t.Errorf("PathPrefix /odd/: %d roles, want 3", len(odd.Roles))
	}

	// A marker survives the deletion of the role it points at.
	first, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("role-2")}); err != nil {
		t.Fatal(err)
	}
	next, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2), Marker: first.Marker})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Roles) != 2 || aws.ToString(next.Roles[0].RoleName) != "role-3" {
		t.Errorf("page after a deleted marker role starts at %s", aws.ToString(next.Roles[0].RoleName))
	}

	for n := range 5 {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("role-0"), PolicyName: aws.String(fmt.Sprintf("inline-%d", n)), PolicyDocument: aws.String(emutest.RolePolicy)}); err != nil {
			t.Fatal(err)
		}
	}
	var inline []string
	ip := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String("role-0"), MaxItems: aws.Int32(2)})
	for ip.HasMorePages() {
		out, err := ip.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		inline = append(inline, out.PolicyNames...)
	}
	if len(inline) != 5 {
		t.Errorf("ListRolePolicies pages: %v", inline)
	}

	for _, name := range []string{"ReadOnlyAccess", "AmazonKinesisFullAccess", "AdministratorAccess"} {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("role-0"), PolicyArn: aws.String("arn:aws:iam::aws:policy/" + name)}); err != nil {
			t.Fatal(err)
		}
	}
	var attached []string
	ap := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("role-0"), MaxItems: aws.Int32(2)})
	for ap.HasMorePages() {
		out, err := ap.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.AttachedPolicies {
			attached = append(attached, aws.ToString(p.PolicyName))
		}
	}
	if diff := cmp.Diff([]string{"AdministratorAccess", "AmazonKinesisFullAccess", "ReadOnlyAccess"}, attached); diff != "" {
		t.Errorf("ListAttachedRolePolicies pages (-want +got):\n%s", diff)
	}

	_, err = c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(0)})
	emutest.WantCode(t, err, "ValidationError")
	_, err = c.ListRoles(ctx, &iam.ListRolesInput{Marker: aws.String("!!!")})
	emutest.WantCode(t, err, "InvalidInput")
}

func TestIAMPolicyDocumentEncoding(t *testing.T) {
	ctx := context.Background()
	s, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "enc")
	docs := []string{
		emutest.RolePolicy,
		"{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/a+b c%20d*\"}]\n}\n",
		`{"Version":"2012-10-17","Statement":{"Sid":"Caf` + "\u00e9" + `","Effect":"Allow","Action":"kinesis:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/x":"~y_z.-"}}}}`,
	}
	for n, doc := range docs {
		name := fmt.Sprintf("doc-%d", n)
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("enc"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("enc"), PolicyName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		wire := aws.ToString(out.PolicyDocument)
		if strings.ContainsAny(wire, " +{}\"\n") {
			t.Errorf("doc %d is not fully encoded: %s", n, wire)
		}
		for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
			if got, err := unescape(wire); err != nil || got != doc {
				t.Errorf("doc %d decodes to %q (%v), want %q", n, got, err, doc)
			}
		}
	}

	// On the wire, as AWS sends it: spaces are %20, never +.
	body := iamRawQuery(t, s.URL(), url.Values{"Action": {"GetRolePolicy"}, "Version": {"2010-05-08"}, "RoleName": {"enc"}, "PolicyName": {"doc-1"}})
	if !strings.Contains(body, "%7B%0A%09%22Version%22%3A%20%222012-10-17%22") {
		t.Errorf("wire encoding: %s", body)
	}
}

// iamRawQuery posts a query-protocol form without the SDK and returns the body.
func iamRawQuery(t testing.TB, endpoint string, form url.Values) string {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func TestIAMProtocol(t *testing.T) {
	s, _ := iamTestClient(t, emulator.Options{})
	tests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"unknown action", url.Values{"Action": {"CreateUser"}, "Version": {"2010-05-08"}}, []string{"400 ", "<Code>InvalidAction</Code>", "<Type>Sender</Type>", "<RequestId>"}},
		{"missing role", url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"x"}}, []string{"404 ", "<Code>NoSuchEntity</Code>", `xmlns="https://iam.amazonaws.com/doc/2010-05-08/"`}},
		{"missing member", url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}}, []string{"400 ", "<Code>ValidationError</Code>", "roleName"}},
		{"empty list", url.Values{"Action": {"ListRoles"}, "Version": {"2010-05-08"}}, []string{"200 ", "<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListRolesResult><Roles></Roles><IsTruncated>false</IsTruncated></ListRolesResult><ResponseMetadata><RequestId>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := iamRawQuery(t, s.URL(), tt.form)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("response lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestIAMThrottling(t *testing.T) {
	_, cfg := emutest.StartNoRetry(t, emulator.Options{Faults: emulator.Faults{ThrottleRate: 1}})
	_, err := iam.NewFromConfig(cfg).ListRoles(context.Background(), &iam.ListRolesInput{})
	emutest.WantCode(t, err, "Throttling")
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("the SDK does not see %v as throttling", err)
	}
}

func TestIAMUpdateAssumeRolePolicy(t *testing.T) {
	ctx := context.Background()
	_, c := iamTestClient(t, emulator.Options{})
	iamCreateRole(t, c, "Delivery")
	other := strings.Replace(emutest.TrustPolicy, "cloudfront.amazonaws.com", "lambda.amazonaws.com", 1)

	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("delivery"), PolicyDocument: aws.String(other)}); err != nil {
		t.Fatalf("UpdateAssumeRolePolicy: %v", err)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Delivery")})
	if err != nil {
		t.Fatal(err)
	}
	if doc := iamDecode(t, got.Role.AssumeRolePolicyDocument); doc != other {
		t.Errorf("trust policy after update = %q, want %q", doc, other)
	}

	for _, tc := range []struct {
		name string
		in   *iam.UpdateAssumeRolePolicyInput
		want func(testing.TB, error)
	}{
		{"unknown role", &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("nobody"), PolicyDocument: aws.String(emutest.TrustPolicy)},
			func(t testing.TB, err error) { emutest.WantErr[*types.NoSuchEntityException](t, err) }},
		{"not JSON", &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Delivery"), PolicyDocument: aws.String("{")},
			func(t testing.TB, err error) { emutest.WantErr[*types.MalformedPolicyDocumentException](t, err) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateAssumeRolePolicy(ctx, tc.in)
			tc.want(t, err)
		})
	}
}
