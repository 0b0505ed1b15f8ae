package finding

import (
	"cmp"
	"errors"
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
	// Findings are the findings when they are held in memory; read them
	// with EachFinding, which also reads those a large streamed scan keeps
	// on disk (see SetFindings), where Findings is nil.
	Findings []Finding   `json:"findings"`
	Errors   []ScanError `json:"errors"`
	Summary  Summary     `json:"summary"`

	// Disk holds the findings instead of Findings when they are on disk
	// (see SetFindings); nil otherwise.
	Disk *Sorted `json:"-"`
}

// SetFindings makes the findings of s, which are in Sort's order, the
// report's: in Findings when s holds them in memory, else read from s's
// temporary file by EachFinding. Close lets them go.
func (r *Report) SetFindings(s *Sorted) {
	if s.OnDisk() {
		r.Findings, r.Disk = nil, s
		return
	}
	r.Findings, r.Disk = s.mem, nil
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
}

// NumFindings is the number of findings, in memory or on disk.
func (r *Report) NumFindings() int {
	if r.Disk != nil {
		return r.Disk.Len()
	}
	return len(r.Findings)
}

// OnDisk tells whether the findings are read from a temporary file.
func (r *Report) OnDisk() bool { return r.Disk != nil }

// EachFinding calls fn with each finding in order and stops at fn's first
// error, which it returns. Findings on disk are read back one at a time
// (fn may keep them); an error reading them back is returned, by this call
// and every later one.
func (r *Report) EachFinding(fn func(*Finding) error) error {
	if r.Disk != nil {
		return r.Disk.Each(fn)
	}
	for i := range r.Findings {
		if err := fn(&r.Findings[i]); err != nil {
			return err
		}
	}
	return nil
}

// Loaded returns r with every finding in Findings: r itself when they are
// in memory, else a shallow copy with those on disk read back, for code
// that needs them all at once.
func (r *Report) Loaded() (*Report, error) {
	if r.Disk == nil {
		return r, nil
	}
	c := *r
	c.Disk = nil
	c.Findings = make([]Finding, 0, r.Disk.Len())
	err := r.Disk.Each(func(f *Finding) error {
		c.Findings = append(c.Findings, *f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Close lets go of findings kept on disk and removes their temporary file;
// a report in memory has nothing to let go.
func (r *Report) Close() error {
	if r.Disk == nil {
		return nil
	}
	return r.Disk.Close()
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

// Summarize fills r.Summary's counts from the findings; API calls are left
// alone. Findings on disk that cannot be read back are not counted: the
// error comes back from EachFinding, which every reporter calls.
func (r *Report) Summarize() {
	s := &r.Summary
	s.Total, s.Pass, s.Fail, s.Skip, s.Error = 0, 0, 0, 0, 0
	rc := resourceCounter{sorted: r.Disk != nil}
	_ = r.EachFinding(func(f *Finding) error {
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
		rc.add(f)
		return nil
	})
	s.Resources = rc.total()
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
func resourceKey(f *Finding) string {
	return f.Resource.Type + "\x00" + f.Resource.Root + "\x00" + f.Resource.ID + "\x00" + f.Resource.ARN + "\x00" + f.Location.file()
}

// resourceCounter counts the distinct resources of findings. Given them in
// Compare's order (sorted), it holds only one group of findings with the
// same ID, root and file at a time, where the resources sharing a key are
// adjacent; findings of an organization scan (with an account, sorted by
// account first) and unsorted ones are counted in one set.
type resourceCounter struct {
	sorted bool
	seen   map[string]bool
	// The current group, when sorted.
	group     [3]string
	groupSeen map[string]bool
	n         int
}

func (c *resourceCounter) add(f *Finding) {
	if !c.sorted || f.Account != nil {
		if c.seen == nil {
			c.seen = map[string]bool{}
		}
		c.seen[resourceKey(f)] = true
		return
	}
	g := [3]string{f.Resource.ID, f.Resource.Root, f.Location.file()}
	if c.groupSeen == nil || g != c.group {
		c.n += len(c.groupSeen)
		c.group, c.groupSeen = g, map[string]bool{}
	}
	c.groupSeen[f.Resource.Type+"\x00"+f.Resource.ARN] = true
}

func (c *resourceCounter) total() int { return c.n + len(c.groupSeen) + len(c.seen) }

// Compare orders findings as reports list them: by account, resource ID,
// root module, file, rule and fingerprint. It returns a negative number
// when a comes first, a positive one when b does, 0 when neither.
func Compare(a, b *Finding) int {
	if c := cmp.Compare(a.Account.id(), b.Account.id()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Resource.ID, b.Resource.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Resource.Root, b.Resource.Root); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Location.file(), b.Location.file()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.RuleID, b.RuleID); c != 0 {
		return c
	}
	return cmp.Compare(a.Fingerprint, b.Fingerprint)
}

// Sort orders findings by Compare, findings that compare equal in the order
// they were, so output is stable. Findings on disk are already in order.
func (r *Report) Sort() {
	sort.SliceStable(r.Findings, func(i, j int) bool { return Compare(&r.Findings[i], &r.Findings[j]) < 0 })
}

// ExitCode is the process exit code the report calls for: 2 when anything
// could not be read or checked, else 1 when any finding fails, else 0.
func (r *Report) ExitCode() int {
	if len(r.Errors) > 0 {
		return 2
	}
	exit := 0
	errFound := errors.New("an ERROR finding")
	err := r.EachFinding(func(f *Finding) error {
		switch f.Status {
		case Error:
			return errFound
		case Fail:
			exit = 1
		}
		return nil
	})
	if err != nil { // an ERROR finding, or findings that could not be read back
		return 2
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
