package finding

// AccountRef names the AWS account a finding or error belongs to.
type AccountRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

func (a *AccountRef) id() string {
	if a == nil {
		return ""
	}
	return a.ID
}

// The statuses of an account in an organization scan.
const (
	AccountScanned    = "scanned"
	AccountSkipped    = "skipped"
	AccountError      = "error"
	AccountNotScanned = "not_scanned"
)

// AccountResult is one account of an organization scan.
type AccountResult struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Status is scanned, skipped (suspended, closed, excluded), error (could
	// not be read) or not_scanned (the scan was interrupted first).
	Status string `json:"status"`
	// Reason says why an account was skipped, failed or not scanned.
	Reason string `json:"reason,omitempty"`
	// RoleARN is the role assumed to read the account ("" for the caller's own).
	RoleARN    string `json:"role_arn,omitempty"`
	APICalls   int    `json:"api_calls"`
	DurationMS int64  `json:"duration_ms"`
	// Summary counts the account's findings.
	Summary AccountCounts `json:"summary"`
}

// AccountCounts counts the findings of one account.
type AccountCounts struct {
	Total     int `json:"total"`
	Pass      int `json:"pass"`
	Fail      int `json:"fail"`
	Skip      int `json:"skip"`
	Error     int `json:"error"`
	Resources int `json:"resources"`
}

// AccountTally counts the accounts of an organization scan by status.
type AccountTally struct {
	Total      int `json:"total"`
	Scanned    int `json:"scanned"`
	Skipped    int `json:"skipped"`
	Error      int `json:"error"`
	NotScanned int `json:"not_scanned"`
}

// summarizeAccounts recomputes each account's counts from the findings and
// the tally of account statuses; a report without accounts has neither.
func (r *Report) summarizeAccounts() {
	if len(r.Accounts) == 0 {
		r.Summary.Accounts = nil
		return
	}
	index := make(map[string]int, len(r.Accounts))
	seen := make([]map[string]bool, len(r.Accounts))
	t := &AccountTally{Total: len(r.Accounts)}
	for i := range r.Accounts {
		a := &r.Accounts[i]
		index[a.ID] = i
		a.Summary = AccountCounts{}
		seen[i] = map[string]bool{}
		switch a.Status {
		case AccountScanned:
			t.Scanned++
		case AccountSkipped:
			t.Skipped++
		case AccountError:
			t.Error++
		case AccountNotScanned:
			t.NotScanned++
		}
	}
	_ = r.EachFinding(func(f *Finding) error { // a read error comes back to the reporter
		i, ok := index[f.Account.id()]
		if !ok {
			return nil
		}
		c := &r.Accounts[i].Summary
		c.Total++
		switch f.Status {
		case Pass:
			c.Pass++
		case Fail:
			c.Fail++
		case Skip:
			c.Skip++
		case Error:
			c.Error++
		}
		seen[i][f.Resource.Type+"\x00"+f.Resource.ID] = true
		return nil
	})
	for i := range r.Accounts {
		r.Accounts[i].Summary.Resources = len(seen[i])
	}
	r.Summary.Accounts = t
}
