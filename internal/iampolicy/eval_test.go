package iampolicy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	streamARN = "arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs"
	keyARN    = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func ref(policy, index int, sid string) *StatementRef {
	return &StatementRef{Policy: policy, Index: index, Sid: sid}
}

// allowStmt and denyStmt build one-statement policies.
func allowStmt(body string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow",` + body + `}}`
}

func denyStmt(body string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Deny",` + body + `}}`
}

func parseAll(t testing.TB, docs []string) []*Document {
	t.Helper()
	out := make([]*Document, len(docs))
	for i, d := range docs {
		out[i] = mustParse(t, d)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	put := Request{Action: "kinesis:PutRecord", Resource: streamARN}
	allowedBy := func(p, i int, sid string) Decision {
		return Decision{Effect: Allowed, Statement: ref(p, i, sid)}
	}
	deniedBy := func(p, i int, sid string) Decision {
		return Decision{Effect: ExplicitDeny, Statement: ref(p, i, sid)}
	}
	implicit := Decision{Effect: ImplicitDeny}

	tests := []struct {
		name string
		docs []string
		req  Request
		want Decision
	}{
		// Actions.
		{"exact action", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"action case-insensitive", []string{allowStmt(`"Action":"KINESIS:putrecord","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"request action case-insensitive", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"*"`)}, Request{Action: "Kinesis:PUTRECORD", Resource: streamARN}, allowedBy(0, 0, "")},
		{"action prefix wildcard", []string{allowStmt(`"Action":"kinesis:Put*","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"action prefix wildcard matches PutRecords", []string{allowStmt(`"Action":"kinesis:Put*","Resource":"*"`)}, Request{Action: "kinesis:PutRecords", Resource: streamARN}, allowedBy(0, 0, "")},
		{"action prefix wildcard misses Describe", []string{allowStmt(`"Action":"kinesis:Put*","Resource":"*"`)}, Request{Action: "kinesis:DescribeStream", Resource: streamARN}, implicit},
		{"service wildcard", []string{allowStmt(`"Action":"kinesis:*","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"service wildcard wrong service", []string{allowStmt(`"Action":"firehose:*","Resource":"*"`)}, put, implicit},
		{"star action", []string{allowStmt(`"Action":"*","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"question mark", []string{allowStmt(`"Action":"kinesis:PutRecord?","Resource":"*"`)}, Request{Action: "kinesis:PutRecords", Resource: streamARN}, allowedBy(0, 0, "")},
		{"question mark needs one char", []string{allowStmt(`"Action":"kinesis:PutRecord?","Resource":"*"`)}, put, implicit},
		{"exact action is not a prefix", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"*"`)}, Request{Action: "kinesis:PutRecords", Resource: streamARN}, implicit},
		{"action array", []string{allowStmt(`"Action":["kinesis:DescribeStream","kinesis:PutRecord"],"Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"action array miss", []string{allowStmt(`"Action":["kinesis:DescribeStream","kinesis:PutRecords"],"Resource":"*"`)}, put, implicit},
		{"wildcard inside service", []string{allowStmt(`"Action":"kin*:Put*","Resource":"*"`)}, put, allowedBy(0, 0, "")},

		// NotAction.
		{"NotAction excludes other service", []string{allowStmt(`"NotAction":"iam:*","Resource":"*"`)}, put, allowedBy(0, 0, "")},
		{"NotAction excludes the action", []string{allowStmt(`"NotAction":["kinesis:Put*"],"Resource":"*"`)}, put, implicit},
		{"Deny NotAction denies everything else", []string{
			allowStmt(`"Action":"*","Resource":"*"`),
			denyStmt(`"NotAction":["s3:*","iam:*"],"Resource":"*"`),
		}, put, deniedBy(1, 0, "")},

		// Resources.
		{"exact resource", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"` + streamARN + `"`)}, put, allowedBy(0, 0, "")},
		{"resource case-sensitive", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:us-east-1:111122223333:stream/CF-LOGS"`)}, put, implicit},
		{"resource wrong stream", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:us-east-1:111122223333:stream/other"`)}, put, implicit},
		{"resource suffix wildcard", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:us-east-1:111122223333:stream/cf-*"`)}, put, allowedBy(0, 0, "")},
		{"resource region wildcard", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:*:111122223333:stream/cf-logs"`)}, put, allowedBy(0, 0, "")},
		{"resource wildcard crosses colons", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:*"`)}, put, allowedBy(0, 0, "")},
		{"resource wildcard crosses slash", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:us-east-1:111122223333:*"`)}, put, allowedBy(0, 0, "")},
		{"resource question marks", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:us-east-?:111122223333:stream/cf-log?"`)}, put, allowedBy(0, 0, "")},
		{"resource wrong account", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":"arn:aws:kinesis:*:999999999999:stream/*"`)}, put, implicit},
		{"resource array", []string{allowStmt(`"Action":"kinesis:PutRecord","Resource":["arn:aws:kinesis:us-east-1:111122223333:stream/a","` + streamARN + `"]`)}, put, allowedBy(0, 0, "")},
		{"NotResource other", []string{allowStmt(`"Action":"kinesis:PutRecord","NotResource":"arn:aws:kinesis:us-east-1:111122223333:stream/secret"`)}, put, allowedBy(0, 0, "")},
		{"NotResource excludes", []string{allowStmt(`"Action":"kinesis:PutRecord","NotResource":["arn:aws:kinesis:*:*:stream/cf-*"]`)}, put, implicit},
		{"Deny NotResource applies elsewhere", []string{
			allowStmt(`"Action":"kinesis:*","Resource":"*"`),
			denyStmt(`"Action":"kinesis:*","NotResource":"arn:aws:kinesis:us-east-1:111122223333:stream/approved"`),
		}, put, deniedBy(1, 0, "")},
		{"Deny NotResource spares listed stream", []string{
			allowStmt(`"Action":"kinesis:*","Resource":"*"`),
			denyStmt(`"Action":"kinesis:*","NotResource":"` + streamARN + `"`),
		}, put, allowedBy(0, 0, "")},

		// Deny wins, ordering, references.
		{"deny wins in same document", []string{
			`{"Statement":[{"Sid":"AllowAll","Effect":"Allow","Action":"kinesis:*","Resource":"*"},{"Sid":"DenyPut","Effect":"Deny","Action":"kinesis:PutRecord","Resource":"*"}]}`,
		}, put, deniedBy(0, 1, "DenyPut")},
		{"deny wins across documents", []string{
			allowStmt(`"Action":"kinesis:PutRecord","Resource":"` + streamARN + `"`),
			`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"DenyPut","Effect":"Deny","Action":"kinesis:Put*","Resource":"*"}]}`,
		}, put, deniedBy(1, 1, "DenyPut")},
		{"deny alone is explicit", []string{denyStmt(`"Action":"*","Resource":"*"`)}, put, deniedBy(0, 0, "")},
		{"non-matching deny", []string{
			allowStmt(`"Action":"kinesis:*","Resource":"*"`),
			denyStmt(`"Action":"kinesis:DeleteStream","Resource":"*"`),
		}, put, allowedBy(0, 0, "")},
		{"first allow reported", []string{
			`{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}`,
			allowStmt(`"Action":"*","Resource":"*"`),
		}, put, allowedBy(0, 1, "B")},
		{"no documents", nil, put, implicit},
		{"other action only", []string{allowStmt(`"Action":"kinesis:DescribeStream","Resource":"*"`)}, put, implicit},

		// Principal in an identity policy cannot be evaluated.
		{"principal in identity policy", []string{allowStmt(`"Principal":"*","Action":"kinesis:*","Resource":"*"`)}, put,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"Principal (not evaluated for identity policies)"}}},
		{"no resource element", []string{allowStmt(`"Action":"kinesis:*"`)}, put,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"Resource (statement has none)"}}},

		// Conditions and unknowns.
		{"condition satisfied", []string{allowStmt(`"Action":"kinesis:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)},
			Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: map[string][]string{"aws:RequestedRegion": {"us-east-1"}}}, allowedBy(0, 0, "")},
		{"condition key case-insensitive", []string{allowStmt(`"Action":"kinesis:*","Resource":"*","Condition":{"StringEquals":{"AWS:requestedregion":"us-east-1"}}`)},
			Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: map[string][]string{"aws:RequestedRegion": {"us-east-1"}}}, allowedBy(0, 0, "")},
		{"condition fails", []string{allowStmt(`"Action":"kinesis:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)},
			Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}}, implicit},
		{"condition unknown on allow", []string{allowStmt(`"Action":"kinesis:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`)}, put,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"StringEquals aws:RequestedRegion (key not in request context)"}}},
		{"condition unknown on deny", []string{
			allowStmt(`"Action":"kinesis:*","Resource":"*"`),
			`{"Statement":{"Sid":"DenyOutsideVpc","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}}`,
		}, put, Decision{Effect: ExplicitDeny, Statement: ref(1, 0, "DenyOutsideVpc"), Conditional: true, Unknown: []string{"StringNotEquals aws:SourceVpc (key not in request context)"}}},
		{"known failing deny condition", []string{
			allowStmt(`"Action":"kinesis:*","Resource":"*"`),
			denyStmt(`"Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}`),
		}, Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: map[string][]string{"aws:SourceVpc": {"vpc-1"}}}, allowedBy(0, 0, "")},
		{"definite deny preferred over conditional deny", []string{
			denyStmt(`"Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}`),
			`{"Statement":{"Sid":"Hard","Effect":"Deny","Action":"kinesis:PutRecord","Resource":"*"}}`,
		}, put, deniedBy(1, 0, "Hard")},
		{"definite allow preferred over conditional allow", []string{
			allowStmt(`"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"logs"}}`),
			`{"Statement":{"Sid":"Plain","Effect":"Allow","Action":"kinesis:PutRecord","Resource":"*"}}`,
		}, put, allowedBy(1, 0, "Plain")},
		{"conditional deny beats definite allow", []string{
			allowStmt(`"Action":"*","Resource":"*"`),
			denyStmt(`"Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}`),
		}, put, Decision{Effect: ExplicitDeny, Statement: ref(1, 0, ""), Conditional: true, Unknown: []string{"NumericGreaterThan aws:MultiFactorAuthAge (unsupported operator)"}}},
		{"failing condition beats unknown one", []string{
			allowStmt(`"Action":"*","Resource":"*","Condition":{"StringEquals":{"unknown:key":"x","known:key":"y"}}`),
		}, Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: map[string][]string{"known:key": {"z"}}}, implicit},
		{"several unknowns listed", []string{
			allowStmt(`"Action":"*","Resource":"*","Condition":{"StringEquals":{"a:one":"x"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`),
		}, put, Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{
			"StringEquals a:one (key not in request context)", "DateLessThan aws:CurrentTime (unsupported operator)"}}},

		// Policy variables.
		{"variable resolved", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/notes.txt", Context: map[string][]string{"aws:username": {"alice"}}}, allowedBy(0, 0, "")},
		{"variable other user", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/bob/notes.txt", Context: map[string][]string{"aws:username": {"alice"}}}, implicit},
		{"variable unknown", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice/notes.txt"},
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"Resource (policy variable ${aws:username} not in request context)"}}},
		{"variable absent uses default", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username, 'public'}/*"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/public/x", Context: map[string][]string{"aws:username": nil}}, allowedBy(0, 0, "")},
		{"variable absent without default matches nothing", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home//x", Context: map[string][]string{"aws:username": nil}}, implicit},
		{"variable value is literal", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/anything", Context: map[string][]string{"aws:username": {"*"}}}, implicit},
		{"escaped star is literal", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${*}"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"}, implicit},
		{"escaped star matches star", []string{allowStmt(`"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${*}"`)},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*"}, allowedBy(0, 0, "")},
		{"variables literal under 2008 version", []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}"}}`},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/${aws:username}", Context: map[string][]string{"aws:username": {"alice"}}}, allowedBy(0, 0, "")},
		{"variables literal without version", []string{`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}"}}`},
			Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/alice", Context: map[string][]string{"aws:username": {"alice"}}}, implicit},
		{"variable in condition", []string{allowStmt(`"Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`)},
			Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: map[string][]string{"aws:username": {"alice"}, "s3:prefix": {"home/alice/docs"}}}, allowedBy(0, 0, "")},
		{"unknown variable in condition", []string{allowStmt(`"Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`)},
			Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: map[string][]string{"s3:prefix": {"home/alice/docs"}}},
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"StringLike s3:prefix (policy variable ${aws:username} not in request context)"}}},

		// The CloudFront real-time log role, end to end.
		{"kms key allowed", []string{
			allowStmt(`"Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":"` + streamARN + `"`),
			allowStmt(`"Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"`),
		}, Request{Action: "kms:GenerateDataKey", Resource: keyARN}, allowedBy(1, 0, "")},
		{"kms key missing", []string{
			allowStmt(`"Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":"` + streamARN + `"`),
		}, Request{Action: "kms:GenerateDataKey", Resource: keyARN}, implicit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(parseAll(t, tt.docs), tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Evaluate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConditions runs each condition twice: in an Allow statement (yes →
// Allowed, maybe → Allowed but conditional, no → ImplicitDeny) and in a Deny
// statement next to an Allow of everything (yes → ExplicitDeny, maybe →
// ExplicitDeny but conditional, no → Allowed).
func TestConditions(t *testing.T) {
	type ctx = map[string][]string
	tests := []struct {
		name string
		cond string
		ctx  ctx
		want tri
	}{
		// StringEquals family.
		{"StringEquals match", `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`, ctx{"aws:SourceAccount": {"111122223333"}}, yes},
		{"StringEquals mismatch", `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`, ctx{"aws:SourceAccount": {"444455556666"}}, no},
		{"StringEquals case-sensitive", `{"StringEquals":{"k":"Abc"}}`, ctx{"k": {"abc"}}, no},
		{"StringEquals no wildcards", `{"StringEquals":{"k":"a*"}}`, ctx{"k": {"abc"}}, no},
		{"StringEquals number value", `{"StringEquals":{"aws:SourceAccount":111122223333}}`, ctx{"aws:SourceAccount": {"111122223333"}}, yes},
		{"StringEquals values ORed", `{"StringEquals":{"k":["a","b","c"]}}`, ctx{"k": {"b"}}, yes},
		{"StringEquals unknown", `{"StringEquals":{"k":"a"}}`, nil, maybe},
		{"StringEquals other key known", `{"StringEquals":{"k":"a"}}`, ctx{"j": {"a"}}, maybe},
		{"StringEquals key known absent", `{"StringEquals":{"k":"a"}}`, ctx{"k": nil}, no},
		{"StringEquals multivalued request", `{"StringEquals":{"k":"a"}}`, ctx{"k": {"x", "a"}}, yes},
		{"StringNotEquals match", `{"StringNotEquals":{"k":["a","b"]}}`, ctx{"k": {"c"}}, yes},
		{"StringNotEquals listed", `{"StringNotEquals":{"k":["a","b"]}}`, ctx{"k": {"b"}}, no},
		{"StringNotEquals key absent", `{"StringNotEquals":{"k":"a"}}`, ctx{"k": {}}, yes},
		{"StringNotEquals unknown", `{"StringNotEquals":{"k":"a"}}`, nil, maybe},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"k":"ABC"}}`, ctx{"k": {"abc"}}, yes},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"k":"ABC"}}`, ctx{"k": {"abc"}}, no},

		// StringLike.
		{"StringLike star", `{"StringLike":{"k":"home/*"}}`, ctx{"k": {"home/a/b"}}, yes},
		{"StringLike question", `{"StringLike":{"k":"v?"}}`, ctx{"k": {"v1"}}, yes},
		{"StringLike mismatch", `{"StringLike":{"k":"home/*"}}`, ctx{"k": {"tmp/a"}}, no},
		{"StringLike case-sensitive", `{"StringLike":{"k":"Home/*"}}`, ctx{"k": {"home/a"}}, no},
		{"StringNotLike match", `{"StringNotLike":{"k":["tmp/*","var/*"]}}`, ctx{"k": {"home/a"}}, yes},
		{"StringNotLike listed", `{"StringNotLike":{"k":["tmp/*","var/*"]}}`, ctx{"k": {"var/x"}}, no},
		{"StringLike empty value list", `{"StringLike":{"k":[]}}`, ctx{"k": {"a"}}, no},

		// ARNs.
		{"ArnEquals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::111122223333:distribution/E1"}}, yes},
		{"ArnLike wildcard resource", `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::111122223333:distribution/E1"}}, yes},
		{"ArnLike wrong account", `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:*"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::444455556666:distribution/E1"}}, no},
		{"ArnLike segment wildcard stays in segment", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:*:b"}}`, ctx{"aws:SourceArn": {"arn:aws:s3:x:y:z:b"}}, no},
		{"ArnLike short pattern", `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront:*"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::1:distribution/E1"}}, yes},
		{"ArnNotLike", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:*"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::444455556666:distribution/E1"}}, yes},
		{"ArnNotEquals same", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:cloudfront::1:distribution/E1"}}`, ctx{"aws:SourceArn": {"arn:aws:cloudfront::1:distribution/E1"}}, no},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"true"}}, yes},
		{"Bool JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, ctx{"aws:SecureTransport": {"false"}}, yes},
		{"Bool case", `{"Bool":{"aws:SecureTransport":"True"}}`, ctx{"aws:SecureTransport": {"true"}}, yes},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"false"}}`, ctx{"aws:SecureTransport": {"true"}}, no},
		{"Bool unknown", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, maybe},

		// Null.
		{"Null true absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:TokenIssueTime": nil}, yes},
		{"Null true present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:TokenIssueTime": {"2020"}}, no},
		{"Null false present", `{"Null":{"aws:TokenIssueTime":false}}`, ctx{"aws:TokenIssueTime": {"2020"}}, yes},
		{"Null unknown", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, maybe},

		// IfExists.
		{"IfExists missing passes", `{"StringEqualsIfExists":{"k":"a"}}`, nil, yes},
		{"IfExists known absent passes", `{"StringEqualsIfExists":{"k":"a"}}`, ctx{"k": nil}, yes},
		{"IfExists present evaluated", `{"StringEqualsIfExists":{"k":"a"}}`, ctx{"k": {"b"}}, no},
		{"IfExists present match", `{"StringLikeIfExists":{"k":"a*"}}`, ctx{"k": {"abc"}}, yes},
		{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:cloudfront::1:*"}}`, nil, yes},
		{"BoolIfExists mismatch", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, ctx{"aws:MultiFactorAuthPresent": {"false"}}, no},

		// Set operators.
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"owner", "team"}}, yes},
		{"ForAnyValue none match", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"owner"}}, no},
		{"ForAnyValue empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": {}}, no},
		{"ForAnyValue unknown", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, nil, maybe},
		{"ForAnyValue StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":"e*"}}`, ctx{"aws:TagKeys": {"x", "env"}}, yes},
		{"ForAnyValue StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": {"env", "x"}}, yes},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["env"]}}`, nil, yes},
		{"ForAllValues all listed", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"team", "env"}}, yes},
		{"ForAllValues one unlisted", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"team", "owner"}}, no},
		{"ForAllValues empty set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, ctx{"aws:TagKeys": nil}, yes},
		{"ForAllValues unknown", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, nil, maybe},
		{"ForAllValues StringNotLike", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"aws:*"}}`, ctx{"aws:TagKeys": {"env", "aws:x"}}, no},
		{"ForAllValues StringEqualsIgnoreCase", `{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["ENV"]}}`, ctx{"aws:TagKeys": {"env", "Env"}}, yes},

		// Combining.
		{"operators ANDed", `{"StringEquals":{"a":"1"},"StringLike":{"b":"x*"}}`, ctx{"a": {"1"}, "b": {"y"}}, no},
		{"keys ANDed", `{"StringEquals":{"a":"1","b":"2"}}`, ctx{"a": {"1"}, "b": {"2"}}, yes},
		{"known false wins over unknown", `{"StringEquals":{"a":"1","b":"2"}}`, ctx{"b": {"3"}}, no},
		{"unknown and true", `{"StringEquals":{"a":"1","b":"2"}}`, ctx{"b": {"2"}}, maybe},
		{"empty condition block", `{}`, nil, yes},
		{"empty operator block", `{"StringEquals":{}}`, nil, yes},

		// Policy variables and key case in conditions.
		{"variable resolved", `{"StringEquals":{"k":"${j}"}}`, ctx{"k": {"a"}, "j": {"a"}}, yes},
		{"variable multivalued never matches", `{"StringEquals":{"k":"${j}"}}`, ctx{"k": {"a"}, "j": {"a", "b"}}, no},
		{"StringNotEquals unknown variable", `{"StringNotEquals":{"k":"${x}"}}`, ctx{"k": {"a"}}, maybe},
		{"StringNotEquals known match beats unknown variable", `{"StringNotEquals":{"k":["${x}","a"]}}`, ctx{"k": {"a"}}, no},
		{"ForAllValues unknown variable", `{"ForAllValues:StringEquals":{"k":["${x}","a"]}}`, ctx{"k": {"a", "b"}}, maybe},
		{"Null unknown variable", `{"Null":{"k":"${x}"}}`, ctx{"k": nil}, maybe},
		{"keys differing in case are merged", `{"ForAllValues:StringEquals":{"k":["a","b"]}}`, ctx{"K": {"a"}, "k": {"b"}, "j": {"c"}}, yes},
		{"merged keys any value", `{"StringEquals":{"k":"b"}}`, ctx{"K": {"a"}, "k": {"b"}}, yes},

		// Unsupported operators never panic and are unknown.
		{"NumericLessThan", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, ctx{"aws:MultiFactorAuthAge": {"10"}}, maybe},
		{"IpAddress", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx{"aws:SourceIp": {"10.1.2.3"}}, maybe},
		{"misspelled", `{"StringEqual":{"k":"a"}}`, ctx{"k": {"a"}}, maybe},
		{"wrong case operator", `{"stringequals":{"k":"a"}}`, ctx{"k": {"a"}}, maybe},
		{"Null with IfExists", `{"NullIfExists":{"k":"true"}}`, ctx{"k": nil}, maybe},
		{"bad set prefix", `{"ForSomeValues:StringEquals":{"k":"a"}}`, ctx{"k": {"a"}}, maybe},
		{"only prefix", `{"ForAnyValue:":{"k":"a"}}`, ctx{"k": {"a"}}, maybe},
		{"only IfExists", `{"IfExists":{"k":"a"}}`, nil, maybe},
	}
	req := Request{Action: "kinesis:PutRecord", Resource: streamARN}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := req
			req.Context = tt.ctx
			allow := mustParse(t, allowStmt(`"Action":"*","Resource":"*","Condition":`+tt.cond))
			deny := mustParse(t, denyStmt(`"Action":"*","Resource":"*","Condition":`+tt.cond))
			base := mustParse(t, allowStmt(`"Action":"*","Resource":"*"`))

			got := Evaluate([]*Document{allow}, req)
			want := map[tri]Effect{yes: Allowed, maybe: Allowed, no: ImplicitDeny}[tt.want]
			if got.Effect != want || got.Conditional != (tt.want == maybe) {
				t.Errorf("as Allow: got %v (%s), want %v conditional=%v", got.Effect, got, want, tt.want == maybe)
			}
			if tt.want == maybe && len(got.Unknown) == 0 {
				t.Errorf("as Allow: conditional decision without Unknown entries")
			}

			got = Evaluate([]*Document{base, deny}, req)
			want = map[tri]Effect{yes: ExplicitDeny, maybe: ExplicitDeny, no: Allowed}[tt.want]
			if got.Effect != want || got.Conditional != (tt.want == maybe) {
				t.Errorf("as Deny: got %v (%s), want %v conditional=%v", got.Effect, got, want, tt.want == maybe)
			}
		})
	}
}

const cloudfront = "cloudfront.amazonaws.com"

func TestTrustsService(t *testing.T) {
	trust := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	cfAssume := `{"Sid":"CF","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}`
	sourceCtx := map[string][]string{
		"aws:SourceAccount": {"111122223333"},
		"aws:SourceArn":     {"arn:aws:cloudfront::111122223333:distribution/E1"},
	}
	tests := []struct {
		name    string
		doc     string
		service string
		ctx     map[string][]string
		want    Decision
	}{
		{"cloudfront trusted", trust(cfAssume), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "CF")}},
		{"single statement object", `{"Statement":{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}}`, cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"lambda only", trust(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"lambda asks cloudfront role", trust(cfAssume), "lambda.amazonaws.com", nil, Decision{Effect: ImplicitDeny}},
		{"service array", trust(`{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","cloudfront.amazonaws.com"]},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"service case-insensitive", trust(`{"Effect":"Allow","Principal":{"Service":"CloudFront.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"principal star", trust(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"AWS star", trust(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"AWS star in array", trust(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"AWS account only", trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"federated only", trust(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"service wildcard is literal", trust(`{"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"action wildcard", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:*"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"action star", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"*"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"action prefix wildcard", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:Assume*"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"only TagSession", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:TagSession"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"AssumeRoleWithSAML is not AssumeRole", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRoleWithSAML"}`), cloudfront, nil, Decision{Effect: ImplicitDeny}},
		{"action array", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":["sts:TagSession","sts:AssumeRole"]}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"NotAction", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"NotAction":"sts:TagSession"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"deny for service wins", trust(cfAssume, `{"Sid":"NoCF","Effect":"Deny","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: ExplicitDeny, Statement: ref(0, 1, "NoCF")}},
		{"deny for everyone wins", trust(cfAssume, `{"Effect":"Deny","Principal":"*","Action":"sts:*"}`), cloudfront, nil, Decision{Effect: ExplicitDeny, Statement: ref(0, 1, "")}},
		{"deny for other service", trust(cfAssume, `{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "CF")}},
		{"deny NotPrincipal other", trust(cfAssume, `{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: ExplicitDeny, Statement: ref(0, 1, "")}},
		{"deny NotPrincipal spares service", trust(cfAssume, `{"Effect":"Deny","NotPrincipal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "CF")}},
		{"allow NotPrincipal", trust(`{"Effect":"Allow","NotPrincipal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"conditions satisfied", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}}`), cloudfront, sourceCtx, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"condition wrong account", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}}}`), cloudfront, sourceCtx, Decision{Effect: ImplicitDeny}},
		{"condition unknown", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`), cloudfront, nil,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"StringEquals aws:SourceAccount (key not in request context)"}}},
		{"resource star", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}`), cloudfront, nil, Decision{Effect: Allowed, Statement: ref(0, 0, "")}},
		{"resource specific", trust(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"arn:aws:iam::1:role/x"}`), cloudfront, nil,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"Resource (the role's own ARN is not known)"}}},
		{"no principal", trust(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), cloudfront, nil,
			Decision{Effect: Allowed, Statement: ref(0, 0, ""), Conditional: true, Unknown: []string{"Principal (statement has none)"}}},
		{"empty policy", `{"Statement":[]}`, cloudfront, nil, Decision{Effect: ImplicitDeny}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TrustsService(mustParse(t, tt.doc), tt.service, tt.ctx)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TrustsService mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{ImplicitDeny.String(), "ImplicitDeny"},
		{Allowed.String(), "Allowed"},
		{ExplicitDeny.String(), "ExplicitDeny"},
		{Effect(9).String(), "Effect(9)"},
		{StatementRef{Policy: 1, Index: 0, Sid: "DenyPut"}.String(), `statement "DenyPut" (policy 2)`},
		{StatementRef{Policy: 0, Index: 2}.String(), `statement 3 (policy 1)`},
		{StatementRef{Policy: 0, PolicyName: "KinesisWrite", Index: 2}.String(), `statement 3 (policy "KinesisWrite")`},
		{Decision{Effect: ImplicitDeny}.String(), "implicitly denied: no statement allows it"},
		{Decision{Effect: Allowed, Statement: ref(0, 0, "A")}.String(), `allowed by statement "A" (policy 1)`},
		{Decision{Effect: ExplicitDeny, Statement: ref(1, 0, "DenyPut")}.String(), `explicitly denied by statement "DenyPut" (policy 2)`},
		{Decision{Effect: Allowed, Statement: ref(0, 1, ""), Conditional: true, Unknown: []string{"StringEquals k (key not in request context)", "Bool b (key not in request context)"}}.String(),
			`allowed by statement 2 (policy 1); conditional on: StringEquals k (key not in request context); Bool b (key not in request context)`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestPolicyName(t *testing.T) {
	a := mustParse(t, allowStmt(`"Action":"*","Resource":"*"`))
	d := mustParse(t, `{"Statement":{"Sid":"NoPut","Effect":"Deny","Action":"kinesis:Put*","Resource":"*"}}`)
	a.Name, d.Name = "inline:all", "arn:aws:iam::aws:policy/Deny"
	got := Evaluate([]*Document{a, d}, Request{Action: "kinesis:PutRecord", Resource: streamARN})
	want := `explicitly denied by statement "NoPut" (policy "arn:aws:iam::aws:policy/Deny")`
	if got.String() != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEvaluateDoesNotMutate(t *testing.T) {
	// Documents are read-only after Parse, so they can be shared between
	// goroutines (checked under -race).
	docs := parseAll(t, []string{
		allowStmt(`"Action":"kinesis:*","Resource":"arn:aws:kinesis:*:*:stream/${aws:PrincipalTag/stream}"`),
		denyStmt(`"Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}`),
	})
	ctx := map[string][]string{"aws:PrincipalTag/stream": {"cf-logs"}, "aws:RequestedRegion": {"us-east-1"}}
	done := make(chan Decision)
	for range 8 {
		go func() {
			done <- Evaluate(docs, Request{Action: "kinesis:PutRecord", Resource: streamARN, Context: ctx})
		}()
	}
	for range 8 {
		if got := <-done; got.Effect != Allowed || got.Conditional {
			t.Errorf("got %v", got)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	docs := parseAll(b, []string{
		`{"Version":"2012-10-17","Statement":[
			{"Sid":"Describe","Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream"],"Resource":"arn:aws:kinesis:*:111122223333:stream/*"},
			{"Sid":"Put","Effect":"Allow","Action":"kinesis:Put*","Resource":"` + streamARN + `"}]}`,
		`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"},
			{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["kinesis:*","kms:*","s3:Get*"],"Resource":"*"}}`,
	})
	reqs := []Request{
		{Action: "kinesis:DescribeStreamSummary", Resource: streamARN},
		{Action: "kinesis:DescribeStream", Resource: streamARN},
		{Action: "kinesis:PutRecord", Resource: streamARN},
		{Action: "kinesis:PutRecords", Resource: streamARN},
		{Action: "kms:GenerateDataKey", Resource: keyARN},
	}
	ctx := map[string][]string{"aws:RequestedRegion": {"us-east-1"}}
	for i := range reqs {
		reqs[i].Context = ctx
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range reqs {
			if d := Evaluate(docs, r); d.Effect != Allowed {
				b.Fatalf("%s: %v", r.Action, d)
			}
		}
	}
}

func ExampleEvaluate() {
	role, _ := Parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kinesis:*","Resource":"*"},
		{"Sid":"DenyPut","Effect":"Deny","Action":"kinesis:Put*","Resource":"*"}]}`)
	d := Evaluate([]*Document{role}, Request{
		Action:   "kinesis:PutRecords",
		Resource: "arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs",
	})
	fmt.Println(d.Effect)
	fmt.Println(d)
	// Output:
	// ExplicitDeny
	// explicitly denied by statement "DenyPut" (policy 1)
}

func ExampleTrustsService() {
	trust, _ := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow",
		"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}}`)
	fmt.Println(TrustsService(trust, "cloudfront.amazonaws.com", nil))
	fmt.Println(TrustsService(trust, "cloudfront.amazonaws.com", map[string][]string{"aws:SourceAccount": {"111122223333"}}))
	// Output:
	// allowed by statement 1 (policy 1); conditional on: StringEquals aws:SourceAccount (key not in request context)
	// allowed by statement 1 (policy 1)
}
