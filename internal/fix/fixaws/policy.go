package fixaws

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// DeliveryActions are what CloudFront does on the stream, and all the role
// may do there.
var DeliveryActions = []string{
	"kinesis:DescribeStreamSummary",
	"kinesis:DescribeStream",
	"kinesis:PutRecord",
	"kinesis:PutRecords",
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TrustPolicy is the role's trust policy: only CloudFront may assume it,
// and only on behalf of account.
func TrustPolicy(account string) string {
	return mustJSON(policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
		Action:    "sts:AssumeRole",
		Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	}}})
}

// DeliveryPolicy is the role's inline policy: the delivery actions on the
// one stream, and kms:GenerateDataKey on the stream's key when it is a
// customer managed key (keyID empty or the AWS managed key: none needed).
func DeliveryPolicy(partition, account, streamARN, keyID string) string {
	doc := policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
		Sid:      "DeliverRealtimeLogs",
		Effect:   "Allow",
		Action:   DeliveryActions,
		Resource: streamARN,
	}}}
	if key, cond := customerKeyResource(partition, account, arnRegion(streamARN), keyID); key != "" {
		st := policyStatement{Sid: "EncryptWithStreamKey", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: key}
		if cond != "" {
			st.Condition = map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": cond}}
		}
		doc.Statement = append(doc.Statement, st)
	}
	return mustJSON(doc)
}

// customerKeyResource returns the IAM resource for kms:GenerateDataKey on a
// stream's key: "" for no key or the AWS managed key; a key ARN; or, for a
// key named by alias, every key of the account with the alias as condition
// (an alias is not a resource of key operations).
func customerKeyResource(partition, account, region, keyID string) (resource, alias string) {
	switch {
	case keyID == "" || strings.HasSuffix(keyID, AWSManagedKinesisKey):
		return "", ""
	case strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":key/"):
		return keyID, ""
	case strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":alias/"):
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, arnRegion(keyID), account), keyID[strings.Index(keyID, "alias/"):]
	case strings.HasPrefix(keyID, "alias/"):
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, region, account), keyID
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, keyID), ""
}

// samePolicy reports whether two policy documents are the same JSON value
// (key order and white space aside). IAM returns documents URL-encoded;
// both forms are accepted.
func samePolicy(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(decodePolicy(a)), &va) != nil || json.Unmarshal([]byte(decodePolicy(b)), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// decodePolicy undoes the URL encoding IAM applies to policy documents.
func decodePolicy(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.QueryUnescape(doc); err == nil {
		return d
	}
	return doc
}
