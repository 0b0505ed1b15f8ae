// Package fixaws turns on CloudFront real-time logging in a live AWS
// account. MakePlan reads the account and plans the change: a Kinesis data
// stream, an IAM role CloudFront can assume and a real-time log config
// (created, or found and reused), and per distribution the cache behaviors
// that gain the config. Apply carries out exactly such a plan, backing up
// every distribution config before it changes it, and Undo restores a
// backup.
package fixaws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Defaults of the destination fix aws creates.
const (
	DefaultStreamName = "cloudfront-realtime-logs"
	DefaultRoleName   = "CloudFrontRealtimeLogs"
	DefaultConfigName = "cloudassure-realtime-logs"
	// RolePath is the path of the role fix aws creates.
	RolePath = "/service-role/"
	// RolePolicyName is the name of the role's inline delivery policy.
	RolePolicyName = "cloudassure-deliver-realtime-logs"
	// AWSManagedKinesisKey is the AWS managed KMS key for Kinesis; its key
	// policy already lets Kinesis use it, so the role needs no KMS grant.
	AWSManagedKinesisKey = "alias/aws/kinesis"
	// MaxAttempts bounds the GetDistributionConfig + UpdateDistribution
	// rounds for one distribution that keeps changing under the fix
	// (PreconditionFailed).
	MaxAttempts = 5
)

// Progress reports how far a plan or an apply has come.
type Progress struct {
	// Stage is "distributions" (listing), "destination", "updating" or "waiting".
	Stage string
	Done  int
	Total int // -1 when not known yet
}

// identity is the caller's account and partition.
type identity struct {
	account   string
	partition string
}

func callerIdentity(ctx context.Context, cfg aws.Config) (identity, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return identity{}, fmt.Errorf("finding the account (sts:GetCallerIdentity): %w", err)
	}
	id := identity{account: aws.ToString(out.Account), partition: "aws"}
	if p := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(p) == 3 && p[1] != "" {
		id.partition = p[1]
	}
	return id, nil
}

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// describeError says in one line what went wrong in an API call op.
func describeError(op string, err error) string {
	var ae smithy.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return op + ": cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return op + ": timed out"
	case errors.As(err, &ae):
		msg := op + ": " + ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		if isAccessDenied(ae.ErrorCode()) {
			msg += " (fix aws needs the IAM permission " + op + ")"
		}
		return msg
	}
	return op + ": " + err.Error()
}

func isAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized":
		return true
	}
	return false
}

func nowFunc(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

// arnRegion returns the region field of an ARN, or "".
func arnRegion(arn string) string {
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 {
		return p[3]
	}
	return ""
}

// lastSegment returns the name at the end of an ARN.
func lastSegment(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
