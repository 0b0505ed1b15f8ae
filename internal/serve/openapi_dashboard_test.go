package serve

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

// What the dashboard adds to the store is documented in the API's schema: a
// failing CF-001 finding's other behaviors, each behavior's position, the
// stream and role facts of CF-002 and the suppression_lifted event.
func TestOpenAPIDocumentsDashboardData(t *testing.T) {
	c := jsonschema.NewCompiler()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("openapi.json", raw); err != nil {
		t.Fatal(err)
	}
	detail := store.Detail{
		Behaviors:      []finding.Behavior{{PathPattern: "/api/*", Position: 2, State: "absent"}},
		OtherBehaviors: []finding.Behavior{{PathPattern: "*", Default: true, RealtimeLogConfigARN: "arn:aws:cloudfront::111111111111:realtime-log-config/x", State: "known"}},
	}
	ev := store.Event{ID: 1, At: time.Now().UTC(), Key: store.Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E1"},
		ResourceType: "AWS::CloudFront::Distribution", Kind: store.SuppressionLifted, FromStatus: "SKIP", ToStatus: "FAIL",
		Message: "suppression lifted by alice", Detail: detail, RoundID: "dashboard"}
	const stream = "arn:aws:kinesis:us-east-1:111111111111:stream/cf-logs"
	delivery := store.Detail{
		Problems: []string{"role cf-logs may not kinesis:PutRecords on stream cf-logs"},
		Related: []finding.Resource{
			{Type: "AWS::CloudFront::RealtimeLogConfig", ID: "x", ARN: "arn:aws:cloudfront::111111111111:realtime-log-config/x"},
			{Type: "AWS::Kinesis::Stream", ID: "cf-logs", ARN: stream,
				Stream: &finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "KMS", KeyID: "alias/cf", Error: "x"}},
			{Type: "AWS::IAM::Role", ID: "cf-logs", ARN: "arn:aws:iam::111111111111:role/cf-logs", Role: &finding.RoleCheck{
				Found: true, Trust: finding.TrustUndecided, TrustDetail: "allowed; conditional", Error: "x", PoliciesError: "y",
				Actions: []finding.ActionCheck{{Action: "kinesis:PutRecords", Resource: stream, Detail: "implicitly denied: no statement allows it"}}}},
		},
	}
	for _, tc := range []struct {
		ref string
		v   any
	}{
		{"#/components/schemas/Detail", detail},
		{"#/components/schemas/Detail", delivery},
		{"#/components/schemas/Event", ev},
	} {
		ref, v := tc.ref, tc.v
		sch, err := c.Compile("openapi.json" + ref)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s does not match the schema: %v\n%s", ref, err, b)
		}
	}
}
