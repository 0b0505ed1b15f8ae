// Package model holds the provider-neutral view of CloudFront real-time logging
// that every source fills and every rule reads.
package model

import "fmt"

// State says whether a value was found, is set but only known at deploy time,
// or is not set at all.
type State uint8

const (
	// Absent means the value is not set (or set to an empty value).
	Absent State = iota
	// Known means the value is set and resolved.
	Known
	// Unknown means the value is set but cannot be resolved here, for example a
	// CloudFormation parameter or a Terraform value known only after apply.
	Unknown
)

func (s State) String() string {
	switch s {
	case Known:
		return "known"
	case Unknown:
		return "unknown"
	default:
		return "absent"
	}
}

// Range is a span of lines in a source file. Lines start at 1.
type Range struct {
	File      string `json:"file"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
}

// IsZero reports whether r names no file.
func (r Range) IsZero() bool { return r.File == "" }

func (r Range) String() string {
	if r.File == "" {
		return ""
	}
	if r.StartLine == 0 {
		return r.File
	}
	return fmt.Sprintf("%s:%d", r.File, r.StartLine)
}

// Origin says where a value came from: a live resource ARN or a file range.
type Origin struct {
	ARN   string
	Range Range
}

// Value is one setting together with its state and origin.
type Value[T any] struct {
	V      T
	State  State
	Origin Origin
}

// KnownValue returns a resolved value.
func KnownValue[T any](v T, o Origin) Value[T] { return Value[T]{V: v, State: Known, Origin: o} }

// UnknownValue returns a value that is set but not resolvable here.
func UnknownValue[T any](o Origin) Value[T] { return Value[T]{State: Unknown, Origin: o} }

// AbsentValue returns a value that is not set.
func AbsentValue[T any](o Origin) Value[T] { return Value[T]{State: Absent, Origin: o} }

// IsSet reports whether a string value is set: known and non-empty, or unknown.
func IsSet(v Value[string]) bool {
	switch v.State {
	case Known:
		return v.V != ""
	case Unknown:
		return true
	}
	return false
}
