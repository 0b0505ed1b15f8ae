package iampolicy

import (
	"net/url"
	"strings"
)

// Decode undoes the URL encoding IAM applies to the policy documents it
// returns (RFC 3986 percent-encoding; "+" is written %2B, so it stays "+").
// A document that is already JSON is returned as it is.
func Decode(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.PathUnescape(doc); err == nil {
		return d
	}
	return doc
}
