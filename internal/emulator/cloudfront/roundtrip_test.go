package cloudfront_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// cfCmpSDK lets go-cmp compare SDK structs, whose only unexported fields are
// empty serde markers.
var cfCmpSDK = cmp.Exporter(func(reflect.Type) bool { return true })

// cfFullConfig uses every commonly set part of a DistributionConfig, plus
// elements the emulator does not model.
func cfFullConfig(ref, logARN string) *types.DistributionConfig {
	fv := &types.ForwardedValues{
		QueryString: aws.Bool(true),
		Cookies: &types.CookiePreference{Forward: types.ItemSelectionWhitelist,
			WhitelistedNames: &types.CookieNames{Quantity: aws.Int32(2), Items: []string{"session", "lang"}}},
		Headers:              &types.Headers{Quantity: aws.Int32(1), Items: []string{"Host"}},
		QueryStringCacheKeys: &types.QueryStringCacheKeys{Quantity: aws.Int32(0), Items: []string{}},
	}
	methods := &types.AllowedMethods{Quantity: aws.Int32(3),
		Items:         []types.Method{types.MethodGet, types.MethodHead, types.MethodOptions},
		CachedMethods: &types.CachedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead}}}
	return &types.DistributionConfig{
		CallerReference:   aws.String(ref),
		Aliases:           &types.Aliases{Quantity: aws.Int32(2), Items: []string{ref + ".example.com", "www." + ref + ".example.com"}},
		DefaultRootObject: aws.String("index.html"),
		Origins: &types.Origins{Quantity: aws.Int32(2), Items: []types.Origin{
			{
				Id: aws.String("s3"), DomainName: aws.String("bucket.s3.us-east-1.amazonaws.com"), OriginPath: aws.String(""),
				CustomHeaders:         &types.CustomHeaders{Quantity: aws.Int32(1), Items: []types.OriginCustomHeader{{HeaderName: aws.String("X-A"), HeaderValue: aws.String("b & c")}}},
				S3OriginConfig:        &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
				OriginAccessControlId: aws.String("E2QWRUHAPOMQZL"),
				ConnectionAttempts:    aws.Int32(3), ConnectionTimeout: aws.Int32(10),
				OriginShield: &types.OriginShield{Enabled: aws.Bool(true), OriginShieldRegion: aws.String("us-east-1")},
			},
			{
				Id: aws.String("api"), DomainName: aws.String("api.example.com"),
				CustomOriginConfig: &types.CustomOriginConfig{
					HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly,
					OriginSslProtocols: &types.OriginSslProtocols{Quantity: aws.Int32(1), Items: []types.SslProtocol{types.SslProtocolTLSv12}},
					OriginReadTimeout:  aws.Int32(30), OriginKeepaliveTimeout: aws.Int32(5),
				},
				ResponseCompletionTimeout: aws.Int32(60),
			},
		}},
		OriginGroups: &types.OriginGroups{Quantity: aws.Int32(1), Items: []types.OriginGroup{{
			Id: aws.String("group"),
			FailoverCriteria: &types.OriginGroupFailoverCriteria{StatusCodes: &types.StatusCodes{
				Quantity: aws.Int32(2), Items: []int32{500, 503}}},
			Members: &types.OriginGroupMembers{Quantity: aws.Int32(2), Items: []types.OriginGroupMember{
				{OriginId: aws.String("s3")}, {OriginId: aws.String("api")}}},
			SelectionCriteria: types.OriginGroupSelectionCriteriaDefault,
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("group"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
			TrustedSigners:       &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
			TrustedKeyGroups:     &types.TrustedKeyGroups{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"kg-1"}},
			AllowedMethods:       methods,
			SmoothStreaming:      aws.Bool(false),
			Compress:             aws.Bool(true),
			LambdaFunctionAssociations: &types.LambdaFunctionAssociations{Quantity: aws.Int32(1), Items: []types.LambdaFunctionAssociation{{
				EventType: types.EventTypeOriginRequest, LambdaFunctionARN: aws.String("arn:aws:lambda:us-east-1:111122223333:function:edge:3"),
				IncludeBody: aws.Bool(true)}}},
			FunctionAssociations: &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{{
				EventType: types.EventTypeViewerRequest, FunctionARN: aws.String("arn:aws:cloudfront::111122223333:function/rewrite")}}},
			FieldLevelEncryptionId: aws.String(""),
			RealtimeLogConfigArn:   aws.String(logARN),
			ForwardedValues:        fv,
			MinTTL:                 aws.Int64(0), DefaultTTL: aws.Int64(86400), MaxTTL: aws.Int64(31536000),
		},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(2), Items: []types.CacheBehavior{
			{
				PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api"),
				ViewerProtocolPolicy:    types.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId:           aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
				OriginRequestPolicyId:   aws.String("b689b0a8-53d0-40ab-baf2-68738e2966ac"),
				ResponseHeadersPolicyId: aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03"),
				RealtimeLogConfigArn:    aws.String(logARN),
				AllowedMethods:          methods,
			},
			{
				PathPattern: aws.String("/static/*"), TargetOriginId: aws.String("s3"),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
				ForwardedValues:      fv, MinTTL: aws.Int64(1),
				LambdaFunctionAssociations: &types.LambdaFunctionAssociations{Quantity: aws.Int32(0)},
			},
		}},
		CustomErrorResponses: &types.CustomErrorResponses{Quantity: aws.Int32(2), Items: []types.CustomErrorResponse{
			{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/404.html"), ResponseCode: aws.String("404"), ErrorCachingMinTTL: aws.Int64(10)},
			{ErrorCode: aws.Int32(503), ErrorCachingMinTTL: aws.Int64(0)},
		}},
		Comment: aws.String(`comment with <markup> & "quotes"`),
		Logging: &types.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(false),
			Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("cf/")},
		PriceClass: types.PriceClassPriceClass100,
		Enabled:    aws.Bool(true),
		ViewerCertificate: &types.ViewerCertificate{
			ACMCertificateArn:      aws.String("arn:aws:acm:us-east-1:111122223333:certificate/abc"),
			SSLSupportMethod:       types.SSLSupportMethodSniOnly,
			MinimumProtocolVersion: types.MinimumProtocolVersionTLSv122021,
		},
		Restrictions: &types.Restrictions{GeoRestriction: &types.GeoRestriction{
			RestrictionType: types.GeoRestrictionTypeWhitelist, Quantity: aws.Int32(2), Items: []string{"DE", "FR"}}},
		WebACLId:                     aws.String("arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1"),
		HttpVersion:                  types.HttpVersionHttp2and3,
		IsIPV6Enabled:                aws.Bool(true),
		ContinuousDeploymentPolicyId: aws.String(""),
		Staging:                      aws.Bool(false),
		ConnectionMode:               types.ConnectionModeDirect,
	}
}

func TestCloudFrontConfigRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := newCloudFrontClient(t, emulator.Options{})
	arn := createRealtimeLogConfig(t, c, "rt")
	sent := cfFullConfig("full", arn)
	oac, err := c.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: &types.OriginAccessControlConfig{
		Name: aws.String("full"), SigningProtocol: types.OriginAccessControlSigningProtocolsSigv4,
		SigningBehavior: types.OriginAccessControlSigningBehaviorsAlways, OriginAccessControlOriginType: types.OriginAccessControlOriginTypesS3,
	}})
	if err != nil {
		t.Fatal(err)
	}
	sent.Origins.Items[0].OriginAccessControlId = oac.OriginAccessControl.Id
	created := createDistribution(t, c, sent)
	if diff := cmp.Diff(sent, created.Distribution.DistributionConfig, cfCmpSDK); diff != "" {
		t.Errorf("CreateDistribution config (-sent +got):\n%s", diff)
	}
	got, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: created.Distribution.Id})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, got.DistributionConfig, cfCmpSDK); diff != "" {
		t.Errorf("GetDistributionConfig (-sent +got):\n%s", diff)
	}
	wantICP := []types.AliasICPRecordal{
		{CNAME: aws.String("full.example.com"), ICPRecordalStatus: types.ICPRecordalStatusApproved},
		{CNAME: aws.String("www.full.example.com"), ICPRecordalStatus: types.ICPRecordalStatusApproved},
	}
	if diff := cmp.Diff(wantICP, created.Distribution.AliasICPRecordals, cfCmpSDK); diff != "" {
		t.Errorf("AliasICPRecordals (-want +got):\n%s", diff)
	}

	// The summary carries every summary member of the config.
	list, err := c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	d := created.Distribution
	want := types.DistributionSummary{
		Id: d.Id, ARN: d.ARN, ETag: created.ETag, Status: d.Status, LastModifiedTime: d.LastModifiedTime, DomainName: d.DomainName,
		Aliases: sent.Aliases, Origins: sent.Origins, OriginGroups: sent.OriginGroups,
		DefaultCacheBehavior: sent.DefaultCacheBehavior, CacheBehaviors: sent.CacheBehaviors,
		CustomErrorResponses: sent.CustomErrorResponses, Comment: sent.Comment, PriceClass: sent.PriceClass,
		Enabled: sent.Enabled, ViewerCertificate: sent.ViewerCertificate, Restrictions: sent.Restrictions,
		WebACLId: sent.WebACLId, HttpVersion: sent.HttpVersion, IsIPV6Enabled: sent.IsIPV6Enabled,
		AliasICPRecordals: wantICP, Staging: sent.Staging, ConnectionMode: sent.ConnectionMode,
	}
	if diff := cmp.Diff(want, list.DistributionList.Items[0], cfCmpSDK); diff != "" {
		t.Errorf("DistributionSummary (-want +got):\n%s", diff)
	}

	// Updating with what GetDistributionConfig returned changes nothing but the ETag.
	up, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Id, IfMatch: got.ETag, DistributionConfig: got.DistributionConfig})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, up.Distribution.DistributionConfig, cfCmpSDK); diff != "" {
		t.Errorf("UpdateDistribution config (-sent +got):\n%s", diff)
	}
}

// TestCloudFrontSummaryDefaults checks the required summary members a
// minimal config lacks.
func TestCloudFrontSummaryDefaults(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	createDistribution(t, c, emutest.DistributionConfig("min", ""))
	list, err := c.ListDistributions(context.Background(), &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	s := list.DistributionList.Items[0]
	checks := map[string]bool{
		"Aliases":              s.Aliases != nil && aws.ToInt32(s.Aliases.Quantity) == 0,
		"OriginGroups":         s.OriginGroups != nil && aws.ToInt32(s.OriginGroups.Quantity) == 0,
		"CacheBehaviors":       s.CacheBehaviors != nil && aws.ToInt32(s.CacheBehaviors.Quantity) == 0,
		"CustomErrorResponses": s.CustomErrorResponses != nil && aws.ToInt32(s.CustomErrorResponses.Quantity) == 0,
		"PriceClass":           s.PriceClass == types.PriceClassPriceClassAll,
		"ViewerCertificate":    s.ViewerCertificate != nil && aws.ToBool(s.ViewerCertificate.CloudFrontDefaultCertificate),
		"Restrictions":         s.Restrictions != nil && s.Restrictions.GeoRestriction.RestrictionType == types.GeoRestrictionTypeNone,
		"WebACLId":             s.WebACLId != nil && *s.WebACLId == "",
		"HttpVersion":          s.HttpVersion == types.HttpVersionHttp2,
		"IsIPV6Enabled":        s.IsIPV6Enabled != nil && !*s.IsIPV6Enabled,
		"Staging":              s.Staging != nil && !*s.Staging,
		"AliasICPRecordals":    s.AliasICPRecordals == nil,
		"Comment":              aws.ToString(s.Comment) == "test min",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("summary %s wrong: %+v", name, s)
		}
	}
	// GetDistributionConfig fills in the same members, as CloudFront does;
	// the Terraform AWS provider dereferences OriginGroups unchecked.
	got, err := c.GetDistributionConfig(context.Background(), &cloudfront.GetDistributionConfigInput{Id: s.Id})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.DistributionConfig
	configChecks := map[string]bool{
		"Aliases":              cfg.Aliases != nil && aws.ToInt32(cfg.Aliases.Quantity) == 0,
		"OriginGroups":         cfg.OriginGroups != nil && aws.ToInt32(cfg.OriginGroups.Quantity) == 0,
		"CacheBehaviors":       cfg.CacheBehaviors != nil && aws.ToInt32(cfg.CacheBehaviors.Quantity) == 0,
		"CustomErrorResponses": cfg.CustomErrorResponses != nil && aws.ToInt32(cfg.CustomErrorResponses.Quantity) == 0,
		"DefaultRootObject":    cfg.DefaultRootObject != nil && *cfg.DefaultRootObject == "",
		"Logging":              cfg.Logging != nil && !aws.ToBool(cfg.Logging.Enabled) && cfg.Logging.Bucket != nil,
		"PriceClass":           cfg.PriceClass == types.PriceClassPriceClassAll,
		"ViewerCertificate":    cfg.ViewerCertificate != nil && aws.ToBool(cfg.ViewerCertificate.CloudFrontDefaultCertificate),
		"Restrictions":         cfg.Restrictions != nil && cfg.Restrictions.GeoRestriction.RestrictionType == types.GeoRestrictionTypeNone,
		"HttpVersion":          cfg.HttpVersion == types.HttpVersionHttp2,
		"IsIPV6Enabled":        cfg.IsIPV6Enabled != nil && !*cfg.IsIPV6Enabled,
	}
	for name, ok := range configChecks {
		if !ok {
			t.Errorf("config %s wrong: %+v", name, cfg)
		}
	}
}

// TestCloudFrontSummariesCarryRealtimeLogARNs is what the scanner relies on:
// the list alone tells which behaviors log where.
func TestCloudFrontSummariesCarryRealtimeLogARNs(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	a := createRealtimeLogConfig(t, c, "a")
	b := createRealtimeLogConfig(t, c, "b")
	cases := [][]string{
		{a},
		{"", a, b, ""},
		{b, b},
		{""},
	}
	for i, arns := range cases {
		createDistribution(t, c, emutest.DistributionConfig(fmt.Sprint(i), arns[0], arns[1:]...))
	}
	list, err := c.ListDistributions(context.Background(), &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range list.DistributionList.Items {
		got := []string{aws.ToString(s.DefaultCacheBehavior.RealtimeLogConfigArn)}
		for _, cb := range s.CacheBehaviors.Items {
			got = append(got, aws.ToString(cb.RealtimeLogConfigArn))
		}
		if diff := cmp.Diff(cases[i], got); diff != "" {
			t.Errorf("distribution %d ARNs (-want +got):\n%s", i, diff)
		}
	}
}

func TestCloudFrontConcurrentCreates(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: emutest.DistributionConfig(fmt.Sprint("c", i), "")})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.GetDistribution(context.Background(), &cloudfront.GetDistributionInput{Id: out.Distribution.Id}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list, err := c.ListDistributions(context.Background(), &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.DistributionList.Items); n != 20 {
		t.Errorf("%d distributions, want 20", n)
	}
}
