package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

func newEmulatorCmd(ios *IO) *cobra.Command {
	var (
		listen   string
		seedDemo bool
		demoOrg  int
		account  string
		debug    bool
		opts     emulator.Options
	)
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve the AWS API emulator (CloudFront, Kinesis, IAM, STS) until interrupted",
		Long: "Serve cloudassure's AWS API emulator so that the AWS CLI, the SDKs and cloudassure itself can\n" +
			"be tried offline: point them at it with --endpoint-url or AWS_ENDPOINT_URL and any credentials.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Faults.Validate(); err != nil {
				return err
			}
			for _, d := range []struct {
				flag string
				v    time.Duration
			}{{"--stream-delay", opts.StreamActivationDelay}, {"--deploy-delay", opts.DeployDelay}} {
				if d.v < 0 {
					return fmt.Errorf("%s must not be negative, got %v", d.flag, d.v)
				}
			}
			if err := checkOrgMembers("--demo-org", demoOrg, cmd.Flags().Changed("demo-org")); err != nil {
				return err
			}
			if demoOrg > 0 && seedDemo {
				return errors.New("--demo and --demo-org exclude each other: --demo-org seeds the demo's cases across the organization")
			}
			opts.AccountID = account
			// The faults are for the clients the user points at the emulator,
			// not for seeding: seed first, then switch them on.
			faults := opts.Faults
			opts.Faults = emulator.Faults{}
			if debug {
				opts.Logger = slog.New(slog.NewTextHandler(ios.Err, &slog.HandlerOptions{Level: slog.LevelDebug}))
			}
			emu := emulator.New(opts)
			url, err := emu.Start(listen)
			if err != nil {
				return err
			}
			defer emu.Close()
			if demoOrg > 0 {
				if err := seedDemoOrg(cmd.Context(), ios, emu, url, demoOrg); err != nil {
					return err
				}
			}
			if seedDemo {
				ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
				_, err := demo.Seed(ctx, live.EndpointConfig(url, nil), emu.AccountID(), emu)
				cancel()
				if err != nil {
					return err
				}
			}
			emu.SetFaults(faults)
			fmt.Fprintf(ios.Out, "cloudassure emulator listening on %s (account %s)\n", url, emu.AccountID())
			fmt.Fprintf(ios.Out, "  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1\n", url)
			fmt.Fprintf(ios.Out, "  the AWS CLI before 2.13 ignores AWS_ENDPOINT_URL: aws --endpoint-url %s cloudfront list-distributions\n", url)
			if seedDemo {
				fmt.Fprintln(ios.Out, "  seeded with the demo account; try: cloudassure scan aws")
			}
			fmt.Fprintln(ios.Out, "Press Ctrl-C to stop.")
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:4566", "address to listen on")
	cmd.Flags().BoolVar(&seedDemo, "demo", false, "fill the emulator with the demo account")
	cmd.Flags().IntVar(&demoOrg, "demo-org", 0, "make the emulator an AWS Organization: a management account and this many members (at least 4) holding the demo's cases")
	cmd.Flags().StringVar(&account, "account", emulator.DefaultAccountID, "AWS account ID the emulator serves")
	cmd.Flags().DurationVar(&opts.Faults.Latency, "latency", 0, "add this latency to every request")
	cmd.Flags().DurationVar(&opts.Faults.LargeBodyLatency, "large-body-latency", 0, "add this latency to requests with bodies over 4 KiB (use 250ms with the Terraform AWS provider: docs/emulator.md)")
	cmd.Flags().Float64Var(&opts.Faults.ThrottleRate, "throttle-rate", 0, "fraction of requests answered with a throttling error (0-1)")
	cmd.Flags().Float64Var(&opts.Faults.ServerErrorRate, "error-rate", 0, "fraction of requests answered with a 5xx error (0-1)")
	cmd.Flags().DurationVar(&opts.StreamActivationDelay, "stream-delay", 0, "how long new Kinesis streams stay CREATING")
	cmd.Flags().BoolVar(&debug, "debug", false, "log every request (service, operation, path, status; never bodies) to standard error")
	cmd.Flags().DurationVar(&opts.DeployDelay, "deploy-delay", 0, "how long changed distributions stay InProgress")
	return cmd
}
