package cloudformation

import (
	"os"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	seedJSON, _ := os.ReadFile("testdata/seed.json")
	seedYAML, _ := os.ReadFile("testdata/seed-tabs.yaml")
	for _, tc := range []struct {
		name string
		src  string
		want bool
	}{
		{"seed JSON (tab-indented)", string(seedJSON), true},
		{"seed YAML (invalid: tabs), still a template so Read reports why", string(seedYAML), true},
		{"YAML template", smallYAML, true},
		{"JSON template", smallJSON, true},
		{"YAML with comments and document marker first", "# stack\n---\nAWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", true},
		{"quoted YAML key", "\"AWSTemplateFormatVersion\": \"2010-09-09\"\n", true},
		{"BOM", "\ufeffAWSTemplateFormatVersion: x\n", true},
		{"CDK output", `{
  "Resources": {
    "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sI"}},
    "Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {}}
  },
  "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}},
  "Rules": {}
}`, true},
		{"SAM template", `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.handler, Runtime: nodejs20.x}
`, true},
		{"custom resource only", "Resources:\n  X:\n    Type: Custom::Thing\n", true},
		{"YAML flow mapping", "{Resources: {A: {Type: AWS::S3::Bucket}}}", true},
		{"truncated JSON with version", `{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {`, true},
		{"Kubernetes manifest", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    note: "Resources are limited"
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits: {cpu: 500m}
`, false},
		{"GitHub workflow", `name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "deploy Resources"
`, false},
		{"package.json", `{"name": "site", "version": "1.0.0", "description": "Resources for the site", "scripts": {"build": "tsc"}}`, false},
		{"docker-compose", `services:
  web:
    image: nginx
    deploy:
      resources:
        limits: {cpus: "0.5"}
`, false},
		{"random text", "Resources and AWSTemplateFormatVersion are words in this sentence.\n", false},
		{"empty", "", false},
		{"binary", "\x00\x01Resources\x00", false},
		{"JSON list", `[{"AWSTemplateFormatVersion": "x"}]`, false},
		{"nested template in JSON", `{"template": {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}}`, false},
		{"nested key in YAML", "stack:\n  AWSTemplateFormatVersion: x\n", false},
		{"Resources without types", "Resources:\n  a: b\n  c: {Type: plain}\n", false},
		{"Resources in JSON without types", `{"Resources": {"a": {"Type": "nope"}, "b": 1}}`, false},
		{"serverless framework", "service: x\nresources:\n  Resources:\n    B: {Type: AWS::S3::Bucket}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect([]byte(tc.src)); got != tc.want {
				t.Errorf("Detect = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDetectRejectsWithoutParsing(t *testing.T) {
	// A large file without the keywords is rejected by the byte check alone;
	// this is a smoke test that it stays cheap.
	big := []byte(strings.Repeat("key: value\n", 200000))
	for range 20 {
		if Detect(big) {
			t.Fatal("detected")
		}
	}
}

func TestIsResourceType(t *testing.T) {
	for s, want := range map[string]bool{
		"AWS::S3::Bucket": true, "Custom::Thing": true, "Alexa::ASK::Skill": true,
		"AWS::": false, "::X": false, "plain": false, "A-B::C": false,
	} {
		if got := isResourceType(s); got != want {
			t.Errorf("isResourceType(%q) = %v", s, got)
		}
	}
}
