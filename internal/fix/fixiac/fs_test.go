package fixiac

import (
	"context"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// TestPlanFromFS: every golden input planned from an fstest.MapFS gives
// the plan the same files give on disk, while the working directory holds
// other files under the same names (the golden want trees, already fixed):
// a planner that read or listed anything of the operating system would
// plan those, or fail to find the paths.
func TestPlanFromFS(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := filepath.Abs(filepath.Join("testdata", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			input := readTree(t, filepath.Join(src, "input"))
			decoy := readTree(t, filepath.Join(src, "want"))
			o := tc.opts
			o.Now = testNow
			o.Paths = []string{"work"}

			onDisk := t.TempDir()
			writeTree(t, filepath.Join(onDisk, "work"), input)
			t.Chdir(onDisk)
			want, err := MakePlan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			updates := 0
			for _, c := range want.Changes {
				if c.Action == fixplan.Update {
					updates++
				}
			}
			if updates == 0 {
				t.Fatalf("the plan made on disk patches nothing: %+v", want.Changes)
			}

			fsys := fstest.MapFS{}
			for name, data := range input {
				fsys["work/"+name] = &fstest.MapFile{Data: data, Mode: 0o644}
			}
			elsewhere := t.TempDir()
			writeTree(t, filepath.Join(elsewhere, "work"), decoy)
			t.Chdir(elsewhere)
			o.FS = fsys
			got, err := MakePlan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("plan from the fs.FS differs from the plan on disk (-disk +fs):\n%s", diff)
			}
		})
	}
}

// countingFS counts the opens of every regular file of an fs.FS; it lists
// directories and stats files without counting.
type countingFS struct {
	fsys  fs.FS
	mu    sync.Mutex
	opens map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err == nil && !info.IsDir() {
		c.mu.Lock()
		c.opens[name]++
		c.mu.Unlock()
	}
	return f, nil
}

func (c *countingFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(c.fsys, name) }
func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(c.fsys, name) }

// TestPlanReadsEachFileOnce: the planner reads every file once, through
// the fs.FS it is given, and builds its patches from what the readers read
// (no second read to parse for editing). The one file read again is the
// patched module's other file, which the check of the patched module
// re-reads, the patched file coming from the in-memory overlay.
func TestPlanReadsEachFileOnce(t *testing.T) {
	files := map[string]string{
		"infra/cdn/main.tf":    smallModule,
		"infra/cdn/outputs.tf": "output \"id\" {\n  value = aws_cloudfront_distribution.web.id\n}\n",
		"infra/ok/main.tf":     "locals {\n  a = 1\n}\n",
		"infra/cdn.yaml":       smallTemplate,
		"infra/notes.json":     `{"not": "a template"}`,
	}
	base := fstest.MapFS{}
	for name, text := range files {
		base[name] = &fstest.MapFile{Data: []byte(text)}
	}
	fsys := &countingFS{fsys: base, opens: map[string]int{}}
	t.Chdir(t.TempDir())
	p, err := MakePlan(context.Background(), Options{FS: fsys, Paths: []string{"infra"}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	updated := map[string]bool{}
	for _, c := range p.Changes {
		if c.Error != "" {
			t.Errorf("%s: %s", c.Resource.File, c.Error)
		}
		if c.Action == fixplan.Update {
			updated[filepath.ToSlash(c.Resource.File)] = true
		}
	}
	if want := map[string]bool{"infra/cdn/main.tf": true, "infra/cdn.yaml": true}; !cmp.Equal(updated, want) {
		t.Errorf("patched %v, want %v", updated, want)
	}
	want := map[string]int{
		"infra/cdn/main.tf":    1,
		"infra/cdn/outputs.tf": 2,
		"infra/ok/main.tf":     1,
		"infra/cdn.yaml":       1,
		"infra/notes.json":     1,
	}
	if diff := cmp.Diff(want, fsys.opens); diff != "" {
		t.Errorf("opens per file (-want +got):\n%s", diff)
	}
}
