package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/glob"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

func newScanIaCCmd(ios *IO) *cobra.Command {
	var (
		out      outputFlags
		checks   checkFlags
		exclude  []string
		varFiles []string
	)
	cmd := &cobra.Command{
		Use:   "iac [PATH...]",
		Short: "Scan CloudFormation, Terraform and Terraform plan JSON before it is deployed",
		Long: "Scan infrastructure as code under each PATH (default: the working directory): CloudFormation\n" +
			"templates in JSON or YAML (recognised by content, wherever they are), Terraform modules (*.tf, *.tf.json)\n" +
			"and Terraform plan JSON (terraform show -json). Files that cannot be parsed are reported and the\n" +
			"scan goes on. Directories " + strings.Join(iac.DefaultExcludes(), ", ") + " are skipped.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := checkGlobs("--exclude", exclude); err != nil {
				return err
			}
			cfg, rs, err := checks.load()
			if err != nil {
				return err
			}
			prog := newProgress(ios.Err, ios.ErrTTY)
			src := engine.IaC{Options: iac.Options{
				Paths:    args,
				Exclude:  exclude,
				VarFiles: varFiles,
				Progress: func(done, total int) {
					prog.Count("reading files", done, total)
				},
			}}
			rep := runEngine(cmd.Context(), ios, src, checks.engineOptions(cfg, rs), prog)
			defer rep.Close() // a large tree's findings wait in a temporary file
			if rep.NumFindings() == 0 {
				paths := args
				if len(paths) == 0 {
					paths = []string{"."}
				}
				fmt.Fprintf(ios.Err, "cloudassure: no CloudFront distribution found in infrastructure code under %s "+
					"(CloudFormation templates, Terraform modules, plan JSON)\n", strings.Join(paths, ", "))
			}
			if err := out.write(ios, rep); err != nil {
				return err
			}
			return exitCode(rep.ExitCode())
		},
	}
	out.register(cmd)
	checks.register(cmd)
	cmd.Flags().StringArrayVar(&varFiles, "var-file", nil, "Terraform variable file every root module reads after terraform.tfvars and *.auto.tfvars (repeatable)")
	cmd.Flags().StringSliceVar(&exclude, "exclude", nil, "skip files and directories matching these globs (\"**\" crosses directories)")
	return cmd
}

// checkGlobs refuses a glob flag value that can match nothing because it is
// malformed, naming the flag and the pattern.
func checkGlobs(flag string, globs []string) error {
	for _, g := range globs {
		if err := glob.Validate(g); err != nil {
			return fmt.Errorf("%s: %w", flag, err)
		}
	}
	return nil
}
