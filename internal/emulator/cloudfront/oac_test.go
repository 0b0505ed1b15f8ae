package cloudfront_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

func TestCloudFrontOriginAccessControl(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	cfg := func(name string) *types.OriginAccessControlConfig {
		return &types.OriginAccessControlConfig{
			Name: aws.String(name), Description: aws.String("assets"), SigningProtocol: types.OriginAccessControlSigningProtocolsSigv4,
			SigningBehavior: types.OriginAccessControlSigningBehaviorsAlways, OriginAccessControlOriginType: types.OriginAccessControlOriginTypesS3,
		}
	}
	created, err := c.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: cfg("assets")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.OriginAccessControl.Id
	if aws.ToString(created.ETag) == "" || aws.ToString(created.Location) == "" {
		t.Errorf("create: ETag %q, Location %q", aws.ToString(created.ETag), aws.ToString(created.Location))
	}
	_, err = c.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: cfg("assets")})
	cfWantAPIError(t, err, "OriginAccessControlAlreadyExists")
	bad := cfg("bad")
	bad.SigningBehavior = "sometimes"
	_, err = c.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: bad})
	cfWantAPIError(t, err, "InvalidArgument")

	got, err := c.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: id})
	if err != nil || aws.ToString(got.OriginAccessControl.OriginAccessControlConfig.Name) != "assets" || aws.ToString(got.ETag) != aws.ToString(created.ETag) {
		t.Fatalf("get: %v %+v", err, got)
	}
	_, err = c.UpdateOriginAccessControl(ctx, &cloudfront.UpdateOriginAccessControlInput{Id: id, OriginAccessControlConfig: cfg("assets2"), IfMatch: aws.String("stale")})
	cfWantAPIError(t, err, "PreconditionFailed")
	up, err := c.UpdateOriginAccessControl(ctx, &cloudfront.UpdateOriginAccessControlInput{Id: id, OriginAccessControlConfig: cfg("assets2"), IfMatch: got.ETag})
	if err != nil || aws.ToString(up.ETag) == aws.ToString(got.ETag) {
		t.Fatalf("update: %v, ETag %q", err, aws.ToString(up.ETag))
	}

	// An origin may use it; while one does, it cannot be deleted.
	dc := emutest.DistributionConfig("oac", "")
	dc.Origins.Items[0].OriginAccessControlId = id
	dist := createDistribution(t, c, dc)
	_, err = c.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: id, IfMatch: up.ETag})
	cfWantAPIError(t, err, "OriginAccessControlInUse")
	missing := emutest.DistributionConfig("missing-oac", "")
	missing.Origins.Items[0].OriginAccessControlId = aws.String("E0000000000000")
	_, err = c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: missing})
	cfWantAPIError(t, err, "InvalidOriginAccessControl")

	list, err := c.ListOriginAccessControls(ctx, &cloudfront.ListOriginAccessControlsInput{})
	if err != nil || aws.ToInt32(list.OriginAccessControlList.Quantity) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	dc.Origins.Items[0].OriginAccessControlId = aws.String("")
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: dist.Distribution.Id, IfMatch: dist.ETag, DistributionConfig: dc}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: id})
	cfWantAPIError(t, err, "InvalidIfMatchVersion")
	if _, err := c.DeleteOriginAccessControl(ctx, &cloudfront.DeleteOriginAccessControlInput{Id: id, IfMatch: up.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: id})
	cfWantAPIError(t, err, "NoSuchOriginAccessControl")
}
