// Package layering holds the test that keeps cloudassure's layers importing
// only downward: sources → model → rules → findings → reporters, with the
// fixes on top.
package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
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

// TestPlannerReadsOnlyItsFS keeps fix iac's planning on the fs.FS the
// readers read: only apply.go, the separate write step, may use the
// operating system's files (package os, symlinks resolved, the working
// directory, tree's OS helpers).
func TestPlannerReadsOnlyItsFS(t *testing.T) {
	const dir = "../fix/fixiac"
	const writer = "apply.go"
	forbidden := map[string]map[string]bool{
		"path/filepath":                 {"Abs": true, "EvalSymlinks": true, "Glob": true, "Walk": true, "WalkDir": true},
		module + "internal/source/tree": {"OS": true, "OSPath": true, "OSTree": true, "LocalPath": true},
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range names {
		base := filepath.Base(name)
		if base == writer || strings.HasSuffix(base, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		local := map[string]string{} // name in the file → import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "os" {
				t.Errorf("%s imports os: planning reads through the fs.FS; only %s writes", base, writer)
			}
			n := path.Base(p)
			if imp.Name != nil {
				n = imp.Name.Name
			}
			local[n] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && forbidden[local[id.Name]][sel.Sel.Name] {
				t.Errorf("%s: %s.%s reaches the operating system's files: planning reads through the fs.FS; only %s does", fset.Position(sel.Pos()), id.Name, sel.Sel.Name, writer)
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatalf("no planning file checked in %s", dir)
	}
}
