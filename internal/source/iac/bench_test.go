package iac_test

// Benchmarks of the IaC scan over a generated corpus (GitHub issue #3):
//
//	go test -run '^$' -bench 'ScanIaC|BareParse' -benchtime 3x ./iac/   # all cores
//	go test -run '^$' -bench ByFormat -benchtime 3x ./iac/              # one format, one goroutine
//	CLOUDASSURE_BENCH_IAC_FILES=500 go test -run '^$' -bench . ./iac/   # a quick run
//
// The corpus (5,000 files, about 100 MB, by default) is generated once per
// process, seeded so that every run scans the same bytes, outside the timed
// region, and removed when the tests end. docs/benchmarks.md has results.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclparse"
	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/report"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/terraform"
	"github.com/cloudassure/cloudassure/internal/suppress"
)

// benchFilesEnv sets the corpus size; the default is 5,000 files.
const benchFilesEnv = "CLOUDASSURE_BENCH_IAC_FILES"

// benchSeed makes the corpus the same on every run.
const benchSeed = 3

// benchAvgFile is the average size aimed at for a template or .tf file.
const benchAvgFile = 20 << 10

// TestMain removes the corpora the benchmarks generated.
func TestMain(m *testing.M) {
	code := m.Run()
	corpora.Lock()
	for _, c := range corpora.m {
		os.RemoveAll(c.dir)
	}
	corpora.Unlock()
	os.Exit(code)
}

// corpus is a generated tree of IaC files.
type corpus struct {
	dir   string
	files int   // files written
	bytes int64 // their total size
	count map[string]int
	// distributions is how many distributions the scan must find: every
	// template's and root module's, plus one per call of a child module.
	distributions int
}

var corpora struct {
	sync.Mutex
	m map[int]*corpus
}

// benchCorpus returns the corpus of n files, generating it on first use.
func benchCorpus(tb testing.TB, n int) *corpus {
	tb.Helper()
	corpora.Lock()
	defer corpora.Unlock()
	if c, ok := corpora.m[n]; ok {
		return c
	}
	dir, err := os.MkdirTemp("", "cloudassure-iac-bench-")
	if err != nil {
		tb.Fatal(err)
	}
	c, err := generateCorpus(dir, n)
	if err != nil {
		os.RemoveAll(dir)
		tb.Fatal(err)
	}
	if corpora.m == nil {
		corpora.m = map[int]*corpus{}
	}
	corpora.m[n] = c
	return c
}

func benchFiles(tb testing.TB) int {
	s := os.Getenv(benchFilesEnv)
	if s == "" {
		return 5000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 20 {
		tb.Fatalf("%s=%q: want a number of files, at least 20", benchFilesEnv, s)
	}
	return n
}

// generateCorpus writes n files under dir: 30 % Terraform (.tf, five files
// per module directory, every fourth project with a local child module),
// 30 % CloudFormation JSON, 1 % Kubernetes manifests and the rest
// CloudFormation YAML.
func generateCorpus(dir string, n int) (*corpus, error) {
	c := &corpus{dir: dir, count: map[string]int{}}
	r := rand.New(rand.NewPCG(benchSeed, uint64(n)))
	k8s := max(1, n/100)
	tf := n * 30 / 100 / 5 * 5
	js := n * 30 / 100
	yml := n - k8s - tf - js
	write := func(kind, rel string, data []byte) error {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		c.files++
		c.bytes += int64(len(data))
		c.count[kind]++
		return os.WriteFile(p, data, 0o644)
	}
	size := func() int { return int(benchAvgFile * (0.4 + 1.2*r.Float64())) }
	for i := range yml + js {
		g := &cfnGen{r: r, stack: i}
		team := fmt.Sprintf("team-%02d", i%40)
		if i < yml {
			data, dists := g.template(size(), false)
			c.distributions += dists
			if err := write("cfn-yaml", filepath.Join("cloudformation", team, fmt.Sprintf("stack-%04d.yaml", i)), data); err != nil {
				return nil, err
			}
			continue
		}
		data, dists := g.template(size(), true)
		c.distributions += dists
		if err := write("cfn-json", filepath.Join("cloudformation", team, fmt.Sprintf("stack-%04d.template.json", i)), data); err != nil {
			return nil, err
		}
	}
	for p := range tf / 5 {
		g := &tfGen{r: r, project: p}
		for _, f := range g.files(size) {
			c.distributions += f.dists
			if err := write("terraform", filepath.Join("terraform", fmt.Sprintf("project-%03d", p), f.name), f.data); err != nil {
				return nil, err
			}
		}
	}
	for i := range k8s {
		if err := write("k8s-yaml", filepath.Join("k8s", fmt.Sprintf("app-%02d", i), "deployment.yaml"), k8sManifest(r, i)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// fill reports whether to add one more unit (resource group, block) to a
// file of n bytes, started at start with i units so far: it stops at the
// size nearest to want, after at least one unit.
func fill(i, n, start, want int) bool {
	if i == 0 {
		return true
	}
	return n+(n-start)/i/2 < want
}

// --- CloudFormation ---------------------------------------------------------

// kv is a mapping entry; comment, when set, is written above it in YAML.
type kv struct {
	k       string
	v       any
	comment string
}

// obj is a mapping in source order; list is a sequence; fn is an intrinsic
// function (Ref, GetAtt, Sub, If, ...), written in short form in YAML and
// long form in JSON. block is a string written as a YAML literal block.
type (
	obj  []kv
	list []any
	fn   struct {
		name string
		arg  any
	}
	block string
)

func ref(name string) fn            { return fn{"Ref", name} }
func getAtt(id, attr string) fn     { return fn{"GetAtt", list{id, attr}} }
func sub(s string) fn               { return fn{"Sub", s} }
func fnIf(cond string, a, b any) fn { return fn{"If", list{cond, a, b}} }

type cfnGen struct {
	r       *rand.Rand
	stack   int
	configs []string // RealtimeLogConfig logical IDs so far
}

// template renders a template of about size bytes and returns it with the
// number of distributions it holds.
func (g *cfnGen) template(size int, asJSON bool) ([]byte, int) {
	var w cfnWriter
	w.json = asJSON
	w.top("AWSTemplateFormatVersion", "2010-09-09")
	w.top("Description", fmt.Sprintf("Edge delivery for stack %d: CloudFront, origins, log shipping and edge functions", g.stack))
	w.top("Parameters", g.parameters())
	w.top("Conditions", obj{
		{k: "IsProd", v: fn{"Equals", list{ref("Env"), "prod"}}},
		{k: "LoggingEnabled", v: fn{"Equals", list{ref("EnableRealtimeLogs"), "true"}}},
		{k: "HasCertificate", v: fn{"Not", list{fn{"Equals", list{ref("CertificateArn"), ""}}}}},
		{k: "ProdAndLogging", v: fn{"And", list{fn{"Condition", "IsProd"}, fn{"Condition", "LoggingEnabled"}}}},
	})
	w.top("Mappings", obj{{k: "EnvConfig", v: obj{
		{k: "prod", v: obj{{k: "PriceClass", v: "PriceClass_All"}, {k: "DefaultTTL", v: 86400}, {k: "ApiPath", v: "/api/*"}}},
		{k: "staging", v: obj{{k: "PriceClass", v: "PriceClass_100"}, {k: "DefaultTTL", v: 300}, {k: "ApiPath", v: "/api/*"}}},
		{k: "dev", v: obj{{k: "PriceClass", v: "PriceClass_100"}, {k: "DefaultTTL", v: 0}, {k: "ApiPath", v: "/dev-api/*"}}},
	}}})
	w.openResources()
	dists := 0
	var outputs obj
	for i, start := 0, w.size(); fill(i, w.size(), start, size); i++ {
		if i == 0 || g.r.IntN(10) < 6 {
			for _, e := range g.logging(i) {
				w.resource(e)
			}
		}
		d := g.distribution(i)
		w.resource(d)
		dists++
		outputs = append(outputs, kv{k: d.k + "Domain", v: obj{
			{k: "Value", v: getAtt(d.k, "DomainName")},
			{k: "Export", v: obj{{k: "Name", v: sub("${AWS::StackName}-" + d.k + "-domain")}}},
		}})
		switch g.r.IntN(3) {
		case 0:
			for _, e := range g.bucket(i) {
				w.resource(e)
			}
		case 1:
			for _, e := range g.function(i) {
				w.resource(e)
			}
		default:
			w.resource(g.role(fmt.Sprintf("DeployRole%d", i), "codebuild.amazonaws.com", 2+g.r.IntN(3)))
		}
	}
	w.closeResources()
	w.top("Outputs", outputs)
	return w.bytes(), dists
}

func (g *cfnGen) parameters() obj {
	str := func(def, desc string) obj {
		return obj{{k: "Type", v: "String"}, {k: "Default", v: def}, {k: "Description", v: desc}}
	}
	env := str("prod", "Deployment environment")
	env = append(env, kv{k: "AllowedValues", v: list{"prod", "staging", "dev"}})
	return obj{
		{k: "Env", v: env},
		{k: "DomainName", v: str(fmt.Sprintf("www%d.example.com", g.stack), "Public host name")},
		{k: "CertificateArn", v: str("", "ACM certificate in us-east-1; empty for the CloudFront certificate")},
		{k: "EnableRealtimeLogs", v: str("true", "Ship real-time logs to Kinesis")},
		{k: "SharedLogConfigArn", v: str(fmt.Sprintf("arn:aws:cloudfront::123456789012:realtime-log-config/shared-%d", g.stack%7), "Organisation-wide real-time log config")},
		{k: "OriginDomain", v: str(fmt.Sprintf("origin-%d.internal.example.com", g.stack), "Custom origin host")},
		{k: "RetentionDays", v: obj{{k: "Type", v: "Number"}, {k: "Default", v: 30}, {k: "MinValue", v: 1}, {k: "MaxValue", v: 3653}}},
	}
}

var (
	rtFields = []string{"timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id",
		"x-edge-location", "time-taken", "cs-protocol", "cs-host", "cs-user-agent", "sc-bytes", "x-edge-result-type"}
	pathPatterns = []string{"/api/*", "/static/*", "/images/*", "/assets/*", "/downloads/*", "/graphql", "/auth/*",
		"/media/*.mp4", "/v1/*", "/v2/*", "/health", "/_next/static/*", "/fonts/*", "/docs/*", "*.json", "/search*"}
)

// logging returns a Kinesis stream, its IAM role and a real-time log config.
func (g *cfnGen) logging(i int) []kv {
	id := fmt.Sprintf("RealtimeLogs%d", i)
	g.configs = append(g.configs, id)
	fields := list{}
	nf := 5 + g.r.IntN(len(rtFields)-4)
	for _, f := range rtFields[:nf] {
		fields = append(fields, f)
	}
	rate := any(100)
	switch g.r.IntN(4) {
	case 0:
		rate = fnIf("IsProd", 100, 10)
	case 1:
		rate = 5 + g.r.IntN(95)
	}
	cfg := kv{k: id, v: obj{
		{k: "Type", v: "AWS::CloudFront::RealtimeLogConfig"},
		{k: "Properties", v: obj{
			{k: "Name", v: sub(fmt.Sprintf("edge-%d-%d-${Env}", g.stack, i))},
			{k: "SamplingRate", v: rate},
			{k: "Fields", v: fields},
			{k: "EndPoints", v: list{obj{
				{k: "StreamType", v: "Kinesis"},
				{k: "KinesisStreamConfig", v: obj{
					{k: "RoleArn", v: getAtt(fmt.Sprintf("LogRole%d", i), "Arn")},
					{k: "StreamArn", v: getAtt(fmt.Sprintf("LogStream%d", i), "Arn")},
				}},
			}}},
		}},
	}}
	if g.r.IntN(8) == 0 {
		cfg.comment = "cloudassure:ignore CF-003 sampling agreed with the SRE team"
	}
	stream := kv{k: fmt.Sprintf("LogStream%d", i), v: obj{
		{k: "Type", v: "AWS::Kinesis::Stream"},
		{k: "Properties", v: obj{
			{k: "StreamModeDetails", v: obj{{k: "StreamMode", v: "ON_DEMAND"}}},
			{k: "RetentionPeriodHours", v: 24},
			{k: "StreamEncryption", v: obj{{k: "EncryptionType", v: "KMS"}, {k: "KeyId", v: "alias/aws/kinesis"}}},
		}},
	}}
	return []kv{stream, g.role(fmt.Sprintf("LogRole%d", i), "cloudfront.amazonaws.com", 1), cfg}
}

// role is an IAM role with inline policies.
func (g *cfnGen) role(id, principal string, policies int) kv {
	var pols list
	for p := range policies {
		var stmts list
		for s := range 2 + g.r.IntN(3) {
			stmts = append(stmts, obj{
				{k: "Sid", v: fmt.Sprintf("Allow%d%d", p, s)},
				{k: "Effect", v: "Allow"},
				{k: "Action", v: list{"kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "s3:GetObject", "logs:PutLogEvents"}[:2+g.r.IntN(4)]},
				{k: "Resource", v: list{
					sub(fmt.Sprintf("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/edge-%d-%d", g.stack, s)),
					sub(fmt.Sprintf("arn:${AWS::Partition}:s3:::artifacts-${AWS::AccountId}-${Env}/%s/*", id)),
				}},
			})
		}
		pols = append(pols, obj{
			{k: "PolicyName", v: fmt.Sprintf("%s-policy-%d", strings.ToLower(id), p)},
			{k: "PolicyDocument", v: obj{{k: "Version", v: "2012-10-17"}, {k: "Statement", v: stmts}}},
		})
	}
	return kv{k: id, v: obj{
		{k: "Type", v: "AWS::IAM::Role"},
		{k: "Properties", v: obj{
			{k: "AssumeRolePolicyDocument", v: obj{
				{k: "Version", v: "2012-10-17"},
				{k: "Statement", v: list{obj{
					{k: "Effect", v: "Allow"},
					{k: "Principal", v: obj{{k: "Service", v: principal}}},
					{k: "Action", v: "sts:AssumeRole"},
				}}},
			}},
			{k: "ManagedPolicyArns", v: list{sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}},
			{k: "Policies", v: pols},
			{k: "Tags", v: list{obj{{k: "Key", v: "team"}, {k: "Value", v: fmt.Sprintf("team-%d", g.stack%40)}}}},
		}},
	}}
}

// logArn picks how a behavior attaches a real-time log config.
func (g *cfnGen) logArn() (any, bool) {
	cfg := ""
	if len(g.configs) > 0 {
		cfg = g.configs[len(g.configs)-1-g.r.IntN(len(g.configs))]
	}
	switch n := g.r.IntN(100); {
	case cfg != "" && n < 40:
		return getAtt(cfg, "Arn"), true
	case cfg != "" && n < 55:
		return ref(cfg), true
	case cfg != "" && n < 65:
		return fnIf("LoggingEnabled", getAtt(cfg, "Arn"), ref("AWS::NoValue")), true
	case n < 75:
		return ref("SharedLogConfigArn"), true
	case n < 80:
		return sub("arn:aws:cloudfront::${AWS::AccountId}:realtime-log-config/shared-${Env}"), true
	case n == 99:
		return getAtt("RealtimeLogsTypo", "Arn"), true // dangling
	}
	return nil, false
}

func (g *cfnGen) behavior(origin string, path any) obj {
	b := obj{}
	if path != nil {
		b = append(b, kv{k: "PathPattern", v: path})
	}
	b = append(b,
		kv{k: "TargetOriginId", v: origin},
		kv{k: "ViewerProtocolPolicy", v: []string{"redirect-to-https", "https-only", "allow-all"}[g.r.IntN(3)]},
		kv{k: "AllowedMethods", v: list{"GET", "HEAD", "OPTIONS"}},
		kv{k: "CachedMethods", v: list{"GET", "HEAD"}},
		kv{k: "Compress", v: true},
		kv{k: "CachePolicyId", v: "658327ea-f89d-4fab-a63d-7e88639e58f6"},
		kv{k: "OriginRequestPolicyId", v: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"},
	)
	if arn, ok := g.logArn(); ok {
		b = append(b, kv{k: "RealtimeLogConfigArn", v: arn})
	}
	if g.r.IntN(4) == 0 {
		b = append(b, kv{k: "FunctionAssociations", v: list{obj{
			{k: "EventType", v: "viewer-request"},
			{k: "FunctionARN", v: fn{"ImportValue", "edge-rewrite-function-arn"}},
		}}})
	}
	return b
}

// distribution is a CloudFront distribution with two origins and 3 to 10
// ordered behaviors.
func (g *cfnGen) distribution(i int) kv {
	id := fmt.Sprintf("Distribution%d", i)
	var behaviors list
	for j := range 3 + g.r.IntN(8) {
		var path any = pathPatterns[(i+j*3)%len(pathPatterns)]
		switch g.r.IntN(12) {
		case 0:
			path = fn{"FindInMap", list{"EnvConfig", ref("Env"), "ApiPath"}}
		case 1:
			path = fn{"Join", list{"", list{"/", ref("Env"), fmt.Sprintf("/section-%d/*", j)}}}
		}
		origin := "web"
		if j%2 == 1 {
			origin = "assets"
		}
		b := g.behavior(origin, path)
		if g.r.IntN(15) == 0 {
			behaviors = append(behaviors, fnIf("IsProd", b, ref("AWS::NoValue")))
			continue
		}
		behaviors = append(behaviors, b)
	}
	var enabled any = true
	switch g.r.IntN(6) {
	case 0:
		enabled = fnIf("IsProd", true, false)
	case 1:
		enabled = false
	}
	d := kv{k: id, v: obj{
		{k: "Type", v: "AWS::CloudFront::Distribution"},
		{k: "Properties", v: obj{{k: "DistributionConfig", v: obj{
			{k: "Enabled", v: enabled},
			{k: "Comment", v: sub(fmt.Sprintf("stack %d distribution %d (${Env})", g.stack, i))},
			{k: "Aliases", v: list{ref("DomainName"), sub(fmt.Sprintf("cdn%d.${DomainName}", i))}},
			{k: "PriceClass", v: fn{"FindInMap", list{"EnvConfig", ref("Env"), "PriceClass"}}},
			{k: "HttpVersion", v: "http2and3"},
			{k: "Origins", v: list{
				obj{
					{k: "Id", v: "web"},
					{k: "DomainName", v: ref("OriginDomain")},
					{k: "CustomOriginConfig", v: obj{{k: "OriginProtocolPolicy", v: "https-only"}, {k: "OriginSSLProtocols", v: list{"TLSv1.2"}}}},
				},
				obj{
					{k: "Id", v: "assets"},
					{k: "DomainName", v: sub(fmt.Sprintf("assets-%d-${AWS::AccountId}.s3.${AWS::Region}.amazonaws.com", g.stack))},
					{k: "S3OriginConfig", v: obj{{k: "OriginAccessIdentity", v: ""}}},
					{k: "OriginAccessControlId", v: "E2QWRUHAPOMQZL"},
				},
			}},
			{k: "DefaultCacheBehavior", v: g.behavior("web", nil)},
			{k: "CacheBehaviors", v: behaviors},
			{k: "ViewerCertificate", v: fnIf("HasCertificate",
				obj{{k: "AcmCertificateArn", v: ref("CertificateArn")}, {k: "SslSupportMethod", v: "sni-only"}, {k: "MinimumProtocolVersion", v: "TLSv1.2_2021"}},
				obj{{k: "CloudFrontDefaultCertificate", v: true}})},
			{k: "Restrictions", v: obj{{k: "GeoRestriction", v: obj{{k: "RestrictionType", v: "none"}}}}},
		}}}},
	}}
	switch g.r.IntN(10) {
	case 0:
		d.comment = "cloudassure:ignore CF-001 internal preview, no customer traffic"
	case 1:
		d.v = append(obj{{k: "Metadata", v: obj{{k: "cloudassure", v: obj{{k: "ignore", v: list{obj{{k: "id", v: "CF-002"}, {k: "reason", v: "legacy paths, logged upstream"}}}}}}}}}, d.v.(obj)...)
	}
	return d
}

// bucket is an S3 bucket and its policy.
func (g *cfnGen) bucket(i int) []kv {
	id := fmt.Sprintf("AssetsBucket%d", i)
	b := kv{k: id, v: obj{
		{k: "Type", v: "AWS::S3::Bucket"},
		{k: "DeletionPolicy", v: "Retain"},
		{k: "Properties", v: obj{
			{k: "BucketName", v: sub(fmt.Sprintf("assets-%d-%d-${AWS::AccountId}-${Env}", g.stack, i))},
			{k: "BucketEncryption", v: obj{{k: "ServerSideEncryptionConfiguration", v: list{obj{
				{k: "ServerSideEncryptionByDefault", v: obj{{k: "SSEAlgorithm", v: "aws:kms"}, {k: "KMSMasterKeyID", v: "alias/aws/s3"}}},
				{k: "BucketKeyEnabled", v: true},
			}}}}},
			{k: "VersioningConfiguration", v: obj{{k: "Status", v: "Enabled"}}},
			{k: "PublicAccessBlockConfiguration", v: obj{{k: "BlockPublicAcls", v: true}, {k: "BlockPublicPolicy", v: true}, {k: "IgnorePublicAcls", v: true}, {k: "RestrictPublicBuckets", v: true}}},
			{k: "LifecycleConfiguration", v: obj{{k: "Rules", v: list{
				obj{{k: "Id", v: "expire-old-versions"}, {k: "Status", v: "Enabled"}, {k: "NoncurrentVersionExpiration", v: obj{{k: "NoncurrentDays", v: ref("RetentionDays")}}}},
				obj{{k: "Id", v: "abort-multipart"}, {k: "Status", v: "Enabled"}, {k: "AbortIncompleteMultipartUpload", v: obj{{k: "DaysAfterInitiation", v: 7}}}},
			}}}},
			{k: "Tags", v: list{obj{{k: "Key", v: "env"}, {k: "Value", v: ref("Env")}}, obj{{k: "Key", v: "stack"}, {k: "Value", v: ref("AWS::StackName")}}}},
		}},
	}}
	p := kv{k: id + "Policy", v: obj{
		{k: "Type", v: "AWS::S3::BucketPolicy"},
		{k: "Properties", v: obj{
			{k: "Bucket", v: ref(id)},
			{k: "PolicyDocument", v: obj{
				{k: "Version", v: "2012-10-17"},
				{k: "Statement", v: list{obj{
					{k: "Sid", v: "AllowCloudFront"},
					{k: "Effect", v: "Allow"},
					{k: "Principal", v: obj{{k: "Service", v: "cloudfront.amazonaws.com"}}},
					{k: "Action", v: "s3:GetObject"},
					{k: "Resource", v: fn{"Join", list{"", list{getAtt(id, "Arn"), "/*"}}}},
					{k: "Condition", v: obj{{k: "StringEquals", v: obj{{k: "AWS:SourceArn", v: sub(fmt.Sprintf("arn:aws:cloudfront::${AWS::AccountId}:distribution/${Distribution%d}", i))}}}}},
				}}},
			}},
		}},
	}}
	return []kv{b, p}
}

// function is a Lambda function with inline code and its role.
func (g *cfnGen) function(i int) []kv {
	id := fmt.Sprintf("InvalidateFunction%d", i)
	code := fmt.Sprintf(`import json
import os
import boto3

cloudfront = boto3.client("cloudfront")


def handler(event, context):
    """Invalidate the paths of distribution %d after a deploy."""
    paths = event.get("paths") or ["/*"]
    ref = event.get("reference", context.aws_request_id)
    resp = cloudfront.create_invalidation(
        DistributionId=os.environ["DISTRIBUTION_ID"],
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": ref,
        },
    )
    print(json.dumps({"invalidation": resp["Invalidation"]["Id"], "paths": paths}))
    return {"status": "ok", "id": resp["Invalidation"]["Id"]}
`, i)
	f := kv{k: id, v: obj{
		{k: "Type", v: "AWS::Lambda::Function"},
		{k: "Properties", v: obj{
			{k: "FunctionName", v: sub(fmt.Sprintf("invalidate-%d-%d-${Env}", g.stack, i))},
			{k: "Runtime", v: "python3.12"},
			{k: "Handler", v: "index.handler"},
			{k: "Timeout", v: 30},
			{k: "MemorySize", v: 256},
			{k: "Role", v: getAtt(id+"Role", "Arn")},
			{k: "Environment", v: obj{{k: "Variables", v: obj{
				{k: "DISTRIBUTION_ID", v: ref(fmt.Sprintf("Distribution%d", i))},
				{k: "LOG_LEVEL", v: fnIf("IsProd", "INFO", "DEBUG")},
			}}}},
			{k: "Code", v: obj{{k: "ZipFile", v: block(code)}}},
		}},
	}}
	return []kv{f, g.role(id+"Role", "lambda.amazonaws.com", 1)}
}

// cfnWriter renders a template as YAML or JSON, section by section, so that
// its size is known as resources are added.
type cfnWriter struct {
	json      bool
	b         bytes.Buffer
	sections  int
	resources int
}

func (w *cfnWriter) size() int { return w.b.Len() }
func (w *cfnWriter) bytes() []byte {
	if w.json {
		w.b.WriteString("\n}\n")
	}
	return w.b.Bytes()
}

func (w *cfnWriter) top(k string, v any) {
	if w.json {
		w.sep()
		w.b.WriteString("  " + jsonString(k) + ": ")
		writeJSON(&w.b, v, 2)
		return
	}
	writeYAMLEntry(&w.b, kv{k: k, v: v}, 0)
}

func (w *cfnWriter) sep() {
	if w.sections == 0 {
		w.b.WriteString("{\n")
	} else {
		w.b.WriteString(",\n")
	}
	w.sections++
}

func (w *cfnWriter) openResources() {
	if w.json {
		w.sep()
		w.b.WriteString(`  "Resources": {`)
		return
	}
	w.b.WriteString("Resources:\n")
}

func (w *cfnWriter) resource(e kv) {
	if w.json {
		if w.resources > 0 {
			w.b.WriteByte(',')
		}
		w.b.WriteString("\n    " + jsonString(e.k) + ": ")
		writeJSON(&w.b, e.v, 4)
	} else {
		writeYAMLEntry(&w.b, e, 2)
	}
	w.resources++
}

func (w *cfnWriter) closeResources() {
	if w.json {
		w.b.WriteString("\n  }")
	}
}

func longName(name string) string {
	if name == "Ref" || name == "Condition" {
		return name
	}
	return "Fn::" + name
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeJSON(b *bytes.Buffer, v any, ind int) {
	pad := strings.Repeat(" ", ind+2)
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{")
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n" + pad + jsonString(e.k) + ": ")
			writeJSON(b, e.v, ind+2)
		}
		b.WriteString("\n" + pad[:ind] + "}")
	case list:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n" + pad)
			writeJSON(b, e, ind+2)
		}
		b.WriteString("\n" + pad[:ind] + "]")
	case fn:
		writeJSON(b, obj{{k: longName(v.name), v: v.arg}}, ind)
	case string:
		b.WriteString(jsonString(v))
	case block:
		b.WriteString(jsonString(string(v)))
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		panic(fmt.Sprintf("writeJSON: %T", v))
	}
}

// flowable reports whether v is written on one line in YAML flow style:
// scalars, functions and short lists of them, and small mappings of those
// (no lists of mappings, no nested mappings), as people write templates.
func flowable(v any) bool {
	switch v := v.(type) {
	case string, int, bool:
		return true
	case fn:
		return flowable(v.arg)
	case list:
		if len(v) > 6 {
			return false
		}
		for _, e := range v {
			if _, isObj := e.(obj); isObj || !flowable(e) {
				return false
			}
		}
		return true
	case obj:
		if len(v) > 3 {
			return false
		}
		for _, e := range v {
			if _, isObj := e.v.(obj); isObj || !flowable(e.v) || e.comment != "" {
				return false
			}
		}
		return true
	}
	return false
}

func writeFlow(b *bytes.Buffer, v any, inFlow bool) {
	switch v := v.(type) {
	case string:
		b.WriteString(yamlScalar(v, inFlow))
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case fn:
		b.WriteString("!" + v.name + " ")
		if args, ok := v.arg.(list); ok && v.name == "GetAtt" && len(args) == 2 {
			b.WriteString(args[0].(string) + "." + args[1].(string))
			return
		}
		writeFlow(b, v.arg, inFlow)
	case list:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeFlow(b, e, true)
		}
		b.WriteByte(']')
	case obj:
		b.WriteByte('{')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(yamlScalar(e.k, true) + ": ")
			writeFlow(b, e.v, true)
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("writeFlow: %T", v))
	}
}

// yamlScalar writes s plain when YAML reads it back as the same string.
func yamlScalar(s string, inFlow bool) string {
	plain := s != "" && strings.TrimSpace(s) == s &&
		(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z' || s[0] == '/' || s[0] == '_') &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.HasSuffix(s, ":") &&
		!strings.ContainsAny(s, "\n\t\"'`|>%@&*!")
	if inFlow && strings.ContainsAny(s, "[]{},:") {
		plain = false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		plain = false
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// writeYAMLEntry writes "key: value" at indentation ind.
func writeYAMLEntry(b *bytes.Buffer, e kv, ind int) {
	pad := strings.Repeat(" ", ind)
	if e.comment != "" {
		b.WriteString(pad + "# " + e.comment + "\n")
	}
	b.WriteString(pad + yamlScalar(e.k, false) + ":")
	writeYAMLValue(b, e.v, ind)
}

// writeYAMLValue writes the value of an entry at indentation ind, after its
// colon.
func writeYAMLValue(b *bytes.Buffer, v any, ind int) {
	switch x := v.(type) {
	case block:
		b.WriteString(" |\n")
		for _, l := range strings.Split(strings.TrimSuffix(string(x), "\n"), "\n") {
			if l != "" {
				b.WriteString(strings.Repeat(" ", ind+2) + l)
			}
			b.WriteByte('\n')
		}
		return
	case obj:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		if len(x) > 2 || !flowable(x) {
			b.WriteByte('\n')
			for _, e := range x {
				writeYAMLEntry(b, e, ind+2)
			}
			return
		}
	case list:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		if !flowable(x) || len(x) > 4 && !allScalars(x) {
			b.WriteByte('\n')
			writeYAMLItems(b, x, ind+2)
			return
		}
	case fn:
		if !flowable(x) {
			b.WriteString(" !" + x.name + "\n")
			writeYAMLItems(b, x.arg.(list), ind+2)
			return
		}
	}
	b.WriteByte(' ')
	writeFlow(b, v, false)
	b.WriteByte('\n')
}

func allScalars(l list) bool {
	for _, e := range l {
		switch e.(type) {
		case string, int, bool:
		default:
			return false
		}
	}
	return true
}

// writeYAMLItems writes a block sequence with its dashes at ind.
func writeYAMLItems(b *bytes.Buffer, l list, ind int) {
	pad := strings.Repeat(" ", ind)
	for _, e := range l {
		if o, ok := e.(obj); ok && len(o) > 0 && (len(o) > 2 || !flowable(o)) {
			b.WriteString(pad + "- " + yamlScalar(o[0].k, false) + ":")
			writeYAMLValue(b, o[0].v, ind+2)
			for _, e := range o[1:] {
				writeYAMLEntry(b, e, ind+2)
			}
			continue
		}
		if f, ok := e.(fn); ok && !flowable(f) {
			b.WriteString(pad + "- !" + f.name + "\n")
			writeYAMLItems(b, f.arg.(list), ind+2)
			continue
		}
		if l2, ok := e.(list); ok && !flowable(l2) {
			b.WriteString(pad + "-\n")
			writeYAMLItems(b, l2, ind+2)
			continue
		}
		b.WriteString(pad + "- ")
		writeFlow(b, e, false)
		b.WriteByte('\n')
	}
}

// --- Terraform --------------------------------------------------------------

type tfFile struct {
	name  string
	data  []byte
	dists int // distributions the scan reads from this file
}

type tfGen struct {
	r       *rand.Rand
	project int
}

// project returns the five files of one Terraform project: a root module
// (variables, logging, CDN, storage, functions) or, for every fourth
// project, a root module of three files calling a child module of two.
func (g *tfGen) files(size func() int) []tfFile {
	configs := 2 + g.r.IntN(3)
	files := []tfFile{
		{name: "variables.tf", data: g.variables(size())},
		{name: "logging.tf", data: g.logging(size(), configs)},
	}
	cdn, dists := g.cdn(size(), configs, "")
	files = append(files, tfFile{name: "cdn.tf", data: cdn, dists: dists})
	if g.project%4 == 3 {
		edge, edgeDists := g.cdn(size(), 0, "var.log_arn")
		files[0].data = append(files[0].data, `
module "edge" {
  source      = "./modules/edge"
  log_arn     = aws_cloudfront_realtime_log_config.rt_0.arn
  environment = var.environment
}
`...)
		return append(files,
			tfFile{name: "modules/edge/variables.tf", data: g.variables(size())},
			tfFile{name: "modules/edge/main.tf", data: append([]byte(`variable "log_arn" {
  type    = string
  default = ""
}

`), edge...), dists: edgeDists},
		)
	}
	return append(files,
		tfFile{name: "storage.tf", data: g.storage(size())},
		tfFile{name: "functions.tf", data: g.functions(size())},
	)
}

func (g *tfGen) variables(size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

variable "environment" {
  type        = string
  default     = "prod"
  description = "Deployment environment"
  validation {
    condition     = contains(["prod", "staging", "dev"], var.environment)
    error_message = "environment must be prod, staging or dev"
  }
}

variable "domain" {
  type    = string
  default = "project-%d.example.com"
}

variable "enable_realtime_logs" {
  type    = bool
  default = true
}

locals {
  name_prefix = "p%d-${var.environment}"
  api_paths   = ["/api/*", "/graphql", "/v1/*"]
  common_tags = {
    project     = "project-%d"
    environment = var.environment
    managed_by  = "terraform"
  }
}
`, g.project, g.project, g.project)
	for i, start := 0, b.Len(); fill(i, b.Len(), start, size); i++ {
		fmt.Fprintf(&b, `
variable "setting_%d" {
  type = object({
    enabled     = bool
    ttl_seconds = number
    origins     = list(string)
    headers     = map(string)
  })
  default = {
    enabled     = true
    ttl_seconds = %d
    origins     = ["origin-%d-a.example.com", "origin-%d-b.example.com"]
    headers     = { "X-Project" = "%d", "X-Setting" = "%d" }
  }
  description = "Tuning knob %d for the edge configuration of this project"
}
`, i, 60*(1+g.r.IntN(100)), i, i, g.project, i, i)
	}
	return b.Bytes()
}

func (g *tfGen) logging(size, configs int) []byte {
	var b bytes.Buffer
	for i := range configs {
		nf := 5 + g.r.IntN(len(rtFields)-4)
		rate := "100"
		switch g.r.IntN(4) {
		case 0:
			rate = `var.environment == "prod" ? 100 : 10`
		case 1:
			rate = strconv.Itoa(5 + g.r.IntN(95))
		}
		if g.r.IntN(8) == 0 {
			b.WriteString("# cloudassure:ignore CF-003 sampling agreed with the SRE team\n")
		}
		fmt.Fprintf(&b, `resource "aws_cloudfront_realtime_log_config" "rt_%d" {
  name          = "${local.name_prefix}-rt-%d"
  sampling_rate = %s
  fields        = [%s]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.logs_%d.arn
      stream_arn = aws_kinesis_stream.logs_%d.arn
    }
  }
}

resource "aws_kinesis_stream" "logs_%d" {
  name             = "${local.name_prefix}-logs-%d"
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"
  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
  tags = local.common_tags
}

`, i, i, rate, `"`+strings.Join(rtFields[:nf], `", "`)+`"`, i, i, i, i)
		g.role(&b, fmt.Sprintf("logs_%d", i), "cloudfront.amazonaws.com")
	}
	for i, start := 0, b.Len(); fill(i, b.Len(), start, size); i++ {
		g.role(&b, fmt.Sprintf("ship_%d", i), "firehose.amazonaws.com")
	}
	return b.Bytes()
}

func (g *tfGen) role(b *bytes.Buffer, name, principal string) {
	fmt.Fprintf(b, `data "aws_iam_policy_document" "%[1]s_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["%[2]s"]
    }
  }
}

resource "aws_iam_role" "%[1]s" {
  name               = "${local.name_prefix}-%[1]s"
  assume_role_policy = data.aws_iam_policy_document.%[1]s_assume.json
  tags               = local.common_tags
}

resource "aws_iam_role_policy" "%[1]s" {
  name = "%[1]s"
  role = aws_iam_role.%[1]s.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"]
        Resource = "arn:aws:kinesis:*:*:stream/${local.name_prefix}-*"
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["arn:aws:s3:::${local.name_prefix}-artifacts/*", "arn:aws:s3:::${local.name_prefix}-logs/*"]
      },
    ]
  })
}

`, name, principal)
}

// cdn writes distributions until size; configs is how many rt_N configs the
// module declares, logArn the expression used instead when it is 0.
func (g *tfGen) cdn(size, configs int, logArn string) ([]byte, int) {
	var b bytes.Buffer
	arn := func() string {
		n := g.r.IntN(100)
		switch {
		case configs == 0 && n < 70:
			return logArn
		case configs == 0:
			return ""
		case n < 55:
			return fmt.Sprintf("aws_cloudfront_realtime_log_config.rt_%d.arn", g.r.IntN(configs))
		case n < 65:
			return fmt.Sprintf("var.enable_realtime_logs ? aws_cloudfront_realtime_log_config.rt_%d.arn : null", g.r.IntN(configs))
		case n < 75:
			return `"arn:aws:cloudfront::123456789012:realtime-log-config/shared"`
		case n == 99:
			return "aws_cloudfront_realtime_log_config.rt_typo.arn" // dangling
		}
		return ""
	}
	behavior := func(kind, path, origin string) {
		fmt.Fprintf(&b, "\n  %s {\n", kind)
		if path != "" {
			fmt.Fprintf(&b, "    path_pattern            = %s\n", path)
		}
		fmt.Fprintf(&b, `    target_origin_id        = %q
    viewer_protocol_policy  = %q
    allowed_methods         = ["GET", "HEAD", "OPTIONS"]
    cached_methods          = ["GET", "HEAD"]
    compress                = true
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
`, origin, []string{"redirect-to-https", "https-only", "allow-all"}[g.r.IntN(3)])
		if a := arn(); a != "" {
			fmt.Fprintf(&b, "    realtime_log_config_arn = %s\n", a)
		}
		b.WriteString("  }\n")
	}
	dists := 0
	for i, start := 0, b.Len(); fill(i, b.Len(), start, size); i++ {
		dists++
		if g.r.IntN(10) == 0 {
			b.WriteString("# cloudassure:ignore CF-001 internal preview, no customer traffic\n")
		}
		enabled := "true"
		if g.r.IntN(6) == 0 {
			enabled = `var.environment == "prod"`
		}
		fmt.Fprintf(&b, `resource "aws_cloudfront_distribution" "site_%d" {
  enabled         = %s
  is_ipv6_enabled = true
  comment         = "${local.name_prefix} site %d"
  aliases         = ["site-%d.${var.domain}"]
  price_class     = var.environment == "prod" ? "PriceClass_All" : "PriceClass_100"
  http_version    = "http2and3"

  origin {
    domain_name = "origin-%d.${var.domain}"
    origin_id   = "web"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  origin {
    domain_name              = "${local.name_prefix}-assets.s3.amazonaws.com"
    origin_id                = "assets"
    origin_access_control_id = "E2QWRUHAPOMQZL"
  }
`, i, enabled, i, i, i)
		behavior("default_cache_behavior", "", "web")
		for j := range 3 + g.r.IntN(8) {
			origin := "web"
			if j%2 == 1 {
				origin = "assets"
			}
			behavior("ordered_cache_behavior", strconv.Quote(pathPatterns[(i+j*3)%len(pathPatterns)]), origin)
		}
		if g.r.IntN(3) == 0 {
			b.WriteString(`
  dynamic "ordered_cache_behavior" {
    for_each = local.api_paths
    content {
      path_pattern            = ordered_cache_behavior.value
      target_origin_id        = "web"
      viewer_protocol_policy  = "https-only"
      allowed_methods         = ["GET", "HEAD"]
      cached_methods          = ["GET", "HEAD"]
`)
			if a := arn(); a != "" {
				fmt.Fprintf(&b, "      realtime_log_config_arn = %s\n", a)
			}
			b.WriteString("    }\n  }\n")
		}
		b.WriteString(`
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  tags = merge(local.common_tags, { component = "cdn" })
}

`)
	}
	return b.Bytes(), dists
}

func (g *tfGen) storage(size int) []byte {
	var b bytes.Buffer
	for i, start := 0, b.Len(); fill(i, b.Len(), start, size); i++ {
		fmt.Fprintf(&b, `resource "aws_s3_bucket" "assets_%[1]d" {
  bucket = "${local.name_prefix}-assets-%[1]d"
  tags   = local.common_tags
}

resource "aws_s3_bucket_versioning" "assets_%[1]d" {
  bucket = aws_s3_bucket.assets_%[1]d.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets_%[1]d" {
  bucket = aws_s3_bucket.assets_%[1]d.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "alias/aws/s3"
    }
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "assets_%[1]d" {
  statement {
    sid       = "AllowCloudFront"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.assets_%[1]d.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.site_0.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "assets_%[1]d" {
  bucket = aws_s3_bucket.assets_%[1]d.id
  policy = data.aws_iam_policy_document.assets_%[1]d.json
}

`, i)
	}
	return b.Bytes()
}

func (g *tfGen) functions(size int) []byte {
	var b bytes.Buffer
	for i, start := 0, b.Len(); fill(i, b.Len(), start, size); i++ {
		fmt.Fprintf(&b, `resource "aws_lambda_function" "invalidate_%[1]d" {
  function_name = "${local.name_prefix}-invalidate-%[1]d"
  role          = aws_iam_role.invalidate_%[1]d.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "${path.module}/build/invalidate.zip"
  timeout       = 30
  memory_size   = 256

  environment {
    variables = {
      DISTRIBUTION_ID = aws_cloudfront_distribution.site_0.id
      LOG_LEVEL       = var.environment == "prod" ? "INFO" : "DEBUG"
    }
  }

  tags = local.common_tags
}

resource "aws_cloudwatch_log_group" "invalidate_%[1]d" {
  name              = "/aws/lambda/${aws_lambda_function.invalidate_%[1]d.function_name}"
  retention_in_days = 30
}

`, i)
		g.role(&b, fmt.Sprintf("invalidate_%d", i), "lambda.amazonaws.com")
	}
	return b.Bytes()
}

// k8sManifest is a Kubernetes deployment, service and config map: YAML the
// scanner must recognise as not CloudFormation.
func k8sManifest(r *rand.Rand, i int) []byte {
	return fmt.Appendf(nil, `# Resources are sized for the staging cluster.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  labels: {app: app-%[1]d}
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: app-%[1]d}
  template:
    metadata:
      labels: {app: app-%[1]d}
    spec:
      containers:
        - name: app
          image: registry.example.com/app-%[1]d:1.%[2]d.0
          ports: [{containerPort: 8080}]
          resources:
            limits: {cpu: 500m, memory: 256Mi}
            requests: {cpu: 100m, memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
spec:
  selector: {app: app-%[1]d}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-%[1]d-config
data:
  Resources: "see the runbook"
  LOG_LEVEL: info
`, i, 1+r.IntN(5))
}

// --- the benchmarks ---------------------------------------------------------

// scanIaC is what `cloudassure scan iac DIR` does before writing the report:
// read the inventory, run every rule, apply inline suppressions, sort.
func scanIaC(dir string) (*model.Inventory, *finding.Report, error) {
	inv, err := iac.Read(context.Background(), iac.Options{Paths: []string{dir}})
	if err != nil {
		return nil, nil, err
	}
	findings := rules.Run(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()})
	suppress.Apply(findings, inv, nil, time.Now())
	rep := &finding.Report{Source: inv.Source, Findings: findings}
	for _, e := range inv.Errors {
		rep.Errors = append(rep.Errors, finding.ScanError{Message: e.Message, Operation: e.Operation})
	}
	rep.Summarize()
	rep.Sort()
	return inv, rep, nil
}

// bareParse walks dir like the scan and parses, with as many workers as the
// scan, every file the scan has to parse, with nothing but the library
// parser: CloudFormation YAML with yaml.v3 into a yaml.Node, CloudFormation
// JSON with encoding/json's token stream (what the scanner's JSON reader is
// built on, the one way encoding/json gives the offsets findings need),
// .tf with hclparse. Files that are not templates are read from disk and
// skipped, as the scan does, without parsing.
func bareParse(dir string) (files int, err error) {
	var paths []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".tf", ".json", ".yaml", ".yml", ".template":
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range paths {
		g.Go(func() error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			switch {
			case filepath.Ext(p) == ".tf":
				if _, diags := hclparse.NewParser().ParseHCL(data, p); diags.HasErrors() {
					return diags
				}
			case !bytes.Contains(data, keyTemplate):
				// not a template: the scan rejects it without parsing
			case filepath.Ext(p) == ".json":
				return parseJSONTokens(data)
			default:
				var n yaml.Node
				return yaml.Unmarshal(data, &n)
			}
			return nil
		})
	}
	return len(paths), g.Wait()
}

var keyTemplate = []byte("AWSTemplateFormatVersion")

// parseJSONTokens reads every token of data.
func parseJSONTokens(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		if _, err := dec.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// run is one timed run of a benchmark: its wall time, the CPU time of the
// process (all threads, GC and page faults included) and the peak of the
// heap, sampled every 5 ms.
type run struct {
	wall          time.Duration
	cpu           float64 // seconds; negative when the system does not say
	peakHeapBytes uint64
}

// measure runs fn, after a GC so that runs start from the same heap.
func measure(b *testing.B, fn func()) run {
	b.StopTimer()
	runtime.GC()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var max uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			max = maxOf(max, s[0].Value.Uint64())
			select {
			case <-stop:
				metrics.Read(s)
				peak <- maxOf(max, s[0].Value.Uint64())
				return
			case <-t.C:
			}
		}
	}()
	cpu0 := processCPU()
	b.StartTimer()
	start := time.Now()
	fn()
	wall := time.Since(start)
	b.StopTimer()
	cpu1 := processCPU()
	close(stop)
	r := run{wall: wall, peakHeapBytes: <-peak, cpu: -1}
	if cpu0 >= 0 && cpu1 >= 0 {
		r.cpu = cpu1 - cpu0
	}
	b.StartTimer()
	return r
}

// processCPU returns the user and system CPU time of the process so far, in
// seconds, from /proc/self/stat; -1 where there is no /proc. Unlike the
// wall time, it does not grow when other processes take the cores.
func processCPU() float64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// The fields after the command name (in parentheses) start at field 3,
	// state; utime and stime are fields 14 and 15, in clock ticks (USER_HZ,
	// 100 on Linux).
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (utime + stime) / 100
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// runs sums the runs of one benchmark.
type runs struct {
	n             int
	wall          time.Duration
	cpu           float64 // negative when unknown
	peakHeapBytes uint64
}

func (rs *runs) add(r run) {
	rs.n++
	rs.wall += r.wall
	if rs.cpu >= 0 && r.cpu >= 0 {
		rs.cpu += r.cpu
	} else {
		rs.cpu = -1
	}
	rs.peakHeapBytes = maxOf(rs.peakHeapBytes, r.peakHeapBytes)
}

func (rs *runs) secs() float64 { return rs.wall.Seconds() / float64(rs.n) }

// report adds the throughput and cost of rs to b's results, each metric
// prefixed with name ("" for the benchmark's own).
func (rs *runs) report(b *testing.B, c *corpus, name string) {
	b.ReportMetric(rs.secs(), name+"s")
	b.ReportMetric(float64(c.bytes)/1e6/rs.secs(), name+"MB/s")
	b.ReportMetric(float64(c.files)/rs.secs(), name+"files/s")
	b.ReportMetric(float64(rs.peakHeapBytes)/1e6, name+"peak-heap-MB")
	if rs.cpu >= 0 {
		b.ReportMetric(rs.cpu/float64(rs.n), name+"cpu-s")
	}
}

func reportCorpus(b *testing.B, c *corpus) {
	b.ReportMetric(float64(c.files), "files")
	b.ReportMetric(float64(c.bytes)/1e6, "corpus-MB")
}

// scanOnce scans the corpus and checks that everything was read.
func scanOnce(b *testing.B, c *corpus) {
	inv, rep, err := scanIaC(c.dir)
	if err != nil || len(inv.Errors) > 0 || len(inv.Distributions) != c.distributions || len(rep.Findings) == 0 {
		b.Fatalf("scan: err %v, %d read errors (first %v), %d distributions (want %d), %d findings",
			err, len(inv.Errors), firstErr(inv), len(inv.Distributions), c.distributions, len(rep.Findings))
	}
}

func bareParseOnce(b *testing.B, c *corpus) {
	if n, err := bareParse(c.dir); err != nil || n != c.files {
		b.Fatalf("bare parse: %d files (want %d), %v", n, c.files, err)
	}
}

// BenchmarkScanIaC is the full scan: iac.Read on all cores, then the rules.
func BenchmarkScanIaC(b *testing.B) {
	c := benchCorpus(b, benchFiles(b))
	var rs runs
	for b.Loop() {
		rs.add(measure(b, func() { scanOnce(b, c) }))
	}
	rs.report(b, c, "")
	reportCorpus(b, c)
	b.ReportMetric(float64(c.distributions), "distributions")
}

// BenchmarkBareParse parses the same files with the libraries alone.
func BenchmarkBareParse(b *testing.B) {
	c := benchCorpus(b, benchFiles(b))
	var rs runs
	for b.Loop() {
		rs.add(measure(b, func() { bareParseOnce(b, c) }))
	}
	rs.report(b, c, "")
	reportCorpus(b, c)
}

// BenchmarkScanIaCVsBareParse runs both, alternately, and reports the ratio
// of their wall times (scan / bare parse), and of their CPU times, which
// other processes on the machine disturb less.
func BenchmarkScanIaCVsBareParse(b *testing.B) {
	c := benchCorpus(b, benchFiles(b))
	var scan, parse runs
	for b.Loop() {
		parse.add(measure(b, func() { bareParseOnce(b, c) }))
		scan.add(measure(b, func() { scanOnce(b, c) }))
	}
	scan.report(b, c, "scan-")
	parse.report(b, c, "bare-")
	reportCorpus(b, c)
	b.ReportMetric(scan.wall.Seconds()/parse.wall.Seconds(), "ratio")
	if scan.cpu > 0 && parse.cpu > 0 {
		b.ReportMetric(scan.cpu/parse.cpu, "cpu-ratio")
	}
}

// BenchmarkByFormat compares, one format at a time and on one goroutine, the
// scanner's reader with the bare parse: cloudformation.Detect and Read
// against yaml.v3 (YAML) or encoding/json's token stream (JSON) over the
// templates in memory, and terraform.ReadModule against hclparse over the
// .tf files of each module directory, both reading them from disk. For JSON
// it also reports two other bare parses: json.Unmarshal into an any, and
// yaml.v3, which reads JSON too.
func BenchmarkByFormat(b *testing.B) {
	c := benchCorpus(b, benchFiles(b))
	var yml, js [][]byte
	var ymlBytes, jsBytes, tfBytes int64
	var tfFiles []string
	tfDirs := map[string]bool{}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case filepath.Ext(p) == ".tf":
			tfFiles = append(tfFiles, p)
			tfDirs[filepath.Dir(p)] = true
			tfBytes += int64(len(data))
		case !bytes.Contains(data, keyTemplate):
		case filepath.Ext(p) == ".json":
			js = append(js, data)
			jsBytes += int64(len(data))
		default:
			yml = append(yml, data)
			ymlBytes += int64(len(data))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cfnScan := func(name string, files [][]byte) func() {
		return func() {
			for _, data := range files {
				if !cloudformation.Detect(data) {
					b.Fatal("not a template")
				}
				if inv, err := cloudformation.Read(name, data); err != nil || len(inv.Errors) > 0 {
					b.Fatal(err, inv.Errors)
				}
			}
		}
	}
	yamlParse := func(files [][]byte) func() {
		return func() {
			for _, data := range files {
				var n yaml.Node
				if err := yaml.Unmarshal(data, &n); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	type variant struct {
		name string
		fn   func()
	}
	formats := []struct {
		name        string
		bytes       int64
		bare, scan  func()
		alternative []variant
	}{
		{name: "cfn-yaml", bytes: ymlBytes, bare: yamlParse(yml), scan: cfnScan("t.yaml", yml)},
		{name: "cfn-json", bytes: jsBytes,
			bare: func() {
				for _, data := range js {
					if err := parseJSONTokens(data); err != nil {
						b.Fatal(err)
					}
				}
			},
			scan: cfnScan("t.json", js),
			alternative: []variant{
				{"unmarshal-any-", func() {
					for _, data := range js {
						var v any
						if err := json.Unmarshal(data, &v); err != nil {
							b.Fatal(err)
						}
					}
				}},
				{"yaml.v3-", yamlParse(js)},
			}},
		{name: "terraform", bytes: tfBytes,
			bare: func() {
				for _, p := range tfFiles {
					data, err := os.ReadFile(p)
					if err != nil {
						b.Fatal(err)
					}
					if _, diags := hclparse.NewParser().ParseHCL(data, p); diags.HasErrors() {
						b.Fatal(diags)
					}
				}
			},
			scan: func() {
				for dir := range tfDirs {
					if inv, err := terraform.ReadModule(".", dir); err != nil || len(inv.Errors) > 0 {
						b.Fatal(err, inv.Errors)
					}
				}
			}},
	}
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			var bare, scan runs
			alts := make([]runs, len(f.alternative))
			for b.Loop() {
				bare.add(measure(b, f.bare))
				scan.add(measure(b, f.scan))
				for i, a := range f.alternative {
					alts[i].add(measure(b, a.fn))
				}
			}
			b.ReportMetric(float64(f.bytes)/1e6, "MB")
			b.ReportMetric(float64(f.bytes)/1e6/bare.secs(), "bare-MB/s")
			b.ReportMetric(float64(f.bytes)/1e6/scan.secs(), "scan-MB/s")
			for i, a := range f.alternative {
				b.ReportMetric(float64(f.bytes)/1e6/alts[i].secs(), a.name+"MB/s")
			}
			b.ReportMetric(scan.wall.Seconds()/bare.wall.Seconds(), "ratio")
			if scan.cpu > 0 && bare.cpu > 0 {
				b.ReportMetric(scan.cpu/bare.cpu, "cpu-ratio")
			}
		})
	}
}

func firstErr(inv *model.Inventory) any {
	if inv == nil || len(inv.Errors) == 0 {
		return nil
	}
	return inv.Errors[0]
}

// TestBenchCorpus checks that a small corpus is what the benchmarks assume:
// every file reads without error and every distribution is found.
func TestBenchCorpus(t *testing.T) {
	c := benchCorpus(t, 60)
	inv, rep, err := scanIaC(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inv.Errors {
		t.Errorf("read error: %v", e)
	}
	if len(inv.Distributions) != c.distributions {
		t.Errorf("%d distributions, want %d", len(inv.Distributions), c.distributions)
	}
	if rep.Summary.Fail == 0 || rep.Summary.Pass == 0 || rep.Summary.Skip == 0 {
		t.Errorf("summary %+v: want passes, failures and suppressed findings", rep.Summary)
	}
	if n, err := bareParse(c.dir); err != nil || n != c.files {
		t.Errorf("bare parse: %d files, %v; want %d", n, err, c.files)
	}
	want := map[string]int{"cfn-yaml": 26, "cfn-json": 18, "terraform": 15, "k8s-yaml": 1}
	for k, n := range want {
		if c.count[k] != n {
			t.Errorf("%d %s files, want %d", c.count[k], k, n)
		}
	}
	if avg := c.bytes / int64(c.files); avg < 12<<10 || avg > 28<<10 {
		t.Errorf("average file %d bytes, want about %d", avg, benchAvgFile)
	}
}

// benchSizesEnv sets the corpus sizes BenchmarkScanGrowth runs over.
const benchSizesEnv = "CLOUDASSURE_BENCH_IAC_SIZES"

func benchSizes(tb testing.TB) []int {
	s := os.Getenv(benchSizesEnv)
	if s == "" {
		return []int{1500, 5000, 15000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 20 {
			tb.Fatalf("%s=%q: want numbers of files, at least 20, separated by commas", benchSizesEnv, s)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkScanGrowth is `scan iac` as the command runs it, engine.Run
// included, over corpora of growing size: streamed (each template, module
// and plan judged as soon as it is read, only the findings kept) and, for
// comparison, with the whole inventory read before judging. The JSON report
// is written to io.Discard inside the measured run.
func BenchmarkScanGrowth(b *testing.B) {
	for _, n := range benchSizes(b) {
		for _, mode := range []struct {
			name string
			keep bool
		}{{"streamed", false}, {"whole", true}} {
			b.Run(fmt.Sprintf("files=%d/%s", n, mode.name), func(b *testing.B) {
				c := benchCorpus(b, n)
				var rs runs
				for b.Loop() {
					rs.add(measure(b, func() {
						res := engine.Run(context.Background(), engine.IaC{Options: iac.Options{Paths: []string{c.dir}}}, engine.Options{KeepInventory: mode.keep})
						rep := res.Report
						if len(rep.Errors) > 0 || rep.Summary.Resources != c.distributions {
							b.Fatalf("%d errors (first %+v), %d resources, want %d", len(rep.Errors), rep.Errors, rep.Summary.Resources, c.distributions)
						}
						if err := (&report.JSON{}).Write(io.Discard, rep); err != nil {
							b.Fatal(err)
						}
					}))
				}
				rs.report(b, c, "")
				reportCorpus(b, c)
			})
		}
	}
}
