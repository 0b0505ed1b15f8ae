package org_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// demoOrg starts an emulator holding the demo organization with members
// members and returns it, the management account's SDK config (adaptive
// retries, as scan aws uses) and the seeded organization.
func demoOrg(t *testing.T, members int) (*emulator.Server, aws.Config, *demo.Org) {
	t.Helper()
	return demoOrgWith(t, members, emulator.Options{})
}

func demoOrgWith(t *testing.T, members int, eo emulator.Options) (*emulator.Server, aws.Config, *demo.Org) {
	t.Helper()
	emu := emulator.New(eo)
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	o, err := demo.SeedOrg(context.Background(), emu, live.EndpointConfig(url, nil), members)
	if err != nil {
		t.Fatal(err)
	}
	cfg := live.EndpointConfig(url, nil)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
			a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) {
				s.MaxAttempts = 20
				s.MaxBackoff = 20 * time.Millisecond
				s.Backoff = retry.NewExponentialJitterBackoff(s.MaxBackoff)
			})
		})
	}
	return emu, cfg, o
}

func run(t *testing.T, opts org.Options) *finding.Report {
	t.Helper()
	res, err := org.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Report
}

// statuses maps "account rule resource-name" (the demo's case) to each finding's status.
func statuses(rep *finding.Report) map[string]finding.Status {
	out := map[string]finding.Status{}
	for _, f := range rep.Findings {
		out[f.Account.ID+" "+f.RuleID+" "+f.Resource.Name] = f.Status
	}
	return out
}

func accountStatus(rep *finding.Report) map[string]string {
	out := map[string]string{}
	for _, a := range rep.Accounts {
		out[a.ID] = a.Status
	}
	return out
}

// members of the demo organization with 6 members.
const (
	mgmt       = "111122223333"
	member1    = "200000000001"
	member2    = "200000000002"
	member3    = "200000000003"
	externalID = "200000000004"
	noRole     = "200000000005"
	suspended  = "200000000006"
)

// TestRunDemoOrg audits the demo organization: every case of the demo is
// judged in the account it lives in, exactly as a single-account scan judges it.
func TestRunDemoOrg(t *testing.T) {
	_, cfg, o := demoOrg(t, 6)
	rep := run(t, org.Options{Config: cfg, ExternalID: demo.OrgExternalID})

	want := map[string]finding.Status{}
	for _, a := range o.Accounts {
		for _, c := range a.Cases {
			for rule, st := range c.Want {
				want[a.ID+" "+rule+" "+c.Comment] = finding.Status(st)
			}
		}
	}
	for _, rule := range []string{"CF-001", "CF-002", "CF-003"} {
		want[noRole+" "+rule+" member-05-no-role"] = finding.Error
	}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	wantAccounts := map[string]string{
		mgmt: "scanned", member1: "scanned", member2: "scanned", member3: "scanned", externalID: "scanned",
		noRole: "error", suspended: "skipped",
	}
	if diff := cmp.Diff(wantAccounts, accountStatus(rep)); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	if rep.Organization == "" || rep.Account != mgmt || rep.ExitCode() != 2 {
		t.Errorf("organization %q account %q exit %d", rep.Organization, rep.Account, rep.ExitCode())
	}
	for _, a := range rep.Accounts {
		switch {
		case a.ID == mgmt && a.RoleARN != "":
			t.Errorf("the management account is read with its own credentials, not %s", a.RoleARN)
		case a.ID != mgmt && a.Status != "skipped" && a.RoleARN != "arn:aws:iam::"+a.ID+":role/CloudAssureAudit":
			t.Errorf("account %s role %q", a.ID, a.RoleARN)
		case a.Status == "scanned" && (a.APICalls == 0 || a.Summary.Total == 0):
			t.Errorf("account %s: %d calls, %d findings", a.ID, a.APICalls, a.Summary.Total)
		}
	}
	// Calls: one ListAccounts page, one AssumeRole per active member, and
	// per account one ListDistributions page and one ListRealtimeLogConfigs pass.
	calls := rep.Summary.APICalls
	for op, n := range map[string]int{"organizations:ListAccounts": 1, "sts:AssumeRole": 5, "cloudfront:ListDistributions": 5, "cloudfront:ListRealtimeLogConfigs": 5} {
		if calls[op] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", op, calls[op], n, calls)
		}
	}
	wantAccountError(t, rep, noRole, "sts:AssumeRole", "AccessDenied")
}

// wantAccountError checks that an account that could not be read has an
// error and ERROR findings naming the account, the role and the action.
func wantAccountError(t *testing.T, rep *finding.Report, account, action, code string) {
	t.Helper()
	role := "arn:aws:iam::" + account + ":role/CloudAssureAudit"
	found := false
	for _, e := range rep.Errors {
		if e.Account == nil || e.Account.ID != account {
			continue
		}
		found = true
		if e.Action != action || e.Code != code || !strings.Contains(e.Message, role) || !strings.Contains(e.Message, "account "+account) {
			t.Errorf("error for %s: %+v", account, e)
		}
	}
	if !found {
		t.Errorf("no error for account %s in %+v", account, rep.Errors)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Account.ID != account {
			continue
		}
		n++
		if f.Status != finding.Error || !strings.Contains(f.Message, role) || !strings.Contains(f.Message, action) || f.Resource.ID != account {
			t.Errorf("finding for %s: %s %s %s", account, f.RuleID, f.Status, f.Message)
		}
	}
	if n != 3 {
		t.Errorf("%d findings for account %s, want an ERROR per rule", n, account)
	}
}

// memberIAM returns an IAM client acting in a demo member (SeedOrg's keys).
func memberIAM(cfg aws.Config, account string) *iam.Client {
	c := cfg.Copy()
	c.Credentials = credentials.NewStaticCredentialsProvider("AKIASEED"+account, "demo-secret", "")
	return iam.NewFromConfig(c)
}

// TestRunFailureModes: each way an account cannot be read gives ERROR for
// that account alone; every other account is read as usual.
func TestRunFailureModes(t *testing.T) {
	_, cfg0, _ := demoOrg(t, 6)
	baseline := statuses(run(t, org.Options{Config: cfg0, ExternalID: demo.OrgExternalID}))
	for _, tt := range []struct {
		name       string
		break_     func(t *testing.T, emu *emulator.Server, cfg aws.Config)
		externalID string
		account    string // the account that fails; "" when none fails
		action     string
		code       string
	}{
		{
			name: "untrusted caller",
			break_: func(t *testing.T, _ *emulator.Server, cfg aws.Config) {
				trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}`
				if _, err := memberIAM(cfg, member2).UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{
					RoleName: aws.String("CloudAssureAudit"), PolicyDocument: aws.String(trust),
				}); err != nil {
					t.Fatal(err)
				}
			},
			externalID: demo.OrgExternalID, account: member2, action: "sts:AssumeRole", code: "AccessDenied",
		},
		{
			name:    "external ID not given",
			break_:  func(*testing.T, *emulator.Server, aws.Config) {},
			account: externalID, action: "sts:AssumeRole", code: "AccessDenied",
		},
		{
			name: "SCP denies listing distributions",
			break_: func(_ *testing.T, emu *emulator.Server, _ aws.Config) {
				emu.DenyAction(member3, "cloudfront:ListDistributions")
			},
			externalID: demo.OrgExternalID, account: member3, action: "cloudfront:ListDistributions", code: "AccessDenied",
		},
		{
			name: "one account throttled",
			break_: func(_ *testing.T, emu *emulator.Server, _ aws.Config) {
				emu.SetAccountFaults(member1, emulator.Faults{ThrottleRate: 0.25})
			},
			externalID: demo.OrgExternalID,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			emu, cfg, _ := demoOrg(t, 6)
			tt.break_(t, emu, cfg)
			rep := run(t, org.Options{Config: cfg, ExternalID: tt.externalID})
			got := statuses(rep)
			// Every other account reads as in the baseline.
			for k, st := range baseline {
				if tt.account != "" && strings.HasPrefix(k, tt.account+" ") {
					continue
				}
				if got[k] != st {
					t.Errorf("%s: %s, want %s as without the fault", k, got[k], st)
				}
			}
			if tt.account == "" {
				if diff := cmp.Diff(baseline, got); diff != "" {
					t.Errorf("findings differ from the baseline (-want +got):\n%s", diff)
				}
				for _, a := range rep.Accounts {
					if a.Status == "error" && a.ID != noRole {
						t.Errorf("account %s: %s", a.ID, a.Reason)
					}
				}
				return
			}
			if s := accountStatus(rep)[tt.account]; s != "error" {
				t.Errorf("account %s status %s, want error", tt.account, s)
			}
			wantAccountError(t, rep, tt.account, tt.action, tt.code)
		})
	}
}

// TestRunSCPDeniesOneCall: a denied call that the scan can do without
// leaves the account scanned, with the error naming account, role and action.
func TestRunSCPDeniesOneCall(t *testing.T) {
	emu, cfg, o := demoOrg(t, 6)
	emu.DenyAction(member1, "iam:GetRole")
	rep := run(t, org.Options{Config: cfg, ExternalID: demo.OrgExternalID})
	if s := accountStatus(rep)[member1]; s != "scanned" {
		t.Fatalf("account %s: %s", member1, s)
	}
	var errs []finding.ScanError
	for _, e := range rep.Errors {
		if e.Account != nil && e.Account.ID == member1 {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		t.Fatal("no error for the denied call")
	}
	for _, e := range errs {
		if e.Action != "iam:GetRole" || !strings.Contains(e.Message, "arn:aws:iam::"+member1+":role/CloudAssureAudit") {
			t.Errorf("error %+v", e)
		}
	}
	// CF-001 needs no IAM: it is still judged as usual; CF-002 cannot be.
	acc := o.Account(member1)
	got := statuses(rep)
	for _, c := range acc.Cases {
		if k := member1 + " CF-001 " + c.Comment; got[k] != finding.Status(c.Want["CF-001"]) {
			t.Errorf("%s: %s, want %s", k, got[k], c.Want["CF-001"])
		}
	}
	if rep.ExitCode() != 2 {
		t.Errorf("exit %d, want 2", rep.ExitCode())
	}
}

func TestRunSelectsOU(t *testing.T) {
	_, cfg, o := demoOrg(t, 6)
	rep := run(t, org.Options{Config: cfg, ExternalID: demo.OrgExternalID, Selection: org.Selection{OUs: []string{o.OUs["Production"]}, Exclude: []string{noRole}}})
	var want, got []string
	for _, a := range o.Accounts {
		if a.OU == "Production" || a.OU == "Web" {
			want = append(want, a.ID)
		}
	}
	for _, a := range rep.Accounts {
		got = append(got, a.ID+" "+a.Status)
	}
	sort.Strings(want)
	var wantStatus []string
	for _, id := range want {
		st := "scanned"
		if id == noRole {
			st = "skipped"
		}
		wantStatus = append(wantStatus, id+" "+st)
	}
	if diff := cmp.Diff(wantStatus, got); diff != "" {
		t.Errorf("accounts under Production (-want +got):\n%s", diff)
	}
}

// TestRunInterrupted: cancelling keeps the accounts done and lists the rest
// as not scanned.
func TestRunInterrupted(t *testing.T) {
	_, cfg, _ := demoOrg(t, 6)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := org.Run(ctx, org.Options{
		Config: cfg, ExternalID: demo.OrgExternalID, AccountConcurrency: 1,
		Progress: func(p org.Progress) {
			if p.Done == 2 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	got := accountStatus(rep)
	want := map[string]string{mgmt: "scanned", member1: "scanned", member2: "not_scanned", member3: "not_scanned",
		externalID: "not_scanned", noRole: "not_scanned", suspended: "skipped"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	for _, f := range rep.Findings {
		if f.Account.ID != mgmt && f.Account.ID != member1 {
			t.Errorf("finding of an account not scanned: %s %s", f.Account.ID, f.RuleID)
		}
	}
	last := rep.Errors[len(rep.Errors)-1]
	if !strings.Contains(last.Message, fmt.Sprintf("%d of %d accounts were not scanned", 4, 6)) || rep.ExitCode() != 2 {
		t.Errorf("errors %+v, exit %d", rep.Errors, rep.ExitCode())
	}
}

// TestRunRefreshesCredentials: role sessions are renewed before they expire.
// The emulator's clock runs 14 min 55 s behind, so every 15-minute session
// it hands out expires 5 s from now, inside the five minutes before expiry
// in which the scan renews credentials: each member's session is assumed
// again as the scan goes on, and no call meets an expired token.
func TestRunRefreshesCredentials(t *testing.T) {
	lag := 15*time.Minute - 5*time.Second
	_, cfg, _ := demoOrgWith(t, 4, emulator.Options{Now: func() time.Time { return time.Now().Add(-lag) }})
	rep := run(t, org.Options{Config: cfg, ExternalID: demo.OrgExternalID, SessionDuration: 15 * time.Minute})
	for _, a := range rep.Accounts {
		if a.Status == "error" && a.ID != "200000000003" { // member-03 has no audit role
			t.Errorf("account %s: %s", a.ID, a.Reason)
		}
	}
	for _, e := range rep.Errors {
		if strings.Contains(e.Message, "ExpiredToken") {
			t.Errorf("expired token: %s", e.Message)
		}
	}
	// 2 members with the role, plus one refused: more AssumeRole calls than
	// members means sessions were renewed.
	if n := rep.Summary.APICalls["sts:AssumeRole"]; n <= 3 {
		t.Errorf("%d AssumeRole calls for 3 members: the sessions were not renewed", n)
	}
}

// TestDemoOrgAccessRole: every demo member has the role Organizations
// creates in the accounts it creates, which fix aws --org assumes:
// OrganizationAccountAccessRole, trusting the management account (no
// external ID), with the inline policy AdministratorAccess allowing
// everything. The management account can assume it; a member cannot assume
// another member's.
func TestDemoOrgAccessRole(t *testing.T) {
	_, cfg, o := demoOrg(t, 4)
	ctx := context.Background()
	wantTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`
	for _, a := range o.Accounts[1:] {
		c := memberIAM(cfg, a.ID)
		role, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(demo.OrgAccessRoleName)})
		if err != nil {
			t.Errorf("%s: %v", a.ID, err)
			continue
		}
		if got := decodePolicy(t, aws.ToString(role.Role.AssumeRolePolicyDocument)); got != decodePolicy(t, wantTrust) || aws.ToString(role.Role.Path) != "/" {
			t.Errorf("%s: path %s, trust %s", a.ID, aws.ToString(role.Role.Path), got)
		}
		pol, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(demo.OrgAccessRoleName), PolicyName: aws.String("AdministratorAccess")})
		if err != nil || decodePolicy(t, aws.ToString(pol.PolicyDocument)) != decodePolicy(t, demo.OrgAccessPolicy) {
			t.Errorf("%s: inline policy AdministratorAccess %v %v", a.ID, pol, err)
		}
	}
	target := o.Accounts[1].ID
	roleARN := "arn:aws:iam::" + target + ":role/" + demo.OrgAccessRoleName
	if _, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("test")}); err != nil {
		t.Errorf("the management account cannot assume %s: %v", roleARN, err)
	}
	other := cfg.Copy()
	other.Credentials = credentials.NewStaticCredentialsProvider(demo.OrgAccessKey(o.Accounts[2].ID), "demo-secret", "")
	if _, err := sts.NewFromConfig(other).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("test")}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("member %s assuming %s: %v, want AccessDenied", o.Accounts[2].ID, roleARN, err)
	}
}

// decodePolicy returns a policy document (URL-encoded as IAM returns it, or
// not) in one canonical JSON form.
func decodePolicy(t *testing.T, doc string) string {
	t.Helper()
	if d, err := url.QueryUnescape(doc); err == nil {
		doc = d
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
