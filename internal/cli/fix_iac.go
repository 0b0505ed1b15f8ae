package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/fix/fixiac"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

// fixIaCOptions are the flags of fix iac.
type fixIaCOptions struct {
	paths           []string
	write           bool
	planOut, planIn string
	format          string
	backupDir       string
	createResources bool
	samplingRate    int
	fields          []string
	policyPath      string
	includeDisabled bool
	exclude         []string
	changed         func(flag string) bool
	now             func() time.Time
}

// fixIaCPlanFlags shape a new plan; a saved plan (--plan) records them.
var fixIaCPlanFlags = []string{"create-resources", "sampling-rate", "fields", "include-disabled", "exclude"}

// newFixIaCCmd builds fix iac; runF, when set, replaces the run (tests of
// flag parsing).
func newFixIaCCmd(ios *IO, runF func(*fixIaCOptions) error) *cobra.Command {
	o := &fixIaCOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "iac [PATH...]",
		Short: "Patch CloudFormation and Terraform so every cache behavior sends real-time logs",
		Long: "Patch the CloudFormation templates (JSON, YAML) and Terraform modules under each PATH (default: the\n" +
			"working directory) so that every cache behavior of every enabled distribution has a real-time log\n" +
			"config (CF-001). Each failing behavior gets a reference to the template's or module's one real-time log\n" +
			"config, or else to a new parameter RealtimeLogConfigArn / variable realtime_log_config_arn, or with\n" +
			"--create-resources to a new Kinesis stream, IAM role and real-time log config added to the file.\n" +
			"Only text is added (or an empty value replaced): everything else stays byte for byte, comments\n" +
			"included; every patch is re-read and checked against CF-001 before it is offered.\n\n" +
			"Without --write, print the unified diff of every file and the plan; with --write, write the files\n" +
			"(atomically, keeping their mode; --backup-dir keeps copies). --plan-out saves the plan; --plan FILE\n" +
			"[PATH...] --write writes exactly that plan later: only files inside the PATHs (default: the working\n" +
			"directory; symlinks followed), only with the patches planning them again now gives, refusing files\n" +
			"changed since. Nothing is ever written through a symlink to outside the PATHs. Terraform plan JSON\n" +
			"is never patched. Exit codes: 0 when every file was patched or needed nothing, 2 when a file could\n" +
			"not be handled (it is left as it is and reported) or the command line was wrong.",
		Example: "  cloudassure fix iac infra/                          # show the diff and the plan\n" +
			"  cloudassure fix iac infra/ > fix.diff && patch -p1 < fix.diff\n" +
			"  cloudassure fix iac --write infra/                  # patch the files\n" +
			"  cloudassure fix iac --create-resources --write cdn.yaml\n" +
			"  cloudassure fix iac --plan-out fix.json infra/      # save the plan for review\n" +
			"  cloudassure fix iac --plan fix.json --write infra/  # write exactly that plan, inside infra/",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			o.changed = cmd.Flags().Changed
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return o.run(cmd, ios)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.write, "write", false, "write the patches to the files (default: only show them)")
	f.StringVar(&o.planOut, "plan-out", "", "save the plan to this file (JSON)")
	f.StringVar(&o.planIn, "plan", "", "use the plan saved in this file instead of making one (with --write: write it)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json (the plan, and with --write the report)")
	f.StringVar(&o.backupDir, "backup-dir", "", "with --write: copy every file here (under a time-stamped folder) before changing it")
	f.BoolVar(&o.createResources, "create-resources", false, "where a template or module has no single real-time log config, add a Kinesis stream, an IAM role and a config instead of a parameter or variable")
	f.IntVar(&o.samplingRate, "sampling-rate", 0, "with --create-resources: sampling rate of the config, 1-100 (default: the team policy's min_sampling_rate)")
	f.StringSliceVar(&o.fields, "fields", nil, "with --create-resources: fields of the config, comma-separated (default: the team policy's required_fields)")
	f.StringVar(&o.policyPath, "config", "", "team policy and ignore list (default: "+settings.DefaultFile+" in the working directory, if present)")
	f.BoolVar(&o.includeDisabled, "include-disabled", false, "fix disabled distributions too")
	f.StringSliceVar(&o.exclude, "exclude", nil, "skip files and directories matching these globs (\"**\" crosses directories); "+
		strings.Join(iac.DefaultExcludes(), ", ")+" are always skipped")
	return cmd
}

// validate checks the command line before anything is read.
func (o *fixIaCOptions) validate() error {
	if err := checkGlobs("--exclude", o.exclude); err != nil {
		return err
	}
	switch o.format {
	case "text", "table":
	case "json":
	default:
		return fmt.Errorf("unknown format %q: use text or json", o.format)
	}
	if o.changed("sampling-rate") && (o.samplingRate < 1 || o.samplingRate > 100) {
		return fmt.Errorf("--sampling-rate must be a whole number from 1 to 100, got %d", o.samplingRate)
	}
	if !o.createResources {
		for _, f := range []string{"sampling-rate", "fields"} {
			if o.changed(f) {
				return fmt.Errorf("--%s only goes with --create-resources (it shapes the config that is created)", f)
			}
		}
	}
	if o.planIn != "" {
		for _, f := range fixIaCPlanFlags {
			if o.changed(f) {
				return fmt.Errorf("--%s cannot be used with --plan (the saved plan records the options it was made with)", f)
			}
		}
	}
	if o.backupDir != "" && !o.write {
		return errors.New("--backup-dir only goes with --write")
	}
	return nil
}

func (o *fixIaCOptions) run(cmd *cobra.Command, ios *IO) error {
	p, err := o.loadOrMakePlan(cmd, ios)
	if err != nil {
		return err
	}
	if o.planOut != "" {
		if err := p.Save(o.planOut); err != nil {
			return err
		}
	}
	incomplete := false
	for _, c := range p.Changes {
		if c.Error != "" {
			incomplete = true
		}
	}
	if !o.write {
		if o.format == "json" {
			if err := writeJSON(ios.Out, p); err != nil {
				return err
			}
		} else if err := writeIaCPlan(ios.Out, p, true); err != nil {
			return err
		} else if p.HasChanges() {
			how := "cloudassure fix iac --write with the same paths and flags"
			if o.planIn != "" {
				how = strings.TrimSpace("cloudassure fix iac --plan " + o.planIn + " --write " + strings.Join(o.paths, " "))
			} else if o.planOut != "" {
				how += ", or " + strings.TrimSpace("cloudassure fix iac --plan "+o.planOut+" --write "+strings.Join(o.paths, " "))
			}
			fmt.Fprintf(ios.Out, "\nTo write these changes: %s.\n", how)
		}
		if incomplete {
			return exitCode(ExitIncomplete)
		}
		return nil
	}
	within := o.paths
	if len(within) == 0 {
		within = []string{"."}
	}
	ao := fixiac.ApplyOptions{BackupDir: o.backupDir, Now: o.now, Within: within}
	if o.planIn != "" {
		// A saved plan is written only as planning its files again gives.
		cfg, err := settings.Load(o.policyPath)
		if err != nil {
			return err
		}
		ao.Expected, err = fixiac.Replan(cmd.Context(), p, fixiac.Options{Paths: within, Policy: cfg.Policy, Ignores: cfg.Ignore, Now: o.now})
		if err != nil {
			return err
		}
	}
	rep, err := fixiac.Apply(p, ao)
	if err != nil {
		return err
	}
	if o.format == "json" {
		if err := writeJSON(ios.Out, struct {
			Plan   *fixplan.Plan   `json:"plan"`
			Report *fixiac.Outcome `json:"report"`
		}{p, rep}); err != nil {
			return err
		}
	} else {
		if err := writeIaCPlan(ios.Out, p, false); err != nil {
			return err
		}
		fmt.Fprintln(ios.Out)
		if err := rep.WriteText(ios.Out); err != nil {
			return err
		}
	}
	if !rep.Complete() {
		return exitCode(ExitIncomplete)
	}
	return nil
}

func (o *fixIaCOptions) loadOrMakePlan(cmd *cobra.Command, ios *IO) (*fixplan.Plan, error) {
	if o.planIn != "" {
		p, err := fixplan.Load(o.planIn)
		if err != nil {
			return nil, err
		}
		if p.Kind != fixplan.KindIaC {
			return nil, fmt.Errorf("plan %s is a fix %s plan; fix iac applies fix iac plans", o.planIn, p.Kind)
		}
		return p, nil
	}
	cfg, err := settings.Load(o.policyPath)
	if err != nil {
		return nil, err
	}
	prog := newProgress(ios.Err, ios.ErrTTY)
	defer prog.Done()
	return fixiac.MakePlan(cmd.Context(), fixiac.Options{
		Paths: o.paths, Exclude: o.exclude, CreateResources: o.createResources, IncludeDisabled: o.includeDisabled,
		Policy: cfg.Policy, SamplingRate: o.samplingRate, Fields: o.fields, Ignores: cfg.Ignore, Now: o.now,
		Progress: func(done, total int) { prog.Count("planning", done, total) },
	})
}

// writeIaCPlan writes the plan for people: with diffs, first the unified
// diff of every file (so that the output can be fed to patch -p1), then the
// plan with its human diff lines.
func writeIaCPlan(w io.Writer, p *fixplan.Plan, diffs bool) error {
	short := *p
	short.Changes = make([]fixplan.Change, len(p.Changes))
	wrote := false
	for i, c := range p.Changes {
		if diffs && c.Patch != "" {
			if _, err := io.WriteString(w, c.Patch); err != nil {
				return err
			}
			wrote = true
		}
		c.Patch = ""
		if c.Action == fixplan.Update && c.Error != "" {
			for _, l := range strings.Split(c.Error, "\n") {
				c.Diff += "\n! not fixed: " + l
			}
		}
		short.Changes[i] = c
	}
	if wrote {
		fmt.Fprintln(w)
	}
	return short.WriteText(w)
}
