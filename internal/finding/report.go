package finding

import (
	"sort"
	"time"
)

// SchemaVersion is the version of the JSON report contract.
const SchemaVersion = 1

// Report is the whole result of one scan: the JSON contract.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Source        string `json:"source"`
	Account       string `json:"account,omitempty"`
	// Organization is the AWS Organization's ID, in organization scans.
	Organization string     `json:"organization,omitempty"`
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   time.Time  `json:"finished_at"`
	Rules        []RuleInfo `json:"rules,omitempty"`
	// Accounts lists every account of an organization scan: scanned,
	// skipped, error or not_scanned.
	Accounts []AccountResult `json:"accounts,omitempty"`
	Findings []Finding       `json:"findings"`
	Errors   []ScanError     `json:"errors"`
	Summary  Summary         `json:"summary"`
}

// Tool describes cloudassure itself.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"uri,omitempty"`
}

// ScanError is something the scan could not read or check.
type ScanError struct {
	Message   string    `json:"message"`
	Operation string    `json:"operation,omitempty"`
	Action    string    `json:"action,omitempty"`
	Code      string    `json:"code,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	Location  *Location `json:"location,omitempty"`
	// Account is the AWS account the error concerns, in organization scans.
	Account *AccountRef `json:"account,omitempty"`
}

// Summary counts findings and API calls.
type Summary struct {
	Total         int            `json:"total"`
	Pass          int            `json:"pass"`
	Fail          int            `json:"fail"`
	Skip          int            `json:"skip"`
	Error         int            `json:"error"`
	Resources     int            `json:"resources"`
	APICalls      map[string]int `json:"api_calls,omitempty"`
	APICallsTotal int            `json:"api_calls_total,omitempty"`
	DurationMS    int64          `json:"duration_ms"`
	// Accounts counts the accounts of an organization scan by status.
	Accounts *AccountTally `json:"accounts,omitempty"`
}

// Summarize fills r.Summary's counts from r.Findings; API calls are left alone.
func (r *Report) Summarize() {
	s := &r.Summary
	s.Total, s.Pass, s.Fail, s.Skip, s.Error = 0, 0, 0, 0, 0
	seen := map[string]bool{}
	for _, f := range r.Findings {
		s.Total++
		switch f.Status {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Skip:
			s.Skip++
		case Error:
			s.Error++
		}
		seen[resourceKey(f)] = true
	}
	s.Resources = len(seen)
	s.APICallsTotal = 0
	for _, n := range s.APICalls {
		s.APICallsTotal += n
	}
	if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		s.DurationMS = r.FinishedAt.Sub(r.StartedAt).Milliseconds()
	}
	r.summarizeAccounts()
}

// resourceKey names the resource a finding is about: one distribution
// however many rules judge it, two for two files or root modules that
// declare the same ID.
func resourceKey(f Finding) string {
	return f.Resource.Type + "\x00" + f.Resource.Root + "\x00" + f.Resource.ID + "\x00" + f.Resource.ARN + "\x00" + f.Location.file()
}

// Sort orders findings by rule, resource and status so output is stable.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Account.id() != b.Account.id() {
			return a.Account.id() < b.Account.id()
		}
		if a.Resource.ID != b.Resource.ID {
			return a.Resource.ID < b.Resource.ID
		}
		if a.Resource.Root != b.Resource.Root {
			return a.Resource.Root < b.Resource.Root
		}
		if fa, fb := a.Location.file(), b.Location.file(); fa != fb {
			return fa < fb
		}
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.Fingerprint < b.Fingerprint
	})
}

// ExitCode is the process exit code the report calls for: 2 when anything
// could not be read or checked, else 1 when any finding fails, else 0.
func (r *Report) ExitCode() int {
	if len(r.Errors) > 0 {
		return 2
	}
	exit := 0
	for _, f := range r.Findings {
		switch f.Status {
		case Error:
			return 2
		case Fail:
			exit = 1
		}
	}
	return exit
}

// RuleInfo describes a rule that ran, for reporters that list rules (SARIF).
type RuleInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Risk        string `json:"risk"`
	Rationale   string `json:"rationale"`
	Remediation string `json:"remediation"`
	HelpURI     string `json:"help_uri,omitempty"`
}
