package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestPreCommitHook checks the .pre-commit-hooks.yaml entry for scan iac:
// pre-commit builds it with go install (language golang), hands it the
// changed infrastructure files, and its entry runs as a real command.
func TestPreCommitHook(t *testing.T) {
	b, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string `yaml:"id"`
		Name          string `yaml:"name"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		PassFilenames *bool  `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, h := range hooks {
		if h.ID != "cloudassure-scan-iac" {
			continue
		}
		found = true
		if h.Language != "golang" || h.Name == "" || (h.PassFilenames != nil && !*h.PassFilenames) {
			t.Errorf("hook %+v: want language golang, a name, and the file names passed", h)
		}
		files, err := regexp.Compile(h.Files)
		if err != nil {
			t.Fatalf("files %q: %v", h.Files, err)
		}
		for name, want := range map[string]bool{
			"infra/main.tf": true, "cdn.tf.json": true, "templates/site.yaml": true, "stack.yml": true,
			"cdk.out/Web.template.json": true, "plan.json": true, "README.md": false, "main.go": false,
		} {
			if files.MatchString(name) != want {
				t.Errorf("files %q matches %s: %v, want %v", h.Files, name, !want, want)
			}
		}
		args := strings.Fields(h.Entry)
		if len(args) < 3 || args[0] != "cloudassure" || args[1] != "scan" || args[2] != "iac" {
			t.Fatalf("entry %q is not cloudassure scan iac", h.Entry)
		}
		// Run the entry as pre-commit does: entry, then the staged file names.
		tree, err := filepath.Abs(filepath.Join("..", "..", "internal", "source", "iac", "testdata", "tree"))
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, nil, append(args[1:], filepath.Join(tree, "cfn", "shop.yaml"), filepath.Join(tree, "tf", "main.tf"))...)
		if r.code != 1 || !strings.Contains(r.stdout, "FAIL") {
			t.Errorf("entry on failing files: exit %d, stdout %q, stderr %q; want exit 1 naming the failures", r.code, r.stdout, r.stderr)
		}
	}
	if !found {
		t.Fatal("no cloudassure-scan-iac hook")
	}
}
