package realtimelog

import (
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/arn"
)

// ServicePrincipal is the service that assumes a config's role to deliver.
const ServicePrincipal = "cloudfront.amazonaws.com"

// AssumeRoleAction is what the role's trust policy lets CloudFront do.
const AssumeRoleAction = "sts:AssumeRole"

// DeliveryActions are what CloudFront does on the stream, and all a
// least-privilege role may do there.
func DeliveryActions() []string {
	return []string{
		"kinesis:DescribeStreamSummary",
		"kinesis:DescribeStream",
		"kinesis:PutRecord",
		"kinesis:PutRecords",
	}
}

// KeyAction is the KMS permission a role needs on a customer managed key
// that encrypts its stream.
const KeyAction = "kms:GenerateDataKey"

// AWSManagedKey is the AWS managed KMS key for Kinesis. Decided once, for
// CF-002 and both fixers: it needs no grant in the role's policy, because its
// key policy already lets every principal of the account use it through
// Kinesis ("The use of the default service key for encryption does not
// require application of custom IAM permissions", Kinesis Data Streams
// developer guide). A customer managed key does need KeyAction.
const AWSManagedKey = "alias/aws/kinesis"

// KeyNeedsGrant reports whether a stream encrypted with keyID (a key ID,
// key ARN, alias or alias ARN; empty for none) needs KeyAction in the role.
func KeyNeedsGrant(keyID string) bool {
	return keyID != "" && !strings.HasSuffix(keyID, AWSManagedKey)
}

// KeyARN is the ARN of the customer managed key keyID of the stream at
// streamARN, as a request for KeyAction names it; "" when no grant is
// needed. A bare key ID or alias is placed in the stream's region and account.
func KeyARN(keyID, streamARN string) string {
	if !KeyNeedsGrant(keyID) {
		return ""
	}
	if strings.HasPrefix(keyID, "arn:") {
		return keyID
	}
	a, err := arn.Parse(streamARN)
	if err != nil {
		return keyID
	}
	if strings.HasPrefix(keyID, "alias/") {
		return fmt.Sprintf("arn:%s:kms:%s:%s:%s", a.Partition, a.Region, a.Account, keyID)
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", a.Partition, a.Region, a.Account, keyID)
}

// keyGrant is the IAM resource and alias condition that grant KeyAction on
// a stream's key: a key ARN; or, for a key named by alias, every key of the
// account with the alias as condition (an alias is not a resource of key
// operations). Empty when no grant is needed.
func keyGrant(partition, account, region, keyID string) (resource, alias string) {
	switch {
	case !KeyNeedsGrant(keyID):
		return "", ""
	case strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":key/"):
		return keyID, ""
	case strings.HasPrefix(keyID, "arn:") && strings.Contains(keyID, ":alias/"):
		kr := region
		if a, err := arn.Parse(keyID); err == nil {
			kr = a.Region
		}
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, kr, account), keyID[strings.Index(keyID, "alias/"):]
	case strings.HasPrefix(keyID, "alias/"):
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, region, account), keyID
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, keyID), ""
}
