// Package emulator serves the parts of the AWS APIs that cloudassure uses
// (CloudFront REST-XML, Kinesis JSON 1.1, IAM and STS query, Organizations
// JSON 1.1) on loopback, so that the real aws-sdk-go-v2 and the real AWS CLI
// work against it unchanged. The core (package core) holds the registry and
// the protocols, the accounts, the faults and the request log; each service
// lives in a package of its own that imports only the core; this package
// registers them and offers the seeding API.
package emulator

import (
	"github.com/cloudassure/cloudassure/internal/emulator/cloudfront"
	"github.com/cloudassure/cloudassure/internal/emulator/core"
	"github.com/cloudassure/cloudassure/internal/emulator/iam"
	"github.com/cloudassure/cloudassure/internal/emulator/kinesis"
	"github.com/cloudassure/cloudassure/internal/emulator/organizations"
	"github.com/cloudassure/cloudassure/internal/emulator/sts"
)

// DefaultAccountID is the account the emulator serves when none is set.
const DefaultAccountID = core.DefaultAccountID

// Options configure an emulator.
type Options = core.Options

// Faults make the emulator misbehave the way AWS does under load.
type Faults = core.Faults

// OrgAccount describes an account added to the emulator's organization.
type OrgAccount = organizations.Account

// Server is a running or runnable emulator of every service. It is an
// http.Handler.
type Server struct {
	*core.Server
	org *organizations.Organizations
}

// New returns an emulator with the given options and no resources.
func New(opts Options) *Server {
	c := core.New(opts)
	s := &Server{Server: c, org: organizations.New(c)}
	// The JSON services by target header, CloudFront by path, then the
	// query services by signing scope (IAM also takes any other form POST
	// or Action query; STS actions among them are rerouted once the form
	// is parsed).
	c.Register(kinesis.Service(), s.org.Service(), cloudfront.Service(), sts.Service(c), iam.Service())
	return s
}

// Account is a handle on one account of the emulator, for seeding.
type Account struct {
	st *core.Account
}

// Account returns a handle on account id, adding the account if needed.
func (s *Server) Account(id string) *Account { return &Account{st: s.Server.Account(id)} }

// ID returns the account ID.
func (a *Account) ID() string { return a.st.ID() }

// SetStreamStatus pins a stream's status in this account, as
// Server.SetStreamStatus does in the default account.
func (a *Account) SetStreamStatus(region, name, status string) error {
	return kinesis.SetStreamStatus(a.st, region, name, status)
}

// SetStreamStatus pins the status a Kinesis stream of the default account
// reports (CREATING, ACTIVE, UPDATING or DELETING) until it is pinned
// again; an empty status unpins it and lets the stream follow its own
// transitions. The stream behaves as its pinned status says: a stream
// pinned CREATING takes no records, one pinned DELETING never goes away.
func (s *Server) SetStreamStatus(region, name, status string) error {
	return s.Account(s.AccountID()).SetStreamStatus(region, name, status)
}

// CreateOrganization makes the default account the management account of a
// new organization (with all features) and returns the organization's ID.
// Calling it again returns the existing organization's ID.
func (s *Server) CreateOrganization() string { return s.org.CreateOrganization() }

// OrganizationRoot returns the ID of the organization's root, or "" when
// there is no organization.
func (s *Server) OrganizationRoot() string { return s.org.OrganizationRoot() }

// CreateOrganizationalUnit adds an OU under parent (the root or an OU) and
// returns its ID.
func (s *Server) CreateOrganizationalUnit(parent, name string) (string, error) {
	return s.org.CreateOrganizationalUnit(parent, name)
}

// AddOrganizationAccount adds an account to the organization (and to the
// accounts the emulator serves).
func (s *Server) AddOrganizationAccount(acc OrgAccount) error {
	return s.org.AddOrganizationAccount(acc)
}

// RegisterDelegatedAdministrator lets a member account call the
// Organizations read operations, as a delegated administrator can.
func (s *Server) RegisterDelegatedAdministrator(account string) {
	s.org.RegisterDelegatedAdministrator(account)
}
