package fixaws

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// TestSecretsNotShown: an undo that refuses shows what changed since the
// fix, but never an origin custom header value, neither the old one nor the
// new one; the backup (0600) is the only place that holds them.
func TestSecretsNotShown(t *testing.T) {
	const oldSecret, newSecret = "s3cr3t-shared-with-origin", "r0tated-s3cr3t"
	_, url := testEmulator(t, emulator.Options{})
	cfg := live.EndpointConfig(url, nil)
	cf := cloudfront.NewFromConfig(cfg)
	ctx := context.Background()
	dc := demo.DistributionConfig("secret", "secret", true, "", []string{"/api/*"}, []string{""})
	dc.Origins.Items[0].CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{
		{HeaderName: aws.String("X-Origin-Verify"), HeaderValue: aws.String(oldSecret)},
	}}
	out, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: dc})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Distribution.Id)
	p, err := MakePlan(ctx, PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := Apply(ctx, p, testApplyOptions(cfg, dir))
	if err != nil || rep.Summary.Fixed != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	// The team rotates the secret and edits the comment after the fix.
	for {
		got, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		c := got.DistributionConfig
		c.Origins.Items[0].CustomHeaders.Items[0].HeaderValue = aws.String(newSecret)
		c.Comment = aws.String("rotated")
		_, err = cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag, DistributionConfig: c})
		if awserr.Code(err) != "PreconditionFailed" {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	res, err := Undo(ctx, resultOf(t, rep, id).Backup, UndoOptions{Config: cfg, BackupRoot: dir})
	if err != nil || res.Status != UndoRefused {
		t.Fatalf("undo: %+v %v", res, err)
	}
	text, _ := json.Marshal(res)
	for _, secret := range []string{oldSecret, newSecret} {
		if strings.Contains(string(text), secret) {
			t.Errorf("the undo result shows a header value:\n%s", res.Reason)
		}
	}
	if !strings.Contains(res.Reason, `Comment: "secret" → "rotated"`) || !strings.Contains(res.Reason, "HeaderValue: (value not shown)") {
		t.Errorf("the diff does not say what changed:\n%s", res.Reason)
	}
	// The check before a send redacts the same way.
	before := CopyConfig(dc)
	after := CopyConfig(dc)
	after.Origins.Items[0].CustomHeaders.Items[0].HeaderValue = aws.String(newSecret)
	if err := CheckOnlyARNsAdded(before, after, "arn", nil); err == nil || strings.Contains(err.Error(), oldSecret) || strings.Contains(err.Error(), newSecret) {
		t.Errorf("check: %v", err)
	}
}
