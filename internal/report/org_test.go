package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cloudassure/cloudassure/internal/finding"
)

const (
	memberA = "200000000001"
	memberB = "200000000005"
)

// orgReport is an organization scan: the management account and a member
// scanned, a member that could not be read (its role is missing), a
// suspended member skipped and one not scanned (interrupted).
func orgReport() *finding.Report {
	mgmt := &finding.AccountRef{ID: account, Name: "management"}
	a := &finding.AccountRef{ID: memberA, Name: "member-01"}
	b := &finding.AccountRef{ID: memberB, Name: "member-05"}
	role := "arn:aws:iam::" + memberB + ":role/CloudAssureAudit"
	denied := "account " + memberB + " (member-05) could not be audited through role " + role +
		": sts:AssumeRole failed: AccessDenied: User: arn:aws:iam::111122223333:user/audit is not authorized to perform: sts:AssumeRole on resource: " + role
	memberDist := func(id string) finding.Resource {
		return finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id, ARN: "arn:aws:cloudfront::" + memberA + ":distribution/" + id, Name: "member shop"}
	}
	accountRes := finding.Resource{Type: "AWS::Organizations::Account", ID: memberB, Name: "member-05"}
	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "cloudassure", Version: "0.4.0", URI: "https://github.com/cloudassure/cloudassure"},
		Source:        "aws",
		Account:       account,
		Organization:  "o-a1b2c3d4e5",
		StartedAt:     started,
		FinishedAt:    finished,
		Accounts: []finding.AccountResult{
			{ID: account, Name: "management", Status: finding.AccountScanned, APICalls: 6, DurationMS: 120},
			{ID: memberA, Name: "member-01", Status: finding.AccountScanned, RoleARN: "arn:aws:iam::" + memberA + ":role/CloudAssureAudit", APICalls: 7, DurationMS: 180},
			{ID: memberB, Name: "member-05", Status: finding.AccountError, RoleARN: role, Reason: denied, APICalls: 1, DurationMS: 15},
			{ID: "200000000006", Name: "member-06", Status: finding.AccountSkipped, Reason: "account is SUSPENDED"},
			{ID: "200000000007", Name: "member-07", Status: finding.AccountNotScanned, Reason: "the scan was interrupted before this account", RoleARN: "arn:aws:iam::200000000007:role/CloudAssureAudit"},
		},
		Findings: []finding.Finding{
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Pass, Risk: "Medium",
				Message: "its only cache behavior (the default) sends real-time logs", Resource: live("E1MGMT00000001", "corporate site"),
				Account: mgmt, Fingerprint: "a1a1a1a1a1a1a1a1",
			},
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Fail, Risk: "Medium",
				Message: "1 of 2 cache behaviors send no real-time logs: /static/*", Resource: memberDist("E2MEMBER000001"),
				Account:   a,
				Behaviors: []finding.Behavior{{PathPattern: "/static/*", Position: 1, State: "absent"}},
				Problems:  []string{`behavior "/static/*" has no real-time log config`}, Fingerprint: "b2b2b2b2b2b2b2b2",
			},
			{
				RuleID: "CF-002", Title: sampleRules()[1].Title, Status: finding.Pass, Risk: "High",
				Message: "real-time logs reach active stream cf-logs through role cf-logs", Resource: memberDist("E2MEMBER000001"),
				Account: a, Fingerprint: "c3c3c3c3c3c3c3c3",
			},
		},
		Errors: []finding.ScanError{
			{Message: denied, Operation: "sts:AssumeRole", Action: "sts:AssumeRole", Code: "AccessDenied", Resource: role, Account: b},
			{Message: "scan interrupted: 1 of 4 accounts were not scanned; the report covers the accounts scanned"},
		},
		Summary: finding.Summary{APICalls: map[string]int{
			"organizations:DescribeOrganization": 1, "organizations:ListAccounts": 1, "sts:AssumeRole": 2,
			"cloudfront:ListDistributions": 2, "cloudfront:ListRealtimeLogConfigs": 2,
		}},
	}
	for _, ri := range sampleRules() {
		r.Findings = append(r.Findings, finding.Finding{
			RuleID: ri.ID, Title: ri.Title, Status: finding.Error, Risk: ri.Risk, Message: denied,
			Resource: accountRes, Account: b, Problems: []string{denied},
			Related:     []finding.Resource{{Type: "AWS::IAM::Role", ID: "CloudAssureAudit", ARN: role}},
			Fingerprint: "d4d4d4d4d4d4d4d" + ri.ID[len(ri.ID)-1:],
		})
	}
	r.Sort()
	r.Summarize()
	return r
}

// TestOrgGolden renders an organization scan in every format.
func TestOrgGolden(t *testing.T) {
	for _, tc := range goldenCases("org") {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(t, tc.format, tc.opts, orgReport()))
		})
	}
}

func TestOrgReportNamesAccounts(t *testing.T) {
	r := orgReport()
	if r.Summary.Accounts == nil || *r.Summary.Accounts != (finding.AccountTally{Total: 5, Scanned: 2, Skipped: 1, Error: 1, NotScanned: 1}) {
		t.Errorf("account tally %+v", r.Summary.Accounts)
	}
	if c := r.Accounts[2].Summary; c.Error != 3 || c.Total != 3 || c.Resources != 1 {
		t.Errorf("counts of the account that could not be read: %+v", c)
	}
	table := string(render(t, "table", Options{}, r))
	for _, want := range []string{"== Account 200000000001 (member-01) ==", "== Account 200000000005 (member-05) [error] ==", "\nAccounts\n", "5 accounts: 2 scanned, 1 skipped, 1 error, 1 not scanned"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	// Accounts come in order, each once.
	if i, j := strings.Index(table, "Account 111122223333"), strings.Index(table, "Account 200000000001"); i < 0 || j < i {
		t.Errorf("account groups out of order:\n%s", table)
	}
	csv := string(render(t, "csv", Options{}, r))
	if !strings.HasPrefix(csv, "account_id,account_name,rule_id,") || !strings.Contains(csv, "\n200000000001,member-01,CF-001,FAIL,") {
		t.Errorf("csv:\n%s", csv)
	}
	sarif := string(render(t, "sarif", Options{Rules: sampleRules()}, r))
	if !strings.Contains(sarif, `"accountId": "200000000001"`) || !strings.Contains(sarif, "[account 200000000005 (member-05)]") {
		t.Errorf("sarif lacks the account:\n%s", sarif)
	}
	junit := string(render(t, "junit", Options{Rules: sampleRules()}, r))
	if !strings.Contains(junit, `name="200000000001/E2MEMBER000001"`) || !strings.Contains(junit, "account: 200000000005 (member-05)") {
		t.Errorf("junit lacks the account:\n%s", junit)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(sarif)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sarifSchema(t).Validate(inst); err != nil {
		t.Errorf("organization SARIF is not valid SARIF 2.1.0: %v", err)
	}
}

// TestSingleAccountHasNoAccountFields: a single-account report carries none
// of the organization fields (the goldens of sample and empty stay as they were).
func TestSingleAccountHasNoAccountFields(t *testing.T) {
	out := string(render(t, "json", Options{}, sampleReport()))
	for _, field := range []string{`"accounts"`, `"organization"`, `"account": {`} {
		if strings.Contains(out, field) {
			t.Errorf("single-account JSON has %s", field)
		}
	}
}
