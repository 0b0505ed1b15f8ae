package cloudformation

import (
	"fmt"
	"strings"
	"testing"
)

// benchTemplate generates a template of about 20 KB: configs and
// distributions with ordered behaviors, parameters, conditions and
// intrinsic functions of every common kind.
func benchTemplate() string {
	var b strings.Builder
	b.WriteString(`AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  StreamArn: {Type: String}
  RoleArn: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Unresolvable: !Equals [!Ref StreamArn, x]
Mappings:
  Paths:
    prod: {Api: /api/*}
Resources:
`)
	for i := 0; b.Len() < 20<<10; i++ {
		fmt.Fprintf(&b, `  # cloudassure:ignore CF-003 sampling agreed
  Config%[1]d:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: !Sub "config-%[1]d-${Env}"
      SamplingRate: 100
      Fields: [timestamp, c-ip, sc-status, cs-method, cs-uri-stem, x-edge-request-id, x-edge-location]
      EndPoints:
        - StreamType: Kinesis
          KinesisStreamConfig: {RoleArn: !Ref RoleArn, StreamArn: !Ref StreamArn}
  Dist%[1]d:
    Type: AWS::CloudFront::Distribution
    Metadata:
      cloudassure:
        ignore: [{id: CF-002, reason: fine}]
    Properties:
      DistributionConfig:
        Enabled: !If [IsProd, true, false]
        Comment: dist %[1]d
        DefaultCacheBehavior:
          TargetOriginId: o
          RealtimeLogConfigArn: !GetAtt Config%[1]d.Arn
        CacheBehaviors:
          - PathPattern: !FindInMap [Paths, !Ref Env, Api]
            RealtimeLogConfigArn: !Ref Config%[1]d
          - !If [Unresolvable, {PathPattern: /img/*, RealtimeLogConfigArn: !GetAtt Config%[1]d.Arn}, !Ref AWS::NoValue]
          - PathPattern: !Join ["", [/, !Ref Env, /*]]
`, i)
	}
	return b.String()
}

func BenchmarkRead(b *testing.B) {
	data := []byte(benchTemplate())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Read("bench.yaml", data)
		if err != nil || len(inv.Distributions) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	data := []byte(benchTemplate())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !Detect(data) {
			b.Fatal("not detected")
		}
	}
}

func TestBenchTemplate(t *testing.T) {
	src := benchTemplate()
	inv := mustRead(t, src)
	if len(src) < 20<<10 || len(src) > 24<<10 || len(inv.Errors) > 0 || len(inv.Distributions) != len(inv.Configs) {
		t.Fatalf("%d bytes, %d distributions, %d configs, errors %v", len(src), len(inv.Distributions), len(inv.Configs), inv.Errors)
	}
	d := inv.Distributions[0]
	if len(d.Behaviors) != 4 || d.Behaviors[1].PathPattern != "/api/*" || d.Behaviors[3].PathPattern != "/prod/*" || len(d.Ignores) != 1 {
		t.Errorf("first distribution: %+v %+v", d.Behaviors, d.Ignores)
	}
}
