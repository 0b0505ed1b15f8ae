package terraform

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

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

// TestReadRootModuleFiles: the reader gives the files of the root module's
// directory as it read them (bytes, syntax tree with ranges into those
// bytes, or why a file did not parse), and the inventory ReadModuleFS gives.
func TestReadRootModuleFiles(t *testing.T) {
	main := configX + dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }`) + `
module "cdn" {
  source = "../modules/cdn"
}
`
	files := map[string]string{
		"repo/infra/main.tf":           main,
		"repo/infra/broken.tf":         "resource \"aws_s3_bucket\" \"b\" {\n",
		"repo/infra/extra.tf.json":     `{"locals": {"a": 1}}`,
		"repo/infra/z_override.tf":     "locals {\n  b = 2\n}\n",
		"repo/infra/notes.txt":         "not Terraform",
		"repo/modules/cdn/main.tf":     dist(""),
		"repo/infra/.hidden.tf":        "locals {}\n",
		"repo/infra/sub/nested/own.tf": "locals {}\n",
	}
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	tr := tree.Tree{FS: fsys, Root: "repo/infra", Name: "infra"}
	m, err := ReadRootModule(tr, "repo/infra")
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Path, Name     string
		Parsed, Failed bool
		Override, JSON bool
	}
	var have []got
	for _, f := range m.Files {
		have = append(have, got{f.Path, f.Name, f.Body != nil, f.Diags.HasErrors(), f.Override, f.JSON})
		if string(f.Src) != files[f.Path] {
			t.Errorf("%s: Src is not the file's bytes", f.Path)
		}
	}
	want := []got{
		{"repo/infra/broken.tf", filepath.Join("infra", "broken.tf"), false, true, false, false},
		{"repo/infra/extra.tf.json", filepath.Join("infra", "extra.tf.json"), true, false, false, true},
		{"repo/infra/main.tf", filepath.Join("infra", "main.tf"), true, false, false, false},
		{"repo/infra/z_override.tf", filepath.Join("infra", "z_override.tf"), true, false, true, false},
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	// The ranges of the tree are the file's name and offsets into its bytes.
	f := m.Files[2]
	for _, b := range f.Body.Blocks {
		r := b.Range()
		if r.Filename != f.Name {
			t.Errorf("block %s: range file %q, want %q", b.Type, r.Filename, f.Name)
		}
		if text := f.Text(r); !strings.HasPrefix(text, b.Type+" ") {
			t.Errorf("block %s: its range holds %q", b.Type, text)
		}
	}
	inv, err := ReadModuleFS(tr, "repo/infra")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inv, m.Inventory); diff != "" {
		t.Errorf("inventory differs from ReadModuleFS's (-ReadModuleFS +ReadRootModule):\n%s", diff)
	}
	if len(m.Inventory.Distributions) != 2 {
		t.Errorf("distributions %d, want the root's and the called module's", len(m.Inventory.Distributions))
	}
}
