package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// orgFlags select the accounts of an Organization and how to reach them.
type orgFlags struct {
	enabled            bool
	roleName, rolePath string
	externalID         string
	accounts           []string
	accountsFile       string
	ous                []string
	exclude            []string
	accountConcurrency int
	// roleFlag and pathFlag name the role flags: --role-name and --role-path
	// for scan, --org-role-name and --org-role-path for fix (where
	// --role-name names CloudFront's delivery role).
	roleFlag, pathFlag string
}

func (o *orgFlags) register(cmd *cobra.Command) {
	o.registerAs(cmd, "audit every account of the AWS Organization (from the management account or a delegated administrator)",
		"role-name", "role-path", org.DefaultRoleName)
}

func (o *orgFlags) registerAs(cmd *cobra.Command, usage, roleFlag, pathFlag, defaultRole string) {
	o.roleFlag, o.pathFlag = roleFlag, pathFlag
	f := cmd.Flags()
	f.BoolVar(&o.enabled, "org", false, usage)
	f.StringVar(&o.roleName, roleFlag, defaultRole, "with --org: the role assumed in each member account")
	f.StringVar(&o.rolePath, pathFlag, "/", "with --org: the path of that role")
	f.StringVar(&o.externalID, "external-id", "", "with --org: the external ID passed to AssumeRole")
	f.StringSliceVar(&o.accounts, "accounts", nil, "with --org: audit only these account IDs (comma-separated)")
	f.StringVar(&o.accountsFile, "accounts-file", "", "with --org: audit only the account IDs in this file (one or more per line, # comments)")
	f.StringSliceVar(&o.ous, "ou", nil, "with --org: audit only the accounts under these OUs (ou-… or r-…), recursively")
	f.StringSliceVar(&o.exclude, "exclude-accounts", nil, "with --org: skip these account IDs")
	f.IntVar(&o.accountConcurrency, "account-concurrency", 16, "with --org: accounts read at once")
}

// selection returns the accounts chosen on the command line.
func (o *orgFlags) selection() (org.Selection, error) {
	sel := org.Selection{Accounts: o.accounts, OUs: o.ous, Exclude: o.exclude}
	if o.accountsFile != "" {
		f, err := os.Open(o.accountsFile)
		if err != nil {
			return sel, fmt.Errorf("--accounts-file: %w", err)
		}
		defer f.Close()
		ids, err := org.ReadAccountsFile(o.accountsFile, f)
		if err != nil {
			return sel, err
		}
		if len(ids) == 0 {
			return sel, fmt.Errorf("--accounts-file %s lists no account", o.accountsFile)
		}
		sel.Accounts = append(append([]string(nil), sel.Accounts...), ids...)
	}
	return sel, sel.Validate()
}

// validate refuses organization flags without --org.
func (o *orgFlags) validate(changed func(string) bool) error {
	if o.enabled {
		if o.accountConcurrency < 1 {
			return fmt.Errorf("--account-concurrency must be at least 1, got %d", o.accountConcurrency)
		}
		return nil
	}
	for _, name := range []string{o.roleFlag, o.pathFlag, "external-id", "accounts", "accounts-file", "ou", "exclude-accounts", "account-concurrency"} {
		if changed(name) {
			return fmt.Errorf("--%s needs --org", name)
		}
	}
	return nil
}

// options builds the organization scan's options.
func (o *orgFlags) options(cfg aws.Config, lo live.Options, eo engine.Options) (org.Options, error) {
	oo, err := o.orgOptions(cfg)
	oo.Live, oo.Engine = lo, eo
	return oo, err
}

// orgOptions are the selection and the role, for scan and fix alike.
func (o *orgFlags) orgOptions(cfg aws.Config) (org.Options, error) {
	sel, err := o.selection()
	if err != nil {
		return org.Options{}, err
	}
	return org.Options{
		Config: cfg, RoleName: o.roleName, RolePath: o.rolePath, ExternalID: o.externalID,
		Selection: sel, AccountConcurrency: o.accountConcurrency,
	}, nil
}

// orgGCPercent is the garbage collector's target during an organization
// scan (unless GOGC is set): the findings of every account stay in memory
// until the report is written, so the default (100) lets the heap grow to
// twice them; 50 keeps 1,000 accounts well under 500 MB for a few percent
// more GC time (docs/benchmarks.md).
const orgGCPercent = 50

// orgMemory sets the garbage collector's target for an organization scan
// and its report, and returns the function that restores it.
func orgMemory() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(orgGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// auditOrg runs an organization scan, showing progress per account.
func auditOrg(ctx context.Context, ios *IO, opts org.Options) (*finding.Report, error) {
	prog := newProgress(ios.Err, ios.ErrTTY)
	prog.Message("listing the organization's accounts…")
	opts.Progress = func(p org.Progress) { prog.Count("auditing accounts", p.Done, p.Total) }
	res, err := org.Run(ctx, opts)
	prog.Done()
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}
