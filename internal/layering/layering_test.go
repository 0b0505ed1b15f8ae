// Package layering holds the test that keeps cloudassure's layers importing
// only downward: sources → model → rules → findings → reporters, with the
// fixes on top.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cloudassure/cloudassure/"

// deps lists every package pkg imports, directly or not (go list -deps).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+pkg).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestLayering(t *testing.T) {
	const sdk = "github.com/aws/"
	for _, tc := range []struct {
		pkgs []string
		// forbidden are import path prefixes the packages must not reach.
		forbidden []string
		// only, when set, are the module packages they may reach (besides themselves).
		only []string
		why  string
	}{
		{
			pkgs:      []string{"internal/source/cloudformation", "internal/source/terraform", "internal/source/tfplan", "internal/source/iac", "internal/source/tree"},
			forbidden: []string{module + "internal/rules", module + "internal/settings", module + "internal/suppress", module + "internal/iampolicy", module + "internal/engine", module + "internal/fix/", module + "internal/report", module + "internal/finding", sdk},
			why:       "the IaC readers fill the model; they know no rule, no finding and no AWS SDK",
		},
		{
			pkgs:      []string{"internal/fix/fixiac"},
			forbidden: []string{sdk, module + "internal/fix/fixaws", module + "internal/source/live"},
			why:       "the file patcher changes files, never an account: no AWS SDK",
		},
		{
			pkgs: []string{"internal/report"},
			only: []string{module + "internal/finding"},
			why:  "reporters render findings and nothing else",
		},
		{
			pkgs:      []string{"internal/model", "internal/realtimelog", "internal/arn", "internal/glob", "internal/finding"},
			forbidden: []string{sdk, module + "internal/source/", module + "internal/rules", module + "internal/engine", module + "internal/fix/"},
			why:       "the model, the domain knowledge and the findings are the bottom layers",
		},
		{
			pkgs:      []string{"internal/rules"},
			forbidden: []string{sdk, module + "internal/source/", module + "internal/engine", module + "internal/fix/", module + "internal/report", module + "internal/settings"},
			why:       "rules read only the model",
		},
		{
			pkgs:      []string{"internal/engine"},
			forbidden: []string{module + "internal/fix/", module + "internal/report", module + "internal/cli"},
			why:       "the engine is below the fixes and the commands",
		},
	} {
		for _, pkg := range tc.pkgs {
			for _, dep := range deps(t, pkg) {
				if dep == module+pkg {
					continue
				}
				for _, bad := range tc.forbidden {
					if strings.HasPrefix(dep, bad) {
						t.Errorf("%s imports %s: %s", pkg, dep, tc.why)
					}
				}
				if tc.only != nil && strings.HasPrefix(dep, module) {
					ok := false
					for _, allowed := range tc.only {
						ok = ok || dep == allowed
					}
					if !ok {
						t.Errorf("%s imports %s: %s", pkg, dep, tc.why)
					}
				}
			}
		}
	}
}
