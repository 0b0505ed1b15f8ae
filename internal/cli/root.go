package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK         = 0
	ExitFindings   = 1
	ExitIncomplete = 2
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error // nil when the command already said everything
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode returns err as an error that makes the process exit with code.
func exitCode(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// Version returns the version recorded in the binary.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// NewRoot builds the cloudassure command tree.
func NewRoot(ios *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "cloudassure",
		Short: "Continuous assurance of Amazon CloudFront real-time logging",
		Long: "cloudassure checks that every cache behavior of every enabled CloudFront distribution sends\n" +
			"real-time logs, and that those logs can actually reach their Kinesis data stream.",
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetIn(ios.In)
	root.AddCommand(
		newServeCmd(ios), newHistoryCmd(ios), newFindingsCmd(ios),
		newScanCmd(ios),
		newDemoCmd(ios),
		newRulesCmd(ios),
		newExplainCmd(ios),
		newEmulatorCmd(ios),
		newFixCmd(ios),
		newVersionCmd(ios, debug.ReadBuildInfo),
	)
	rejectUnknownSubcommands(root)
	return root
}

// Execute runs the command line args and returns the process exit code.
func Execute(ctx context.Context, ios *IO, args []string) int {
	root := NewRoot(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(ios.Err, "cloudassure:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(ios.Err, "cloudassure:", err)
	return ExitIncomplete // usage errors and failures to run
}
