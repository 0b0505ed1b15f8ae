package org

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// Options configure an organization scan.
type Options struct {
	// Config is the SDK configuration of the caller: the management account
	// or a delegated administrator. The caller's own account is audited with
	// it; every member through the audit role.
	Config aws.Config
	// RoleName (default DefaultRoleName) and RolePath (default "/") name the
	// audit role in each member; ExternalID is passed to AssumeRole when set.
	RoleName, RolePath, ExternalID string
	// SessionName is the role session name; default "cloudassure".
	SessionName string
	// SessionDuration is how long each role session lasts (default one
	// hour); the credentials are refreshed five minutes before they expire.
	SessionDuration time.Duration
	// Selection chooses the accounts.
	Selection Selection
	// AccountConcurrency is how many accounts are read at once; default 16.
	AccountConcurrency int
	// Rates limit each account's calls per service; the zero value uses DefaultRates.
	Rates Rates
	// Live is the template of each account's read (Concurrency, PageSize);
	// its Config and Progress are set per account.
	Live live.Options
	// Engine judges each account, as for a single-account scan.
	Engine engine.Options
	// Progress, when set, is told each time an account finishes.
	Progress func(Progress)
}

// Progress reports how far an organization scan has come.
type Progress struct {
	Done, Total int
	Account     string // the account that just finished
}

// Result is an organization scan.
type Result struct {
	// Report holds every account's findings (each naming its account), the
	// accounts list and the summed API calls.
	Report *finding.Report
}

// Run lists the organization's accounts, selects them, and audits each with
// the engine: the caller's account with its own credentials, every other
// one through the audit role. An account that cannot be read gives ERROR
// findings and errors naming the account, the role and the denied action;
// the others are still read. When ctx ends, the accounts done are kept and
// the rest are listed as not scanned. Run fails only when the organization
// cannot be listed.
func Run(ctx context.Context, opts Options) (*Result, error) {
	started := time.Now().UTC()
	o, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	opts = o.opts
	rs := opts.Engine.Rules
	if rs == nil {
		rs = rules.All()
	}
	s := &scan{org: o, opts: opts, rules: rs, total: len(o.Targets), intern: newInterner()}
	results := make([]accountScan, len(o.Targets))
	o.ForEach(func(i int, a Account) { results[i] = s.account(ctx, a) })

	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          engine.Tool(opts.Engine.Version),
		Source:        "aws",
		Account:       o.Caller,
		Organization:  o.ID,
		Findings:      []finding.Finding{},
		Errors:        []finding.ScanError{},
		StartedAt:     started,
	}
	for _, r := range rs {
		rep.Rules = append(rep.Rules, r.Info())
	}
	calls := o.Calls()
	n := 0
	for _, r := range results {
		n += len(r.findings)
	}
	rep.Findings = make([]finding.Finding, 0, n) // one array: at 1,000 accounts, growing it would double it
	for i := range results {
		r := &results[i]
		rep.Accounts = append(rep.Accounts, r.result)
		rep.Findings = append(rep.Findings, r.findings...)
		r.findings = nil // the copy above is the one kept
		rep.Errors = append(rep.Errors, r.errors...)
		for k, v := range r.calls {
			calls[k] += v
		}
	}
	rep.Accounts = append(rep.Accounts, o.Skipped...)
	sort.SliceStable(rep.Accounts, func(i, j int) bool { return rep.Accounts[i].ID < rep.Accounts[j].ID })
	if ctx.Err() != nil {
		rep.Errors = append(rep.Errors, finding.ScanError{Message: fmt.Sprintf("scan interrupted: %d of %d accounts were not scanned; the report covers the accounts scanned", s.notScanned(), len(o.Targets))})
	}
	rep.Summary.APICalls = calls
	rep.FinishedAt = time.Now().UTC()
	rep.Sort()
	rep.Summarize()
	return &Result{Report: rep}, nil
}

// Org is an organization listed and selected, ready for work per account.
type Org struct {
	// ID is the organization's ID; Caller the account of the credentials
	// (management or delegated administrator); Partition its partition.
	ID, Caller, Partition string
	// Targets are the selected accounts to work on, in the organization's order.
	Targets []Account
	// Skipped are the selected accounts left alone, with the reason.
	Skipped []finding.AccountResult

	opts    Options
	cfg     aws.Config // the caller's, calls counted
	counter *live.CallCounter
}

// Open reads who the caller is, the organization and its accounts, and
// applies the selection. It fails when the organization cannot be listed.
func Open(ctx context.Context, opts Options) (*Org, error) {
	opts.defaults()
	counter := live.NewCallCounter()
	cfg := opts.Config.Copy()
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), cfg.APIOptions...), counter.Attach)
	orgc := organizations.NewFromConfig(cfg)
	stsc := sts.NewFromConfig(cfg)

	id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("sts:GetCallerIdentity: %w", err)
	}
	o := &Org{Caller: aws.ToString(id.Account), Partition: "aws", opts: opts, cfg: cfg, counter: counter}
	if p := strings.SplitN(aws.ToString(id.Arn), ":", 3); len(p) == 3 {
		o.Partition = p[1]
	}
	desc, err := orgc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, orgCallError(o.Caller, "organizations:DescribeOrganization", err)
	}
	o.ID = aws.ToString(desc.Organization.Id)
	all, err := ListAccounts(ctx, orgc)
	if err != nil {
		return nil, orgCallError(o.Caller, "organizations:ListAccounts", err)
	}
	var under map[string]bool
	if len(opts.Selection.OUs) > 0 {
		if under, err = AccountsUnder(ctx, orgc, opts.Selection.OUs); err != nil {
			return nil, err
		}
	}
	o.Targets, o.Skipped = Select(all, opts.Selection, under)
	return o, nil
}

// Calls returns the calls made for the organization itself (listing, and
// AssumeRole for every account).
func (o *Org) Calls() map[string]int { return o.counter.Counts() }

// ForEach calls fn for every target account, AccountConcurrency at a time,
// and returns when all have returned.
func (o *Org) ForEach(fn func(i int, a Account)) {
	g := new(errgroup.Group)
	g.SetLimit(o.opts.AccountConcurrency)
	for i, a := range o.Targets {
		g.Go(func() error {
			fn(i, a)
			return nil
		})
	}
	_ = g.Wait()
}

// RoleARN is the ARN of the role assumed in account ("" for the caller's own).
func (o *Org) RoleARN(account string) string {
	if account == o.Caller {
		return ""
	}
	return o.opts.roleARN(o.Partition, account)
}

// AccountConfig returns an SDK configuration acting in account a: the
// caller's own credentials for the caller's account, otherwise the role's
// temporary credentials (assumed now, and refreshed five minutes before
// they expire), with the account's rate limits. The AssumeRole calls are
// counted in assumes. The error is AssumeRole's.
func (o *Org) AccountConfig(ctx context.Context, a string, assumes *live.CallCounter) (aws.Config, error) {
	cfg := o.opts.Config.Copy()
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), cfg.APIOptions...), newLimiters(o.opts.Rates).attach)
	roleARN := o.RoleARN(a)
	if roleARN == "" {
		return cfg, nil
	}
	stsc := sts.NewFromConfig(o.cfg, func(so *sts.Options) {
		if assumes != nil {
			so.APIOptions = append(so.APIOptions, assumes.Attach)
		}
	})
	prov := stscreds.NewAssumeRoleProvider(stsc, roleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = o.opts.SessionName
		ao.Duration = o.opts.SessionDuration
		if o.opts.ExternalID != "" {
			ao.ExternalID = aws.String(o.opts.ExternalID)
		}
	})
	cfg.Credentials = aws.NewCredentialsCache(prov, func(co *aws.CredentialsCacheOptions) { co.ExpiryWindow = 5 * time.Minute })
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (o *Options) defaults() {
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	o.RolePath = normalizePath(o.RolePath)
	if o.SessionName == "" {
		o.SessionName = "cloudassure"
	}
	if o.SessionDuration <= 0 {
		o.SessionDuration = time.Hour
	}
	if o.AccountConcurrency <= 0 {
		o.AccountConcurrency = 16
	}
	if o.Rates == nil {
		o.Rates = DefaultRates()
	}
}

// normalizePath gives a role path its leading and trailing slash.
func normalizePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return "/"
	}
	return "/" + p + "/"
}

// RoleARN is the ARN of the audit role in account.
func (o *Options) roleARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":role" + o.RolePath + o.RoleName
}

// orgCallError explains why the organization cannot be listed.
func orgCallError(caller, op string, err error) error {
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	var denied *orgtypes.AccessDeniedException
	switch {
	case errors.As(err, &notInUse):
		return fmt.Errorf("account %s is not in an AWS Organization (%s: AWSOrganizationsNotInUseException); scan it without --org", caller, op)
	case errors.As(err, &denied):
		return fmt.Errorf("account %s may not list the organization (%s: AccessDeniedException): run --org with credentials of the management account or a delegated administrator", caller, op)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// scan is one organization scan in progress.
type scan struct {
	org    *Org
	opts   Options
	rules  []*rules.Rule
	total  int
	intern *interner

	mu      sync.Mutex
	done    int
	skipped int // accounts not scanned because ctx ended
}

func (s *scan) notScanned() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.skipped
}

// accountScan is what one account contributes to the report.
type accountScan struct {
	result   finding.AccountResult
	findings []finding.Finding
	errors   []finding.ScanError
	calls    map[string]int
}

// account audits one account.
func (s *scan) account(ctx context.Context, a Account) (out accountScan) {
	ref := &finding.AccountRef{ID: a.ID, Name: a.Name}
	out.result = finding.AccountResult{ID: a.ID, Name: a.Name}
	started := time.Now()
	defer func() {
		out.result.DurationMS = time.Since(started).Milliseconds()
		s.mu.Lock()
		s.done++
		done := s.done
		if out.result.Status == finding.AccountNotScanned {
			s.skipped++
		}
		s.mu.Unlock()
		if s.opts.Progress != nil {
			s.opts.Progress(Progress{Done: done, Total: s.total, Account: a.ID})
		}
	}()
	if ctx.Err() != nil {
		out.result.Status, out.result.Reason = finding.AccountNotScanned, "the scan was interrupted before this account"
		return out
	}

	roleARN := s.org.RoleARN(a.ID)
	out.result.RoleARN = roleARN
	assumeCalls := live.NewCallCounter()
	cfg, err := s.org.AccountConfig(ctx, a.ID, assumeCalls)
	if err != nil {
		out.result.APICalls = assumeCalls.Total()
		if ctx.Err() != nil {
			out.result.Status, out.result.Reason = finding.AccountNotScanned, "the scan was interrupted"
			return out
		}
		code, msg := apiError(err)
		s.fail(&out, ref, roleARN, "sts:AssumeRole", roleARN, code, msg)
		return out
	}

	lo := s.opts.Live
	lo.Config = cfg
	lo.Progress = nil
	res := engine.Run(ctx, live.NewSource(lo), s.opts.Engine)
	rep := res.Report
	out.calls = rep.Summary.APICalls
	out.result.APICalls = rep.Summary.APICallsTotal + assumeCalls.Total()
	if ctx.Err() != nil {
		out.result.Status, out.result.Reason = finding.AccountNotScanned, "the scan was interrupted while reading this account"
		out.calls = nil
		return out
	}
	// A read that could not finish fails the account; the error it stopped
	// at names the call.
	if res.ReadErr != nil {
		fatal := finding.ScanError{Message: res.ReadErr.Error()}
		cause := fatal
		for _, e := range rep.Errors {
			if e.Operation != "" && strings.Contains(fatal.Message, e.Message) {
				cause = e
			}
		}
		s.fail(&out, ref, roleARN, cause.Operation, cause.Resource, cause.Code, cause.Message)
		return out
	}
	out.result.Status = finding.AccountScanned
	out.findings = make([]finding.Finding, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		f.Account = ref
		s.intern.finding(&f)
		out.findings = append(out.findings, f)
	}
	for _, e := range rep.Errors {
		e.Account = ref
		if roleARN != "" {
			e.Message += " (account " + a.ID + ", role " + roleARN + ")"
		}
		out.errors = append(out.errors, e)
	}
	return out
}

// fail records an account that could not be read: an error and one ERROR
// finding per rule, naming the account, the role and the call that failed.
func (s *scan) fail(out *accountScan, ref *finding.AccountRef, roleARN, op, resource, code, msg string) {
	who := "account " + ref.ID
	if ref.Name != "" {
		who += " (" + ref.Name + ")"
	}
	via := "with the caller's own credentials"
	if roleARN != "" {
		via = "through role " + roleARN
	}
	where := op
	if where == "" {
		where = "the read"
	}
	text := fmt.Sprintf("%s could not be audited %s: %s failed: %s", who, via, where, msg)
	out.result.Status, out.result.Reason = finding.AccountError, text
	action := ""
	if op != "" && (isAccessDenied(code) || strings.Contains(msg, "AccessDenied")) {
		action = op
	}
	out.errors = append(out.errors, finding.ScanError{Message: text, Operation: op, Action: action, Code: code, Resource: resource, Account: ref})
	related := []finding.Resource(nil)
	if roleARN != "" {
		related = append(related, finding.Resource{Type: "AWS::IAM::Role", ID: s.opts.RoleName, ARN: roleARN})
	}
	for _, r := range s.rules {
		out.findings = append(out.findings, finding.Finding{
			RuleID: r.ID, Title: r.Title, Status: finding.Error, Risk: r.Risk,
			Message:     text,
			Resource:    finding.Resource{Type: "AWS::Organizations::Account", ID: ref.ID, ARN: "", Name: ref.Name},
			Account:     ref,
			Problems:    []string{text},
			Related:     related,
			Fingerprint: fingerprint(r.ID, "account", ref.ID),
		})
	}
}

// apiError returns the error code and "Code: message" of an SDK error.
func apiError(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return "", err.Error()
}

func isAccessDenied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
		return true
	}
	return false
}

func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}
