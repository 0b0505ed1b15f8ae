// Package fixplan holds a fix plan: what `cloudassure fix` would create, reuse
// and change, in a form a person can read before applying it and a later
// apply can carry out exactly. It is shared by `fix aws` (changes in a live
// account) and `fix iac` (patches to files).
package fixplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Version is the plan format this package writes and reads.
const Version = 1

// Kinds of plan.
const (
	KindAWS = "aws" // changes in a live AWS account
	KindIaC = "iac" // patches to infrastructure-as-code files
)

// Action is what a change does to its resource.
type Action string

// Actions.
const (
	Create Action = "create" // the resource is created
	Update Action = "update" // the resource exists and is changed
	Reuse  Action = "reuse"  // the resource exists and is used as it is
	None   Action = "none"   // nothing is done; Summary says why
)

// symbol is the one-character mark of an action in the text form.
func (a Action) symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Reuse:
		return "="
	default:
		return "·"
	}
}

// Resource types used in plans.
const (
	TypeStream       = "AWS::Kinesis::Stream"
	TypeRole         = "AWS::IAM::Role"
	TypeConfig       = "AWS::CloudFront::RealtimeLogConfig"
	TypeDistribution = "AWS::CloudFront::Distribution"
	TypeFile         = "File"
)

// Plan is an ordered list of changes to one account or one set of files.
type Plan struct {
	Version   int       `json:"version"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	// Account is the AWS account a Kind "aws" plan was made for.
	Account string `json:"account,omitempty"`
	// Region is the region of the regional resources (the Kinesis stream).
	Region string `json:"region,omitempty"`
	// IaC are the options a Kind "iac" plan was made with: what a saved
	// plan is made again with before it is written, to check it.
	IaC     *IaCOptions `json:"iac,omitempty"`
	Changes []Change    `json:"changes"`
}

// IaCOptions are the options that shape a fix iac plan.
type IaCOptions struct {
	CreateResources bool     `json:"create_resources,omitempty"`
	IncludeDisabled bool     `json:"include_disabled,omitempty"`
	SamplingRate    int      `json:"sampling_rate,omitempty"`
	Fields          []string `json:"fields,omitempty"`
	Exclude         []string `json:"exclude,omitempty"`
}

// Resource names what a change is about.
type Resource struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	// Name is a human name: a distribution's comment, a role's name.
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn,omitempty"`
	// File is the file a Kind "iac" change patches.
	File string `json:"file,omitempty"`
}

// String names the resource in one line.
func (r Resource) String() string {
	id := r.ID
	if id == "" {
		id = r.File
	}
	if r.Name != "" && r.Name != id {
		if id == "" {
			return r.Name
		}
		return fmt.Sprintf("%s (%s)", id, r.Name)
	}
	return id
}

// Change is one step of a plan. Exactly one of the typed details is set for
// a Kind "aws" change; a Kind "iac" change carries a Patch.
type Change struct {
	Action   Action   `json:"action"`
	Resource Resource `json:"resource"`
	// Summary says in one line what is done, or why nothing is.
	Summary string `json:"summary"`
	// Diff is for people: for a distribution, one line per behavior that
	// gains a real-time log config; for a file, a unified diff.
	Diff string `json:"diff,omitempty"`

	Stream       *Stream            `json:"stream,omitempty"`
	Role         *Role              `json:"role,omitempty"`
	Config       *RealtimeLogConfig `json:"realtime_log_config,omitempty"`
	Distribution *Distribution      `json:"distribution,omitempty"`
	// Patch is the unified diff an iac apply applies to Resource.File.
	Patch string `json:"patch,omitempty"`
	// SHA256 is the hex SHA-256 of Resource.File as it was when the plan
	// was made: an iac apply refuses a file that has changed since.
	SHA256 string `json:"sha256,omitempty"`
	// Error says what could not be done for Resource.File (the file is
	// left as it is when Action is None).
	Error string `json:"error,omitempty"`
}

// Stream is the Kinesis data stream a plan creates or reuses.
type Stream struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	ARN    string `json:"arn"`
	// Mode is ON_DEMAND or PROVISIONED; Shards is set for PROVISIONED.
	Mode   string `json:"mode"`
	Shards int    `json:"shards,omitempty"`
	// Encryption is KMS or NONE; KeyID is the KMS key of a KMS stream.
	Encryption string `json:"encryption"`
	KeyID      string `json:"key_id,omitempty"`
}

// Role is the IAM role CloudFront assumes to write to the stream.
type Role struct {
	Name string `json:"name"`
	Path string `json:"path"`
	ARN  string `json:"arn"`
	// TrustPolicy and Policy are the documents the role gets: who may
	// assume it, and the inline policy PolicyName.
	TrustPolicy string `json:"trust_policy"`
	PolicyName  string `json:"policy_name"`
	Policy      string `json:"policy"`
	// For an update: which of the two documents is replaced.
	UpdateTrust  bool `json:"update_trust,omitempty"`
	UpdatePolicy bool `json:"update_policy,omitempty"`
}

// RealtimeLogConfig is the CloudFront real-time log config behaviors get.
type RealtimeLogConfig struct {
	Name         string   `json:"name"`
	ARN          string   `json:"arn"`
	SamplingRate int      `json:"sampling_rate"`
	Fields       []string `json:"fields"`
	StreamARN    string   `json:"stream_arn"`
	RoleARN      string   `json:"role_arn"`
}

// Distribution is the change to one distribution: its behaviors that gain
// ConfigARN.
type Distribution struct {
	ID string `json:"id"`
	// ETag is the version seen when planning.
	ETag      string     `json:"etag,omitempty"`
	Enabled   bool       `json:"enabled"`
	Staging   bool       `json:"staging,omitempty"`
	ConfigARN string     `json:"config_arn,omitempty"`
	Behaviors []Behavior `json:"behaviors,omitempty"`
	// Skip says why a distribution with Action None is left alone:
	// SkipDisabled, SkipCompliant, SkipSuppressed, SkipUnread or
	// SkipDestination.
	Skip string `json:"skip,omitempty"`
}

// Reasons a distribution is left alone.
const (
	SkipDisabled  = "disabled"  // disabled, and disabled distributions are not fixed
	SkipCompliant = "compliant" // every behavior already has a config
	// SkipSuppressed: the team accepts its CF-001 finding (an ignore entry
	// or an inline ignore), so it is not changed.
	SkipSuppressed = "suppressed"
	// SkipUnread: the distribution could not be read (Change.Error says
	// why); an apply reports it failed.
	SkipUnread = "unread"
	// SkipDestination: the real-time log destination the distribution
	// needs (config, stream or role) could not be read, so it is not
	// changed (Change.Error says why); an apply reports it failed.
	SkipDestination = "destination"
)

// Behavior names one cache behavior of a distribution.
type Behavior struct {
	PathPattern string `json:"path_pattern"`
	Default     bool   `json:"default"`
	// From is the RealtimeLogConfigArn the behavior has when planning (""
	// for none); set only when a different config is replaced.
	From string `json:"from,omitempty"`
}

// String names the behavior as the plan and reports do.
func (b Behavior) String() string {
	if b.Default {
		return `"*" (default)`
	}
	return fmt.Sprintf("%q", b.PathPattern)
}

// Counts returns how many changes there are of each action.
func (p *Plan) Counts() map[Action]int {
	out := map[Action]int{}
	for _, c := range p.Changes {
		out[c.Action]++
	}
	return out
}

// HasChanges reports whether applying the plan would create or change anything.
func (p *Plan) HasChanges() bool {
	c := p.Counts()
	return c[Create]+c[Update] > 0
}

// WriteText writes the plan for people: one block per change, its diff
// indented below, and a summary line.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudassure fix %s: plan", p.Kind)
	if p.Account != "" {
		fmt.Fprintf(&b, " for account %s", p.Account)
	}
	if p.Region != "" {
		fmt.Fprintf(&b, " (%s)", p.Region)
	}
	fmt.Fprintf(&b, ", made %s\n\n", p.CreatedAt.UTC().Format(time.RFC3339))
	if len(p.Changes) == 0 {
		b.WriteString("  nothing to consider\n\n")
	}
	width := 0
	for _, c := range p.Changes {
		width = max(width, len(c.Resource.Type))
	}
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "  %s %-6s  %-*s  %s\n", c.Action.symbol(), c.Action, width, c.Resource.Type, c.Resource)
		if c.Summary != "" {
			fmt.Fprintf(&b, "            %s\n", c.Summary)
		}
		for _, text := range []string{c.Diff, c.Patch} {
			if text == "" {
				continue
			}
			for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				fmt.Fprintf(&b, "            %s\n", line)
			}
		}
	}
	n := p.Counts()
	if len(p.Changes) > 0 {
		b.WriteString("\n")
	}
	if !p.HasChanges() {
		fmt.Fprintf(&b, "No changes: %d to reuse, %d left as they are.\n", n[Reuse], n[None])
	} else {
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to reuse, %d left as they are.\n",
			n[Create], n[Update], n[Reuse], n[None])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Validate checks that p is a plan this package can read.
func (p *Plan) Validate() error {
	if p.Version != Version {
		return fmt.Errorf("plan format version %d is not supported (this cloudassure reads version %d)", p.Version, Version)
	}
	switch p.Kind {
	case KindAWS, KindIaC:
	default:
		return fmt.Errorf("unknown plan kind %q", p.Kind)
	}
	for i, c := range p.Changes {
		switch c.Action {
		case Create, Update, Reuse, None:
		default:
			return fmt.Errorf("change %d: unknown action %q", i+1, c.Action)
		}
	}
	return nil
}

// Load reads a plan written by Save.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return &p, nil
}

// Save writes the plan as JSON to path atomically: a reader sees the old
// file or the whole new one, never a part.
func (p *Plan) Save(path string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("plan %s: %w", path, err)
	}
	if err := WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("plan %s: %w", path, err)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory that is synced to disk and renamed over path; the directory is
// synced too, so the file is durable once WriteFileAtomic returns.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Some systems cannot sync a
// directory; that is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !isNotSupported(err) {
		return err
	}
	return nil
}

func isNotSupported(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe) && strings.Contains(strings.ToLower(pe.Err.Error()), "not supported")
}
