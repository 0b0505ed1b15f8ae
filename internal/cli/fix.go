package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/fix/fixaws"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

func newFixCmd(ios *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fix",
		Short: "Turn on real-time logging where it is missing: plan first, then apply",
	}
	cmd.AddCommand(newFixAWSCmd(ios, nil))
	cmd.AddCommand(newFixIaCCmd(ios, nil))
	return cmd
}

// fixAWSOptions are the flags of fix aws and what it needs from outside.
type fixAWSOptions struct {
	profile, region, endpointURL string
	timeout                      time.Duration
	concurrency                  int
	format                       string

	apply, yes      bool
	planOut, planIn string
	undo            string
	force           bool
	backupDir       string
	wait            bool
	waitTimeout     time.Duration
	policyPath      string
	configARN       string
	configName      string
	streamName      string
	shards          int
	noEncryption    bool
	roleName        string
	samplingRate    int
	fields          []string
	distributions   []string
	replaceExisting bool
	includeDisabled bool
	org             orgFlags // --org and its selection (fix_org.go)
	changed         func(flag string) bool
	stdinIsTerminal func() bool
	loadAWSConfig   func(context.Context, live.ConfigOptions) (aws.Config, error)
	tuneApply       func(*fixaws.ApplyOptions) // tests shorten the waiters' polling
	now             func() time.Time
}

// destinationFlags choose or shape the real-time log config; targetFlags
// choose the distributions. Neither goes with --plan or --undo.
var (
	fixDestinationFlags = []string{"config-name", "stream-name", "shards", "no-encryption", "role-name", "sampling-rate", "fields", "config"}
	fixTargetFlags      = []string{"config-arn", "distribution", "replace-existing", "include-disabled"}
)

// newFixAWSCmd builds fix aws; runF, when set, replaces the run (tests of
// flag parsing).
func newFixAWSCmd(ios *IO, runF func(*fixAWSOptions) error) *cobra.Command {
	o := &fixAWSOptions{
		stdinIsTerminal: func() bool { f, ok := ios.In.(*os.File); return ok && isTerminal(f) },
		loadAWSConfig:   live.LoadConfig,
		now:             time.Now,
	}
	cmd := &cobra.Command{
		Use:   "aws",
		Short: "Plan, apply or undo real-time logging for the distributions of an AWS account",
		Long: "Without --apply, print the plan: the Kinesis stream, IAM role and real-time log config that would\n" +
			"be created or reused, and per distribution the cache behaviors that would gain a RealtimeLogConfigArn.\n" +
			"With --apply, do exactly that (after confirmation on a terminal, or --yes), backing up every\n" +
			"distribution config first; --undo BACKUP restores one. --plan-out saves a plan, --plan applies a\n" +
			"saved one. Exit codes: 0 when everything planned was done (or nothing needed doing), 2 when\n" +
			"something failed or was not done, or the command line was wrong.",
		Example: "  cloudassure fix aws                                  # show the plan\n" +
			"  cloudassure fix aws --plan-out fix.json              # save it for review\n" +
			"  cloudassure fix aws --plan fix.json --apply          # apply exactly the saved plan\n" +
			"  cloudassure fix aws --apply --yes --wait             # non-interactive, wait until deployed\n" +
			"  cloudassure fix aws --undo ~/.cloudassure/backups/111122223333/E2EXAMPLE-….json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.changed = cmd.Flags().Changed
			if err := o.validate(); err != nil {
				return err
			}
			if err := o.validateOrg(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.run(cmd.Context(), ios)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "", "AWS named profile (default: AWS_PROFILE or the default profile)")
	f.StringVar(&o.region, "region", "", "AWS region of the Kinesis stream (default: AWS_REGION or the profile's, else us-east-1)")
	f.StringVar(&o.endpointURL, "endpoint-url", "", "send every API call to this endpoint (default: AWS_ENDPOINT_URL)")
	f.DurationVar(&o.timeout, "timeout", time.Hour, "stop after this long (updates in flight are finished)")
	f.IntVar(&o.concurrency, "concurrency", 4, "distributions updated at once")
	f.StringVarP(&o.format, "format", "f", "table", "output format of the plan and the report: table or json")

	f.BoolVar(&o.apply, "apply", false, "apply the plan (asks for confirmation on a terminal)")
	f.BoolVarP(&o.yes, "yes", "y", false, "apply (or undo) without asking for confirmation")
	f.StringVar(&o.planOut, "plan-out", "", "save the plan to this file (JSON)")
	f.StringVar(&o.planIn, "plan", "", "use the plan saved in this file instead of making one")
	f.StringVar(&o.undo, "undo", "", "restore the distribution config saved in this backup file")
	f.BoolVar(&o.force, "force", false, "with --undo: restore even if the distribution was changed after the fix")
	f.StringVar(&o.backupDir, "backup-dir", "", "where backups go, under <account>/ (default ~/.cloudassure/backups)")
	f.BoolVar(&o.wait, "wait", false, "after applying, wait until each changed distribution is Deployed again")
	f.DurationVar(&o.waitTimeout, "wait-timeout", 30*time.Minute, "with --wait: how long to wait for the deployments")

	f.StringVar(&o.configARN, "config-arn", "", "attach this existing real-time log config instead of creating one")
	f.StringVar(&o.configName, "config-name", fixaws.DefaultConfigName, "real-time log config to reuse if it exists, or to create with the stream and role")
	f.StringVar(&o.streamName, "stream-name", fixaws.DefaultStreamName, "Kinesis data stream to reuse or create")
	f.IntVar(&o.shards, "shards", 0, "create the stream provisioned with this many shards (default: on-demand)")
	f.BoolVar(&o.noEncryption, "no-encryption", false, "create the stream without server-side encryption (default: KMS with alias/aws/kinesis)")
	f.StringVar(&o.roleName, "role-name", fixaws.DefaultRoleName, "IAM role (path /service-role/) to reuse or create for CloudFront")
	f.IntVar(&o.samplingRate, "sampling-rate", 0, "sampling rate of a created config, 1-100 (default: the team policy's min_sampling_rate)")
	f.StringSliceVar(&o.fields, "fields", nil, "fields of a created config, comma-separated (default: the team policy's required_fields)")
	f.StringVar(&o.policyPath, "config", "", "team policy file for the defaults (default: "+settings.DefaultFile+" in the working directory, if present)")
	f.StringArrayVar(&o.distributions, "distribution", nil, "fix only this distribution ID (repeatable; default: every distribution failing CF-001)")
	f.BoolVar(&o.replaceExisting, "replace-existing", false, "also replace a different real-time log config already attached to a behavior")
	f.BoolVar(&o.includeDisabled, "include-disabled", false, "fix disabled distributions too")
	o.org.registerAs(cmd, "fix every selected account of the AWS Organization: one plan per account, applied account by account",
		"org-role-name", "org-role-path", fixOrgRoleName)
	return cmd
}

// validate checks the command line before anything is read or sent.
func (o *fixAWSOptions) validate() error {
	if o.format != "table" && o.format != "json" {
		return fmt.Errorf("unknown format %q: use table or json", o.format)
	}
	if o.concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1, got %d", o.concurrency)
	}
	if o.shards < 0 {
		return fmt.Errorf("--shards must be 0 (on-demand) or more, got %d", o.shards)
	}
	if o.changed("sampling-rate") && (o.samplingRate < 1 || o.samplingRate > 100) {
		return fmt.Errorf("--sampling-rate must be a whole number from 1 to 100, got %d", o.samplingRate)
	}
	conflict := func(with string, flags []string) error {
		for _, f := range flags {
			if o.changed(f) {
				return fmt.Errorf("--%s cannot be used with %s", f, with)
			}
		}
		return nil
	}
	if o.undo != "" {
		if err := conflict("--undo", append(append([]string{"apply", "plan", "plan-out", "wait"}, fixDestinationFlags...), fixTargetFlags...)); err != nil {
			return err
		}
		return nil
	}
	if o.force {
		return errors.New("--force only goes with --undo")
	}
	if o.planIn != "" {
		if err := conflict("--plan (the saved plan already says what to do)", append(append([]string{}, fixDestinationFlags...), fixTargetFlags...)); err != nil {
			return err
		}
	}
	if o.configARN != "" {
		if err := conflict("--config-arn (the config exists and is used as it is)", fixDestinationFlags); err != nil {
			return err
		}
	}
	if o.wait && !o.apply {
		return errors.New("--wait only goes with --apply")
	}
	return nil
}

// writes reports whether the command would change the account.
func (o *fixAWSOptions) writes() bool { return o.apply || o.undo != "" }

func (o *fixAWSOptions) run(ctx context.Context, ios *IO) error {
	// Refuse at once, before any call, when nobody can confirm.
	if o.writes() && !o.yes && !o.stdinIsTerminal() {
		return errors.New("refusing to change the account without confirmation: standard input is not a terminal; " +
			"review the plan and pass --yes to apply non-interactively")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	counter := live.NewCallCounter()
	awsCfg, err := o.loadAWSConfig(ctx, live.ConfigOptions{Profile: o.profile, Region: o.region, EndpointURL: o.endpointURL, Counter: counter})
	if err != nil {
		return err
	}
	if o.org.enabled {
		return o.runOrg(ctx, ios, awsCfg)
	}
	if o.undo != "" {
		return o.runUndo(ctx, ios, awsCfg)
	}
	prog := newFixProgress(ios)
	p, err := o.loadOrMakePlan(ctx, awsCfg, prog)
	prog.Done()
	if err != nil {
		return err
	}
	if o.planOut != "" {
		if err := p.Save(o.planOut); err != nil {
			return err
		}
	}
	if !o.apply {
		if o.format == "json" {
			return writeJSON(ios.Out, p)
		}
		if err := p.WriteText(ios.Out); err != nil {
			return err
		}
		if p.HasChanges() {
			fmt.Fprintln(ios.Out, "\nTo apply it: cloudassure fix aws --apply (the same flags), or save it with --plan-out and apply that file with --plan FILE --apply.")
		}
		return nil
	}
	// Show the plan; on a terminal ask before applying it.
	planOut := ios.Out
	if o.format == "json" {
		planOut = ios.Err // stdout carries one JSON document
	}
	if o.format == "table" || !o.yes {
		if err := p.WriteText(planOut); err != nil {
			return err
		}
		fmt.Fprintln(planOut)
	}
	if p.HasChanges() && !o.yes {
		ok, err := confirm(ctx, ios, fmt.Sprintf("Apply this plan to account %s? Only 'yes' is accepted: ", p.Account))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("apply cancelled: nothing was changed")
		}
	}
	ao := fixaws.ApplyOptions{
		Config: awsCfg, Concurrency: o.concurrency, BackupRoot: o.backupDir, Wait: o.wait, WaitTimeout: o.waitTimeout,
		Progress: prog.Update, Now: o.now,
	}
	rep, err := fixaws.Apply(ctx, p, ao)
	prog.Done()
	if err != nil {
		return err
	}
	rep.Summary.APICalls = counter.Counts()
	rep.Summarize()
	if o.format == "json" {
		if err := writeJSON(ios.Out, struct {
			Plan   *fixplan.Plan  `json:"plan"`
			Report *fixaws.Result `json:"report"`
		}{p, rep}); err != nil {
			return err
		}
	} else if err := rep.WriteText(ios.Out); err != nil {
		return err
	}
	if !rep.Complete() {
		return exitCode(ExitIncomplete)
	}
	return nil
}

func (o *fixAWSOptions) loadOrMakePlan(ctx context.Context, awsCfg aws.Config, prog *fixProgress) (*fixplan.Plan, error) {
	if o.planIn != "" {
		p, err := fixplan.Load(o.planIn)
		if err != nil {
			return nil, err
		}
		if p.Kind != fixplan.KindAWS {
			return nil, fmt.Errorf("plan %s is a fix %s plan; fix aws applies fix aws plans", o.planIn, p.Kind)
		}
		if err := fixaws.CheckPlan(p); err != nil {
			return nil, fmt.Errorf("refusing plan %s: %w; make a new plan", o.planIn, err)
		}
		fixaws.Describe(p) // shown as its actions say, not as the file's texts do
		return p, nil
	}
	pol, err := settings.Load(o.policyPath)
	if err != nil {
		return nil, err
	}
	po := fixaws.PlanOptions{
		Config: awsCfg, ConfigARN: o.configARN, ConfigName: o.configName, StreamName: o.streamName, Shards: o.shards,
		NoEncryption: o.noEncryption, RoleName: o.roleName, SamplingRate: o.samplingRate, Fields: o.fields, Settings: pol,
		Distributions: o.distributions, ReplaceExisting: o.replaceExisting, IncludeDisabled: o.includeDisabled,
		Progress: prog.Update, Now: o.now,
	}
	return fixaws.MakePlan(ctx, po)
}

func (o *fixAWSOptions) runUndo(ctx context.Context, ios *IO, awsCfg aws.Config) error {
	b, err := fixaws.LoadBackup(o.undo)
	if err != nil {
		return err
	}
	if !o.yes {
		ok, err := confirm(ctx, ios, fmt.Sprintf("Restore distribution %s to its config of %s (backup %s)? Only 'yes' is accepted: ",
			b.DistributionID, b.TakenAt.Format(time.RFC3339), o.undo))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("undo cancelled: nothing was changed")
		}
	}
	res, err := fixaws.Undo(ctx, o.undo, fixaws.UndoOptions{Config: awsCfg, Force: o.force, BackupRoot: o.backupDir, Now: o.now})
	if err != nil {
		return err
	}
	return writeUndo(ios, o.format, res)
}

// writeUndo prints what an undo did (JSON or text); a refused or failed undo
// exits 2.
func writeUndo(ios *IO, format string, res *fixaws.UndoResult) error {
	if format == "json" {
		if err := writeJSON(ios.Out, res); err != nil {
			return err
		}
	} else {
		writeUndoText(ios.Out, res)
	}
	if res.Status == fixaws.UndoRefused || res.Status == fixaws.UndoFailed {
		return exitCode(ExitIncomplete)
	}
	return nil
}

func writeUndoText(w io.Writer, res *fixaws.UndoResult) {
	switch res.Status {
	case fixaws.UndoRestored:
		fmt.Fprintf(w, "Restored distribution %s from %s", res.DistributionID, res.Backup)
		if res.Forced {
			fmt.Fprint(w, " (forced: changes made after the fix were undone too)")
		}
		fmt.Fprintf(w, ".\nThe config it replaced is backed up in %s.\n", res.SafetyBackup)
	case fixaws.UndoUnchanged:
		fmt.Fprintf(w, "Distribution %s: nothing to do, %s.\n", res.DistributionID, res.Reason)
	default:
		fmt.Fprintf(w, "Distribution %s was not restored (%s): %s\n", res.DistributionID, res.Status, res.Reason)
	}
}

// confirm asks a yes/no question on stderr and reads the answer; Ctrl-C
// (ctx cancelled) while waiting counts as no.
func confirm(ctx context.Context, ios *IO, question string) (bool, error) {
	fmt.Fprint(ios.Err, question)
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(ios.In).ReadString('\n')
		ch <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(ios.Err)
		return false, nil
	case a := <-ch:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return false, fmt.Errorf("reading the answer: %w", a.err)
		}
		return strings.TrimSpace(a.line) == "yes", nil
	}
}

// fixProgress shows what fix is doing on the progress line (only on a terminal).
type fixProgress struct {
	p     *progress
	last  time.Time
	frame int
}

func newFixProgress(ios *IO) *fixProgress {
	return &fixProgress{p: newProgress(ios.Err, ios.ErrTTY)}
}

// Update shows ev, at most every 50 ms except for the last step of a stage.
func (f *fixProgress) Update(ev fixaws.Progress) {
	if !f.p.enabled {
		return
	}
	f.p.mu.Lock()
	now := time.Now()
	skip := now.Sub(f.last) < 50*time.Millisecond && ev.Done != ev.Total && ev.Done != 0
	if !skip {
		f.last = now
		f.frame = (f.frame + 1) % len(spinnerFrames)
	}
	frame := spinnerFrames[f.frame]
	f.p.mu.Unlock()
	if skip {
		return
	}
	var text string
	switch ev.Stage {
	case "destination":
		text = "checking the real-time log config, stream and role…"
	case "distributions":
		text = fmt.Sprintf("reading distributions… %d", ev.Done)
	case "updating":
		text = fmt.Sprintf("updating distributions… %d/%d", ev.Done, ev.Total)
	case "waiting":
		text = fmt.Sprintf("waiting until the distributions are deployed… %d/%d", ev.Done, ev.Total)
	default:
		text = ev.Stage + "…"
	}
	f.p.Message(frame + " " + text)
}

// Done clears the progress line.
func (f *fixProgress) Done() { f.p.Done() }
