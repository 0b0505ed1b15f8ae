package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

func TestCF002(t *testing.T) {
	all := realtimelog.DeliveryActions()
	const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	withPolicy := func(doc string) func(*model.Inventory) {
		return func(inv *model.Inventory) {
			inv.Roles[exampleRoleARN].Policies = append(inv.Roles[exampleRoleARN].Policies, model.Policy{Name: "extra", Document: doc})
		}
	}
	trust := func(condition string) func(*model.Inventory) {
		return func(inv *model.Inventory) {
			inv.Roles[exampleRoleARN].TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` +
				`"Action":"sts:AssumeRole","Condition":` + condition + `}]}`
		}
	}
	kms := func(key string) func(*model.Inventory) {
		return func(inv *model.Inventory) {
			st := inv.Streams[exampleStreamARN]
			st.Encryption, st.KeyID = "KMS", key
		}
	}
	tests := []struct {
		name   string
		mutate func(*model.Inventory)
		want   finding.Status
		msg    string
	}{
		{"delivers", nil, finding.Pass, "config main → stream cf-logs (ACTIVE) via role cf-logs"},
		{"explicit deny wins", withPolicy(`{"Statement":{"Effect":"Deny","Action":"kinesis:Put*","Resource":"*"}}`), finding.Fail, "may not kinesis:PutRecord"},
		{"wildcard allow elsewhere still denied", withPolicy(`{"Statement":[{"Sid":"NoPut","Effect":"Deny","Action":"kinesis:PutRecords","Resource":"arn:aws:kinesis:*:*:stream/cf-*"}]}`), finding.Fail, "kinesis:PutRecords"},
		{"kms customer key without permission", kms(keyARN), finding.Fail, "kms:GenerateDataKey on key " + keyARN},
		{"kms customer key with permission", func(inv *model.Inventory) {
			kms(keyARN)(inv)
			withPolicy(`{"Statement":{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"` + keyARN + `"}}`)(inv)
		}, finding.Pass, ""},
		{"kms key id resolved to ARN", kms("1234abcd-12ab-34cd-56ef-1234567890ab"), finding.Fail, keyARN},
		{"aws managed key needs no IAM grant", kms("alias/aws/kinesis"), finding.Pass, ""},
		{"role missing", func(inv *model.Inventory) { inv.Roles[exampleRoleARN] = &model.Role{ARN: exampleRoleARN} }, finding.Fail, "which does not exist"},
		{"role unreadable", func(inv *model.Inventory) {
			inv.Roles[exampleRoleARN] = &model.Role{ARN: exampleRoleARN, Err: &model.ReadError{Operation: "iam:GetRole", Code: "AccessDenied", Message: "AccessDenied: no"}}
		}, finding.Error, "could not be read"},
		{"stream unreadable", func(inv *model.Inventory) {
			inv.Streams[exampleStreamARN] = &model.Stream{ARN: exampleStreamARN, Err: &model.ReadError{Operation: "kinesis:DescribeStreamSummary", Message: "AccessDeniedException"}}
		}, finding.Error, "could not be read"},
		{"malformed trust policy", func(inv *model.Inventory) { inv.Roles[exampleRoleARN].TrustPolicy = "{" }, finding.Fail, "trust policy"},
		{"source-account condition, account known", trust(`{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), finding.Pass, ""},
		{"source-account condition, another account", trust(`{"StringEquals":{"aws:SourceAccount":"444455556666"}}`), finding.Fail, "does not trust"},
		{"source-account condition, account unknown", func(inv *model.Inventory) {
			trust(`{"StringEquals":{"aws:SourceAccount":"111122223333"}}`)(inv)
			inv.Account = ""
		}, finding.Error, "account is not known"},
		{"source-arn condition with the account in it, account unknown", func(inv *model.Inventory) {
			trust(`{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::${aws:SourceAccount}:distribution/*"}}`)(inv)
			inv.Account = ""
		}, finding.Error, "account is not known"},
		{"source-arn condition, distribution ARN known, account unknown", func(inv *model.Inventory) {
			trust(`{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}`)(inv)
			inv.Account = ""
		}, finding.Pass, ""},
		{"deny on another source account, account unknown", func(inv *model.Inventory) {
			inv.Roles[exampleRoleARN].TrustPolicy = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"},` +
				`{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]}`
			inv.Account = ""
		}, finding.Error, "account is not known"},
		{"no condition, account unknown", func(inv *model.Inventory) { inv.Account = "" }, finding.Pass, ""},
		{"stream deleted and role broken: both named", func(inv *model.Inventory) {
			inv.Streams[exampleStreamARN] = &model.Stream{ARN: exampleStreamARN}
			inv.Roles[exampleRoleARN] = &model.Role{ARN: exampleRoleARN}
		}, finding.Fail, "(and 1 more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, all...)
			if tt.mutate != nil {
				tt.mutate(inv)
			}
			fs := cf002().Check(inv, Options{Policy: DefaultPolicy()})
			f := fs[0]
			if f.Status != tt.want || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("got %s %q (problems %q), want %s containing %q", f.Status, f.Message, f.Problems, tt.want, tt.msg)
			}
			if len(f.Related) == 0 {
				t.Error("no related resources named")
			}
		})
	}
}

// TestCF002SharedConfigEvaluatedOnce checks that two distributions using one
// broken config both fail, naming the same problem.
func TestCF002SharedConfig(t *testing.T) {
	inv := exampleDelivery("CREATING", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
	inv.Distributions = append(inv.Distributions, exampleDistribution("E2", true, exampleConfigARN))
	fs := cf002().Check(inv, Options{Policy: DefaultPolicy()})
	if len(fs) != 2 {
		t.Fatalf("%d findings", len(fs))
	}
	for _, f := range fs {
		if f.Status != finding.Fail || !strings.Contains(f.Message, "is CREATING, not ACTIVE") {
			t.Errorf("%s: %s %q", f.Resource.ID, f.Status, f.Message)
		}
	}
}

// CF-002 records, on the stream and the role it names in related, what it
// judged: the stream's status and encryption, whether the role's trust
// policy lets CloudFront assume it and whether each needed action is allowed.
func TestCF002JudgedFacts(t *testing.T) {
	const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	allowed := func(actions ...string) map[string]bool {
		m := map[string]bool{}
		for _, a := range realtimelog.DeliveryActions() {
			m[a+" "+exampleStreamARN] = false
		}
		for _, a := range actions {
			m[a] = true
		}
		return m
	}
	every := func(extra ...string) map[string]bool {
		var all []string
		for _, a := range realtimelog.DeliveryActions() {
			all = append(all, a+" "+exampleStreamARN)
		}
		return allowed(append(all, extra...)...)
	}
	tests := []struct {
		name    string
		inv     func() *model.Inventory
		stream  finding.StreamCheck
		found   bool
		trust   string
		actions map[string]bool // "ACTION RESOURCE" -> allowed
		roleErr string
	}{
		{name: "delivers", inv: func() *model.Inventory {
			return exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
		},
			stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, found: true, trust: finding.TrustAllowed, actions: every()},
		{name: "stream creating", inv: func() *model.Inventory {
			return exampleDelivery("CREATING", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
		},
			stream: finding.StreamCheck{Found: true, Status: "CREATING", Encryption: "NONE"}, found: true, trust: finding.TrustAllowed, actions: every()},
		{name: "stream deleted", inv: func() *model.Inventory {
			return exampleDelivery("", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
		},
			stream: finding.StreamCheck{}, found: true, trust: finding.TrustAllowed, actions: every()},
		{name: "stream unreadable", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Streams[exampleStreamARN] = &model.Stream{ARN: exampleStreamARN, Err: &model.ReadError{Operation: "kinesis:DescribeStreamSummary", Message: "AccessDeniedException"}}
			return inv
		}, stream: finding.StreamCheck{Error: (&model.ReadError{Operation: "kinesis:DescribeStreamSummary", Message: "AccessDeniedException"}).Error()},
			found: true, trust: finding.TrustAllowed, actions: every()},
		{name: "customer managed key not granted", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Streams[exampleStreamARN].Encryption, inv.Streams[exampleStreamARN].KeyID = "KMS", keyARN
			return inv
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "KMS", KeyID: keyARN}, found: true, trust: finding.TrustAllowed,
			actions: func() map[string]bool { m := every(); m[realtimelog.KeyAction+" "+keyARN] = false; return m }()},
		{name: "role trusts another service, lacks PutRecords", inv: func() *model.Inventory {
			return exampleDelivery("ACTIVE", "lambda.amazonaws.com", "kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord")
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, found: true, trust: finding.TrustDenied,
			actions: allowed("kinesis:DescribeStreamSummary "+exampleStreamARN, "kinesis:DescribeStream "+exampleStreamARN, "kinesis:PutRecord "+exampleStreamARN)},
		{name: "trust policy malformed", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Roles[exampleRoleARN].TrustPolicy = "{"
			return inv
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, found: true, trust: finding.TrustInvalid, actions: every()},
		{name: "trust undecided without the account", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Roles[exampleRoleARN].TrustPolicy = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`
			inv.Account = ""
			return inv
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, found: true, trust: finding.TrustUndecided, actions: every()},
		{name: "role missing", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Roles[exampleRoleARN] = &model.Role{ARN: exampleRoleARN}
			return inv
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, actions: map[string]bool{}},
		{name: "role unreadable", inv: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			inv.Roles[exampleRoleARN] = &model.Role{ARN: exampleRoleARN, Err: &model.ReadError{Operation: "iam:GetRole", Code: "AccessDenied", Message: "no"}}
			return inv
		}, stream: finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "NONE"}, actions: map[string]bool{},
			roleErr: (&model.ReadError{Operation: "iam:GetRole", Code: "AccessDenied", Message: "no"}).Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cf002().Check(tt.inv(), Options{Policy: DefaultPolicy()})[0]
			var stream *finding.StreamCheck
			var role *finding.RoleCheck
			for _, r := range f.Related {
				switch {
				case r.Type == "AWS::Kinesis::Stream" && r.ARN == exampleStreamARN:
					stream = r.Stream
				case r.Type == "AWS::IAM::Role" && r.ARN == exampleRoleARN:
					role = r.Role
				case r.Stream != nil || r.Role != nil:
					t.Errorf("%s %s carries stream or role facts", r.Type, r.ID)
				}
			}
			if stream == nil || role == nil {
				t.Fatalf("related %+v: want the stream and the role with what was judged", f.Related)
			}
			if diff := cmp.Diff(tt.stream, *stream); diff != "" {
				t.Errorf("stream (-want +got):\n%s", diff)
			}
			if role.Found != tt.found || role.Trust != tt.trust || role.Error != tt.roleErr {
				t.Errorf("role found=%v trust=%q (%s) error=%q, want found=%v trust=%q error=%q",
					role.Found, role.Trust, role.TrustDetail, role.Error, tt.found, tt.trust, tt.roleErr)
			}
			if tt.trust != "" && role.TrustDetail == "" {
				t.Error("no trust detail")
			}
			got := map[string]bool{}
			for _, a := range role.Actions {
				got[a.Action+" "+a.Resource] = a.Allowed
				if a.Detail == "" {
					t.Errorf("%s: no detail", a.Action)
				}
			}
			if diff := cmp.Diff(tt.actions, got); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

// A trust policy that names one distribution lets CloudFront assume the role
// for that distribution only: two distributions sharing the config are
// judged each with its own ARN, not with the first one's verdict.
func TestCF002TrustPerDistribution(t *testing.T) {
	for _, first := range []string{"E1DELIVERY", "E2"} {
		t.Run(first+" first", func(t *testing.T) {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, realtimelog.DeliveryActions()...)
			e2 := exampleDistribution("E2", true, exampleConfigARN)
			if first == "E2" {
				inv.Distributions = append([]*model.Distribution{e2}, inv.Distributions...)
			} else {
				inv.Distributions = append(inv.Distributions, e2)
			}
			inv.Roles[exampleRoleARN].TrustPolicy = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole",` +
				`"Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1DELIVERY"}}}]}`
			want := map[string]finding.Status{"E1DELIVERY": finding.Pass, "E2": finding.Fail}
			for _, f := range cf002().Check(inv, Options{Policy: DefaultPolicy()}) {
				if f.Status != want[f.Resource.ID] {
					t.Errorf("%s: %s %q, want %s", f.Resource.ID, f.Status, f.Message, want[f.Resource.ID])
				}
			}
		})
	}
}
