package fixaws

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// pick returns one of the values at random.
func pick[T any](r *rand.Rand, vs ...T) T { return vs[r.Intn(len(vs))] }

// createOACs replaces the placeholder origin access control IDs of a
// random config with origin access controls created in the emulator,
// which refuses origins naming one that does not exist.
func createOACs(t *testing.T, cf *cloudfront.Client, c *cftypes.DistributionConfig) {
	t.Helper()
	for j := range c.Origins.Items {
		o := &c.Origins.Items[j]
		if aws.ToString(o.OriginAccessControlId) == "" {
			continue
		}
		out, err := cf.CreateOriginAccessControl(context.Background(), &cloudfront.CreateOriginAccessControlInput{
			OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
				Name:                          aws.String(fmt.Sprintf("%s-%d", aws.ToString(c.CallerReference), j)),
				SigningProtocol:               cftypes.OriginAccessControlSigningProtocolsSigv4,
				SigningBehavior:               cftypes.OriginAccessControlSigningBehaviorsAlways,
				OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		o.OriginAccessControlId = out.OriginAccessControl.Id
	}
}

// maybe returns v or nil, at random.
func maybe[T any](r *rand.Rand, v T) *T {
	if r.Intn(2) == 0 {
		return nil
	}
	return &v
}

// randomConfig returns a full, valid distribution config using the parts
// of the model at random: origins (S3 and custom, headers, shield), origin
// groups, ordered behaviors with every field, cache and legacy settings,
// function and Lambda@Edge associations, custom errors, aliases, logging,
// viewer certificate and geo restrictions. Behaviors log to one of arns or
// to nothing. i makes caller reference and aliases unique.
func randomConfig(r *rand.Rand, i int, arns []string) *cftypes.DistributionConfig {
	n32 := func(n int) *int32 { return aws.Int32(int32(n)) }
	c := &cftypes.DistributionConfig{
		CallerReference: aws.String(fmt.Sprintf("fidelity-%d-%d", i, r.Int63())),
		Comment:         aws.String(pick(r, "", "shop", `edge & <api> "v2"`, "ünïcode ☃")),
		Enabled:         aws.Bool(r.Intn(5) != 0),
		PriceClass:      pick(r, cftypes.PriceClassPriceClass100, cftypes.PriceClassPriceClass200, cftypes.PriceClassPriceClassAll),
		HttpVersion:     pick(r, cftypes.HttpVersionHttp11, cftypes.HttpVersionHttp2, cftypes.HttpVersionHttp2and3),
		IsIPV6Enabled:   maybe(r, r.Intn(2) == 0),
	}
	if r.Intn(2) == 0 {
		c.DefaultRootObject = aws.String(pick(r, "", "index.html"))
	}
	// Aliases, unique per distribution.
	if k := r.Intn(4); k > 0 {
		c.Aliases = &cftypes.Aliases{Quantity: n32(k)}
		for j := range k {
			c.Aliases.Items = append(c.Aliases.Items, fmt.Sprintf("a%d-%d.example.com", i, j))
		}
	} else if r.Intn(2) == 0 {
		c.Aliases = &cftypes.Aliases{Quantity: n32(0)}
	}
	// Origins.
	nOrigins := 1 + r.Intn(3)
	c.Origins = &cftypes.Origins{Quantity: n32(nOrigins)}
	var targets []string
	for j := range nOrigins {
		o := cftypes.Origin{Id: aws.String(fmt.Sprintf("origin-%d", j))}
		if r.Intn(2) == 0 {
			o.DomainName = aws.String(fmt.Sprintf("bucket-%d-%d.s3.us-east-1.amazonaws.com", i, j))
			o.S3OriginConfig = &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String(pick(r, "", "origin-access-identity/cloudfront/E1OAI"))}
			if r.Intn(2) == 0 {
				o.OriginAccessControlId = aws.String("E2OAC" + fmt.Sprint(j))
			}
		} else {
			o.DomainName = aws.String(fmt.Sprintf("api-%d.example.com", j))
			o.CustomOriginConfig = &cftypes.CustomOriginConfig{
				HTTPPort: n32(80), HTTPSPort: n32(pick(r, 443, 8443)),
				OriginProtocolPolicy: pick(r, cftypes.OriginProtocolPolicyHttpsOnly, cftypes.OriginProtocolPolicyMatchViewer, cftypes.OriginProtocolPolicyHttpOnly),
				OriginSslProtocols:   &cftypes.OriginSslProtocols{Quantity: n32(2), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv11, cftypes.SslProtocolTLSv12}},
				OriginReadTimeout:    maybe(r, int32(30+r.Intn(30))), OriginKeepaliveTimeout: maybe(r, int32(5)),
			}
		}
		if r.Intn(2) == 0 {
			o.OriginPath = aws.String(pick(r, "", "/prod"))
		}
		if k := r.Intn(3); k > 0 {
			o.CustomHeaders = &cftypes.CustomHeaders{Quantity: n32(k)}
			for h := range k {
				o.CustomHeaders.Items = append(o.CustomHeaders.Items, cftypes.OriginCustomHeader{
					HeaderName: aws.String(fmt.Sprintf("X-Header-%d", h)), HeaderValue: aws.String(pick(r, "v", "a & b", "<x>"))})
			}
		} else if r.Intn(2) == 0 {
			o.CustomHeaders = &cftypes.CustomHeaders{Quantity: n32(0)}
		}
		o.ConnectionAttempts, o.ConnectionTimeout = maybe(r, int32(1+r.Intn(3))), maybe(r, int32(1+r.Intn(10)))
		if r.Intn(3) == 0 {
			o.OriginShield = &cftypes.OriginShield{Enabled: aws.Bool(true), OriginShieldRegion: aws.String(pick(r, "us-east-1", "eu-west-1"))}
		}
		c.Origins.Items = append(c.Origins.Items, o)
		targets = append(targets, aws.ToString(o.Id))
	}
	if nOrigins >= 2 && r.Intn(2) == 0 {
		c.OriginGroups = &cftypes.OriginGroups{Quantity: n32(1), Items: []cftypes.OriginGroup{{
			Id:               aws.String("group"),
			FailoverCriteria: &cftypes.OriginGroupFailoverCriteria{StatusCodes: &cftypes.StatusCodes{Quantity: n32(2), Items: []int32{500, pick[int32](r, 502, 503, 504)}}},
			Members: &cftypes.OriginGroupMembers{Quantity: n32(2), Items: []cftypes.OriginGroupMember{
				{OriginId: c.Origins.Items[0].Id}, {OriginId: c.Origins.Items[1].Id}}},
		}}}
		if r.Intn(2) == 0 {
			c.OriginGroups.Items[0].SelectionCriteria = cftypes.OriginGroupSelectionCriteriaMediaQualityBased
		}
		targets = append(targets, "group")
	} else if r.Intn(2) == 0 {
		c.OriginGroups = &cftypes.OriginGroups{Quantity: n32(0)}
	}
	logARN := func() *string {
		switch k := r.Intn(4); {
		case k == 0 || len(arns) == 0:
			return nil
		case k == 1:
			return aws.String("")
		default:
			return aws.String(pick(r, arns...))
		}
	}
	// One random behavior's settings, shared by the default and ordered ones.
	type bh struct {
		target, vpp                         *string
		cachePolicy, originReq, respHeaders *string
		fv                                  *cftypes.ForwardedValues
		minTTL, defTTL, maxTTL              *int64
		methods                             *cftypes.AllowedMethods
		compress, smooth                    *bool
		signers                             *cftypes.TrustedSigners
		keyGroups                           *cftypes.TrustedKeyGroups
		lambdas                             *cftypes.LambdaFunctionAssociations
		functions                           *cftypes.FunctionAssociations
		fle                                 *string
		realtime                            *string
		grpc                                *cftypes.GrpcConfig
	}
	behavior := func() bh {
		b := bh{target: aws.String(pick(r, targets...)), realtime: logARN()}
		b.vpp = aws.String(string(pick(r, cftypes.ViewerProtocolPolicyAllowAll, cftypes.ViewerProtocolPolicyHttpsOnly, cftypes.ViewerProtocolPolicyRedirectToHttps)))
		if r.Intn(2) == 0 {
			b.cachePolicy = aws.String(pick(r, "658327ea-f89d-4fab-a63d-7e88639e58f6", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"))
			b.originReq = maybe(r, "b689b0a8-53d0-40ab-baf2-68738e2966ac")
			b.respHeaders = maybe(r, "67f7725c-6f97-4210-82d7-5512b31e9d03")
		} else {
			b.fv = &cftypes.ForwardedValues{
				QueryString: aws.Bool(r.Intn(2) == 0),
				Cookies:     &cftypes.CookiePreference{Forward: pick(r, cftypes.ItemSelectionNone, cftypes.ItemSelectionAll)},
			}
			if r.Intn(2) == 0 {
				b.fv.Cookies = &cftypes.CookiePreference{Forward: cftypes.ItemSelectionWhitelist,
					WhitelistedNames: &cftypes.CookieNames{Quantity: n32(2), Items: []string{"session", "lang"}}}
				b.fv.Headers = &cftypes.Headers{Quantity: n32(1), Items: []string{"Host"}}
				b.fv.QueryStringCacheKeys = &cftypes.QueryStringCacheKeys{Quantity: n32(1), Items: []string{"v"}}
			}
			b.minTTL, b.defTTL, b.maxTTL = aws.Int64(0), maybe(r, int64(86400)), maybe(r, int64(31536000))
		}
		if r.Intn(2) == 0 {
			b.methods = &cftypes.AllowedMethods{Quantity: n32(3), Items: []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead, cftypes.MethodOptions},
				CachedMethods: &cftypes.CachedMethods{Quantity: n32(2), Items: []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead}}}
		}
		b.compress, b.smooth = maybe(r, r.Intn(2) == 0), maybe(r, false)
		if r.Intn(3) == 0 {
			b.signers = &cftypes.TrustedSigners{Enabled: aws.Bool(false), Quantity: n32(0)}
			b.keyGroups = &cftypes.TrustedKeyGroups{Enabled: aws.Bool(true), Quantity: n32(1), Items: []string{"kg-" + fmt.Sprint(r.Intn(9))}}
		}
		if k := r.Intn(3); k > 0 {
			b.lambdas = &cftypes.LambdaFunctionAssociations{Quantity: n32(k)}
			for j, ev := range []cftypes.EventType{cftypes.EventTypeOriginRequest, cftypes.EventTypeOriginResponse}[:k] {
				b.lambdas.Items = append(b.lambdas.Items, cftypes.LambdaFunctionAssociation{EventType: ev,
					LambdaFunctionARN: aws.String(fmt.Sprintf("arn:aws:lambda:us-east-1:111122223333:function:edge-%d:%d", j, 1+r.Intn(9))),
					IncludeBody:       maybe(r, true)})
			}
		} else if r.Intn(2) == 0 {
			b.lambdas = &cftypes.LambdaFunctionAssociations{Quantity: n32(0)}
		}
		if k := r.Intn(3); k > 0 {
			b.functions = &cftypes.FunctionAssociations{Quantity: n32(k)}
			for j, ev := range []cftypes.EventType{cftypes.EventTypeViewerRequest, cftypes.EventTypeViewerResponse}[:k] {
				b.functions.Items = append(b.functions.Items, cftypes.FunctionAssociation{EventType: ev,
					FunctionARN: aws.String(fmt.Sprintf("arn:aws:cloudfront::111122223333:function/f%d", j))})
			}
		}
		if r.Intn(3) == 0 {
			b.fle = aws.String("")
		}
		if r.Intn(5) == 0 {
			b.grpc = &cftypes.GrpcConfig{Enabled: aws.Bool(true)}
		}
		return b
	}
	d := behavior()
	c.DefaultCacheBehavior = &cftypes.DefaultCacheBehavior{
		TargetOriginId: d.target, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicy(*d.vpp),
		CachePolicyId: d.cachePolicy, OriginRequestPolicyId: d.originReq, ResponseHeadersPolicyId: d.respHeaders,
		ForwardedValues: d.fv, MinTTL: d.minTTL, DefaultTTL: d.defTTL, MaxTTL: d.maxTTL, AllowedMethods: d.methods,
		Compress: d.compress, SmoothStreaming: d.smooth, TrustedSigners: d.signers, TrustedKeyGroups: d.keyGroups,
		LambdaFunctionAssociations: d.lambdas, FunctionAssociations: d.functions, FieldLevelEncryptionId: d.fle,
		RealtimeLogConfigArn: d.realtime, GrpcConfig: d.grpc,
	}
	if k := r.Intn(5); k > 0 {
		c.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: n32(k)}
		for j := range k {
			b := behavior()
			c.CacheBehaviors.Items = append(c.CacheBehaviors.Items, cftypes.CacheBehavior{
				PathPattern:    aws.String(pick(r, "/api/", "/static/", "/img/", "/v2/")[0:] + fmt.Sprintf("%d/*", j)),
				TargetOriginId: b.target, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicy(*b.vpp),
				CachePolicyId: b.cachePolicy, OriginRequestPolicyId: b.originReq, ResponseHeadersPolicyId: b.respHeaders,
				ForwardedValues: b.fv, MinTTL: b.minTTL, DefaultTTL: b.defTTL, MaxTTL: b.maxTTL, AllowedMethods: b.methods,
				Compress: b.compress, SmoothStreaming: b.smooth, TrustedSigners: b.signers, TrustedKeyGroups: b.keyGroups,
				LambdaFunctionAssociations: b.lambdas, FunctionAssociations: b.functions, FieldLevelEncryptionId: b.fle,
				RealtimeLogConfigArn: b.realtime, GrpcConfig: b.grpc,
			})
		}
	} else if r.Intn(2) == 0 {
		c.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: n32(0)}
	}
	if k := r.Intn(4); k > 0 {
		c.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: n32(k)}
		for j, code := range []int32{403, 404, 503}[:k] {
			e := cftypes.CustomErrorResponse{ErrorCode: aws.Int32(code), ErrorCachingMinTTL: maybe(r, int64(10*j))}
			if r.Intn(2) == 0 {
				e.ResponsePagePath, e.ResponseCode = aws.String(fmt.Sprintf("/%d.html", code)), aws.String(pick(r, "200", fmt.Sprint(code)))
			}
			c.CustomErrorResponses.Items = append(c.CustomErrorResponses.Items, e)
		}
	}
	if r.Intn(2) == 0 {
		c.Logging = &cftypes.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(r.Intn(2) == 0),
			Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String(pick(r, "", "cf/"))}
	}
	if r.Intn(2) == 0 {
		c.ViewerCertificate = &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)}
	} else {
		c.ViewerCertificate = &cftypes.ViewerCertificate{
			ACMCertificateArn:      aws.String(fmt.Sprintf("arn:aws:acm:us-east-1:111122223333:certificate/c-%d", i)),
			SSLSupportMethod:       pick(r, cftypes.SSLSupportMethodSniOnly, cftypes.SSLSupportMethodVip),
			MinimumProtocolVersion: pick(r, cftypes.MinimumProtocolVersionTLSv122021, cftypes.MinimumProtocolVersionTLSv122019),
		}
	}
	switch r.Intn(3) {
	case 0:
		c.Restrictions = &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{RestrictionType: cftypes.GeoRestrictionTypeNone, Quantity: n32(0)}}
	case 1:
		c.Restrictions = &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{
			RestrictionType: pick(r, cftypes.GeoRestrictionTypeWhitelist, cftypes.GeoRestrictionTypeBlacklist), Quantity: n32(2), Items: []string{"DE", "FR"}}}
	}
	if r.Intn(2) == 0 {
		c.WebACLId = aws.String(pick(r, "", "arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1"))
	}
	if r.Intn(3) == 0 {
		c.ContinuousDeploymentPolicyId = aws.String("")
		c.Staging = aws.Bool(false)
	}
	return c
}

// blank removes the RealtimeLogConfigArn of each behavior in list (by
// path pattern; "*" is the default).
func blank(c *cftypes.DistributionConfig, patterns map[string]bool) {
	for _, b := range configBehaviors(c) {
		key := b.PathPattern
		if patterns[key] {
			*behaviorARN(c, b) = nil
		}
	}
}

// TestRoundTripFidelity fixes 30 random full configs and checks that each
// comes back exactly as it was, except for the ARNs that were added.
func TestRoundTripFidelity(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{})
	cfg := live.EndpointConfig(url, nil)
	cf := cloudfront.NewFromConfig(cfg)
	ctx := context.Background()
	// Two configs the random behaviors may already log to.
	var arns []string
	for _, name := range []string{"existing-a", "existing-b"} {
		arns = append(arns, "arn:aws:cloudfront::"+account+":realtime-log-config/"+name)
	}
	seedExistingConfigs(t, cfg, []string{"existing-a", "existing-b"})
	r := rand.New(rand.NewSource(20261125))
	const n = 30
	ids := make([]string, n)
	before := map[string]*cftypes.DistributionConfig{}
	for i := range n {
		c := randomConfig(r, i, arns)
		createOACs(t, cf, c)
		out, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: c})
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		ids[i] = aws.ToString(out.Distribution.Id)
		before[ids[i]], _ = getConfig(t, cf, ids[i])
	}
	p, err := MakePlan(ctx, PlanOptions{Config: cfg, IncludeDisabled: true, NoEncryption: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(ctx, p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() {
		t.Fatalf("%+v %v", rep, err)
	}
	fixed := 0
	for _, id := range ids {
		res := resultOf(t, rep, id)
		after, _ := getConfig(t, cf, id)
		gained := map[string]bool{}
		for _, b := range res.Behaviors {
			gained[b.PathPattern] = true
		}
		// Exactly the behaviors without a config gained one.
		for _, b := range configBehaviors(before[id]) {
			had := aws.ToString(*behaviorARN(before[id], b))
			got := aws.ToString(*behaviorARN(after, b))
			switch {
			case had == "" && (!gained[b.PathPattern] || got != defaultConfigARN):
				t.Errorf("%s behavior %s: had no config, now %q (gained %v)", id, b, got, gained[b.PathPattern])
			case had != "" && (gained[b.PathPattern] || got != had):
				t.Errorf("%s behavior %s: had %q, now %q", id, b, had, got)
			}
		}
		if len(gained) > 0 {
			fixed++
		}
		want := CopyConfig(before[id])
		blank(want, gained)
		blank(after, gained)
		if diff := cmp.Diff(want, after, cmpSDK); diff != "" {
			t.Errorf("%s: the config changed beyond the added ARNs (-before +after):\n%s", id, diff)
		}
	}
	if fixed < n/2 {
		t.Errorf("only %d of %d random configs needed a fix; the generator is too tame", fixed, n)
	}
}
