// Package cloudformation reads AWS CloudFormation templates (JSON and YAML,
// including CDK output and SAM templates) into the provider-neutral model.
//
// It is split like trivy's scanner: a parser keeps every node's lines
// (document.go, json.go), an evaluator resolves intrinsic functions as far as
// the template alone allows (eval.go and one fn_*.go file per function), and
// an adapter fills the model (distribution.go, realtimelogconfig.go,
// ignore.go).
//
// # Values
//
// A value that is set but cannot be resolved from the template (a parameter
// without a default, a pseudo parameter, an attribute known after deploy, an
// import) is model.Unknown, never model.Absent: rules treat it as set. A
// value that is missing, null, the empty string or AWS::NoValue is Absent.
// Parameters resolve to their Default (split on commas for list types),
// except SSM parameter types, whose Default names the SSM parameter. Fn::Sub
// is known when every variable resolves, defaults included; a Sub of exactly
// one variable (!Sub "${Config.Arn}") behaves like the Ref or GetAtt it names.
// Fn::If whose condition cannot be resolved is Absent only when both branches
// are absent or empty, the same known value when both branches are, and
// otherwise Unknown; it refers to a real-time log config when every set
// branch refers to the same one, and is dangling when either branch is.
//
// # References
//
// Ref X and Fn::GetAtt X.Arn of an AWS::CloudFront::RealtimeLogConfig in the
// same template make a behavior's RealtimeLogConfigARN Unknown with
// ConfigRef file#X. A reference to a logical ID the template defines neither
// as a resource nor a parameter sets DanglingRef, unless the template has a
// Transform (SAM, macros, language extensions), which adds resources the
// template does not show.
//
// # Structure
//
// Only AWS::CloudFront::Distribution and AWS::CloudFront::RealtimeLogConfig
// are read. A distribution whose Condition resolves to false is left out;
// one whose DistributionConfig is not a mapping, or cannot be resolved, is
// left out with an error in Inventory.Errors. Ordered behaviors wrapped in
// Fn::If are kept when the condition is true or unresolvable. A
// CacheBehaviors or EndPoints list that cannot be resolved as a whole
// contributes no behaviors (only the default behavior is judged) and one
// endpoint of unknowns respectively, without an error. A behavior or endpoint
// that is not a mapping is left out with an error.
//
// # Positions
//
// Resources span from their logical-ID line to their last line, behaviors
// from the DefaultCacheBehavior key or the list item to their last line. A
// value's Origin spans its property, key line to the value's last line; a
// missing property is located at the object that would hold it (the
// behavior, the resource, the endpoint).
//
// # Suppressions
//
// "# cloudassure:ignore CF-001,CF-003 reason" on the logical-ID line, on the
// comment lines directly above it or anywhere in the resource's body (YAML),
// and Metadata: {cloudassure: {ignore: [{id: CF-001, reason: ...}]}} (JSON
// and YAML) become the distribution's Ignores. A comment without a rule ID
// suppresses nothing.
package cloudformation
