package tree

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestRelAndDisplay(t *testing.T) {
	tests := []struct {
		root, name, p string
		rel, display  string
	}{
		{".", ".", "main.tf", "main.tf", "main.tf"},
		{"repo/infra", "infra", "repo/infra/cdn/main.tf", "cdn/main.tf", filepath.Join("infra", "cdn", "main.tf")},
		{"repo/infra", "./infra/", "repo/infra", ".", "infra"},
		{"repo/infra", "infra", "repo/modules/cdn/main.tf", "../modules/cdn/main.tf", filepath.Join("modules", "cdn", "main.tf")},
		{"repo/infra", "/abs/infra", "repo/modules/x.tf", "../modules/x.tf", filepath.Join("/abs", "modules", "x.tf")},
		{"a/b/c", ".", "a/x", "../../x", filepath.Join("..", "..", "x")},
		{".", "/", "etc/x", "etc/x", filepath.Join("/", "etc", "x")},
	}
	for _, tc := range tests {
		if got := Rel(tc.root, tc.p); got != tc.rel {
			t.Errorf("Rel(%q, %q) = %q, want %q", tc.root, tc.p, got, tc.rel)
		}
		tr := Tree{Root: tc.root, Name: tc.name}
		if got := tr.Display(tc.p); got != tc.display {
			t.Errorf("Display(%q) with root %q named %q = %q, want %q", tc.p, tc.root, tc.name, got, tc.display)
		}
	}
}

func TestOSPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("a.tf", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.tf", filepath.Join(dir, "a.tf"), "./sub/../a.tf"} {
		fp, err := OSPath(p)
		if err != nil {
			t.Fatal(err)
		}
		data, err := fs.ReadFile(OS(), fp)
		if err != nil || string(data) != "x" {
			t.Errorf("%q → %q: read %q, %v", p, fp, data, err)
		}
		if got, _ := filepath.EvalSymlinks(LocalPath(fp)); got != mustEval(t, filepath.Join(dir, "a.tf")) {
			t.Errorf("LocalPath(%q) = %q", fp, LocalPath(fp))
		}
	}
}

func mustEval(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOverlay checks the overlay against fs.FS's contract, with a file
// replaced and one added.
func TestOverlay(t *testing.T) {
	base := fstest.MapFS{
		"m/main.tf":      {Data: []byte("old")},
		"m/variables.tf": {Data: []byte("vars")},
		"other/x.yaml":   {Data: []byte("x")},
	}
	o := Overlay{Base: base, Files: map[string][]byte{"m/main.tf": []byte("new text"), "m/added.tf": []byte("added")}}
	if err := fstest.TestFS(o, "m/main.tf", "m/variables.tf", "m/added.tf", "other/x.yaml"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"m/main.tf": "new text", "m/added.tf": "added", "m/variables.tf": "vars"} {
		if got, err := fs.ReadFile(o, name); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	entries, err := fs.ReadDir(o, "m")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := names; len(got) != 3 || got[0] != "added.tf" || got[1] != "main.tf" || got[2] != "variables.tf" {
		t.Errorf("ReadDir(m) = %v", got)
	}
}
