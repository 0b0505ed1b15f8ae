package cloudformation

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cloudassure/cloudassure/internal/model"
)

// smallYAML is a template whose line numbers the tests assert.
const smallYAML = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LogConfig:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: main
      SamplingRate: 100
      Fields:
        - timestamp
        - c-ip
      EndPoints:
        - StreamType: Kinesis
          KinesisStreamConfig:
            RoleArn: arn:aws:iam::111122223333:role/cf
            StreamArn: arn:aws:kinesis:us-east-1:111122223333:stream/logs

  # the site
  Site:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: site
        DefaultCacheBehavior:
          TargetOriginId: o
          RealtimeLogConfigArn: !GetAtt LogConfig.Arn
        CacheBehaviors:
          - PathPattern: /api/*
            TargetOriginId: o
            RealtimeLogConfigArn: !Ref LogConfig
          - PathPattern: /img/*
            TargetOriginId: o

Outputs:
  X: {Value: 1}
`

// smallJSON is smallYAML in JSON.
const smallJSON = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "LogConfig": {
      "Type": "AWS::CloudFront::RealtimeLogConfig",
      "Properties": {
        "Name": "main",
        "SamplingRate": 100,
        "Fields": [
          "timestamp",
          "c-ip"
        ],
        "EndPoints": [
          {
            "StreamType": "Kinesis",
            "KinesisStreamConfig": {
              "RoleArn": "arn:aws:iam::111122223333:role/cf",
              "StreamArn": "arn:aws:kinesis:us-east-1:111122223333:stream/logs"
            }
          }
        ]
      }
    },
    "Site": {
      "Type": "AWS::CloudFront::Distribution",
      "Properties": {
        "DistributionConfig": {
          "Enabled": true,
          "Comment": "site",
          "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "RealtimeLogConfigArn": {"Fn::GetAtt": ["LogConfig", "Arn"]}
          },
          "CacheBehaviors": [
            {
              "PathPattern": "/api/*",
              "TargetOriginId": "o",
              "RealtimeLogConfigArn": {"Ref": "LogConfig"}
            },
            {
              "PathPattern": "/img/*",
              "TargetOriginId": "o"
            }
          ]
        }
      }
    }
  }
}
`

func rng(file string, start, end int) model.Range {
	return model.Range{File: file, StartLine: start, EndLine: end}
}

func at(file string, start, end int) model.Origin {
	return model.Origin{Range: rng(file, start, end)}
}

func TestReadSmallYAMLExact(t *testing.T) {
	const f = "t.yaml"
	inv := mustRead(t, smallYAML)
	want := &model.Inventory{
		Source: "cloudformation",
		Distributions: []*model.Distribution{{
			ID:      "Site",
			Type:    "AWS::CloudFront::Distribution",
			Comment: "site",
			Enabled: model.KnownValue(true, at(f, 22, 22)),
			Staging: model.AbsentValue[bool](at(f, 18, 32)),
			Range:   rng(f, 18, 32),
			Behaviors: []*model.Behavior{
				{PathPattern: "*", Default: true, RealtimeLogConfigARN: model.UnknownValue[string](at(f, 26, 26)),
					ConfigRef: "t.yaml#LogConfig", Range: rng(f, 24, 26)},
				{PathPattern: "/api/*", RealtimeLogConfigARN: model.UnknownValue[string](at(f, 30, 30)),
					ConfigRef: "t.yaml#LogConfig", Range: rng(f, 28, 30)},
				{PathPattern: "/img/*", RealtimeLogConfigARN: model.AbsentValue[string](at(f, 31, 32)), Range: rng(f, 31, 32)},
			},
		}},
		Configs: map[string]*model.RealtimeLogConfig{
			"t.yaml#LogConfig": {
				Name:         "main",
				SamplingRate: model.KnownValue(100, at(f, 7, 7)),
				Fields:       model.KnownValue([]string{"timestamp", "c-ip"}, at(f, 8, 10)),
				Endpoints: []model.Endpoint{{
					StreamType: model.KnownValue("Kinesis", at(f, 12, 12)),
					RoleARN:    model.KnownValue("arn:aws:iam::111122223333:role/cf", at(f, 14, 14)),
					StreamARN:  model.KnownValue("arn:aws:kinesis:us-east-1:111122223333:stream/logs", at(f, 15, 15)),
				}},
				Range: rng(f, 3, 15),
			},
		},
	}
	if diff := cmp.Diff(want, inv); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestReadSmallJSONLines(t *testing.T) {
	inv := mustRead(t, smallJSON)
	d := inv.Distributions[0]
	check := func(what string, got, want model.Range) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %d-%d, want %d-%d", what, got.StartLine, got.EndLine, want.StartLine, want.EndLine)
		}
	}
	const f = "t.yaml"
	check("distribution", d.Range, rng(f, 24, 47))
	check("Enabled", d.Enabled.Origin.Range, rng(f, 28, 28))
	check("default behavior", d.Behaviors[0].Range, rng(f, 30, 33))
	check("default ARN", d.Behaviors[0].RealtimeLogConfigARN.Origin.Range, rng(f, 32, 32))
	check("ordered behavior 1", d.Behaviors[1].Range, rng(f, 35, 39))
	check("ordered behavior 2", d.Behaviors[2].Range, rng(f, 40, 43))
	check("ordered ARN absent", d.Behaviors[2].RealtimeLogConfigARN.Origin.Range, rng(f, 40, 43))
	c := inv.Configs["t.yaml#LogConfig"]
	check("config", c.Range, rng(f, 4, 23))
	check("Fields", c.Fields.Origin.Range, rng(f, 9, 12))
}

// TestReadParityYAMLJSON holds the same template in YAML (short forms) and
// JSON (long forms) to the same model, positions aside.
func TestReadParityYAMLJSON(t *testing.T) {
	y, j := mustRead(t, smallYAML), mustRead(t, smallJSON)
	if diff := cmp.Diff(y, j, cmpopts.IgnoreTypes(model.Range{})); diff != "" {
		t.Errorf("YAML and JSON differ (-yaml +json)\n%s", diff)
	}
}

// distributionWith is a template with one distribution whose default
// behavior holds the RealtimeLogConfigArn line arn (YAML, written at
// the behavior's indentation), in a template that also has parameters,
// conditions, mappings and a config.
func distributionWith(arn string) string {
	return `Parameters:
  WithDefault: {Type: String, Default: "arn:aws:cloudfront::111122223333:realtime-log-config/p"}
  EmptyDefault: {Type: String, Default: ""}
  NoDefault: {Type: String}
  Env: {Type: String, Default: prod}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  Unresolvable: !Equals [!Ref NoDefault, yes]
Mappings:
  Arns:
    prod: {Log: "arn:aws:cloudfront::111122223333:realtime-log-config/m"}
Resources:
  LogConfig:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties: {Name: main, SamplingRate: 100, Fields: [timestamp], EndPoints: []}
  Bucket:
    Type: AWS::S3::Bucket
  Dist:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: o
` + "          " + arn + "\n"
}

// behaviorOutcome is what a test asserts about a behavior's config ARN.
type behaviorOutcome struct {
	State    model.State
	V        string
	Ref      string
	Dangling string
}

func behaviorSummary(b *model.Behavior) behaviorOutcome {
	return behaviorOutcome{b.RealtimeLogConfigARN.State, b.RealtimeLogConfigARN.V, b.ConfigRef, b.DanglingRef}
}

func TestReadRealtimeLogConfigArn(t *testing.T) {
	const lit = "arn:aws:cloudfront::111122223333:realtime-log-config/x"
	ref := "t.yaml#LogConfig"
	for _, tc := range []struct {
		name string
		line string // "" leaves the property out
		want behaviorOutcome
	}{
		{"missing", "", behaviorOutcome{State: model.Absent}},
		{"empty string", `RealtimeLogConfigArn: ""`, behaviorOutcome{State: model.Absent}},
		{"null", "RealtimeLogConfigArn:", behaviorOutcome{State: model.Absent}},
		{"tilde", "RealtimeLogConfigArn: ~", behaviorOutcome{State: model.Absent}},
		{"NoValue", "RealtimeLogConfigArn: !Ref AWS::NoValue", behaviorOutcome{State: model.Absent}},
		{"NoValue long", "RealtimeLogConfigArn: {Ref: AWS::NoValue}", behaviorOutcome{State: model.Absent}},
		{"literal", "RealtimeLogConfigArn: " + lit, behaviorOutcome{State: model.Known, V: lit}},
		{"parameter with default", "RealtimeLogConfigArn: !Ref WithDefault", behaviorOutcome{State: model.Known, V: "arn:aws:cloudfront::111122223333:realtime-log-config/p"}},
		{"parameter with empty default", "RealtimeLogConfigArn: !Ref EmptyDefault", behaviorOutcome{State: model.Absent}},
		{"parameter without default", "RealtimeLogConfigArn: !Ref NoDefault", behaviorOutcome{State: model.Unknown}},
		{"GetAtt config", "RealtimeLogConfigArn: !GetAtt LogConfig.Arn", behaviorOutcome{State: model.Unknown, Ref: ref}},
		{"GetAtt config long", "RealtimeLogConfigArn: {Fn::GetAtt: [LogConfig, Arn]}", behaviorOutcome{State: model.Unknown, Ref: ref}},
		{"Ref config", "RealtimeLogConfigArn: !Ref LogConfig", behaviorOutcome{State: model.Unknown, Ref: ref}},
		{"Ref other resource", "RealtimeLogConfigArn: !Ref Bucket", behaviorOutcome{State: model.Unknown}},
		{"dangling Ref", "RealtimeLogConfigArn: !Ref GoneConfig", behaviorOutcome{State: model.Unknown, Dangling: "GoneConfig"}},
		{"dangling GetAtt", "RealtimeLogConfigArn: !GetAtt GoneConfig.Arn", behaviorOutcome{State: model.Unknown, Dangling: "GoneConfig"}},
		{"ImportValue", "RealtimeLogConfigArn: !ImportValue shared-config", behaviorOutcome{State: model.Unknown}},
		{"Sub with pseudo parameters", "RealtimeLogConfigArn: !Sub 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:realtime-log-config/x'", behaviorOutcome{State: model.Unknown}},
		{"Sub literal", "RealtimeLogConfigArn: !Sub " + lit, behaviorOutcome{State: model.Known, V: lit}},
		{"FindInMap", "RealtimeLogConfigArn: !FindInMap [Arns, !Ref Env, Log]", behaviorOutcome{State: model.Known, V: "arn:aws:cloudfront::111122223333:realtime-log-config/m"}},
		{"If true", "RealtimeLogConfigArn: !If [IsProd, !GetAtt LogConfig.Arn, !Ref AWS::NoValue]", behaviorOutcome{State: model.Unknown, Ref: ref}},
		{"If false", "RealtimeLogConfigArn: !If [IsDev, !GetAtt LogConfig.Arn, !Ref AWS::NoValue]", behaviorOutcome{State: model.Absent}},
		{"If unresolvable, one branch absent (a FAIL naming the condition)", "RealtimeLogConfigArn: !If [Unresolvable, !GetAtt LogConfig.Arn, !Ref AWS::NoValue]", behaviorOutcome{State: model.Absent}},
		{"If unresolvable, both absent", "RealtimeLogConfigArn: !If [Unresolvable, '', !Ref AWS::NoValue]", behaviorOutcome{State: model.Absent}},
		{"unknown function", "RealtimeLogConfigArn: !Transform {Name: X}", behaviorOutcome{State: model.Unknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := mustRead(t, distributionWith(tc.line))
			if len(inv.Errors) > 0 {
				t.Fatalf("errors: %v", inv.Errors)
			}
			if diff := cmp.Diff(tc.want, behaviorSummary(inv.Distributions[0].Behaviors[0])); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadEnabledAndStaging(t *testing.T) {
	for _, tc := range []struct {
		name string
		prop string // the DistributionConfig line, e.g. "Enabled: false"
		want func(d *model.Distribution) any
		val  any
	}{
		{"Enabled false", "Enabled: false", enabled, known(false).Value},
		{"Enabled true", "Enabled: true", enabled, true},
		{"Enabled 'false' string", "Enabled: 'false'", enabled, false},
		{"Enabled 'FALSE' string", "Enabled: 'FALSE'", enabled, false},
		{"Enabled from parameter default", "Enabled: !Ref Flag", enabled, false},
		{"Enabled unresolvable", "Enabled: !Ref NoDefault", enabled, model.Unknown},
		{"Enabled If unresolvable", "Enabled: !If [Unresolvable, true, false]", enabled, model.Unknown},
		{"Enabled If resolvable", "Enabled: !If [IsProd, false, true]", enabled, false},
		{"Enabled not a boolean", "Enabled: maybe", enabled, model.Unknown},
		{"Enabled missing", "Comment: x", enabled, model.Absent},
		{"Staging true", "Staging: true", staging, true},
		{"Staging 'true' string", "Staging: 'true'", staging, true},
		{"Staging unresolvable", "Staging: !Ref NoDefault", staging, model.Unknown},
		{"Staging missing", "Comment: x", staging, model.Absent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `Parameters:
  Flag: {Type: String, Default: "false"}
  NoDefault: {Type: String}
  Env: {Type: String, Default: prod}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Unresolvable: !Equals [!Ref NoDefault, x]
Resources:
  Dist:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        ` + tc.prop + `
        DefaultCacheBehavior: {TargetOriginId: o}
`
			inv := mustRead(t, src)
			if got := tc.want(inv.Distributions[0]); got != tc.val {
				t.Errorf("got %v, want %v", got, tc.val)
			}
		})
	}
}

// enabled and staging return a distribution's value when known, else its state.
func enabled(d *model.Distribution) any { return boolOrState(d.Enabled) }
func staging(d *model.Distribution) any { return boolOrState(d.Staging) }

func boolOrState(v model.Value[bool]) any {
	if v.State == model.Known {
		return v.V
	}
	return v.State
}

func TestReadOrderedBehaviors(t *testing.T) {
	src := `Parameters:
  NoDefault: {Type: String}
  Behaviors: {Type: String}
  Env: {Type: String, Default: prod}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  Unresolvable: !Equals [!Ref NoDefault, x]
Resources:
  Cfg:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties: {Name: c}
  Dist:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior: {RealtimeLogConfigArn: !GetAtt Cfg.Arn}
        CacheBehaviors:
          - PathPattern: /a/*
            RealtimeLogConfigArn: !GetAtt Cfg.Arn
          - !If [IsProd, {PathPattern: /prod/*, RealtimeLogConfigArn: !Ref Cfg}, !Ref AWS::NoValue]
          - !If [IsDev, {PathPattern: /dev/*}, !Ref AWS::NoValue]
          - !If [Unresolvable, {PathPattern: /maybe/*, RealtimeLogConfigArn: arn:x}, !Ref AWS::NoValue]
          - !If [Unresolvable, {PathPattern: /either/*}, {PathPattern: /either/*, RealtimeLogConfigArn: arn:y}]
          - !Ref AWS::NoValue
          - PathPattern: !Sub "/${Env}/x/*"
          - PathPattern: !Sub "/${NoDefault}/y/*"
          - PathPattern: {"Fn::Join": ["", ["/", {"Ref": "AWS::Region"}, "/*"]]}
          - !FindInMap [Nope, a, b]
  Quiet:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior: {}
        CacheBehaviors: !Ref Behaviors
`
	inv := mustRead(t, src)
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	type b struct {
		Path    string
		Default bool
		State   model.State
		Ref     string
	}
	var got []b
	for _, x := range inv.Distributions[0].Behaviors {
		got = append(got, b{x.PathPattern, x.Default, x.RealtimeLogConfigARN.State, x.ConfigRef})
	}
	want := []b{
		{"*", true, model.Unknown, "t.yaml#Cfg"},
		{"/a/*", false, model.Unknown, "t.yaml#Cfg"},
		{"/prod/*", false, model.Unknown, "t.yaml#Cfg"},
		{"/maybe/*", false, model.Known, ""},
		{"/either/*", false, model.Absent, ""},
		{"/prod/x/*", false, model.Absent, ""},
		{"!Sub /${NoDefault}/y/*", false, model.Absent, ""},
		{`!Join ["", [/, !Ref AWS::Region, /*]]`, false, model.Absent, ""},
		{"!FindInMap [Nope, a, b]", false, model.Unknown, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("behaviors (-want +got)\n%s", diff)
	}
	quiet := inv.Distributions[1]
	if len(quiet.Behaviors) != 1 || !quiet.Behaviors[0].Default || quiet.Behaviors[0].RealtimeLogConfigARN.State != model.Absent {
		t.Errorf("unresolvable CacheBehaviors: want only the default behavior, got %+v", quiet.Behaviors)
	}
}

func TestReadMultipleResources(t *testing.T) {
	src := `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  A:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: first
        DefaultCacheBehavior: {RealtimeLogConfigArn: !GetAtt One.Arn}
  One:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties: {Name: one, SamplingRate: 10, Fields: [timestamp]}
  Two:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties: {Name: !Sub "${AWS::StackName}-two", SamplingRate: "50", Fields: [c-ip]}
  B:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: false
        DefaultCacheBehavior: {RealtimeLogConfigArn: !Ref Two}
        CacheBehaviors:
          - {PathPattern: /x, RealtimeLogConfigArn: !GetAtt One.Arn}
`
	inv := mustRead(t, src)
	var ids []string
	for _, d := range inv.Distributions {
		ids = append(ids, d.ID+":"+d.Comment)
	}
	if diff := cmp.Diff([]string{"A:first", "B:"}, ids); diff != "" {
		t.Errorf("distributions (-want +got)\n%s", diff)
	}
	if got := inv.Distributions[1].Behaviors[0].ConfigRef; got != "t.yaml#Two" {
		t.Errorf("B default ConfigRef = %q", got)
	}
	if got := inv.Distributions[1].Behaviors[1].ConfigRef; got != "t.yaml#One" {
		t.Errorf("B ordered ConfigRef = %q", got)
	}
	if len(inv.Configs) != 2 {
		t.Fatalf("configs: %v", inv.Configs)
	}
	one, two := inv.Configs["t.yaml#One"], inv.Configs["t.yaml#Two"]
	if one.Name != "one" || one.SamplingRate.V != 10 {
		t.Errorf("One = %+v", one)
	}
	if two.Name != "Two" || two.SamplingRate != model.KnownValue(50, two.SamplingRate.Origin) {
		t.Errorf("Two: name %q (want the logical ID for a name known at deploy), rate %+v", two.Name, two.SamplingRate)
	}
}

func TestReadRealtimeLogConfig(t *testing.T) {
	src := `Parameters:
  Fields: {Type: CommaDelimitedList, Default: "timestamp,c-ip"}
  Rate: {Type: Number}
  Stream: {Type: String}
  Eps: {Type: String}
Conditions:
  Never: !Equals [a, b]
Resources:
  Full:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: full
      SamplingRate: !Ref Rate
      Fields: !Ref Fields
      EndPoints:
        - StreamType: Kinesis
          KinesisStreamConfig: {RoleArn: !GetAtt Role.Arn, StreamArn: !Ref Stream}
        - !If [Never, {StreamType: Kinesis}, !Ref AWS::NoValue]
  Role:
    Type: AWS::IAM::Role
  Partial:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: partial
      Fields: [timestamp, !ImportValue more]
      EndPoints: !Ref Eps
  Bare:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: bare
      EndPoints:
        - StreamType: Kinesis
`
	inv := mustRead(t, src)
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	ignorePos := cmpopts.IgnoreTypes(model.Origin{}, model.Range{})
	want := map[string]*model.RealtimeLogConfig{
		"t.yaml#Full": {
			Name:         "full",
			SamplingRate: model.UnknownValue[int](model.Origin{}),
			Fields:       model.KnownValue([]string{"timestamp", "c-ip"}, model.Origin{}),
			Endpoints: []model.Endpoint{{
				StreamType: model.KnownValue("Kinesis", model.Origin{}),
				RoleARN:    model.UnknownValue[string](model.Origin{}),
				StreamARN:  model.UnknownValue[string](model.Origin{}),
			}},
		},
		"t.yaml#Partial": {
			Name:         "partial",
			SamplingRate: model.AbsentValue[int](model.Origin{}),
			Fields:       model.UnknownValue[[]string](model.Origin{}),
			Endpoints: []model.Endpoint{{
				StreamType: model.UnknownValue[string](model.Origin{}),
				RoleARN:    model.UnknownValue[string](model.Origin{}),
				StreamARN:  model.UnknownValue[string](model.Origin{}),
			}},
		},
		"t.yaml#Bare": {
			Name:         "bare",
			SamplingRate: model.AbsentValue[int](model.Origin{}),
			Fields:       model.AbsentValue[[]string](model.Origin{}),
			Endpoints: []model.Endpoint{{
				StreamType: model.KnownValue("Kinesis", model.Origin{}),
				RoleARN:    model.AbsentValue[string](model.Origin{}),
				StreamARN:  model.AbsentValue[string](model.Origin{}),
			}},
		},
	}
	if diff := cmp.Diff(want, inv.Configs, ignorePos); diff != "" {
		t.Errorf("configs (-want +got)\n%s", diff)
	}
}

func TestReadResourceCondition(t *testing.T) {
	src := `Parameters:
  Env: {Type: String, Default: prod}
  Other: {Type: String}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  Maybe: !Equals [!Ref Other, x]
Resources:
  DevOnly:
    Type: AWS::CloudFront::Distribution
    Condition: IsDev
    Properties: {DistributionConfig: {Enabled: true, DefaultCacheBehavior: {}}}
  MaybeDist:
    Type: AWS::CloudFront::Distribution
    Condition: Maybe
    Properties: {DistributionConfig: {Enabled: true, DefaultCacheBehavior: {}}}
`
	inv := mustRead(t, src)
	if len(inv.Distributions) != 1 || inv.Distributions[0].ID != "MaybeDist" {
		t.Errorf("want only MaybeDist (DevOnly's condition is false), got %d distributions", len(inv.Distributions))
	}
}

func TestReadSeedJSON(t *testing.T) {
	inv := readFile(t, "testdata/seed.json")
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	if inv.Source != "cloudformation" || inv.Live {
		t.Errorf("source %q live %v", inv.Source, inv.Live)
	}
	if len(inv.Distributions) != 1 {
		t.Fatalf("want one distribution, got %d", len(inv.Distributions))
	}
	d := inv.Distributions[0]
	if d.ID != "CloudFrontDistribution" || d.Type != "AWS::CloudFront::Distribution" || d.Comment != "CloudFront CDN Web Distribution" {
		t.Errorf("distribution %s %s %q", d.ID, d.Type, d.Comment)
	}
	if d.Enabled.State != model.Known || !d.Enabled.V {
		t.Errorf("Enabled = %+v", d.Enabled)
	}
	if len(d.Behaviors) != 1 {
		t.Fatalf("want the default behavior only, got %d", len(d.Behaviors))
	}
	b := d.Behaviors[0]
	key := "testdata/seed.json#CloudFrontRealtimeLogConfig"
	if !b.Default || b.PathPattern != "*" || b.RealtimeLogConfigARN.State != model.Unknown || b.ConfigRef != key || b.DanglingRef != "" {
		t.Errorf("default behavior = %+v", b)
	}
	c := inv.Configs[key]
	if c == nil {
		t.Fatalf("config %s missing: %v", key, inv.Configs)
	}
	wantFields := []string{"timestamp", "c-ip", "time-to-first-byte", "x-edge-location", "x-edge-request-id",
		"x-host-header", "x-forwarded-for", "ssl-protocol", "ssl-cipher"}
	if c.Name != "cc-real-time-log-config" || c.SamplingRate.State != model.Known || c.SamplingRate.V != 100 {
		t.Errorf("config %q rate %+v", c.Name, c.SamplingRate)
	}
	if diff := cmp.Diff(wantFields, c.Fields.V); diff != "" || c.Fields.State != model.Known {
		t.Errorf("fields (-want +got)\n%s", diff)
	}
	if len(c.Endpoints) != 1 || c.Endpoints[0].StreamType.V != "Kinesis" ||
		c.Endpoints[0].RoleARN.State != model.Unknown || c.Endpoints[0].StreamARN.State != model.Unknown {
		t.Errorf("endpoints = %+v", c.Endpoints)
	}
	if d.Range != rng("testdata/seed.json", 43, 90) || c.Range != rng("testdata/seed.json", 12, 42) {
		t.Errorf("ranges: distribution %v, config %v", d.Range, c.Range)
	}
}

func TestReadKeepsDistributionsWithoutTemplateVersion(t *testing.T) {
	// CDK output: no AWSTemplateFormatVersion, long forms, Metadata.
	src := `{"Resources": {"Dist": {"Type": "AWS::CloudFront::Distribution",
  "Properties": {"DistributionConfig": {"Enabled": true, "DefaultCacheBehavior": {"TargetOriginId": "o"}}},
  "Metadata": {"aws:cdk:path": "Stack/Dist/Resource"}}}}`
	inv := mustRead(t, src)
	if len(inv.Distributions) != 1 || inv.Distributions[0].Behaviors[0].RealtimeLogConfigARN.State != model.Absent {
		t.Errorf("got %+v", inv.Distributions)
	}
}

func TestReadIgnoresOtherResources(t *testing.T) {
	inv := mustRead(t, "Resources:\n  B: {Type: AWS::S3::Bucket, Properties: 3}\n  Q: {Type: AWS::SQS::Queue}\n")
	if len(inv.Distributions) != 0 || len(inv.Configs) != 0 || len(inv.Errors) != 0 || inv.Source != "cloudformation" {
		t.Errorf("got %+v", inv)
	}
}
