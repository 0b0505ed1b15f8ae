package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// rejectUnknownSubcommands makes cmd and every command group below it (a
// command that only holds subcommands) refuse an argument that names no
// subcommand: an error listing the valid ones, exit 2. Cobra itself checks
// this only at the root and otherwise prints help and exits 0. A group run
// without arguments still shows its help.
func rejectUnknownSubcommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			var valid []string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					valid = append(valid, sub.Name())
				}
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
			}
			return fmt.Errorf("%s; valid commands: %s", msg, strings.Join(valid, ", "))
		}
	}
	for _, sub := range cmd.Commands() {
		rejectUnknownSubcommands(sub)
	}
}
