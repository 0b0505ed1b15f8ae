package organizations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// testOrg is an organization in an emulator: the management account, an OU
// tree Production > Web and Sandbox, and members spread over them.
type testOrg struct {
	s                   *emulator.Server
	cfg                 aws.Config // the management account
	root, prod, web, sb string
	members             []string // in join order
}

func newTestOrg(t *testing.T, members int) *testOrg {
	t.Helper()
	s, cfg := emutest.StartNoRetry(t, emulator.Options{})
	o := &testOrg{s: s, cfg: cfg}
	s.CreateOrganization()
	o.root = s.OrganizationRoot()
	var err error
	if o.prod, err = s.CreateOrganizationalUnit(o.root, "Production"); err != nil {
		t.Fatal(err)
	}
	if o.web, err = s.CreateOrganizationalUnit(o.prod, "Web"); err != nil {
		t.Fatal(err)
	}
	if o.sb, err = s.CreateOrganizationalUnit(o.root, "Sandbox"); err != nil {
		t.Fatal(err)
	}
	parents := []string{o.root, o.prod, o.web, o.sb}
	for i := range members {
		id := fmt.Sprintf("%012d", 200000000001+i)
		state := "ACTIVE"
		if i == 3 {
			state = "SUSPENDED"
		}
		if err := s.AddOrganizationAccount(emulator.OrgAccount{ID: id, Name: fmt.Sprintf("member-%02d", i+1), State: state, Parent: parents[i%4]}); err != nil {
			t.Fatal(err)
		}
		o.members = append(o.members, id)
	}
	return o
}

// memberConfig returns an SDK config whose long-term keys act in account.
func (o *testOrg) memberConfig(t *testing.T, account string) aws.Config {
	t.Helper()
	key := "AKIA" + account
	if err := o.s.AddAccessKey(key, account); err != nil {
		t.Fatal(err)
	}
	cfg := o.cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, "secret", "")
	return cfg
}

func TestOrganizationsListAccountsPages(t *testing.T) {
	ctx := context.Background()
	o := newTestOrg(t, 45)
	c := organizations.NewFromConfig(o.cfg)
	var ids []string
	pages := 0
	for p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Accounts) > 20 { // Organizations pages at most 20 items
			t.Errorf("page %d has %d accounts, AWS returns at most 20", pages, len(page.Accounts))
		}
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	want := append([]string{emulator.DefaultAccountID}, o.members...)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("%d pages for 46 accounts, want 3", pages)
	}

	_, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	emutest.WantCode(t, err, "InvalidInputException")
	_, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("bogus")})
	emutest.WantCode(t, err, "InvalidInputException")

	acc, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(o.members[3])})
	if err != nil {
		t.Fatal(err)
	}
	a := acc.Account
	if a.Status != orgtypes.AccountStatusSuspended || a.State != orgtypes.AccountStateSuspended || aws.ToString(a.Name) != "member-04" ||
		!strings.HasPrefix(aws.ToString(a.Arn), "arn:aws:organizations::111122223333:account/o-") || a.JoinedTimestamp == nil {
		t.Errorf("DescribeAccount: %+v", a)
	}
	_, err = c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	emutest.WantCode(t, err, "AccountNotFoundException")
}

func TestOrganizationsTree(t *testing.T) {
	ctx := context.Background()
	o := newTestOrg(t, 8)
	c := organizations.NewFromConfig(o.cfg)
	org, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(org.Organization.MasterAccountId) != emulator.DefaultAccountID || org.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Errorf("DescribeOrganization: %+v", org.Organization)
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(roots.Roots) != 1 || aws.ToString(roots.Roots[0].Id) != o.root {
		t.Fatalf("ListRoots: %+v", roots.Roots)
	}
	ous, err := c.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(o.root)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range ous.OrganizationalUnits {
		names = append(names, aws.ToString(u.Name))
	}
	if diff := cmp.Diff([]string{"Production", "Sandbox"}, names); diff != "" {
		t.Errorf("OUs under the root (-want +got):\n%s", diff)
	}
	kids, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(o.prod), ChildType: orgtypes.ChildTypeOrganizationalUnit})
	if err != nil {
		t.Fatal(err)
	}
	if len(kids.Children) != 1 || aws.ToString(kids.Children[0].Id) != o.web {
		t.Errorf("OU children of Production: %+v", kids.Children)
	}
	kids, err = c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(o.web), ChildType: orgtypes.ChildTypeAccount})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range kids.Children {
		got = append(got, aws.ToString(k.Id))
	}
	if diff := cmp.Diff([]string{o.members[2], o.members[6]}, got); diff != "" {
		t.Errorf("account children of Web (-want +got):\n%s", diff)
	}
	accs, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(o.root)})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, a := range accs.Accounts {
		got = append(got, aws.ToString(a.Id))
	}
	if diff := cmp.Diff([]string{emulator.DefaultAccountID, o.members[0], o.members[4]}, got); diff != "" {
		t.Errorf("accounts under the root (-want +got):\n%s", diff)
	}
	_, err = c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
	emutest.WantCode(t, err, "ParentNotFoundException")
}

func TestOrganizationsCallers(t *testing.T) {
	ctx := context.Background()
	o := newTestOrg(t, 2)
	_, err := organizations.NewFromConfig(o.memberConfig(t, o.members[0])).ListAccounts(ctx, &organizations.ListAccountsInput{})
	emutest.WantCode(t, err, "AccessDeniedException")

	o.s.RegisterDelegatedAdministrator(o.members[1])
	if _, err := organizations.NewFromConfig(o.memberConfig(t, o.members[1])).ListAccounts(ctx, &organizations.ListAccountsInput{}); err != nil {
		t.Errorf("delegated administrator: %v", err)
	}

	_, cfg := emutest.StartNoRetry(t, emulator.Options{})
	_, err = organizations.NewFromConfig(cfg).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	emutest.WantCode(t, err, "AWSOrganizationsNotInUseException")
}

// auditTrust trusts the management account, with an external ID when one is given.
func auditTrust(externalID string) string {
	cond := ""
	if externalID != "" {
		cond = fmt.Sprintf(`,"Condition":{"StringEquals":{"sts:ExternalId":%q}}`, externalID)
	}
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"%s}]}`, emulator.DefaultAccountID, cond)
}

func TestAssumeRoleIntoMember(t *testing.T) {
	ctx := context.Background()
	o := newTestOrg(t, 3)
	plain, withID, untrusting := o.members[0], o.members[1], o.members[2]
	for account, trust := range map[string]string{
		plain:      auditTrust(""),
		withID:     auditTrust("s3cret-ext"),
		untrusting: strings.ReplaceAll(auditTrust(""), emulator.DefaultAccountID, "444455556666"),
	} {
		if _, err := iam.NewFromConfig(o.memberConfig(t, account)).CreateRole(ctx, &iam.CreateRoleInput{
			RoleName: aws.String("CloudAssureAudit"), AssumeRolePolicyDocument: aws.String(trust),
		}); err != nil {
			t.Fatal(err)
		}
	}
	roleARN := func(account string) string { return "arn:aws:iam::" + account + ":role/CloudAssureAudit" }
	c := sts.NewFromConfig(o.cfg)
	for _, tt := range []struct {
		name, role, externalID, wantCode string
	}{
		{"trusted", roleARN(plain), "", ""},
		{"external ID given", roleARN(withID), "s3cret-ext", ""},
		{"external ID missing", roleARN(withID), "", "AccessDenied"},
		{"external ID wrong", roleARN(withID), "guess", "AccessDenied"},
		{"caller not trusted", roleARN(untrusting), "", "AccessDenied"},
		{"no such role", "arn:aws:iam::" + plain + ":role/Missing", "", "AccessDenied"},
		{"unknown account", roleARN("999999999999"), "", "AccessDenied"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String("cloudassure")}
			if tt.externalID != "" {
				in.ExternalId = aws.String(tt.externalID)
			}
			out, err := c.AssumeRole(ctx, in)
			if tt.wantCode != "" {
				emutest.WantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			account := strings.Split(tt.role, ":")[4]
			if want := "arn:aws:sts::" + account + ":assumed-role/CloudAssureAudit/cloudassure"; aws.ToString(out.AssumedRoleUser.Arn) != want {
				t.Errorf("AssumedRoleUser %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), want)
			}
		})
	}

	// The session's credentials act in the member: its own identity and state.
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(plain)), RoleSessionName: aws.String("cloudassure")})
	if err != nil {
		t.Fatal(err)
	}
	sess := o.cfg.Copy()
	cr := out.Credentials
	sess.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	id, err := sts.NewFromConfig(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != plain {
		t.Errorf("session identity account %s, want %s", aws.ToString(id.Account), plain)
	}
	cfg := emutest.DistributionConfig("member-dist", "")
	if _, err := cloudfront.NewFromConfig(sess).CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	count := func(cfg aws.Config) int {
		l, err := cloudfront.NewFromConfig(cfg).ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return int(aws.ToInt32(l.DistributionList.Quantity))
	}
	if m, mgmt := count(sess), count(o.cfg); m != 1 || mgmt != 0 {
		t.Errorf("distributions: member %d (want 1), management %d (want 0)", m, mgmt)
	}
	if _, err := iam.NewFromConfig(sess).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("CloudAssureAudit")}); err != nil {
		t.Errorf("the member's role from its session: %v", err)
	}
	_, err = iam.NewFromConfig(o.cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("CloudAssureAudit")})
	emutest.WantCode(t, err, "NoSuchEntity")

	// An SCP-style denial hits only the account it is set for.
	o.s.DenyAction(plain, "cloudfront:ListDistributions")
	_, err = cloudfront.NewFromConfig(sess).ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	emutest.WantCode(t, err, "AccessDenied")
	if count(o.cfg) != 0 {
		t.Error("management account listing changed")
	}
}

// orgCLI runs the AWS CLI v2 against the emulator at url with an access key
// of one's choosing and returns the combined output and whether it succeeded.
func orgCLI(t *testing.T, url, key string, args ...string) (string, bool) {
	t.Helper()
	bin := emutest.AWSCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60_000_000_000)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1",
	)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestOrganizationsCLI checks the Organizations and AssumeRole endpoints
// with the AWS CLI v2, a second client besides the SDK.
func TestOrganizationsCLI(t *testing.T) {
	emutest.AWSCLI(t)
	ctx := context.Background()
	o := newTestOrg(t, 23)
	url := o.s.URL()
	if _, err := iam.NewFromConfig(o.memberConfig(t, o.members[0])).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("CloudAssureAudit"), Path: aws.String("/audit/"), AssumeRolePolicyDocument: aws.String(auditTrust("ext-1")),
	}); err != nil {
		t.Fatal(err)
	}

	t.Run("list-accounts", func(t *testing.T) {
		// Not parallel: it counts the requests. The CLI follows NextToken itself: 24 accounts in two pages.
		before := o.s.Requests()
		out, ok := orgCLI(t, url, "AKIDEXAMPLE", "organizations", "list-accounts", "--query", "Accounts[?Status=='ACTIVE'].Id")
		if !ok {
			t.Fatal(out)
		}
		var ids []string
		if err := json.Unmarshal([]byte(out), &ids); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		want := append([]string{emulator.DefaultAccountID}, o.members[:3]...)
		want = append(want, o.members[4:]...)
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("active accounts (-want +got):\n%s", diff)
		}
		if n := o.s.Requests() - before; n != 2 {
			t.Errorf("the CLI made %d requests, want 2 pages", n)
		}
	})
	t.Run("describe-organization", func(t *testing.T) {
		t.Parallel()
		out, ok := orgCLI(t, url, "AKIDEXAMPLE", "organizations", "describe-organization", "--query", "Organization.MasterAccountId")
		if !ok || strings.TrimSpace(out) != `"`+emulator.DefaultAccountID+`"` {
			t.Errorf("describe-organization: %s", out)
		}
	})
	t.Run("list-children", func(t *testing.T) {
		t.Parallel()
		out, ok := orgCLI(t, url, "AKIDEXAMPLE", "organizations", "list-children", "--parent-id", o.prod, "--child-type", "ORGANIZATIONAL_UNIT", "--query", "Children[].Id")
		if !ok || !strings.Contains(out, o.web) {
			t.Errorf("list-children: %s", out)
		}
	})
	t.Run("member denied", func(t *testing.T) {
		t.Parallel()
		key := "AKIA" + o.members[1]
		if err := o.s.AddAccessKey(key, o.members[1]); err != nil {
			t.Fatal(err)
		}
		out, ok := orgCLI(t, url, key, "organizations", "list-roots")
		if ok || !strings.Contains(out, "AccessDeniedException") {
			t.Errorf("list-roots from a member: %s", out)
		}
	})
	role := "arn:aws:iam::" + o.members[0] + ":role/audit/CloudAssureAudit"
	t.Run("assume-role", func(t *testing.T) {
		t.Parallel()
		out, ok := orgCLI(t, url, "AKIDEXAMPLE", "sts", "assume-role", "--role-arn", role, "--role-session-name", "cli", "--external-id", "ext-1")
		if !ok {
			t.Fatal(out)
		}
		var res struct {
			Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
			AssumedRoleUser struct{ Arn string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if !strings.HasPrefix(res.Credentials.AccessKeyId, "ASIA") || res.AssumedRoleUser.Arn != "arn:aws:sts::"+o.members[0]+":assumed-role/CloudAssureAudit/cli" {
			t.Errorf("assume-role: %s", out)
		}
		// The temporary credentials act in the member.
		cmd := exec.Command(emutest.AWSCLI(t), "--endpoint-url", url, "--region", "us-east-1", "--output", "text", "sts", "get-caller-identity", "--query", "Account")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+res.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+res.Credentials.SecretAccessKey,
			"AWS_SESSION_TOKEN="+res.Credentials.SessionToken, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		id, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(id)) != o.members[0] {
			t.Errorf("get-caller-identity with the session: %v %s", err, id)
		}
	})
	t.Run("assume-role without external ID", func(t *testing.T) {
		t.Parallel()
		out, ok := orgCLI(t, url, "AKIDEXAMPLE", "sts", "assume-role", "--role-arn", role, "--role-session-name", "cli")
		if ok || !strings.Contains(out, "AccessDenied") {
			t.Errorf("assume-role without the external ID: %s", out)
		}
	})
}
