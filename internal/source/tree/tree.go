// Package tree is the file tree the IaC readers read: an fs.FS, the
// directory of it the user named, and how the user named it, so that a file
// is shown the way the user would write its path. The operating system's
// files are one such tree (OS); a fixer's patched files laid over them are
// another (Overlay).
package tree

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Tree is a scan root in a file system.
type Tree struct {
	// FS holds the files. Paths in it are slash-separated and unrooted
	// (fs.ValidPath).
	FS fs.FS
	// Root is the directory (or file) of FS the user named.
	Root string
	// Name is how the user named Root: a path under Root is shown as Name
	// joined with the path relative to Root ("infra/cdn/main.tf" for Name
	// "infra", "/abs/dir/main.tf" for Name "/abs/dir").
	Name string
}

// Display names p, a path in t.FS, the way findings show it. A path outside
// Root is shown relative to it ("../modules/cdn/main.tf").
func (t Tree) Display(p string) string {
	return filepath.Join(t.Name, filepath.FromSlash(Rel(t.Root, p)))
}

// Rel is target relative to base, both paths in an fs.FS.
func Rel(base, target string) string {
	b, t := splitPath(base), splitPath(target)
	i := 0
	for i < len(b) && i < len(t) && b[i] == t[i] {
		i++
	}
	parts := make([]string, 0, len(b)-i+len(t)-i)
	for range b[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}

func splitPath(p string) []string {
	p = path.Clean(p)
	if p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

// OS is the operating system's file system, rooted at the top of the
// working directory's volume, in which every local path has a path (see
// OSPath).
func OS() fs.FS {
	wd, err := os.Getwd()
	if err != nil {
		return os.DirFS(string(filepath.Separator))
	}
	return os.DirFS(filepath.VolumeName(wd) + string(filepath.Separator))
}

// OSPath is the path in OS() of p, a path as the process opens it
// (relative to the working directory, or absolute).
func OSPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	abs = strings.TrimPrefix(abs, filepath.VolumeName(abs))
	rel := strings.TrimLeft(filepath.ToSlash(abs), "/")
	if rel == "" {
		return ".", nil
	}
	return rel, nil
}

// LocalPath is the operating-system path of p, a path in OS().
func LocalPath(p string) string {
	wd, _ := os.Getwd()
	return filepath.Join(filepath.VolumeName(wd)+string(filepath.Separator), filepath.FromSlash(p))
}

// OSTree is the tree of the operating system's files that the user names
// as name (a path as the process opens it).
func OSTree(name string) (Tree, error) {
	p, err := OSPath(name)
	if err != nil {
		return Tree{}, err
	}
	return Tree{FS: OS(), Root: p, Name: name}, nil
}

// Overlay is a file system in which the files of Files replace (or add to)
// those of Base, with the same path. Only regular files are overlaid; the
// directories holding them must exist in Base.
type Overlay struct {
	Base  fs.FS
	Files map[string][]byte
}

var (
	_ fs.ReadFileFS = Overlay{}
	_ fs.ReadDirFS  = Overlay{}
	_ fs.StatFS     = Overlay{}
)

// Open opens name from the overlay, or from the base.
func (o Overlay) Open(name string) (fs.File, error) {
	if data, ok := o.Files[name]; ok {
		return &memFile{info: memInfo{name: path.Base(name), size: int64(len(data))}, data: data}, nil
	}
	f, err := o.Base.Open(name)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return &dirFile{File: f, o: o, name: name}, nil
	}
	return f, nil
}

// dirFile is a directory of the base, listed with the overlaid files.
type dirFile struct {
	fs.File
	o       Overlay
	name    string
	entries []fs.DirEntry
	read    bool
}

// ReadDir lists the directory as Overlay.ReadDir does, n entries at a time.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		es, err := d.o.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = es, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	out := d.entries[:n]
	d.entries = d.entries[n:]
	return out, nil
}

// ReadFile reads name from the overlay, or from the base.
func (o Overlay) ReadFile(name string) ([]byte, error) {
	if data, ok := o.Files[name]; ok {
		return append([]byte(nil), data...), nil
	}
	return fs.ReadFile(o.Base, name)
}

// Stat describes name in the overlay, or in the base.
func (o Overlay) Stat(name string) (fs.FileInfo, error) {
	if data, ok := o.Files[name]; ok {
		return memInfo{name: path.Base(name), size: int64(len(data))}, nil
	}
	return fs.Stat(o.Base, name)
}

// ReadDir lists directory name of the base, with the overlaid files in it
// shown as regular files.
func (o Overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.Base, name)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, e := range entries {
		p := path.Join(name, e.Name())
		if data, ok := o.Files[p]; ok {
			entries[i] = fs.FileInfoToDirEntry(memInfo{name: e.Name(), size: int64(len(data))})
		}
		seen[p] = true
	}
	var added []fs.DirEntry
	for p, data := range o.Files {
		if path.Dir(p) == path.Clean(name) && !seen[p] {
			added = append(added, fs.FileInfoToDirEntry(memInfo{name: path.Base(p), size: int64(len(data))}))
		}
	}
	if len(added) == 0 {
		return entries, nil
	}
	entries = append(entries, added...)
	sortEntries(entries)
	return entries, nil
}

func sortEntries(es []fs.DirEntry) {
	sort.Slice(es, func(i, j int) bool { return es[i].Name() < es[j].Name() })
}

// memFile is an overlaid file, open for reading.
type memFile struct {
	info memInfo
	data []byte
	off  int
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Read(b []byte) (int, error) {
	if f.off >= len(f.data) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.off:])
	f.off += n
	return n, nil
}

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
