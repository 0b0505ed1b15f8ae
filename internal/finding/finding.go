// Package finding holds the results of rules and the report that carries them.
package finding

import "math"

// Status is the outcome of one check.
type Status string

// The statuses a finding can have.
const (
	Pass  Status = "PASS"
	Fail  Status = "FAIL"
	Skip  Status = "SKIP"
	Error Status = "ERROR"
)

// Statuses lists every status in report order.
func Statuses() []Status { return []Status{Fail, Error, Pass, Skip} }

// Finding is the result of one rule on one resource.
type Finding struct {
	RuleID   string   `json:"rule_id"`
	Title    string   `json:"title"`
	Status   Status   `json:"status"`
	Risk     string   `json:"risk"`
	Message  string   `json:"message"`
	Resource Resource `json:"resource"`
	// Account is the AWS account of the resource, in organization scans.
	Account *AccountRef `json:"account,omitempty"`
	// Location is where the resource is defined, for IaC scans.
	Location *Location `json:"location,omitempty"`
	// Behaviors are the cache behaviors the finding concerns.
	Behaviors []Behavior `json:"behaviors"`
	// OtherBehaviors are the distribution's behaviors the finding does not
	// fault, in order (CF-001 lists them when it fails, so that a report can
	// show every behavior); absent elsewhere.
	OtherBehaviors []Behavior `json:"other_behaviors,omitempty"`
	// Problems lists each distinct thing wrong, one sentence each.
	Problems []string `json:"problems"`
	// Related names other resources involved (configs, streams, roles, distributions).
	Related []Resource `json:"related"`
	// Staging is true for a staging distribution.
	Staging bool `json:"staging"`
	// Suppression is set when the finding was suppressed by the user.
	Suppression *Suppression `json:"suppression,omitempty"`
	// Fingerprint identifies the finding across runs.
	Fingerprint string `json:"fingerprint"`
}

// Resource names what a finding is about.
type Resource struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	// Root is, for Terraform, the root module's directory the resource is
	// deployed from: with ID (the full address) it names one instance.
	Root string `json:"root,omitempty"`
	ARN  string `json:"arn,omitempty"`
	Name string `json:"name,omitempty"`
	// Stream is, on a Kinesis stream CF-002 followed (in related), what it
	// found about the stream.
	Stream *StreamCheck `json:"stream,omitempty"`
	// Role is, on an IAM role CF-002 followed (in related), what it judged
	// about the role.
	Role *RoleCheck `json:"role,omitempty"`
}

// StreamCheck is what CF-002 found about a config's Kinesis stream.
type StreamCheck struct {
	// Found is false when the stream does not exist (or could not be read).
	Found bool `json:"found"`
	// Status is CREATING, DELETING, ACTIVE or UPDATING; delivery needs ACTIVE.
	Status string `json:"status,omitempty"`
	// Encryption is NONE or KMS; KeyID is the KMS key as the stream names it.
	Encryption string `json:"encryption,omitempty"`
	KeyID      string `json:"key_id,omitempty"`
	// Error says why the stream could not be read; nothing else is known then.
	Error string `json:"error,omitempty"`
}

// The judgements of RoleCheck.Trust.
const (
	TrustAllowed   = "allowed"   // cloudfront.amazonaws.com may assume the role
	TrustDenied    = "denied"    // it may not
	TrustUndecided = "undecided" // a condition needs the account or ARN, not known
	TrustInvalid   = "invalid"   // the trust policy cannot be parsed
)

// RoleCheck is what CF-002 judged about a config's IAM role.
type RoleCheck struct {
	// Found is false when the role does not exist (or could not be read).
	Found bool `json:"found"`
	// Trust is whether the trust policy lets cloudfront.amazonaws.com assume
	// the role: allowed, denied, undecided or invalid; TrustDetail says why.
	Trust       string `json:"trust,omitempty"`
	TrustDetail string `json:"trust_detail,omitempty"`
	// Actions are the permissions delivery needs, each evaluated against the
	// role's policies (kms:GenerateDataKey only for a customer managed key).
	Actions []ActionCheck `json:"actions,omitempty"`
	// Error says why the role could not be read; PoliciesError why its
	// policies could not (Actions is empty then).
	Error         string `json:"error,omitempty"`
	PoliciesError string `json:"policies_error,omitempty"`
}

// ActionCheck is one permission a role needs and whether its policies grant it.
type ActionCheck struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Allowed  bool   `json:"allowed"`
	// Detail is the decision for people, e.g. `explicitly denied by statement "Deny" (policy deliver)`.
	Detail string `json:"detail"`
}

// Location is a span of lines in a file.
type Location struct {
	File      string `json:"file"`
	StartLine int    `json:"start_line,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
}

// file is l's file, "" when l is nil.
func (l *Location) file() string {
	if l == nil {
		return ""
	}
	return l.File
}

// Behavior is one cache behavior as shown in a finding.
type Behavior struct {
	PathPattern string `json:"path_pattern"`
	Default     bool   `json:"default"`
	// Position is where the behavior sits in the distribution: 0 for the
	// default behavior, n for the nth of its ordered cache behaviors
	// (CacheBehaviors), which CloudFront matches in that order.
	Position             int    `json:"position"`
	RealtimeLogConfigARN string `json:"realtime_log_config_arn"`
	// State is "known", "unknown" (set, resolved at deploy time) or "absent".
	State    string    `json:"state"`
	Location *Location `json:"location,omitempty"`
}

// Rank orders behaviors as their distribution does: the default first, then
// the ordered ones by position, then any recorded without a position (by a
// version before findings carried it).
func (b Behavior) Rank() int {
	switch {
	case b.Default:
		return 0
	case b.Position > 0:
		return b.Position
	}
	return math.MaxInt
}

// Suppression records why a finding was not counted.
type Suppression struct {
	Reason string `json:"reason"`
	Source string `json:"source"`
}
