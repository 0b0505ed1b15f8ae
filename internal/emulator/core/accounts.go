package core

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Account is one AWS account the emulator serves. Every account has its own
// state of each service, so nothing one account creates is visible to
// another.
type Account struct {
	s  *Server
	id string

	mu    sync.Mutex
	state map[string]any // by service name, made on first use
}

// ID returns the account ID.
func (a *Account) ID() string { return a.id }

// State returns the state of the named service in this account, made by
// the service's NewState on first use; nil when no such service keeps
// state per account.
func (a *Account) State(service string) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st, ok := a.state[service]; ok {
		return st
	}
	svc, ok := a.s.service(service)
	if !ok || svc.NewState == nil {
		return nil
	}
	st := svc.NewState(a.s, a.id)
	a.state[service] = st
	return st
}

// accounts maps the credentials of a request to the account it acts in:
// access keys registered with AddAccessKey, the temporary keys AssumeRole
// hands out, and, for every other key, the emulator's own (default) account.
// It also holds per-account faults and SCP-style denials.
type accounts struct {
	mu       sync.Mutex
	byID     map[string]*Account
	keys     map[string]string   // access key ID -> account ID
	sessions map[string]*Session // AssumeRole sessions by access key ID
	faults   map[string]Faults   // per-account faults, overriding the server's
	denied   map[string]map[string]bool
}

func newAccounts() *accounts {
	return &accounts{
		byID:     map[string]*Account{},
		keys:     map[string]string{},
		sessions: map[string]*Session{},
		faults:   map[string]Faults{},
		denied:   map[string]map[string]bool{},
	}
}

// Session is a role session handed out by AssumeRole. Its credentials act
// in the role's account.
type Session struct {
	Account       string // the role's account
	RoleARN       string
	AssumedRoleID string // RoleId:session
	ARN           string // arn:aws:sts::account:assumed-role/name/session
	Expires       time.Time
}

// AddSession makes requests signed with the temporary access key keyID act
// as sess, and forgets the sessions that have expired by now.
func (s *Server) AddSession(keyID string, sess *Session) {
	now := s.now()
	s.accts.mu.Lock()
	defer s.accts.mu.Unlock()
	for id, old := range s.accts.sessions {
		if !now.Before(old.Expires) {
			delete(s.accts.sessions, id)
		}
	}
	s.accts.sessions[keyID] = sess
}

var accountIDRe = regexp.MustCompile(`^\d{12}$`)

// account returns account id, adding it on first use.
func (s *Server) account(id string) *Account {
	a := s.accts
	a.mu.Lock()
	defer a.mu.Unlock()
	st, ok := a.byID[id]
	if !ok {
		st = &Account{s: s, id: id, state: map[string]any{}}
		a.byID[id] = st
	}
	return st
}

// Account returns account id, adding it if needed.
func (s *Server) Account(id string) *Account { return s.account(id) }

// LookupAccount returns account id when the emulator serves it.
func (s *Server) LookupAccount(id string) (*Account, bool) {
	s.accts.mu.Lock()
	defer s.accts.mu.Unlock()
	a, ok := s.accts.byID[id]
	return a, ok
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

// Caller is who signed a request: the account it acts in, and the role
// session when the request carries AssumeRole credentials.
type Caller struct {
	Account *Account
	Session *Session // nil for long-term keys
	KeyID   string
}

// callerOf tells the account of a request from the access key its SigV4
// Authorization header names.
func (s *Server) callerOf(r *http.Request) Caller {
	key := ""
	if scope := credentialScope(r.Header.Get("Authorization")); scope != nil {
		key = scope[0]
	}
	a := s.accts
	a.mu.Lock()
	account, ok := a.keys[key]
	var sess *Session
	if !ok {
		if sess, ok = a.sessions[key]; ok {
			account = sess.Account
		}
	}
	a.mu.Unlock()
	if !ok {
		account = s.opts.AccountID
	}
	return Caller{Account: s.account(account), Session: sess, KeyID: key}
}

// UserARN is the ARN of the emulator's default caller in account: the IAM
// user "emulator".
func UserARN(account string) string { return "arn:aws:iam::" + account + ":user/emulator" }

// ARN is the principal ARN of a caller: the role session's, or the
// emulator user of its account.
func (c Caller) ARN() string {
	if c.Session != nil {
		return c.Session.ARN
	}
	return UserARN(c.Account.id)
}

// PrincipalARN is the caller's principal as aws:PrincipalArn gives it: the
// role's ARN for a role session, the user's otherwise.
func (c Caller) PrincipalARN() string {
	if c.Session != nil {
		return c.Session.RoleARN
	}
	return UserARN(c.Account.id)
}

// expiredSession answers ExpiredToken to a request signed with the
// credentials of a session that has expired, as every AWS service does. It
// reports whether it wrote a response.
func (s *Server) expiredSession(w http.ResponseWriter, svc Service, rc *Request) bool {
	sess := rc.Caller.Session
	if sess == nil || s.now().Before(sess.Expires) {
		return false
	}
	svc.Protocol.WriteError(w, rc, svc.Protocol.ExpiredToken())
	return true
}

// deniedAction answers with the access-denied error of the request's
// service when its action is denied for the caller's account. It reports
// whether it wrote a response.
func (s *Server) deniedAction(w http.ResponseWriter, r *http.Request, svc Service, rc *Request) bool {
	s.accts.mu.Lock()
	denied := s.accts.denied[rc.Account]
	s.accts.mu.Unlock()
	if len(denied) == 0 {
		return false
	}
	action := svc.action(r)
	if action == "" || !denied[strings.ToLower(action)] {
		return false
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s with an explicit deny in a service control policy", rc.Caller.ARN(), action)
	svc.Protocol.WriteError(w, rc, svc.Protocol.AccessDenied(msg))
	return true
}

// Role is what assuming a role needs to know of it.
type Role struct {
	ID, Name, ARN string
	Trust         string // the trust policy document
	MaxSession    int    // seconds
}

// RoleFinder is implemented by the per-account state of the service that
// holds the roles (IAM), for STS, which assumes them.
type RoleFinder interface {
	// FindRole returns the role called name (IAM names ignore case).
	FindRole(name string) (Role, bool)
}
