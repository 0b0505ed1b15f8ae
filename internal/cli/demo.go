package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

func newDemoCmd(ios *IO) *cobra.Command {
	var (
		out      outputFlags
		checks   checkFlags
		wantExit bool
		orgN     int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Scan a built-in demo account (no AWS account or credentials needed)",
		Long: "Start the built-in AWS emulator on loopback, fill it with a demo account that has one\n" +
			"distribution for every case the rules tell apart, and scan it exactly as `scan aws` scans\n" +
			"a real account. Exits 0 when the scan completed; --exit-code gives scan's exit codes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := checkOrgMembers("--org", orgN, cmd.Flags().Changed("org")); err != nil {
				return err
			}
			pol, rs, err := checks.load()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			emu := emulator.New(emulator.Options{})
			url, err := emu.Start("127.0.0.1:0")
			if err != nil {
				return err
			}
			defer emu.Close()
			if orgN > 0 {
				return runDemoOrg(ctx, ios, emu, url, orgN, out, checks.engineOptions(pol, rs), wantExit)
			}
			prog := newProgress(ios.Err, ios.ErrTTY)
			prog.Message("starting the demo account on " + url + "…")
			seedCfg := live.EndpointConfig(url, nil)
			if _, err := demo.Seed(ctx, seedCfg, emu.AccountID(), emu); err != nil {
				prog.Done()
				return err
			}
			prog.Done()
			rep := auditLive(ctx, ios, live.Options{Config: live.EndpointConfig(url, nil)}, checks.engineOptions(pol, rs))
			if err := out.write(ios, rep); err != nil {
				return err
			}
			if wantExit || rep.ExitCode() == ExitIncomplete {
				return exitCode(rep.ExitCode())
			}
			return nil
		},
	}
	out.register(cmd)
	checks.register(cmd)
	cmd.Flags().BoolVar(&wantExit, "exit-code", false, "exit 1 when a finding fails, as scan aws does")
	cmd.Flags().IntVar(&orgN, "org", 0, "scan a demo AWS Organization instead: a management account and this many members (at least 4), as scan aws --org does")
	return cmd
}

// checkOrgMembers refuses a demo organization size given on the command line
// that is below demo.OrgMinMembers (0 is refused too when given explicitly),
// before anything starts.
func checkOrgMembers(flag string, n int, given bool) error {
	if given && n < demo.OrgMinMembers {
		return fmt.Errorf("%s: an organization needs at least %d members, got %d", flag, demo.OrgMinMembers, n)
	}
	return nil
}
