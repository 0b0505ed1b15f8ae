package sts_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

var (
	stsUserIDRe    = regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`)
	stsAccessKeyRe = regexp.MustCompile(`^ASIA[A-Z0-9]{16}$`)
)

func TestSTSGetCallerIdentity(t *testing.T) {
	for _, account := range []string{"", "444455556666"} {
		_, cfg := emutest.StartNoRetry(t, emulator.Options{AccountID: account})
		c := sts.NewFromConfig(cfg)
		want := account
		if want == "" {
			want = emulator.DefaultAccountID
		}
		first, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(first.Account) != want || aws.ToString(first.Arn) != "arn:aws:iam::"+want+":user/emulator" || !stsUserIDRe.MatchString(aws.ToString(first.UserId)) {
			t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(first.Account), aws.ToString(first.Arn), aws.ToString(first.UserId))
		}
		again, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(again.UserId) != aws.ToString(first.UserId) {
			t.Errorf("UserId changed: %s then %s", aws.ToString(first.UserId), aws.ToString(again.UserId))
		}
	}
}

func TestSTSAssumeRole(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, cfg := emutest.StartNoRetry(t, emulator.Options{Now: clock.Now})
	c := sts.NewFromConfig(cfg)
	ic := iam.NewFromConfig(cfg)
	// AssumeRole evaluates the trust policy: this one admits the account's own principals.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Delivery"), Path: aws.String("/cf/"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)

	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("audit"), DurationSeconds: aws.Int32(1800)})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if !stsAccessKeyRe.MatchString(aws.ToString(cr.AccessKeyId)) || len(aws.ToString(cr.SecretAccessKey)) != 40 || aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials %s / %q / %q", aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	}
	if want := clock.Now().Add(30 * time.Minute); !aws.ToTime(cr.Expiration).Equal(want) {
		t.Errorf("Expiration %v, want %v", aws.ToTime(cr.Expiration), want)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::111122223333:assumed-role/Delivery/audit"; got != want {
		t.Errorf("AssumedRoleUser.Arn %s, want %s", got, want)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.AssumedRoleId), aws.ToString(role.Role.RoleId)+":audit"; got != want {
		t.Errorf("AssumedRoleId %s, want %s", got, want)
	}

	// The session's credentials identify the session.
	sessCfg := cfg.Copy()
	sessCfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	id, err := sts.NewFromConfig(sessCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("session identity %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId))
	}
	clock.Advance(31 * time.Minute)
	_, err = sts.NewFromConfig(sessCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	emutest.WantCode(t, err, "ExpiredToken")

	// The SDK's assume-role credential provider works against the emulator.
	provCfg := cfg.Copy()
	provCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(c, roleARN))
	creds, err := provCfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !stsAccessKeyRe.MatchString(creds.AccessKeyID) || !creds.CanExpire {
		t.Errorf("provider credentials %+v", creds)
	}

	tests := []struct {
		name   string
		in     *sts.AssumeRoleInput
		code   string
		status int
	}{
		{"missing role", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/cf/Nobody"), RoleSessionName: aws.String("s1")}, "AccessDenied", http.StatusForbidden},
		{"wrong path", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/Delivery"), RoleSessionName: aws.String("s1")}, "AccessDenied", http.StatusForbidden},
		{"other account", &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/cf/Delivery"), RoleSessionName: aws.String("s1")}, "AccessDenied", http.StatusForbidden},
		{"too long", &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)}, "ValidationError", http.StatusBadRequest},
		{"bad session name", &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("has space")}, "ValidationError", http.StatusBadRequest},
		{"not an ARN", &sts.AssumeRoleInput{RoleArn: aws.String("Delivery-is-not-an-arn"), RoleSessionName: aws.String("s1")}, "ValidationError", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AssumeRole(ctx, tt.in)
			emutest.WantCode(t, err, tt.code)
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tt.status {
				t.Errorf("HTTP status of %v, want %d", err, tt.status)
			}
		})
	}
}

func TestSTSThrottling(t *testing.T) {
	_, cfg := emutest.StartNoRetry(t, emulator.Options{Faults: emulator.Faults{ThrottleRate: 1}})
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	emutest.WantCode(t, err, "Throttling")
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("the SDK does not see %v as throttling", err)
	}
}
