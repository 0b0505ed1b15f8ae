package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// awsCLI returns an AWS CLI v2, or skips (fails in CI) when there is none.
func awsCLI(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/aws", "/usr/local/bin/aws"} {
		if out, err := exec.Command(p, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("AWS CLI v2 not found; .ci/run must install the awscli package")
	}
	t.Skip("AWS CLI v2 not installed")
	return ""
}

func awsJSON(t *testing.T, bin, url string, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--endpoint-url", url, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=s", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, b)
	}
}

// TestKnowledgeBaseAudit runs the knowledge base's own AWS CLI audit against
// the demo account and compares it with cloudassure's CF-001 verdicts. The
// knowledge base calls a distribution non-compliant when
// `CacheBehaviors.Items[*].RealtimeLogConfigArn` is an empty array. That query
// reads only the ordered behaviors, and JMESPath drops the behaviors that
// have no ARN, so it is wrong in three ways, each asserted here:
//   - no ordered behaviors: always "not configured", even when the default logs;
//   - the default behavior alone missing: "configured";
//   - some ordered behaviors missing while one logs: "configured".
//
// The truth is read with the CLI too (the default ARN and the count of ARNs
// against CacheBehaviors.Quantity), and cloudassure must match it everywhere.
func TestKnowledgeBaseAudit(t *testing.T) {
	bin := awsCLI(t)
	_, url, cases := startDemo(t)

	var enabled []string
	awsJSON(t, bin, url, &enabled, "cloudfront", "list-distributions", "--query", "DistributionList.Items[?(Enabled==`true`)].Id")

	r := run(t, []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=s"}, "scan", "aws", "--format", "json", "--rule", "CF-001")
	rep := decode(t, r.stdout)
	ours := map[string]string{}
	evaluated := 0
	for _, f := range rep.Findings {
		ours[f.Resource.ID] = string(f.Status)
		if f.Status != "SKIP" {
			evaluated++
		}
	}
	comment := map[string]string{}
	for _, c := range cases {
		comment[c.ID] = c.Comment
	}
	if len(enabled) != evaluated {
		t.Errorf("knowledge base lists %d enabled distributions, cloudassure evaluated %d", len(enabled), evaluated)
	}
	// Two CLI calls per distribution, four distributions at a time: the
	// knowledge base's own query, and the truth (ordered count, default ARN).
	type reading struct {
		arns       []string
		truthParts []any
	}
	readings := make([]reading, len(enabled))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, id := range enabled {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			awsJSON(t, bin, url, &readings[i].arns, "cloudfront", "get-distribution-config", "--id", id, "--query", "DistributionConfig.CacheBehaviors.Items[*].RealtimeLogConfigArn")
			awsJSON(t, bin, url, &readings[i].truthParts, "cloudfront", "get-distribution-config", "--id", id, "--query", "[DistributionConfig.CacheBehaviors.Quantity, DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn]")
		}()
	}
	wg.Wait()
	kinds := map[string]int{}
	for i, id := range enabled {
		arns := readings[i].arns
		if len(readings[i].truthParts) != 2 {
			t.Fatalf("%s: unexpected CLI output %v", id, readings[i].truthParts)
		}
		quantity, _ := readings[i].truthParts[0].(float64) // null when CacheBehaviors is left out
		ordered := int(quantity)
		defaultARN, _ := readings[i].truthParts[1].(string)

		kbPass := len(arns) > 0
		defaultLogs := defaultARN != ""
		truth := defaultLogs && len(arns) == ordered
		if got := ours[id] == "PASS"; got != truth {
			t.Errorf("%s %q: cloudassure %s, but the configuration says compliant=%v", id, comment[id], ours[id], truth)
		}
		kind := "agree"
		switch {
		case ordered == 0:
			kind = "no ordered behaviors"
			if kbPass {
				t.Errorf("%s: the knowledge base query passed a distribution without ordered behaviors", id)
			}
		case kbPass && !defaultLogs && len(arns) == ordered:
			kind = "default alone missing"
		case kbPass && len(arns) < ordered:
			kind = "some ordered missing"
		default:
			if kbPass != truth {
				t.Errorf("%s %q: knowledge base %v, truth %v", id, comment[id], kbPass, truth)
			}
		}
		kinds[kind]++
	}
	for _, k := range []string{"agree", "no ordered behaviors", "default alone missing", "some ordered missing"} {
		if kinds[k] == 0 {
			t.Errorf("the demo account has no distribution of the kind %q", k)
		}
	}
	t.Logf("knowledge base vs cloudassure on %d enabled distributions: %v", len(enabled), kinds)
}
