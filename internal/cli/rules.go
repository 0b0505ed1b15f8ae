package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/rules"
)

func newRulesCmd(ios *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case "json":
				var infos []ruleJSON
				for _, r := range rules.All() {
					infos = append(infos, toRuleJSON(r))
				}
				return writeJSON(ios.Out, infos)
			case "table":
				tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tRISK\tNAME\tTITLE")
				for _, r := range rules.All() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Risk, r.Name, r.Title)
				}
				return tw.Flush()
			}
			return fmt.Errorf("unknown format %q: use table or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	return cmd
}

func newExplainCmd(ios *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "explain RULE",
		Short: "Explain what a rule checks, why, and how to fix it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := rules.Find(args[0])
			if !ok {
				ids := []string{}
				for _, r := range rules.All() {
					ids = append(ids, r.ID)
				}
				return fmt.Errorf("unknown rule %q: known rules are %s", args[0], strings.Join(ids, ", "))
			}
			switch format {
			case "json":
				return writeJSON(ios.Out, toRuleJSON(r))
			case "text":
				return explain(ios.Out, r)
			}
			return fmt.Errorf("unknown format %q: use text or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

// ruleJSON is a rule as `rules --format json` and `explain --format json` print it.
type ruleJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Title       string            `json:"title"`
	Risk        string            `json:"risk"`
	Pillar      string            `json:"pillar"`
	LiveOnly    bool              `json:"live_only"`
	Rationale   string            `json:"rationale"`
	Remediation map[string]string `json:"remediation"`
	Links       []string          `json:"links"`
}

func toRuleJSON(r *rules.Rule) ruleJSON {
	return ruleJSON{
		ID: r.ID, Name: r.Name, Title: r.Title, Risk: r.Risk, Pillar: r.Pillar, LiveOnly: r.LiveOnly,
		Rationale: r.Rationale, Links: r.Links,
		Remediation: map[string]string{
			"summary": r.Remediation.Summary, "console": r.Remediation.Console, "cli": r.Remediation.CLI,
			"cloudformation": r.Remediation.CloudFormation, "terraform": r.Remediation.Terraform,
		},
	}
}

func explain(w io.Writer, r *rules.Rule) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n%s\n\n", r.ID, r.Name, r.Title)
	fmt.Fprintf(&b, "Risk: %s    Pillar: %s\n", r.Risk, r.Pillar)
	if r.LiveOnly {
		b.WriteString("Applies to: live accounts (scan aws)\n")
	}
	section := func(title, body string) {
		if body == "" {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, line := range strings.Split(body, "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	section("Why it matters", wrapText(r.Rationale, 96))
	section("How to fix", wrapText(r.Remediation.Summary, 96))
	section("Console", wrapText(r.Remediation.Console, 96))
	section("AWS CLI", r.Remediation.CLI)
	section("CloudFormation", r.Remediation.CloudFormation)
	section("Terraform", r.Remediation.Terraform)
	section("More", strings.Join(r.Links, "\n"))
	_, err := io.WriteString(w, b.String())
	return err
}

// wrapText breaks s into lines of at most width characters at spaces.
func wrapText(s string, width int) string {
	var lines []string
	var line string
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = word
			continue
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
