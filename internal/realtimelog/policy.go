package realtimelog

import (
	"fmt"
	"strings"
)

// Policy is the team's real-time logging policy (.cloudassure.yaml), which
// CF-003 enforces and from which the fixers take a new config's settings.
type Policy struct {
	MinSamplingRate int      `yaml:"min_sampling_rate" json:"min_sampling_rate"`
	RequiredFields  []string `yaml:"required_fields" json:"required_fields"`
}

// DefaultPolicy is the policy used when the team sets none.
func DefaultPolicy() Policy {
	return Policy{
		MinSamplingRate: 100,
		RequiredFields: []string{
			"timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem",
			"x-edge-request-id", "x-edge-location",
		},
	}
}

// Validate reports what is wrong with a policy.
func (p Policy) Validate() error {
	if p.MinSamplingRate < 1 || p.MinSamplingRate > 100 {
		return fmt.Errorf("min_sampling_rate must be a whole number from 1 to 100, got %d", p.MinSamplingRate)
	}
	var bad []string
	for _, f := range p.RequiredFields {
		if !IsField(f) {
			bad = append(bad, fmt.Sprintf("%q", f))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("required_fields: CloudFront has no real-time log field named %s", strings.Join(bad, ", "))
	}
	return nil
}
