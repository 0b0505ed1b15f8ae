// Package emulator serves the parts of the AWS APIs that cloudassure uses
// (CloudFront REST-XML, Kinesis JSON 1.1, IAM and STS query, Organizations
// JSON 1.1) on loopback, so that the real aws-sdk-go-v2 and the real AWS CLI
// work against it unchanged. The core (package core) holds the registry,
// the accounts, the faults and the request log; each service lives in a
// package of its own; this package puts them together.
package emulator

import (
	"github.com/cloudassure/cloudassure/internal/emulator/cloudfront"
	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// DefaultAccountID is the account the emulator serves when none is set.
const DefaultAccountID = core.DefaultAccountID

// Options configure an emulator.
type Options = core.Options

// Faults make the emulator misbehave the way AWS does under load.
type Faults = core.Faults

// Server is a running or runnable emulator of every service. It is an
// http.Handler.
type Server struct {
	*core.Server
	org *orgState
}

// New returns an emulator with the given options and no resources.
func New(opts Options) *Server {
	c := core.New(opts)
	s := &Server{Server: c, org: &orgState{}}
	// The JSON services by target header, CloudFront by path, then the
	// query services by signing scope (IAM also takes any other form POST
	// or Action query; STS actions among them are rerouted once the form
	// is parsed).
	c.Register(kinesisEndpoint(), organizationsEndpoint(s), cloudfront.Service(), stsEndpoint(c), iamEndpoint())
	return s
}

// Account is a handle on one account of the emulator, for seeding.
type Account struct {
	s  *Server
	st *core.Account
}

// Account returns a handle on account id, adding the account if needed.
func (s *Server) Account(id string) *Account { return &Account{s: s, st: s.Server.Account(id)} }

// ID returns the account ID.
func (a *Account) ID() string { return a.st.ID() }

// SetStreamStatus pins a stream's status in this account, as
// Server.SetStreamStatus does in the default account.
func (a *Account) SetStreamStatus(region, name, status string) error {
	return a.st.State("kinesis").(*kinesisService).setStreamStatus(region, name, status)
}
