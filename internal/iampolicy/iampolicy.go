// Package iampolicy parses AWS IAM policy documents and answers two questions
// from them, the way IAM does for a single account:
//
//   - Evaluate: do a role's identity policies (inline and attached managed)
//     allow an action on a resource? Any matching Deny wins, then any
//     matching Allow, otherwise the request is implicitly denied.
//   - TrustsService: does a role's trust policy let a service principal such
//     as cloudfront.amazonaws.com call sts:AssumeRole?
//
// The package works from the JSON documents alone; it never calls AWS.
//
// # Request context and unknowns
//
// Conditions are evaluated against a request context: condition key →
// values. Keys are matched case-insensitively. A key that is absent from the
// context map is unknown: the real request may or may not carry it. A key
// that is present with no values (nil or empty slice) is known to be absent
// from the request.
//
// Anything the package cannot decide — a condition on an unknown key, an
// unsupported condition operator, an unresolved policy variable, a Principal
// element in an identity policy — makes that statement "maybe match". A maybe
// Allow still allows, and a maybe Deny still denies (the safe side for a
// compliance check); either way the Decision is marked Conditional and
// Decision.Unknown says what could not be evaluated.
//
// Human-readable text (errors, String methods) numbers statements and
// policies from 1; the index fields of StatementRef count from 0.
package iampolicy
