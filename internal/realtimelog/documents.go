package realtimelog

import (
	"encoding/json"
	"fmt"
)

// RolePolicyName is the name of the inline delivery policy both fixers give
// the role they create or correct.
const RolePolicyName = "cloudassure-deliver-realtime-logs"

// PolicyVersion is the IAM policy language version of the documents.
const PolicyVersion = "2012-10-17"

// Document is an IAM policy document. Strings in it may stand for values the
// writer fills in (a CloudFormation intrinsic, a Terraform reference): see
// Placeholder.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    Strings    `json:"Action"`
	Resource  Strings    `json:"Resource,omitempty"`
	// Condition maps an operator to condition keys and their values.
	Condition []Condition `json:"-"`
}

// Principal is a statement's service principal.
type Principal struct {
	Service string `json:"Service"`
}

// Condition is one operator, key and value of a statement's Condition.
type Condition struct {
	Operator, Key, Value string
}

// Strings is a list written as a single string when it has one element, as
// IAM writes Action and Resource.
type Strings []string

// MarshalJSON writes one element as a string, more as an array.
func (s Strings) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]string(s))
}

// MarshalJSON writes the statement with its Condition block.
func (st Statement) MarshalJSON() ([]byte, error) {
	type plain Statement
	out := struct {
		plain
		Condition map[string]map[string]string `json:"Condition,omitempty"`
	}{plain: plain(st)}
	for _, c := range st.Condition {
		if out.Condition == nil {
			out.Condition = map[string]map[string]string{}
		}
		if out.Condition[c.Operator] == nil {
			out.Condition[c.Operator] = map[string]string{}
		}
		out.Condition[c.Operator][c.Key] = c.Value
	}
	return json.Marshal(out)
}

// JSON is the document as IAM takes it.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("realtimelog: a policy document does not marshal: %v", err)) // only plain strings in it
	}
	return string(b)
}

// TrustPolicy is the role's trust policy: only CloudFront may assume it,
// and only on behalf of account.
func TrustPolicy(account string) Document {
	return Document{Version: PolicyVersion, Statement: []Statement{{
		Effect:    "Allow",
		Principal: &Principal{Service: ServicePrincipal},
		Action:    Strings{AssumeRoleAction},
		Condition: []Condition{{Operator: "StringEquals", Key: "aws:SourceAccount", Value: account}},
	}}}
}

// Stream is the destination a role policy is for.
type Stream struct {
	Partition, Account, Region string
	ARN                        string
	// KeyID is the KMS key that encrypts the stream; empty for none.
	KeyID string
}

// RolePolicy is the role's inline policy: the delivery actions on the one
// stream and, when its key needs a grant (a customer managed key; see
// AWSManagedKey), KeyAction on that key.
func RolePolicy(s Stream) Document {
	doc := Document{Version: PolicyVersion, Statement: []Statement{{
		Sid: "DeliverRealtimeLogs", Effect: "Allow", Action: DeliveryActions(), Resource: Strings{s.ARN},
	}}}
	if key, alias := keyGrant(s.Partition, s.Account, s.Region, s.KeyID); key != "" {
		st := Statement{Sid: "EncryptWithStreamKey", Effect: "Allow", Action: Strings{KeyAction}, Resource: Strings{key}}
		if alias != "" {
			st.Condition = []Condition{{Operator: "ForAnyValue:StringEquals", Key: "kms:ResourceAliases", Value: alias}}
		}
		doc.Statement = append(doc.Statement, st)
	}
	return doc
}
