package terraform

import (
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/tree"
)

// TestReadModuleFS reads a module and the local module it calls from an
// in-memory file system, and the same tree with one file replaced through
// an overlay: what the fixer checks a patch with.
func TestReadModuleFS(t *testing.T) {
	cdn := "variable \"log_arn\" {}\n" + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.log_arn
  }`)
	fsys := fstest.MapFS{
		"repo/infra/main.tf": {Data: []byte(configX + `
module "cdn" {
  source  = "../modules/cdn"
  log_arn = aws_cloudfront_realtime_log_config.x.arn
}
`)},
		"repo/modules/cdn/main.tf": {Data: []byte(cdn)},
	}
	tests := []struct {
		name      string
		tree      tree.Tree
		dir       string
		wantFile  string
		wantState model.State // the ARN: set through the config (unknown), or absent
	}{
		{"root named as given", tree.Tree{FS: fsys, Root: "repo/infra", Name: "infra"}, "repo/infra",
			filepath.Join("modules", "cdn", "main.tf"), model.Unknown},
		{"root above the module", tree.Tree{FS: fsys, Root: "repo", Name: "/src/repo"}, "repo/infra",
			filepath.Join("/src/repo", "modules", "cdn", "main.tf"), model.Unknown},
		{"overlay replaces the called module", tree.Tree{FS: tree.Overlay{Base: fsys, Files: map[string][]byte{
			"repo/modules/cdn/main.tf": []byte("variable \"log_arn\" {}\n" + dist(`
  default_cache_behavior {
    target_origin_id = "o"
  }`)),
		}}, Root: "repo", Name: "."}, "repo/infra", filepath.Join("modules", "cdn", "main.tf"), model.Absent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := ReadModuleFS(tc.tree, tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Errors) > 0 {
				t.Fatalf("errors: %v", inv.Errors[0])
			}
			d := findDist(t, inv, "module.cdn.aws_cloudfront_distribution.d")
			if d.Range.File != tc.wantFile {
				t.Errorf("file = %q, want %q", d.Range.File, tc.wantFile)
			}
			if got := d.Behaviors[0].RealtimeLogConfigARN.State; got != tc.wantState {
				t.Errorf("state = %v, want %v", got, tc.wantState)
			}
			if ref, want := d.Behaviors[0].ConfigRef, "aws_cloudfront_realtime_log_config.x"; tc.wantState == model.Unknown && ref != want {
				t.Errorf("config ref = %q, want %q", ref, want)
			}
		})
	}
}

// TestReadModuleFSOutside reports a module call that leaves the file system.
func TestReadModuleFSOutside(t *testing.T) {
	fsys := fstest.MapFS{"main.tf": {Data: []byte(`
module "cdn" {
  source = "../cdn"
}
`)}}
	inv, err := ReadModuleFS(tree.Tree{FS: fsys, Root: ".", Name: "."}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Range.File != "main.tf" || inv.Errors[0].Range.StartLine != 3 {
		t.Fatalf("errors = %+v, want one at main.tf:3", inv.Errors)
	}
}
