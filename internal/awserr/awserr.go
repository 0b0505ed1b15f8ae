// Package awserr tells AWS API errors apart: throttling, access denied, not
// found, or another error code. Errors keep their cause (%w), so callers can
// still reach the SDK's error with errors.As.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Code returns the AWS error code of err, or "".
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// accessDenied are the codes AWS services use for a missing permission.
var accessDenied = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"UnauthorizedAccess": true, "NotAuthorized": true,
}

// throttling are the codes AWS services use for a request rate too high.
var throttling = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottled": true,
	"RequestThrottledException": true, "TooManyRequestsException": true, "ProvisionedThroughputExceededException": true,
	"TransactionInProgressException": true, "RequestLimitExceeded": true, "BandwidthLimitExceeded": true,
	"LimitExceededException": true, "SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
}

// notFound are the codes of the services cloudassure calls for a resource
// that does not exist.
var notFound = map[string]bool{
	"NoSuchDistribution": true, "NoSuchRealtimeLogConfig": true, "NoSuchResource": true,
	"ResourceNotFoundException": true, "NoSuchEntity": true, "NotFoundException": true,
}

// IsAccessDeniedCode reports whether code says a permission is missing.
func IsAccessDeniedCode(code string) bool { return accessDenied[code] }

// IsAccessDenied reports whether err is an AWS error for a missing permission.
func IsAccessDenied(err error) bool { return accessDenied[Code(err)] }

// IsThrottling reports whether err is an AWS error for too many requests.
func IsThrottling(err error) bool { return throttling[Code(err)] }

// IsNotFound reports whether err is an AWS error for a resource that does not exist.
func IsNotFound(err error) bool { return notFound[Code(err)] }

// Error is a failed API call: the operation as an IAM action
// ("cloudfront:UpdateDistribution"), the resource it was about, and the cause.
type Error struct {
	Op       string
	Resource string
	// Who is named in the hint for a missing permission ("fix aws needs
	// the IAM permission ..."); empty for "needs the IAM permission ...".
	Who string
	Err error
}

// Wrap records that the call op on resource failed with err; nil stays nil.
func Wrap(op, resource string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Resource: resource, Err: err}
}

// Code is the AWS error code of the cause, or "".
func (e *Error) Code() string { return Code(e.Err) }

// Error says in one line what went wrong: the call, the code and message,
// and, for a missing permission, the IAM permission to grant.
func (e *Error) Error() string {
	var ae smithy.APIError
	switch {
	case errors.Is(e.Err, context.Canceled):
		return e.Op + ": cancelled"
	case errors.Is(e.Err, context.DeadlineExceeded):
		return e.Op + ": timed out"
	case errors.As(e.Err, &ae):
		msg := e.Op + ": " + ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		if accessDenied[ae.ErrorCode()] {
			msg += fmt.Sprintf(" (%s the IAM permission %s)", strings.TrimSpace(e.Who+" needs"), e.Op)
		}
		return msg
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
