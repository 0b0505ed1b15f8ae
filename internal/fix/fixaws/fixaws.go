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
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudassure/cloudassure/internal/arn"
	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// Defaults of the destination fix aws creates.
const (
	DefaultStreamName = "cloudfront-realtime-logs"
	DefaultRoleName   = "CloudFrontRealtimeLogs"
	DefaultConfigName = "cloudassure-realtime-logs"
	// RolePath is the path of the role fix aws creates.
	RolePath = "/service-role/"
	// RolePolicyName is the name of the role's inline delivery policy.
	RolePolicyName = realtimelog.RolePolicyName
	// AWSManagedKinesisKey is the AWS managed KMS key for Kinesis; it needs
	// no grant in the role (realtimelog.AWSManagedKey says why).
	AWSManagedKinesisKey = realtimelog.AWSManagedKey
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

// callerIdentity asks STS for the caller's account, again (ReadRounds in
// all) when the SDK's attempts ran out.
func callerIdentity(ctx context.Context, cfg aws.Config, backoff func(int) time.Duration) (identity, error) {
	client := sts.NewFromConfig(cfg)
	var out *sts.GetCallerIdentityOutput
	err := retryRead(ctx, backoff, func() error {
		var err error
		out, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		return identity{}, fmt.Errorf("finding the account (sts:GetCallerIdentity): %w", err)
	}
	id := identity{account: aws.ToString(out.Account), partition: "aws"}
	if p := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(p) == 3 && p[1] != "" {
		id.partition = p[1]
	}
	return id, nil
}

// callErr is a failed call op of fix aws, its cause kept (errors.As reaches
// the SDK's error; awserr tells throttling, access denied and not found apart).
func callErr(op string, err error) error {
	return &awserr.Error{Op: op, Who: "fix aws", Err: err}
}

func nowFunc(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

// arnRegion returns the region field of an ARN, or "".
func arnRegion(s string) string { return arn.Region(s) }

// lastSegment returns the name at the end of an ARN.
func lastSegment(s string) string { return arn.Name(s) }
