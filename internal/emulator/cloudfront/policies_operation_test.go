package cloudfront

import (
	"net/http/httptest"
	"testing"
)

// TestPolicyOperation checks the operation names (and so the IAM actions)
// of the policy requests.
func TestPolicyOperation(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/2020-05-31/cache-policy", "ListCachePolicies"},
		{"POST", "/2020-05-31/cache-policy", "CreateCachePolicy"},
		{"GET", "/2020-05-31/cache-policy/ID", "GetCachePolicy"},
		{"GET", "/2020-05-31/cache-policy/ID/config", "GetCachePolicyConfig"},
		{"PUT", "/2020-05-31/cache-policy/ID", "UpdateCachePolicy"},
		{"DELETE", "/2020-05-31/cache-policy/ID", "DeleteCachePolicy"},
		{"GET", "/2020-05-31/origin-request-policy", "ListOriginRequestPolicies"},
		{"PUT", "/2020-05-31/origin-request-policy/ID", "UpdateOriginRequestPolicy"},
		{"GET", "/2020-05-31/response-headers-policy", "ListResponseHeadersPolicies"},
		{"GET", "/2020-05-31/response-headers-policy/ID/config", "GetResponseHeadersPolicyConfig"},
		{"DELETE", "/2020-05-31/response-headers-policy/ID", "DeleteResponseHeadersPolicy"},
		{"GET", "/2020-05-31/distribution", "ListDistributions"},
	}
	for _, tt := range tests {
		if got := cloudFrontOperation(httptest.NewRequest(tt.method, tt.path, nil)); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
