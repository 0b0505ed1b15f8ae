package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownSubcommand checks that a command group given a subcommand it
// does not have exits 2 and lists the valid ones, instead of printing help
// and exiting 0.
func TestUnknownSubcommand(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"scan", "gcp"}, []string{`unknown command "gcp" for "cloudassure scan"`, "valid commands: aws, iac"}},
		{[]string{"fix", "foo"}, []string{`unknown command "foo" for "cloudassure fix"`, "valid commands: aws, iac"}},
		{[]string{"nosuchcommand"}, []string{`unknown command "nosuchcommand" for "cloudassure"`, "valid commands:", "scan"}},
		{[]string{"scan", "aws2"}, []string{`unknown command "aws2"`, "did you mean"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, out, errb := testIO()
			code := Execute(context.Background(), ios, tt.args)
			if code != ExitIncomplete {
				t.Errorf("exit %d, want %d (stdout %q)", code, ExitIncomplete, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not contain %q", errb.String(), w)
				}
			}
		})
	}
	// A group on its own still shows its help.
	ios, out, _ := testIO()
	if code := Execute(context.Background(), ios, []string{"scan"}); code != ExitOK || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("scan alone: exit %d, stdout %q", code, out.String())
	}
}

// TestScanIaCNothingFound checks that scan iac over a tree without
// infrastructure code says so on stderr.
func TestScanIaCNothingFound(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name": "site"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# site\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, errb := testIO()
	Execute(context.Background(), ios, []string{"scan", "iac", dir})
	if want := "no CloudFront distribution found in infrastructure code under " + dir; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q does not contain %q", errb.String(), want)
	}
}
