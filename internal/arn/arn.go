// Package arn reads Amazon Resource Names.
package arn

import (
	"fmt"
	"strings"
)

// ARN is an Amazon Resource Name split into its fields.
type ARN struct {
	Partition, Service, Region, Account string
	// Resource is everything after the account: "stream/logs", "role/path/name".
	Resource string
}

// Parse splits s into its fields; it fails unless s is arn:P:S:R:A:RESOURCE.
func Parse(s string) (ARN, error) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[2] == "" {
		return ARN{}, fmt.Errorf("%q is not an ARN", s)
	}
	return ARN{Partition: p[1], Service: p[2], Region: p[3], Account: p[4], Resource: p[5]}, nil
}

// Region returns the region field of s, or "" when s is not an ARN.
func Region(s string) string {
	a, err := Parse(s)
	if err != nil {
		return ""
	}
	return a.Region
}

// Name returns the name at the end of an ARN: what follows its last "/" or ":".
func Name(s string) string {
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		return s[i+1:]
	}
	return s
}
