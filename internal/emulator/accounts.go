package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// accountState is the CloudFront, Kinesis and IAM state of one AWS account.
// Every account the emulator serves has its own, so nothing one account
// creates is visible to another.
type accountState struct {
	id  string
	cf  *cloudFront
	kin *kinesisService
	iam *iamService
}

// accounts maps the credentials of a request to the account it acts in:
// access keys registered with AddAccessKey, the temporary keys AssumeRole
// hands out, and, for every other key, the emulator's own (default) account.
// It also holds the Organization, per-account faults and SCP-style denials.
type accounts struct {
	mu       sync.Mutex
	byID     map[string]*accountState
	keys     map[string]string      // access key ID -> account ID
	sessions map[string]*stsSession // AssumeRole sessions by access key ID
	faults   map[string]Faults      // per-account faults, overriding the server's
	denied   map[string]map[string]bool
	org      *organization
}

func newAccounts(def *accountState) *accounts {
	return &accounts{
		byID:     map[string]*accountState{def.id: def},
		keys:     map[string]string{},
		sessions: map[string]*stsSession{},
		faults:   map[string]Faults{},
		denied:   map[string]map[string]bool{},
	}
}

var accountIDRe = regexp.MustCompile(`^\d{12}$`)

// account returns the state of account id, creating it on first use.
func (s *Server) account(id string) *accountState {
	a := s.accts
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.byID[id]
	if !ok {
		st = &accountState{id: id, cf: newCloudFront(s), kin: newKinesis(s), iam: newIAM(s)}
		a.byID[id] = st
	}
	return st
}

// AddAccount makes the emulator serve another account (idempotent). Requests
// signed with an access key registered for it with AddAccessKey, or with
// temporary credentials of one of its roles, act in it.
func (s *Server) AddAccount(id string) error {
	if !accountIDRe.MatchString(id) {
		return fmt.Errorf("emulator: account ID %q is not 12 digits", id)
	}
	s.account(id)
	return nil
}

// AddAccessKey makes requests signed with accessKeyID act in account, which
// is added if needed. Keys not registered act in the default account.
func (s *Server) AddAccessKey(accessKeyID, account string) error {
	if err := s.AddAccount(account); err != nil {
		return err
	}
	if accessKeyID == "" {
		return fmt.Errorf("emulator: empty access key ID for account %s", account)
	}
	s.accts.mu.Lock()
	s.accts.keys[accessKeyID] = account
	s.accts.mu.Unlock()
	return nil
}

// Accounts returns the IDs of the accounts the emulator serves, sorted.
func (s *Server) Accounts() []string {
	a := s.accts
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.byID))
	for id := range a.byID {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// SetAccountFaults replaces the faults injected into the requests of one
// account, instead of the server-wide ones; a zero Faults removes them.
func (s *Server) SetAccountFaults(account string, f Faults) {
	s.accts.mu.Lock()
	defer s.accts.mu.Unlock()
	if f == (Faults{}) {
		delete(s.accts.faults, account)
		return
	}
	s.accts.faults[account] = f
}

// DenyAction makes every request of account for the IAM action (such as
// "cloudfront:ListRealtimeLogConfigs") fail with the service's access-denied
// error, as an explicit deny in a service control policy does.
func (s *Server) DenyAction(account, action string) {
	s.accts.mu.Lock()
	defer s.accts.mu.Unlock()
	m := s.accts.denied[account]
	if m == nil {
		m = map[string]bool{}
		s.accts.denied[account] = m
	}
	m[strings.ToLower(action)] = true
}

// accountFaults returns the faults for account's requests.
func (s *Server) accountFaults(account string) (Faults, bool) {
	s.accts.mu.Lock()
	defer s.accts.mu.Unlock()
	f, ok := s.accts.faults[account]
	return f, ok
}

// caller is who signed a request: the account it acts in, and the role
// session when the request carries AssumeRole credentials.
type caller struct {
	state   *accountState
	session *stsSession // nil for long-term keys
	keyID   string
}

// callerOf tells the account of a request from the access key its SigV4
// Authorization header names.
func (s *Server) callerOf(r *http.Request) caller {
	key := ""
	if scope := credentialScope(r.Header.Get("Authorization")); scope != nil {
		key = scope[0]
	}
	a := s.accts
	a.mu.Lock()
	account, ok := a.keys[key]
	var sess *stsSession
	if !ok {
		if sess, ok = a.sessions[key]; ok {
			account = sess.account
		}
	}
	a.mu.Unlock()
	if !ok {
		account = s.opts.AccountID
	}
	return caller{state: s.account(account), session: sess, keyID: key}
}

// callerARN is the principal ARN of a caller: the role session's, or the
// emulator user of its account.
func (c caller) callerARN() string {
	if c.session != nil {
		return c.session.arn
	}
	return stsCallerARN(c.state.id)
}

// deniedAction answers with the access-denied error of the request's
// service when its action is denied for the caller's account. It reports
// whether it wrote a response.
func (s *Server) deniedAction(w http.ResponseWriter, r *http.Request, proto protocol, rc *reqContext, c caller) bool {
	s.accts.mu.Lock()
	denied := s.accts.denied[rc.account]
	s.accts.mu.Unlock()
	if len(denied) == 0 {
		return false
	}
	action := s.service(proto).action(r)
	if action == "" || !denied[strings.ToLower(action)] {
		return false
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s with an explicit deny in a service control policy", c.callerARN(), action)
	switch proto {
	case protoKinesis:
		writeKinesisError(w, rc, http.StatusBadRequest, "AccessDeniedException", msg)
	case protoOrganizations:
		writeKinesisError(w, rc, http.StatusBadRequest, "AccessDeniedException", msg)
	case protoCloudFront:
		writeCloudFrontError(w, rc, http.StatusForbidden, "AccessDenied", msg)
	default:
		writeQueryError(w, proto, rc, http.StatusForbidden, "AccessDenied", msg)
	}
	return true
}

// cloudFrontOperation names the CloudFront operation of a request.
func cloudFrontOperation(r *http.Request) string {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, cfPathPrefix), "/")
	parts := strings.Split(path, "/")
	switch {
	case path == "distribution" && r.Method == http.MethodGet:
		return "ListDistributions"
	case path == "distribution" && r.Method == http.MethodPost:
		return "CreateDistribution"
	case len(parts) == 2 && parts[0] == "distribution" && r.Method == http.MethodGet:
		return "GetDistribution"
	case len(parts) == 2 && parts[0] == "distribution" && r.Method == http.MethodDelete:
		return "DeleteDistribution"
	case len(parts) == 3 && parts[2] == "config" && r.Method == http.MethodGet:
		return "GetDistributionConfig"
	case len(parts) == 3 && parts[2] == "config" && r.Method == http.MethodPut:
		return "UpdateDistribution"
	case path == "realtime-log-config" && r.Method == http.MethodGet:
		return "ListRealtimeLogConfigs"
	case path == "realtime-log-config" && r.Method == http.MethodPost:
		return "CreateRealtimeLogConfig"
	case path == "realtime-log-config" && r.Method == http.MethodPut:
		return "UpdateRealtimeLogConfig"
	case path == "get-realtime-log-config":
		return "GetRealtimeLogConfig"
	case path == "delete-realtime-log-config":
		return "DeleteRealtimeLogConfig"
	case path == "distributionsByRealtimeLogConfig":
		return "ListDistributionsByRealtimeLogConfig"
	}
	return ""
}

// Account is a handle on one account of the emulator, for seeding.
type Account struct {
	s  *Server
	st *accountState
}

// Account returns a handle on account id, adding the account if needed.
func (s *Server) Account(id string) *Account { return &Account{s: s, st: s.account(id)} }

// ID returns the account ID.
func (a *Account) ID() string { return a.st.id }

// SetStreamStatus pins a stream's status in this account, as
// Server.SetStreamStatus does in the default account.
func (a *Account) SetStreamStatus(region, name, status string) error {
	return a.st.kin.setStreamStatus(region, name, status)
}
