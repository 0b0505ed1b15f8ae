// Package organizations emulates the read operations of the AWS
// Organizations JSON 1.1 API over the emulator's one organization, which is
// seeded through Organizations' methods.
package organizations

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// orgTargetPrefix is the X-Amz-Target prefix of the Organizations JSON 1.1 API.
const orgTargetPrefix = "AWSOrganizationsV20161128."

// orgMaxResults is the most items an Organizations list call returns per page.
const orgMaxResults = 20

// Organizations is the emulator's Organizations service: its
// organization, if any, is the emulator's, not an account's.
type Organizations struct {
	s *core.Server

	mu  sync.Mutex
	org *organization
}

// New returns the Organizations service of the emulator s, without an
// organization.
func New(s *core.Server) *Organizations { return &Organizations{s: s} }

// organization is the AWS Organization the emulator's default account manages.
type organization struct {
	id      string
	master  string // management account ID
	root    *orgUnit
	units   map[string]*orgUnit // OUs and the root, by ID
	order   []*orgUnit          // OUs in creation order
	members []*orgMember        // accounts in join order
	byID    map[string]*orgMember
	admins  map[string]bool // delegated administrators
	created time.Time
}

// orgUnit is the root or an organizational unit.
type orgUnit struct {
	id, name, parent string
}

// orgMember is an account of the organization.
type orgMember struct {
	id, name, email, state, parent, method string
	joined                                 time.Time
}

// Account describes an account added to the emulator's organization.
type Account struct {
	ID    string // 12 digits
	Name  string
	Email string // default: ID@example.com
	// State is ACTIVE (the default), SUSPENDED, PENDING_CLOSURE or CLOSED.
	State string
	// Parent is the root or OU the account is in; empty means the root.
	Parent string
}

const orgIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// CreateOrganization makes the default account the management account of a
// new organization (with all features) and returns the organization's ID.
// Calling it again returns the existing organization's ID.
func (s *Organizations) CreateOrganization() string {
	a := s
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.org != nil {
		return a.org.id
	}
	now := s.s.Now()
	o := &organization{
		id:      "o-" + s.s.RandomID(orgIDAlphabet, 10),
		master:  s.s.AccountID(),
		units:   map[string]*orgUnit{},
		byID:    map[string]*orgMember{},
		admins:  map[string]bool{},
		created: now,
	}
	o.root = &orgUnit{id: "r-" + s.s.RandomID(orgIDAlphabet, 4), name: "Root"}
	o.units[o.root.id] = o.root
	m := &orgMember{id: o.master, name: "management", email: o.master + "@example.com", state: "ACTIVE", parent: o.root.id, method: "CREATED", joined: now}
	o.members = append(o.members, m)
	o.byID[m.id] = m
	a.org = o
	return o.id
}

// OrganizationRoot returns the ID of the organization's root, or "" when
// there is no organization.
func (s *Organizations) OrganizationRoot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil {
		return ""
	}
	return s.org.root.id
}

// CreateOrganizationalUnit adds an OU under parent (the root or an OU) and
// returns its ID.
func (s *Organizations) CreateOrganizationalUnit(parent, name string) (string, error) {
	a := s
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.org
	if o == nil {
		return "", errors.New("emulator: no organization; call CreateOrganization first")
	}
	if _, ok := o.units[parent]; !ok {
		return "", fmt.Errorf("emulator: parent %s not found", parent)
	}
	u := &orgUnit{id: "ou-" + strings.TrimPrefix(o.root.id, "r-") + "-" + s.s.RandomID(orgIDAlphabet, 8), name: name, parent: parent}
	o.units[u.id] = u
	o.order = append(o.order, u)
	return u.id, nil
}

// AddOrganizationAccount adds an account to the organization (and to the
// accounts the emulator serves).
func (s *Organizations) AddOrganizationAccount(acc Account) error {
	if err := s.s.AddAccount(acc.ID); err != nil {
		return err
	}
	a := s
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.org
	if o == nil {
		return errors.New("emulator: no organization; call CreateOrganization first")
	}
	if _, dup := o.byID[acc.ID]; dup {
		return fmt.Errorf("emulator: account %s is already in the organization", acc.ID)
	}
	m := &orgMember{id: acc.ID, name: acc.Name, email: acc.Email, state: acc.State, parent: acc.Parent, method: "CREATED", joined: s.s.Now()}
	if m.name == "" {
		m.name = "account-" + acc.ID
	}
	if m.email == "" {
		m.email = acc.ID + "@example.com"
	}
	switch m.state {
	case "":
		m.state = "ACTIVE"
	case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED":
	default:
		return fmt.Errorf("emulator: account %s: unknown state %q", acc.ID, acc.State)
	}
	if m.parent == "" {
		m.parent = o.root.id
	}
	if _, ok := o.units[m.parent]; !ok {
		return fmt.Errorf("emulator: account %s: parent %s not found", acc.ID, m.parent)
	}
	o.members = append(o.members, m)
	o.byID[m.id] = m
	return nil
}

// RegisterDelegatedAdministrator lets a member account call the
// Organizations read operations, as a delegated administrator can.
func (s *Organizations) RegisterDelegatedAdministrator(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org != nil {
		s.org.admins[account] = true
	}
}

// orgError is an Organizations API error.
type orgError struct {
	code, msg, reason string
}

func orgErr(code, format string, args ...any) *orgError {
	return &orgError{code: code, msg: fmt.Sprintf(format, args...)}
}

func orgInvalid(reason, format string, args ...any) *orgError {
	return &orgError{code: "InvalidInputException", msg: fmt.Sprintf(format, args...), reason: reason}
}

// orgRequest is the union of the request members of the operations served.
type orgRequest struct {
	AccountID  *string `json:"AccountId"`
	ParentID   *string `json:"ParentId"`
	ChildType  *string `json:"ChildType"`
	NextToken  *string `json:"NextToken"`
	MaxResults *int    `json:"MaxResults"`
}

// serveOrganizations answers the Organizations JSON 1.1 API's read operations.
// Only the management account and delegated administrators may call them:
// another member gets AccessDeniedException, an account outside the
// organization AWSOrganizationsNotInUseException.
func (s *Organizations) serveOrganizations(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), orgTargetPrefix)
	out, err := s.orgDispatch(r, rc, op)
	if err != nil {
		w.Header().Set("x-amzn-ErrorType", err.code)
		body := map[string]string{"__type": err.code, "Message": err.msg}
		if err.reason != "" {
			body["Reason"] = err.reason
		}
		status := http.StatusBadRequest
		if err.code == "ServiceException" {
			status = http.StatusInternalServerError
		}
		core.WriteJSON(w, status, body)
		return
	}
	core.WriteJSON(w, http.StatusOK, out)
}

func (s *Organizations) orgDispatch(r *http.Request, rc *core.Request, op string) (any, *orgError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, orgErr("SerializationException", "%v", err)
	}
	var in orgRequest
	if len(b) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, orgErr("SerializationException", "Start of structure or map found where not expected: %v", err)
		}
	}
	a := s
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.org
	switch {
	case o == nil || o.byID[rc.Account] == nil:
		return nil, orgErr("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	case rc.Account != o.master && !o.admins[rc.Account]:
		return nil, orgErr("AccessDeniedException", "You don't have permissions to access this resource.")
	}
	switch op {
	case "DescribeOrganization":
		return map[string]any{"Organization": o.describe()}, nil
	case "DescribeAccount":
		id, err := orgRequired("accountId", in.AccountID, orgAccountIDRe)
		if err != nil {
			return nil, err
		}
		m, ok := o.byID[id]
		if !ok {
			return nil, orgErr("AccountNotFoundException", "You specified an account that doesn't exist.")
		}
		return map[string]any{"Account": o.account(m)}, nil
	case "ListAccounts":
		return orgPage(in, "Accounts", o.members, o.account)
	case "ListRoots":
		return orgPage(in, "Roots", []*orgUnit{o.root}, func(u *orgUnit) any {
			return map[string]any{"Id": u.id, "Arn": o.arn("root", u.id), "Name": u.name, "PolicyTypes": []any{}}
		})
	case "ListAccountsForParent", "ListOrganizationalUnitsForParent", "ListChildren":
		parent, err := orgRequired("parentId", in.ParentID, orgParentIDRe)
		if err != nil {
			return nil, err
		}
		if _, ok := o.units[parent]; !ok {
			return nil, orgErr("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
		}
		accounts, units := o.children(parent)
		switch op {
		case "ListAccountsForParent":
			return orgPage(in, "Accounts", accounts, o.account)
		case "ListOrganizationalUnitsForParent":
			return orgPage(in, "OrganizationalUnits", units, func(u *orgUnit) any {
				return map[string]any{"Id": u.id, "Arn": o.arn("ou", u.id), "Name": u.name}
			})
		}
		switch {
		case in.ChildType == nil:
			return nil, orgErr("ValidationException", "1 validation error detected: Value null at 'childType' failed to satisfy constraint: Member must not be null")
		case *in.ChildType == "ACCOUNT":
			return orgPage(in, "Children", accounts, func(m *orgMember) any { return map[string]any{"Id": m.id, "Type": "ACCOUNT"} })
		case *in.ChildType == "ORGANIZATIONAL_UNIT":
			return orgPage(in, "Children", units, func(u *orgUnit) any { return map[string]any{"Id": u.id, "Type": "ORGANIZATIONAL_UNIT"} })
		default:
			return nil, orgInvalid("INVALID_ENUM", "You specified an invalid value.")
		}
	case "":
		return nil, orgErr("UnknownOperationException", "Missing operation")
	}
	return nil, orgErr("UnknownOperationException", "the cloudassure emulator does not implement Organizations %s", op)
}

var (
	orgAccountIDRe = regexp.MustCompile(`^\d{12}$`)
	orgParentIDRe  = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
)

func orgRequired(name string, v *string, re *regexp.Regexp) (string, *orgError) {
	if v == nil {
		return "", orgErr("ValidationException", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
	}
	if !re.MatchString(*v) {
		return "", orgInvalid("INVALID_PATTERN", "You specified an invalid value for %s.", name)
	}
	return *v, nil
}

// orgPage returns one page of items under key, paged by NextToken and
// MaxResults (1-20; 20 when not given) as Organizations pages.
func orgPage[T any](in orgRequest, key string, items []T, render func(T) any) (any, *orgError) {
	size := orgMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > orgMaxResults {
			return nil, orgInvalid("MAX_VALUE_EXCEEDED", "You specified a value that is larger than the maximum allowed: MaxResults must be between 1 and %d.", orgMaxResults)
		}
		size = *in.MaxResults
	}
	start := 0
	if in.NextToken != nil {
		n, err := orgDecodeToken(*in.NextToken)
		if err != nil || n > len(items) {
			return nil, orgInvalid("INVALID_NEXT_TOKEN", "The specified token is invalid.")
		}
		start = n
	}
	end := min(start+size, len(items))
	list := make([]any, 0, end-start)
	for _, it := range items[start:end] {
		list = append(list, render(it))
	}
	out := map[string]any{key: list}
	if end < len(items) {
		out["NextToken"] = orgEncodeToken(end)
	}
	return out, nil
}

func orgEncodeToken(n int) string {
	return base64.StdEncoding.EncodeToString([]byte("cloudassure-org:" + strconv.Itoa(n)))
}

func orgDecodeToken(t string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), "cloudassure-org:")
	if !ok {
		return 0, errors.New("not a token")
	}
	return strconv.Atoi(s)
}

func (o *organization) arn(kind, id string) string {
	if kind == "account" {
		return "arn:aws:organizations::" + o.master + ":account/" + o.id + "/" + id
	}
	return "arn:aws:organizations::" + o.master + ":" + kind + "/" + o.id + "/" + id
}

func (o *organization) describe() map[string]any {
	m := o.byID[o.master]
	return map[string]any{
		"Id":                 o.id,
		"Arn":                "arn:aws:organizations::" + o.master + ":organization/" + o.id,
		"FeatureSet":         "ALL",
		"MasterAccountArn":   o.arn("account", o.master),
		"MasterAccountId":    o.master,
		"MasterAccountEmail": m.email,
		"AvailablePolicyTypes": []any{
			map[string]string{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
		},
	}
}

// account renders an account; Status is the older field, State the newer.
func (o *organization) account(m *orgMember) any {
	status := m.state
	if status == "CLOSED" {
		status = "SUSPENDED"
	}
	return map[string]any{
		"Id":              m.id,
		"Arn":             o.arn("account", m.id),
		"Email":           m.email,
		"Name":            m.name,
		"Status":          status,
		"State":           m.state,
		"JoinedMethod":    m.method,
		"JoinedTimestamp": float64(m.joined.UnixMilli()) / 1000,
	}
}

// children returns the accounts and OUs directly under parent, in order.
func (o *organization) children(parent string) ([]*orgMember, []*orgUnit) {
	var accounts []*orgMember
	for _, m := range o.members {
		if m.parent == parent {
			accounts = append(accounts, m)
		}
	}
	var units []*orgUnit
	for _, u := range o.order {
		if u.parent == parent {
			units = append(units, u)
		}
	}
	return accounts, units
}

// orgProtocol is Organizations': JSON 1.1 by target header, throttled
// with TooManyRequestsException.
func orgProtocol() core.JSON {
	return core.JSON{
		TargetPrefix: orgTargetPrefix,
		Throttle: core.Error{Status: http.StatusBadRequest, Code: "TooManyRequestsException",
			Message: "AWS Organizations can't complete your request because another request is already in progress. Try again later."},
	}
}

// Service is Organizations' registry entry: JSON 1.1 by target header.
func (s *Organizations) Service() core.Service {
	return core.Service{
		Name:     "organizations",
		Protocol: orgProtocol(),
		Matches:  orgProtocol().Matches,
		Serve:    s.serveOrganizations,
	}
}
