package settings

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/glob"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// Ignore accepts the findings of one rule on matching resources, for a reason,
// optionally until a date.
type Ignore struct {
	// Rule is a rule ID, or "*" for every rule.
	Rule string `yaml:"rule"`
	// Resource is a glob on the resource ID (distribution ID, logical ID or
	// Terraform address); empty matches every resource.
	Resource string `yaml:"resource"`
	// Path is a glob on the file of the finding ("**" crosses directories);
	// empty matches every file and live resources.
	Path string `yaml:"path"`
	// Reason is why the finding is accepted; it is required.
	Reason string `yaml:"reason"`
	// Expires is the first day (YYYY-MM-DD, UTC) the entry no longer applies.
	Expires string `yaml:"expires"`

	expires time.Time
}

func (ig *Ignore) validate() error {
	if ig.Rule == "" {
		return errors.New("rule is required (a rule ID or \"*\")")
	}
	if ig.Rule != "*" {
		r, ok := rules.Find(ig.Rule)
		if !ok {
			return fmt.Errorf("unknown rule %q", ig.Rule)
		}
		ig.Rule = r.ID
	}
	if strings.TrimSpace(ig.Reason) == "" {
		return fmt.Errorf("rule %s: a reason is required", ig.Rule)
	}
	for _, g := range []string{ig.Resource, ig.Path} {
		if err := glob.Validate(g); err != nil {
			return fmt.Errorf("rule %s: %w", ig.Rule, err)
		}
	}
	if ig.Expires != "" {
		t, err := time.Parse("2006-01-02", ig.Expires)
		if err != nil {
			return fmt.Errorf("rule %s: expires must be a date like 2027-01-31, got %q", ig.Rule, ig.Expires)
		}
		ig.expires = t
	}
	return nil
}

// Expired reports whether the entry no longer applies at now.
func (ig Ignore) Expired(now time.Time) bool {
	return !ig.expires.IsZero() && !now.Before(ig.expires)
}

// Matches reports whether the entry covers a finding of rule on resource in file
// (empty for live resources).
func (ig Ignore) Matches(rule, resource, file string) bool {
	if ig.Rule != "*" && ig.Rule != rule {
		return false
	}
	if ig.Resource != "" && !glob.Match(ig.Resource, resource) {
		return false
	}
	if ig.Path != "" && (file == "" || !glob.Match(ig.Path, file)) {
		return false
	}
	return true
}
