package fixaws

import (
	"encoding/json"
	"reflect"

	"github.com/cloudassure/cloudassure/internal/iampolicy"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// TrustPolicy is the role's trust policy as IAM takes it: only CloudFront
// may assume it, and only on behalf of account.
func TrustPolicy(account string) string { return realtimelog.TrustPolicy(account).JSON() }

// DeliveryPolicy is the role's inline policy as IAM takes it: the delivery
// actions on the one stream, and kms:GenerateDataKey on the stream's key when
// it is a customer managed key (keyID empty or the AWS managed key: none).
func DeliveryPolicy(partition, account, streamARN, keyID string) string {
	return realtimelog.RolePolicy(realtimelog.Stream{
		Partition: partition, Account: account, Region: arnRegion(streamARN), ARN: streamARN, KeyID: keyID,
	}).JSON()
}

// samePolicy reports whether two policy documents are the same JSON value
// (key order and white space aside). IAM returns documents URL-encoded;
// both forms are accepted.
func samePolicy(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(iampolicy.Decode(a)), &va) != nil || json.Unmarshal([]byte(iampolicy.Decode(b)), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
