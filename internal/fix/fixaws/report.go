package fixaws

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// Status is what happened to one distribution.
type Status string

// Distribution statuses.
const (
	StatusFixed      Status = "fixed"       // the planned behaviors got the config
	StatusUnchanged  Status = "unchanged"   // nothing was left to do when it was fetched
	StatusSkipped    Status = "skipped"     // the plan leaves it alone (disabled, compliant, another config)
	StatusFailed     Status = "failed"      // it could not be changed; Reason says why
	StatusNotStarted Status = "not_started" // the apply was interrupted before it got to it
)

// Resource statuses.
const (
	ResourceCreated    = "created"
	ResourceUpdated    = "updated"
	ResourceReused     = "reused"
	ResourceFailed     = "failed"
	ResourceNotStarted = "not_started"
)

// ResourceResult is what happened to the stream, the role or the config.
type ResourceResult struct {
	Type    string         `json:"type"`
	ID      string         `json:"id"`
	ARN     string         `json:"arn,omitempty"`
	Planned fixplan.Action `json:"planned"`
	Status  string         `json:"status"`
	Detail  string         `json:"detail,omitempty"`
}

// DistributionResult is what happened to one distribution.
type DistributionResult struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// ConfigARN is the config the behaviors got; Behaviors are those that got it.
	ConfigARN string             `json:"config_arn,omitempty"`
	Behaviors []fixplan.Behavior `json:"behaviors,omitempty"`
	// Attempts counts GetDistributionConfig + UpdateDistribution rounds.
	Attempts int `json:"attempts,omitempty"`
	// ChangedSincePlan is set when the distribution's ETag was not the one
	// the plan saw.
	ChangedSincePlan bool   `json:"changed_since_plan,omitempty"`
	Backup           string `json:"backup,omitempty"`
	ETagBefore       string `json:"etag_before,omitempty"`
	ETagAfter        string `json:"etag_after,omitempty"`
	// Deployed is set with --wait: whether the distribution was Deployed
	// again in time; WaitError says why not.
	Deployed  *bool  `json:"deployed,omitempty"`
	WaitError string `json:"wait_error,omitempty"`
}

// Summary counts the outcome of an apply.
type Summary struct {
	Fixed      int `json:"fixed"`
	Unchanged  int `json:"unchanged"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	NotStarted int `json:"not_started"`
	// ResourcesFailed counts the stream, role and config steps that failed.
	ResourcesFailed int `json:"resources_failed"`
	// WaitFailed counts fixed distributions not Deployed within the wait.
	WaitFailed    int            `json:"wait_failed"`
	APICalls      map[string]int `json:"api_calls,omitempty"`
	APICallsTotal int            `json:"api_calls_total"`
	DurationMS    int64          `json:"duration_ms"`
}

// Result is the outcome of an apply: what was done and what was not.
type Result struct {
	Kind          string               `json:"kind"`
	Account       string               `json:"account"`
	StartedAt     time.Time            `json:"started_at"`
	FinishedAt    time.Time            `json:"finished_at"`
	Resources     []ResourceResult     `json:"resources"`
	Distributions []DistributionResult `json:"distributions"`
	// Setup is set when the stream, role or config could not be set up:
	// what failed, and what of the destination exists now.
	Setup *SetupNote `json:"setup,omitempty"`
	// Interrupted is set when the apply was cancelled: updates in flight
	// were finished, the others not started.
	Interrupted bool    `json:"interrupted,omitempty"`
	Summary     Summary `json:"summary"`
}

// SetupNote says why the destination is not set up and what of it exists:
// no distribution was changed, and running fix aws again reuses what exists.
type SetupNote struct {
	// Failed names the step that failed and why.
	Failed string `json:"failed"`
	// Exists names each resource of the plan that exists now because this
	// run created or changed it (or had started to), with its state.
	Exists []string `json:"exists"`
}

// Summarize fills the counts from the results.
func (r *Result) Summarize() {
	s := &r.Summary
	s.Fixed, s.Unchanged, s.Skipped, s.Failed, s.NotStarted, s.ResourcesFailed, s.WaitFailed = 0, 0, 0, 0, 0, 0, 0
	for _, d := range r.Distributions {
		switch d.Status {
		case StatusFixed:
			s.Fixed++
		case StatusUnchanged:
			s.Unchanged++
		case StatusSkipped:
			s.Skipped++
		case StatusFailed:
			s.Failed++
		case StatusNotStarted:
			s.NotStarted++
		}
		if d.Deployed != nil && !*d.Deployed {
			s.WaitFailed++
		}
	}
	for _, res := range r.Resources {
		if res.Status == ResourceFailed || res.Status == ResourceNotStarted {
			s.ResourcesFailed++
		}
	}
	s.APICallsTotal = 0
	for _, n := range s.APICalls {
		s.APICallsTotal += n
	}
	if !r.FinishedAt.IsZero() {
		s.DurationMS = r.FinishedAt.Sub(r.StartedAt).Milliseconds()
	}
}

// Complete reports whether everything planned was done: no distribution
// failed or was left unstarted, no resource step failed, and every wait
// ended with the distribution deployed.
func (r *Result) Complete() bool {
	s := r.Summary
	return s.Failed == 0 && s.NotStarted == 0 && s.ResourcesFailed == 0 && s.WaitFailed == 0 && !r.Interrupted
}

// WriteText writes the report for people: the resources, one row per
// distribution, and a summary line.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	if len(r.Resources) > 0 {
		b.WriteString("Destination\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, res := range r.Resources {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", res.Status, res.Type, res.ID, oneLine(res.Detail))
		}
		tw.Flush()
		b.WriteString("\n")
	}
	if n := r.Setup; n != nil {
		fmt.Fprintf(&b, "The destination was not set up, so no distribution was changed.\n  Failed: %s\n", oneLine(n.Failed))
		if len(n.Exists) == 0 {
			b.WriteString("  Nothing of it was created by this run.\n")
		} else {
			fmt.Fprintf(&b, "  Exists now: %s.\n  Running fix aws again reuses what exists and does the rest.\n", strings.Join(n.Exists, "; "))
		}
		b.WriteString("\n")
	}
	if len(r.Distributions) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DISTRIBUTION\tSTATUS\tBEHAVIORS\tDETAIL")
		for _, d := range r.Distributions {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", d.ID, d.Status, len(d.Behaviors), oneLine(distributionDetail(d)))
		}
		tw.Flush()
		b.WriteString("\n")
	}
	s := r.Summary
	fmt.Fprintf(&b, "%d fixed, %d unchanged, %d skipped, %d failed", s.Fixed, s.Unchanged, s.Skipped, s.Failed)
	if s.NotStarted > 0 {
		fmt.Fprintf(&b, ", %d not started", s.NotStarted)
	}
	fmt.Fprintf(&b, " (%d API calls, %.1f s).\n", s.APICallsTotal, float64(s.DurationMS)/1000)
	if r.Interrupted {
		b.WriteString("Interrupted: the updates in flight were finished and no new one was started; " +
			"run the same command again to do the rest.\n")
	}
	for _, d := range r.Distributions {
		if d.Status == StatusFailed && strings.Contains(d.Reason, "\n") {
			fmt.Fprintf(&b, "\n%s: %s\n", d.ID, d.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func distributionDetail(d DistributionResult) string {
	var parts []string
	if d.Reason != "" {
		parts = append(parts, d.Reason)
	}
	if d.Backup != "" {
		parts = append(parts, "backup "+d.Backup)
	}
	if d.Deployed != nil {
		if *d.Deployed {
			parts = append(parts, "deployed")
		} else {
			parts = append(parts, "not deployed: "+d.WaitError)
		}
	}
	return strings.Join(parts, "; ")
}

// oneLine keeps the first line of s, marking that there is more.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " (details below)"
	}
	return s
}
