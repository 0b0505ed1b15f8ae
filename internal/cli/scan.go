package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/live"
	"github.com/cloudassure/cloudassure/internal/suppress"
)

func newScanCmd(ios *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan a live AWS account or infrastructure as code",
	}
	cmd.AddCommand(newScanAWSCmd(ios), newScanIaCCmd(ios))
	return cmd
}

// checkFlags are the flags that choose and tune rules.
type checkFlags struct {
	configPath      string
	ruleIDs         []string
	includeDisabled bool
}

func (c *checkFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.configPath, "config", "", "team policy file (default: "+settings.DefaultFile+" in the working directory, if present)")
	cmd.Flags().StringSliceVar(&c.ruleIDs, "rule", nil, "run only these rules (IDs, comma-separated); default all")
	cmd.Flags().BoolVar(&c.includeDisabled, "include-disabled", false, "evaluate disabled distributions instead of skipping them")
}

// load reads the policy and selects the rules.
func (c *checkFlags) load() (*settings.File, []*rules.Rule, error) {
	cfg, err := settings.Load(c.configPath)
	if err != nil {
		return nil, nil, err
	}
	if len(c.ruleIDs) == 0 {
		return cfg, rules.All(), nil
	}
	var rs []*rules.Rule
	for _, id := range c.ruleIDs {
		r, ok := rules.Find(strings.TrimSpace(id))
		if !ok {
			return nil, nil, fmt.Errorf("unknown rule %q (see cloudassure rules)", id)
		}
		rs = append(rs, r)
	}
	return cfg, rs, nil
}

// awsFlags select the account and how to reach it.
type awsFlags struct {
	profile     string
	region      string
	endpointURL string
	concurrency int
	timeout     time.Duration
}

func (a *awsFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.profile, "profile", "", "AWS named profile (default: AWS_PROFILE or the default profile)")
	cmd.Flags().StringVar(&a.region, "region", "", "AWS region for Kinesis look-ups without one in the ARN (CloudFront is global)")
	cmd.Flags().StringVar(&a.endpointURL, "endpoint-url", "", "send every API call to this endpoint (default: AWS_ENDPOINT_URL)")
	cmd.Flags().IntVar(&a.concurrency, "concurrency", 8, "stream and role look-ups in flight at once")
	cmd.Flags().DurationVar(&a.timeout, "timeout", 10*time.Minute, "give up the scan after this long")
}

func newScanAWSCmd(ios *IO) *cobra.Command {
	var (
		out    outputFlags
		checks checkFlags
		af     awsFlags
	)
	cmd := &cobra.Command{
		Use:   "aws",
		Short: "Audit the account of the standard AWS credential chain",
		Long: "Audit every CloudFront distribution of the account that the standard AWS credential chain\n" +
			"(--profile, AWS_PROFILE, environment, SSO, instance roles) belongs to. AWS_ENDPOINT_URL and\n" +
			"--endpoint-url point the scan at another endpoint, such as `cloudassure emulator`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			pol, rs, err := checks.load()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), af.timeout)
			defer cancel()
			counter := live.NewCallCounter()
			awsCfg, err := live.LoadConfig(ctx, live.ConfigOptions{
				Profile: af.profile, Region: af.region, EndpointURL: af.endpointURL, Counter: counter,
			})
			if err != nil {
				return err
			}
			rep := auditLive(ctx, ios, live.Options{Config: awsCfg, Concurrency: af.concurrency}, counter, pol, rs, checks.includeDisabled)
			if err := out.write(ios, rep); err != nil {
				return err
			}
			return exitCode(rep.ExitCode())
		},
	}
	out.register(cmd)
	checks.register(cmd)
	af.register(cmd)
	return cmd
}

// auditLive reads an account, runs the rules and builds the report. A read
// that could not finish still yields a report of what was read.
func auditLive(ctx context.Context, ios *IO, opts live.Options, counter *live.CallCounter, pol *settings.File, rs []*rules.Rule, includeDisabled bool) *finding.Report {
	prog := newProgress(ios.Err, ios.ErrTTY)
	opts.Progress = prog.Update
	started := time.Now().UTC()
	inv, readErr := live.Read(ctx, opts)
	prog.Done()
	rep := newReport(ios, inv, rs, pol, includeDisabled)
	rep.StartedAt, rep.FinishedAt = started, time.Now().UTC()
	if readErr != nil {
		msg := readErr.Error()
		switch {
		case errors.Is(readErr, context.Canceled):
			msg = fmt.Sprintf("scan interrupted after reading %d distributions; the report covers only what was read", len(inv.Distributions))
		case errors.Is(readErr, context.DeadlineExceeded):
			msg = fmt.Sprintf("scan timed out after reading %d distributions; the report covers only what was read", len(inv.Distributions))
		}
		rep.Errors = append(rep.Errors, finding.ScanError{Message: msg})
	}
	rep.Summary.APICalls = counter.Counts()
	rep.Summarize()
	return rep
}

// newReport runs rs over inv, applies the team's suppressions and wraps the
// findings in a report. Expired ignore entries are reported on stderr.
func newReport(ios *IO, inv *model.Inventory, rs []*rules.Rule, cfg *settings.File, includeDisabled bool) *finding.Report {
	opts := rules.Options{Policy: cfg.Policy, IncludeDisabled: includeDisabled}
	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "cloudassure", Version: Version(), URI: "https://github.com/cloudassure/cloudassure"},
		Source:        inv.Source,
		Account:       inv.Account,
		Findings:      rules.Run(inv, rs, opts),
		Errors:        []finding.ScanError{},
	}
	if rep.Findings == nil {
		rep.Findings = []finding.Finding{}
	}
	for _, ig := range suppress.Apply(rep.Findings, inv, cfg.Ignore, time.Now()) {
		fmt.Fprintf(ios.Err, "cloudassure: %s: the ignore entry for %s (%q) expired on %s and no longer applies\n",
			cfg.Path, ig.Rule, ig.Reason, ig.Expires)
	}
	for _, r := range rs {
		rep.Rules = append(rep.Rules, r.Info())
	}
	for _, e := range inv.Errors {
		se := finding.ScanError{Message: e.Message, Operation: e.Operation, Action: e.Action, Code: e.Code, Resource: e.Resource}
		if !e.Range.IsZero() {
			se.Location = &finding.Location{File: e.Range.File, StartLine: e.Range.StartLine, EndLine: e.Range.EndLine}
		}
		rep.Errors = append(rep.Errors, se)
	}
	rep.Sort()
	return rep
}

func scanErrorf(format string, args ...any) finding.ScanError {
	return finding.ScanError{Message: fmt.Sprintf(format, args...)}
}
