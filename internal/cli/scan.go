package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/live"
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
	rs, err := rules.Select(c.ruleIDs)
	if err != nil {
		return nil, nil, err
	}
	return cfg, rs, nil
}

// engineOptions are the engine options these flags and the loaded policy give.
func (c *checkFlags) engineOptions(cfg *settings.File, rs []*rules.Rule) engine.Options {
	return engine.Options{Rules: rs, Settings: engine.Settings{File: cfg, IncludeDisabled: c.includeDisabled}, Version: Version()}
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
	cmd.Flags().IntVar(&a.concurrency, "concurrency", 8, "stream and role look-ups in flight at once, per service")
	cmd.Flags().DurationVar(&a.timeout, "timeout", 10*time.Minute, "give up the scan after this long")
}

func newScanAWSCmd(ios *IO) *cobra.Command {
	var (
		out    outputFlags
		checks checkFlags
		af     awsFlags
		of     orgFlags
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
			if err := of.validate(cmd.Flags().Changed); err != nil {
				return err
			}
			pol, rs, err := checks.load()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), af.timeout)
			defer cancel()
			awsCfg, err := live.LoadConfig(ctx, live.ConfigOptions{
				Profile: af.profile, Region: af.region, EndpointURL: af.endpointURL,
			})
			if err != nil {
				return err
			}
			if of.enabled {
				defer orgMemory()()
				oo, err := of.options(awsCfg, live.Options{Concurrency: af.concurrency}, checks.engineOptions(pol, rs))
				if err != nil {
					return err
				}
				rep, err := auditOrg(ctx, ios, oo)
				if err != nil {
					return err
				}
				if err := out.write(ios, rep); err != nil {
					return err
				}
				return exitCode(rep.ExitCode())
			}
			rep := auditLive(ctx, ios, live.Options{Config: awsCfg, Concurrency: af.concurrency}, checks.engineOptions(pol, rs))
			if err := out.write(ios, rep); err != nil {
				return err
			}
			return exitCode(rep.ExitCode())
		},
	}
	out.register(cmd)
	checks.register(cmd)
	af.register(cmd)
	of.register(cmd)
	return cmd
}

// auditLive reads an account through the engine, showing progress, and
// returns the report. A read that could not finish still yields a report of
// what was read.
func auditLive(ctx context.Context, ios *IO, opts live.Options, eo engine.Options) *finding.Report {
	prog := newProgress(ios.Err, ios.ErrTTY)
	opts.Progress = prog.Update
	return runEngine(ctx, ios, live.NewSource(opts), eo, prog)
}

// runEngine runs the pipeline over src, clears prog once the source is read,
// and reports expired ignore entries on stderr.
func runEngine(ctx context.Context, ios *IO, src engine.Source, eo engine.Options, prog *progress) *finding.Report {
	var wrapped engine.Source = progressDone{src, prog}
	if st, ok := src.(engine.Streaming); ok {
		wrapped = streamingDone{progressDone{src, prog}, st}
	}
	res := engine.Run(ctx, wrapped, eo)
	warnExpired(ios, eo.File, res.Expired)
	return res.Report
}

// warnExpired tells the user which ignore entries of cfg no longer apply.
func warnExpired(ios *IO, cfg *settings.File, expired []settings.Ignore) {
	for _, ig := range expired {
		fmt.Fprintf(ios.Err, "cloudassure: %s: the ignore entry for %s (%q) expired on %s and no longer applies\n",
			cfg.Path, ig.Rule, ig.Reason, ig.Expires)
	}
}

// progressDone clears the progress line as soon as its source is read.
type progressDone struct {
	engine.Source
	prog *progress
}

func (p progressDone) Read(ctx context.Context) (*model.Inventory, error) {
	defer p.prog.Done()
	return p.Source.Read(ctx)
}

// Scope passes what the rules need through, when the source can use it.
func (p progressDone) Scope(n model.Needs) {
	if sc, ok := p.Source.(engine.Scoped); ok {
		sc.Scope(n)
	}
}

// streamingDone is progressDone for a source judged as it is read.
type streamingDone struct {
	progressDone
	st engine.Streaming
}

func (p streamingDone) Scan(ctx context.Context, judge func(*model.Inventory) []iac.Judged[int]) (*iac.Scanned[int], error) {
	defer p.prog.Done()
	return p.st.Scan(ctx, judge)
}

// APICalls passes the source's call counts through, when it counts them.
func (p progressDone) APICalls() map[string]int {
	if m, ok := p.Source.(engine.Metered); ok {
		return m.APICalls()
	}
	return nil
}
