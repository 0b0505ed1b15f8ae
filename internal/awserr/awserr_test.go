package awserr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestClassify(t *testing.T) {
	api := func(code string) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	for _, tc := range []struct {
		err                        error
		code                       string
		denied, throttled, missing bool
		text                       string
	}{
		{err: api("AccessDenied"), code: "AccessDenied", denied: true, text: "cloudfront:UpdateDistribution: AccessDenied: m (fix aws needs the IAM permission cloudfront:UpdateDistribution)"},
		{err: api("AccessDeniedException"), code: "AccessDeniedException", denied: true},
		{err: api("Throttling"), code: "Throttling", throttled: true, text: "cloudfront:UpdateDistribution: Throttling: m"},
		{err: api("ThrottlingException"), code: "ThrottlingException", throttled: true},
		{err: api("NoSuchDistribution"), code: "NoSuchDistribution", missing: true},
		{err: api("ResourceNotFoundException"), code: "ResourceNotFoundException", missing: true},
		{err: api("NoSuchEntity"), code: "NoSuchEntity", missing: true},
		{err: api("PreconditionFailed"), code: "PreconditionFailed"},
		{err: context.Canceled, text: "cloudfront:UpdateDistribution: cancelled"},
		{err: errors.New("connection reset"), text: "cloudfront:UpdateDistribution: connection reset"},
	} {
		wrapped := &Error{Op: "cloudfront:UpdateDistribution", Resource: "E1", Who: "fix aws", Err: tc.err}
		var err error = fmt.Errorf("distribution E1: %w", wrapped)
		if Code(err) != tc.code || IsAccessDenied(err) != tc.denied || IsThrottling(err) != tc.throttled || IsNotFound(err) != tc.missing {
			t.Errorf("%v: code %q denied %v throttled %v missing %v", tc.err, Code(err), IsAccessDenied(err), IsThrottling(err), IsNotFound(err))
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%v: the cause is lost", tc.err)
		}
		if tc.text != "" && wrapped.Error() != tc.text {
			t.Errorf("text %q, want %q", wrapped.Error(), tc.text)
		}
	}
	if Wrap("x", "", nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if e := (&Error{Op: "iam:GetRole", Err: api("AccessDenied")}).Error(); e != "iam:GetRole: AccessDenied: m (needs the IAM permission iam:GetRole)" {
		t.Errorf("text without Who: %q", e)
	}
}
