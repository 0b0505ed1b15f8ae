package realtimelog

import (
	"encoding/json"
	"reflect"
	"testing"
)

func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTrustPolicy(t *testing.T) {
	sameJSON(t, TrustPolicy("111122223333").JSON(),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`)
}

func TestRolePolicy(t *testing.T) {
	const stream = "arn:aws:kinesis:eu-west-1:111122223333:stream/logs"
	deliver := `{"Sid":"DeliverRealtimeLogs","Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":"` + stream + `"}`
	for _, tc := range []struct {
		name, keyID, want string
	}{
		{"unencrypted", "", `{"Version":"2012-10-17","Statement":[` + deliver + `]}`},
		{"AWS managed key: no grant", AWSManagedKey, `{"Version":"2012-10-17","Statement":[` + deliver + `]}`},
		{"AWS managed key by ARN: no grant", "arn:aws:kms:eu-west-1:111122223333:alias/aws/kinesis", `{"Version":"2012-10-17","Statement":[` + deliver + `]}`},
		{"customer key ARN", "arn:aws:kms:eu-west-1:111122223333:key/k1",
			`{"Version":"2012-10-17","Statement":[` + deliver + `,{"Sid":"EncryptWithStreamKey","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:eu-west-1:111122223333:key/k1"}]}`},
		{"customer key ID", "k1",
			`{"Version":"2012-10-17","Statement":[` + deliver + `,{"Sid":"EncryptWithStreamKey","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:eu-west-1:111122223333:key/k1"}]}`},
		{"customer key alias", "alias/logs",
			`{"Version":"2012-10-17","Statement":[` + deliver + `,{"Sid":"EncryptWithStreamKey","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"arn:aws:kms:eu-west-1:111122223333:key/*","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/logs"}}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := RolePolicy(Stream{Partition: "aws", Account: "111122223333", Region: "eu-west-1", ARN: stream, KeyID: tc.keyID})
			sameJSON(t, doc.JSON(), tc.want)
		})
	}
}

func TestKeyARN(t *testing.T) {
	const stream = "arn:aws-cn:kinesis:cn-north-1:111122223333:stream/logs"
	for keyID, want := range map[string]string{
		"":                  "",
		AWSManagedKey:       "",
		"k1":                "arn:aws-cn:kms:cn-north-1:111122223333:key/k1",
		"alias/logs":        "arn:aws-cn:kms:cn-north-1:111122223333:alias/logs",
		"arn:aws:kms:x:1:k": "arn:aws:kms:x:1:k",
	} {
		if got := KeyARN(keyID, stream); got != want {
			t.Errorf("KeyARN(%q) = %q, want %q", keyID, got, want)
		}
		if KeyNeedsGrant(keyID) != (want != "") {
			t.Errorf("KeyNeedsGrant(%q) = %v", keyID, KeyNeedsGrant(keyID))
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	for _, p := range []Policy{
		{MinSamplingRate: 0, RequiredFields: []string{"timestamp"}},
		{MinSamplingRate: 101},
		{MinSamplingRate: 50, RequiredFields: []string{"timestamp", "no-such-field"}},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := CheckConfig(100, nil); err == nil {
		t.Error("a config without fields accepted")
	}
}
