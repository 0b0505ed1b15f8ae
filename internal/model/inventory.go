package model

// Inventory is everything one source read: one account, or one IaC tree.
type Inventory struct {
	// Source names what produced the inventory: "aws", "cloudformation", "terraform", "terraform-plan".
	Source string
	// Account is the AWS account ID for live sources.
	Account string
	// Partition is the AWS partition of a live account ("aws", "aws-cn", ...).
	Partition string
	// Live is true when the inventory was read from a running account, so
	// delivery (streams, roles) can be proven.
	Live bool

	Distributions []*Distribution
	// Configs are the real-time log configs the source knows, keyed by ARN
	// (live) or by a reference key chosen by the source (IaC).
	Configs map[string]*RealtimeLogConfig
	// ConfigsErr is set when the list of real-time log configs could not be read.
	ConfigsErr *ReadError
	// Streams are the Kinesis streams referenced by configs, keyed by ARN.
	Streams map[string]*Stream
	// Roles are the IAM roles referenced by configs, keyed by ARN.
	Roles map[string]*Role
	// Errors lists what the source could not read, in the order it happened.
	Errors []*ReadError
}

// Distribution is a CloudFront distribution (standard or multi-tenant).
type Distribution struct {
	ID string // distribution ID, CloudFormation logical ID, or Terraform address (with instance keys)
	// Root is, for Terraform, the directory of the root module the
	// distribution is deployed from, as file names are shown: one module
	// called from several root modules gives one distribution per root.
	Root    string
	ARN     string
	Type    string // e.g. "AWS::CloudFront::Distribution" or "aws_cloudfront_distribution"
	Domain  string
	Comment string
	// ETag is the version a live read saw (empty for IaC).
	ETag    string
	Enabled Value[bool]
	Staging Value[bool]
	Range   Range
	// Behaviors lists the default behavior first, then the ordered ones in order.
	Behaviors []*Behavior
	// Ignores are suppressions written on the resource in its source file.
	Ignores []Ignore
}

// Behavior is one cache behavior of a distribution.
type Behavior struct {
	// PathPattern is "*" for the default behavior.
	PathPattern string
	Default     bool
	// RealtimeLogConfigARN is the attached config's ARN as written.
	RealtimeLogConfigARN Value[string]
	// ConfigRef is the key into Inventory.Configs when the source could resolve
	// the reference (the ARN for live; the resource for IaC). Empty otherwise.
	ConfigRef string
	// DanglingRef is set when the reference names a resource that does not exist
	// in the scanned code.
	DanglingRef string
	// Condition, when the config is missing only under a template condition
	// that cannot be resolved, names it, e.g. "IsProd is false".
	Condition string
	Range     Range
}

// RealtimeLogConfig is a CloudFront real-time log configuration.
type RealtimeLogConfig struct {
	ARN          string
	Name         string
	SamplingRate Value[int]
	Fields       Value[[]string]
	Endpoints    []Endpoint
	Range        Range
}

// Endpoint is where a real-time log config delivers records.
type Endpoint struct {
	StreamType Value[string]
	StreamARN  Value[string]
	RoleARN    Value[string]
}

// Stream is a Kinesis data stream as looked up by its ARN.
type Stream struct {
	ARN    string
	Found  bool
	Err    *ReadError // set when the lookup itself failed
	Status string     // CREATING, DELETING, ACTIVE, UPDATING
	// Encryption is NONE or KMS; KeyID is the KMS key ID, alias or ARN.
	Encryption string
	KeyID      string
}

// Role is an IAM role with the policies that grant it permissions.
type Role struct {
	ARN   string
	Name  string
	Found bool
	Err   *ReadError // set when GetRole failed for another reason than not found
	// TrustPolicy is the assume-role policy document (JSON).
	TrustPolicy string
	// Policies are the inline and attached managed policy documents.
	Policies []Policy
	// PoliciesErr is set when the role's policies could not all be read.
	PoliciesErr *ReadError
}

// Policy is one permissions policy document attached to a role.
type Policy struct {
	Name     string
	ARN      string // empty for inline policies
	Document string // JSON
}

// ReadError records something a source could not read.
type ReadError struct {
	// Operation is the API call (e.g. "cloudfront:ListRealtimeLogConfigs") or "parse".
	Operation string
	// Action is the IAM action the call needs, when the error is a permission problem.
	Action   string
	Resource string
	Code     string // error code as returned, e.g. AccessDenied
	Message  string
	Range    Range
	// Err is the cause, when a call failed: errors.As reaches the SDK's error.
	Err error
}

// Unwrap returns the cause.
func (e *ReadError) Unwrap() error { return e.Err }

func (e *ReadError) Error() string {
	s := e.Message
	if e.Operation != "" {
		s = e.Operation + ": " + s
	}
	if e.Resource != "" {
		s = e.Resource + ": " + s
	}
	if !e.Range.IsZero() {
		s = e.Range.String() + ": " + s
	}
	return s
}

// DefaultPathPattern is the path pattern shown for the default behavior.
const DefaultPathPattern = "*"

// Ignore is a suppression written next to a resource in its source: an inline
// `cloudassure:ignore RULE reason` comment or CloudFormation Metadata.
type Ignore struct {
	RuleID string
	Reason string
	// Source says how it was written: "comment" or "metadata".
	Source string
	Range  Range
}

// Needs says which parts of an account's inventory the rules to be run
// read, so that a live source can leave the rest unread. Distributions are
// always read.
type Needs struct {
	// Account is Inventory.Account as the caller's identity gives it
	// (CF-002 matches trust-policy conditions against it).
	Account bool
	// Configs are the real-time log configs attached to behaviors.
	Configs bool
	// Delivery is the Kinesis streams and IAM roles those configs deliver
	// through; it implies Configs.
	Delivery bool
}

// AllNeeds needs everything.
func AllNeeds() Needs { return Needs{Account: true, Configs: true, Delivery: true} }

// Or returns what n or o needs.
func (n Needs) Or(o Needs) Needs {
	return Needs{Account: n.Account || o.Account, Configs: n.Configs || o.Configs, Delivery: n.Delivery || o.Delivery}
}
