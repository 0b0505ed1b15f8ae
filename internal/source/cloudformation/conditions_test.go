package cloudformation

import (
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// TestUnresolvedConditionNeverHidesABehavior: an Fn::If whose condition
// cannot be resolved, around the whole CacheBehaviors list, one behavior, or
// the ARN with AWS::NoValue on one side, passes only if every branch sends
// logs; a branch without a config fails, naming the condition.
func TestUnresolvedConditionNeverHidesABehavior(t *testing.T) {
	const head = "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior: {RealtimeLogConfigArn: arn:a}\n"
	for _, tc := range []struct {
		name, behaviors string
		want            finding.Status
		problem         string
	}{
		{"whole list, one branch without the config",
			"        CacheBehaviors: !If [IsProd, [{PathPattern: /api/*, RealtimeLogConfigArn: arn:a}], [{PathPattern: /api/*}]]\n",
			finding.Fail, `behavior "/api/*" has no real-time log config when condition IsProd is false`},
		{"whole list, both branches log",
			"        CacheBehaviors: !If [IsProd, [{PathPattern: /api/*, RealtimeLogConfigArn: arn:a}], [{PathPattern: /b/*, RealtimeLogConfigArn: arn:b}]]\n",
			finding.Pass, ""},
		{"one behavior, one branch without the config",
			"        CacheBehaviors:\n          - !If [IsProd, {PathPattern: /api/*}, {PathPattern: /api/*, RealtimeLogConfigArn: arn:a}]\n",
			finding.Fail, `behavior "/api/*" has no real-time log config when condition IsProd is true`},
		{"one behavior that exists only in prod, logging",
			"        CacheBehaviors:\n          - !If [IsProd, {PathPattern: /api/*, RealtimeLogConfigArn: arn:a}, !Ref AWS::NoValue]\n",
			finding.Pass, ""},
		{"the whole DistributionConfig, the second branch's behavior without the config",
			"",
			finding.Fail, `behavior "/api/*" has no real-time log config when condition IsProd is false`},
		{"the ARN with AWS::NoValue on one side",
			"        CacheBehaviors:\n          - PathPattern: /api/*\n            RealtimeLogConfigArn: !If [IsProd, arn:a, !Ref AWS::NoValue]\n",
			finding.Fail, `behavior "/api/*" has no real-time log config when condition IsProd is false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + tc.behaviors
			if tc.behaviors == "" {
				src = strings.Replace(head, "      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior: {RealtimeLogConfigArn: arn:a}\n",
					"      DistributionConfig: !If\n        - IsProd\n        - {Enabled: true, DefaultCacheBehavior: {RealtimeLogConfigArn: arn:a}, CacheBehaviors: [{PathPattern: /api/*, RealtimeLogConfigArn: arn:a}]}\n"+
						"        - {Enabled: true, DefaultCacheBehavior: {RealtimeLogConfigArn: arn:a}, CacheBehaviors: [{PathPattern: /api/*}]}\n", 1)
			}
			inv := mustRead(t, src)
			r, _ := rules.Find("CF-001")
			fs := rules.Run(inv, []*rules.Rule{r}, rules.Options{Policy: rules.DefaultPolicy()})
			if len(fs) != 1 {
				t.Fatalf("%d findings (errors %v)", len(fs), inv.Errors)
			}
			f := fs[0]
			if f.Status != tc.want {
				t.Fatalf("%s, want %s: %s", f.Status, tc.want, f.Message)
			}
			if tc.problem != "" && (len(f.Problems) != 1 || !strings.Contains(f.Problems[0], tc.problem)) {
				t.Errorf("problems %q, want %q", f.Problems, tc.problem)
			}
		})
	}
}
