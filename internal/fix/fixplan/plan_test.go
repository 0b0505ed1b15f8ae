package fixplan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/cloudassure-realtime-logs"

// example is a plan with every kind of change.
func example() *Plan {
	return &Plan{
		Version:   Version,
		Kind:      KindAWS,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Account:   "111122223333",
		Region:    "us-east-1",
		Changes: []Change{
			{
				Action:   Create,
				Resource: Resource{Type: TypeStream, ID: "cloudfront-realtime-logs", ARN: "arn:aws:kinesis:us-east-1:111122223333:stream/cloudfront-realtime-logs"},
				Summary:  "on-demand data stream, encrypted with alias/aws/kinesis",
				Stream: &Stream{Name: "cloudfront-realtime-logs", Region: "us-east-1", ARN: "arn:aws:kinesis:us-east-1:111122223333:stream/cloudfront-realtime-logs",
					Mode: "ON_DEMAND", Encryption: "KMS", KeyID: "alias/aws/kinesis"},
			},
			{
				Action:   Update,
				Resource: Resource{Type: TypeRole, ID: "CloudFrontRealtimeLogs", ARN: "arn:aws:iam::111122223333:role/service-role/CloudFrontRealtimeLogs"},
				Summary:  "exists; its inline policy is replaced by the least-privilege one",
				Diff:     "~ inline policy cloudassure-deliver-realtime-logs",
				Role: &Role{Name: "CloudFrontRealtimeLogs", Path: "/service-role/", ARN: "arn:aws:iam::111122223333:role/service-role/CloudFrontRealtimeLogs",
					TrustPolicy: `{"Version":"2012-10-17"}`, PolicyName: "cloudassure-deliver-realtime-logs", Policy: `{"Version":"2012-10-17"}`, UpdatePolicy: true},
			},
			{
				Action:   Create,
				Resource: Resource{Type: TypeConfig, ID: "cloudassure-realtime-logs", ARN: arn},
				Summary:  "sampling 100 %, 7 fields",
				Config: &RealtimeLogConfig{Name: "cloudassure-realtime-logs", ARN: arn, SamplingRate: 100, Fields: []string{"timestamp", "c-ip"},
					StreamARN: "arn:aws:kinesis:us-east-1:111122223333:stream/cloudfront-realtime-logs", RoleARN: "arn:aws:iam::111122223333:role/service-role/CloudFrontRealtimeLogs"},
			},
			{
				Action:   Update,
				Resource: Resource{Type: TypeDistribution, ID: "E2EXAMPLE1", Name: "shop", ARN: "arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE1"},
				Summary:  "2 of 3 behaviors gain real-time logs",
				Diff: `~ behavior "*" (default): RealtimeLogConfigArn "" → "` + arn + `"` + "\n" +
					`~ behavior "/api/*": RealtimeLogConfigArn "" → "` + arn + `"`,
				Distribution: &Distribution{ID: "E2EXAMPLE1", ETag: "E1ETAG", Enabled: true, ConfigARN: arn,
					Behaviors: []Behavior{{PathPattern: "*", Default: true}, {PathPattern: "/api/*"}}},
			},
			{
				Action:       None,
				Resource:     Resource{Type: TypeDistribution, ID: "E2EXAMPLE2", Name: "old site"},
				Summary:      "skipped: disabled (--include-disabled fixes it too)",
				Distribution: &Distribution{ID: "E2EXAMPLE2", Skip: SkipDisabled},
			},
		},
	}
}

func TestJSONRoundTrip(t *testing.T) {
	p := example()
	p.Changes = append(p.Changes, Change{Action: Update, Resource: Resource{Type: TypeFile, File: "infra/cdn.yaml"},
		Summary: "1 behavior gains real-time logs", Patch: "--- a/infra/cdn.yaml\n+++ b/infra/cdn.yaml\n@@ -1 +1,2 @@\n x\n+y\n"})
	path := filepath.Join(t.TempDir(), "sub", "plan.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-saved +loaded):\n%s", diff)
	}
	// No temporary files are left behind and the plan is private.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the plan", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, %v; want 0600", fi.Mode(), err)
	}
	// The JSON names are the documented snake_case ones.
	data, _ := os.ReadFile(path)
	for _, want := range []string{`"created_at"`, `"realtime_log_config"`, `"path_pattern"`, `"patch"`, `"etag"`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("saved plan lacks %s", want)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json":      "{",
		"version":       `{"version":99,"kind":"aws"}`,
		"kind":          `{"version":1,"kind":"gcp"}`,
		"action":        `{"version":1,"kind":"aws","changes":[{"action":"delete"}]}`,
		"missing field": `{"kind":"aws"}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := Load(path); err == nil {
			t.Errorf("%s: Load accepted %s", name, body)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent.json")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestWriteTextGolden(t *testing.T) {
	for name, p := range map[string]*Plan{
		"plan.golden":       example(),
		"no-changes.golden": {Version: Version, Kind: KindAWS, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Account: "111122223333"},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := p.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./plan -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("text (-golden +got):\n%s", diff)
			}
		})
	}
}

func TestCountsAndHasChanges(t *testing.T) {
	p := example()
	if got := p.Counts(); got[Create] != 2 || got[Update] != 2 || got[None] != 1 || !p.HasChanges() {
		t.Errorf("counts %v", got)
	}
	p.Changes = []Change{{Action: Reuse}, {Action: None}}
	if p.HasChanges() {
		t.Error("reuse and none count as changes")
	}
	var v map[string]any
	data, _ := json.Marshal(p)
	if err := json.Unmarshal(data, &v); err != nil || v["kind"] != "aws" {
		t.Errorf("json %s", data)
	}
}

func TestResourceString(t *testing.T) {
	for _, tt := range []struct {
		r    Resource
		want string
	}{
		{Resource{ID: "E1", Name: "shop"}, "E1 (shop)"},
		{Resource{ID: "E1"}, "E1"},
		{Resource{ID: "x", Name: "x"}, "x"},
		{Resource{File: "a.tf"}, "a.tf"},
		{Resource{Name: "n"}, "n"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.r, got, tt.want)
		}
	}
}
