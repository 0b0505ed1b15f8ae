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
// failing CF-001 finding's other behaviors and the suppression_lifted event.
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
		Behaviors:      []finding.Behavior{{PathPattern: "/api/*", State: "absent"}},
		OtherBehaviors: []finding.Behavior{{PathPattern: "*", Default: true, RealtimeLogConfigARN: "arn:aws:cloudfront::111111111111:realtime-log-config/x", State: "known"}},
	}
	ev := store.Event{ID: 1, At: time.Now().UTC(), Key: store.Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E1"},
		ResourceType: "AWS::CloudFront::Distribution", Kind: store.SuppressionLifted, FromStatus: "SKIP", ToStatus: "FAIL",
		Message: "suppression lifted by alice", Detail: detail, RoundID: "dashboard"}
	for ref, v := range map[string]any{"#/components/schemas/Detail": detail, "#/components/schemas/Event": ev} {
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
