package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/report"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// outputFlags are the flags of every command that writes a report.
type outputFlags struct {
	format string
	output string
}

func (o *outputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "format", "f", "table",
		"output format: "+strings.Join(report.Formats(), ", "))
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
}

// validate checks the format before any work is done.
func (o *outputFlags) validate() error {
	_, err := report.New(o.format, report.Options{})
	return err
}

// write renders rep to the chosen destination.
func (o *outputFlags) write(ios *IO, rep *finding.Report) error {
	opts := report.Options{Rules: rep.Rules, Color: o.output == "" && ios.ColorOut(), Remediation: remediations()}
	rp, err := report.New(o.format, opts)
	if err != nil {
		return err
	}
	if o.output == "" {
		return rp.Write(ios.Out, rep)
	}
	if dir := filepath.Dir(o.output); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("output %s: %w", o.output, err)
		}
	}
	f, err := os.Create(o.output)
	if err != nil {
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	if err := rp.Write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("output %s: %w", o.output, err)
	}
	return nil
}

// remediations returns every rule's remediation texts (those of explain),
// for the reporters that show them.
func remediations() map[string]report.Remediation {
	out := map[string]report.Remediation{}
	for _, r := range rules.All() {
		m := r.Remediation
		out[r.ID] = report.Remediation{
			Summary: m.Summary, Console: m.Console, CLI: m.CLI, CloudFormation: m.CloudFormation, Terraform: m.Terraform,
		}
	}
	return out
}
