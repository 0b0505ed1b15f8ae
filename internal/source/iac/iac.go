// Package iac finds infrastructure-as-code files under the paths a user
// names and reads them into one inventory: CloudFormation templates (JSON
// and YAML, recognised by content), Terraform modules and Terraform plan JSON.
package iac

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/glob"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
	"github.com/cloudassure/cloudassure/internal/source/terraform"
	"github.com/cloudassure/cloudassure/internal/source/tfplan"
	"github.com/cloudassure/cloudassure/internal/source/tree"
)

// DefaultExcludes are directories never descended into.
var defaultExcludes = []string{".git", "node_modules", ".terraform"}

// DefaultExcludes returns the directory names skipped unless named as a path.
func DefaultExcludes() []string { return append([]string(nil), defaultExcludes...) }

// MaxFileSize is the largest file read; larger ones are reported and skipped.
const MaxFileSize = 32 << 20

// Options say what to read.
type Options struct {
	// Paths are files or directories, shown in findings as given.
	Paths []string
	// FS, when set, holds the files instead of the operating system: Paths
	// are then paths in it (slash-separated, see fs.ValidPath).
	FS fs.FS
	// Exclude are globs (see glob.Match) of files and directories to skip.
	Exclude []string
	// VarFiles are Terraform variable files (--var-file) every root module
	// reads after its terraform.tfvars and *.auto.tfvars; paths of the
	// operating system.
	VarFiles []string
	// Workers bounds files read at once; default GOMAXPROCS.
	Workers int
	// Progress, when set, is told how many files have been read.
	Progress func(done, total int)
}

// Read reads every file under opts.Paths into one inventory. Unreadable and
// unparsable files are recorded in the inventory's Errors; the rest is still
// read. Read holds everything it read; Scan judges one unit at a time.
func Read(ctx context.Context, opts Options) (*model.Inventory, error) {
	inv := &model.Inventory{
		Source:  "iac",
		Configs: map[string]*model.RealtimeLogConfig{},
		Streams: map[string]*model.Stream{},
		Roles:   map[string]*model.Role{},
	}
	res, err := Scan(ctx, opts, func(u *model.Inventory) []Judged[*model.Distribution] {
		for k, c := range u.Configs {
			inv.Configs[k] = c
		}
		out := make([]Judged[*model.Distribution], len(u.Distributions))
		for i, d := range u.Distributions {
			out[i] = Judged[*model.Distribution]{Distribution: d, Result: d}
		}
		return out
	})
	inv.Distributions = res.Results
	inv.Errors = res.Errors
	return inv, err
}

// Judged is what a caller of Scan keeps for one distribution of a unit:
// its findings, typically.
type Judged[T any] struct {
	Distribution *model.Distribution
	Result       T
}

// Scanned is what Scan kept.
type Scanned[T any] struct {
	// Results are the results of the distributions judged, in the order of
	// the units, each unit's as judge returned them; without those of the
	// distributions another unit superseded.
	Results []T
	// Errors are the files and resources that could not be read, in file
	// order.
	Errors []*model.ReadError
	// Units is how many units were judged.
	Units int
}

// Scan reads every file under opts.Paths and calls judge with each unit as
// soon as it is read: the inventory of one CloudFormation template, one
// Terraform module read as a root module (with the local modules it calls),
// or one Terraform plan. It keeps only what judge returns, so that memory
// does not grow with the tree beyond that. judge is called from one
// goroutine at a time, units in a stable order: Terraform modules by
// directory, then templates and plans by file name.
//
// Some distributions are read twice, and only one reading counts; Scan drops
// the results of the other:
//   - a module directory read on its own that a scanned root module also
//     calls (the call, with its inputs, is what gets deployed);
//   - a .tf resource that a plan JSON scanned with it describes (the plan
//     knows the resolved values; its distributions point at the .tf lines
//     and keep the inline ignores written there).
//
// The error is ctx's when the scan was cut short; what was judged is then
// still returned.
func Scan[T any](ctx context.Context, opts Options, judge func(unit *model.Inventory) []Judged[T]) (*Scanned[T], error) {
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	files, tfDirs, errs := Discover(opts.FS, opts.Paths, opts.Exclude)
	s := &scan[T]{judge: judge, out: &Scanned[T]{Errors: errs}, byAddress: map[string][]int{}, called: map[model.Range]bool{}}
	progress := newProgress(opts.Progress, len(files)+len(tfDirs))

	// Terraform modules first: plans map their addresses back to .tf lines.
	var varFiles []terraform.VarFile
	for _, p := range opts.VarFiles {
		data, err := os.ReadFile(p)
		if err != nil {
			s.out.Errors = append(s.out.Errors, &model.ReadError{Operation: "read", Range: model.Range{File: p}, Message: "variable file: " + pathErrText(err)})
			continue
		}
		varFiles = append(varFiles, terraform.VarFile{Name: p, Data: data})
	}
	err := inOrder(ctx, len(tfDirs), opts.Workers, func(i int) (*model.Inventory, *model.ReadError) {
		defer progress.done()
		part, err := terraform.ReadModuleFS(tfDirs[i].Tree, tfDirs[i].Path, varFiles...)
		if err != nil {
			return part, asReadError(err, tfDirs[i].Name)
		}
		return part, nil
	}, s.terraform)
	s.dropShadowed()
	if err != nil {
		return s.finish(), err
	}

	// Then templates and plans.
	sources := func(addr string) (model.Range, bool) {
		is := s.byAddress[addr]
		if len(is) == 0 {
			return model.Range{}, false
		}
		return s.tf[is[0]].rng, true
	}
	err = inOrder(ctx, len(files), opts.Workers, func(i int) (*model.Inventory, *model.ReadError) {
		defer progress.done()
		return readFile(files[i], sources)
	}, s.file)
	if err == nil {
		err = ctx.Err()
	}
	return s.finish(), err
}

// scan is the state of one Scan.
type scan[T any] struct {
	judge func(*model.Inventory) []Judged[T]
	out   *Scanned[T]
	// tf are the Terraform distributions judged, in order, until the plans
	// are read: a plan or a calling module may supersede them.
	tf []tfResult
	// tfOut are the results of the Terraform modules, in the order judge
	// gave them, each with the distribution's index in tf; in chunks.
	tfOut [][]tfJudged[T]
	// byAddress indexes tf by resource address (without instance keys):
	// plans name resources by address, and the .tf source of every instance
	// of an address is the same block.
	byAddress map[string][]int
	// called are the ranges of the distributions of called modules.
	called map[model.Range]bool
	// rest are the results of templates and plans, in chunks: no slice
	// of all of them grows (and is copied) as they come.
	rest [][]T
}

// restChunk is how many results a chunk of scan.rest holds.
const restChunk = 1024

// tfResult is what is kept of one Terraform distribution: where it is,
// its inline ignores (a plan describing it keeps them), and whether another
// reading supersedes it.
type tfResult struct {
	id         string
	rng        model.Range
	ignores    []model.Ignore
	superseded bool
}

// tfJudged is one result of a Terraform distribution (tf[dist]).
type tfJudged[T any] struct {
	dist   int
	result T
}

// appendChunked appends v to the last chunk of *chunks, starting a new one
// when it is full: no slice of all the results grows (and is copied) as
// they come.
func appendChunked[E any](chunks *[][]E, v E) {
	if len(*chunks) == 0 || len((*chunks)[len(*chunks)-1]) == restChunk {
		*chunks = append(*chunks, make([]E, 0, restChunk))
	}
	last := &(*chunks)[len(*chunks)-1]
	*last = append(*last, v)
}

func (s *scan[T]) addErrs(part *model.Inventory, re *model.ReadError) {
	if part != nil {
		s.out.Errors = append(s.out.Errors, part.Errors...)
	}
	if re != nil {
		s.out.Errors = append(s.out.Errors, re)
	}
}

// terraform judges one module read as a root module.
func (s *scan[T]) terraform(part *model.Inventory, re *model.ReadError) {
	s.addErrs(part, re)
	if part == nil {
		return
	}
	s.out.Units++
	index := map[*model.Distribution]int{}
	for _, d := range part.Distributions {
		index[d] = len(s.tf)
		s.tf = append(s.tf, tfResult{id: d.ID, rng: d.Range, ignores: d.Ignores})
		if strings.HasPrefix(d.ID, "module.") {
			s.called[d.Range] = true
		}
	}
	for _, j := range s.judge(part) {
		if i, ok := index[j.Distribution]; ok {
			appendChunked(&s.tfOut, tfJudged[T]{dist: i, result: j.Result})
		}
	}
}

// dropShadowed drops the distributions read from a module directory on its
// own when a scanned root module also calls that module, and indexes the
// others by address for the plans.
func (s *scan[T]) dropShadowed() {
	for i := range s.tf {
		r := &s.tf[i]
		if !strings.HasPrefix(r.id, "module.") && s.called[r.rng] {
			r.superseded = true
			continue
		}
		a := tfplan.ResourceAddress(r.id)
		s.byAddress[a] = append(s.byAddress[a], i)
	}
}

// file judges one template or plan.
func (s *scan[T]) file(part *model.Inventory, re *model.ReadError) {
	s.addErrs(part, re)
	if part == nil {
		return
	}
	if part.Source == tfplan.Source {
		// A plan scanned together with the .tf files it was made from: both
		// describe the same resources, and the plan knows their resolved
		// values.
		for _, d := range part.Distributions {
			for _, i := range s.byAddress[tfplan.ResourceAddress(d.ID)] {
				if len(d.Ignores) == 0 {
					d.Ignores = s.tf[i].ignores
				}
				s.tf[i].superseded = true
			}
		}
	}
	s.out.Units++
	for _, j := range s.judge(part) {
		appendChunked(&s.rest, j.Result)
	}
}

// finish collects the results and sorts the errors in file order.
func (s *scan[T]) finish() *Scanned[T] {
	n := 0
	for _, c := range s.rest {
		n += len(c)
	}
	for _, c := range s.tfOut {
		for _, j := range c {
			if !s.tf[j.dist].superseded {
				n++
			}
		}
	}
	s.out.Results = make([]T, 0, n)
	for i, c := range s.tfOut {
		for _, j := range c {
			if !s.tf[j.dist].superseded {
				s.out.Results = append(s.out.Results, j.result)
			}
		}
		s.tfOut[i] = nil // let each chunk go once copied
	}
	for i, c := range s.rest {
		s.out.Results = append(s.out.Results, c...)
		s.rest[i] = nil // let the chunk go while the rest are copied
	}
	s.tf, s.tfOut, s.rest = nil, nil, nil
	sort.SliceStable(s.out.Errors, func(i, j int) bool {
		a, b := s.out.Errors[i].Range, s.out.Errors[j].Range
		if a.File != b.File {
			return a.File < b.File
		}
		return a.StartLine < b.StartLine
	})
	return s.out
}

// inOrder runs read(0..n-1) on up to workers goroutines and hands each
// result to deliver in index order, from this goroutine. At most 2×workers
// results wait to be delivered, so memory stays bounded.
func inOrder(ctx context.Context, n, workers int, read func(i int) (*model.Inventory, *model.ReadError), deliver func(*model.Inventory, *model.ReadError)) error {
	type result struct {
		inv *model.Inventory
		err *model.ReadError
	}
	slots := make([]chan result, n)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	window := make(chan struct{}, 2*workers)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		for i := range n {
			select {
			case window <- struct{}{}:
			case <-gctx.Done():
				return
			}
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				inv, err := read(i)
				slots[i] <- result{inv, err}
				return nil
			})
		}
	}()
	for i := range n {
		select {
		case r := <-slots[i]:
			deliver(r.inv, r.err)
			<-window
		case <-gctx.Done():
			<-dispatched
			_ = g.Wait() // the workers only return gctx's error
			return ctx.Err()
		}
	}
	<-dispatched
	return g.Wait()
}

// progress counts the files and modules read, for Options.Progress.
type progress struct {
	report func(done, total int)
	mu     sync.Mutex
	n      int
	total  int
}

func newProgress(report func(done, total int), total int) *progress {
	return &progress{report: report, total: total}
}

func (p *progress) done() {
	if p.report == nil {
		return
	}
	p.mu.Lock()
	p.n++
	n := p.n
	p.mu.Unlock()
	p.report(n, p.total)
}

// readFile reads one JSON or YAML file: a plan, a template, or something else
// that is skipped silently (nil, nil).
func readFile(f Entry, sources func(string) (model.Range, bool)) (*model.Inventory, *model.ReadError) {
	data, err := fs.ReadFile(f.Tree.FS, f.Path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: pe.Op, Path: f.Name, Err: pe.Err}
		}
		return nil, &model.ReadError{Operation: "read", Range: model.Range{File: f.Name}, Message: err.Error()}
	}
	var part *model.Inventory
	switch {
	case tfplan.Detect(data):
		part, err = tfplan.Read(f.Name, data, sources)
	case cloudformation.Detect(data):
		part, err = cloudformation.Read(f.Name, data)
	default:
		return nil, nil
	}
	if err != nil {
		return part, asReadError(err, f.Name)
	}
	return part, nil
}

// asReadError keeps a source's ReadError, or wraps another error naming file.
func asReadError(err error, file string) *model.ReadError {
	var re *model.ReadError
	if errors.As(err, &re) {
		if re.Range.File == "" {
			re.Range.File = file
		}
		return re
	}
	return &model.ReadError{Operation: "parse", Range: model.Range{File: file}, Message: err.Error()}
}

// Entry is a file or a Terraform module directory found.
type Entry struct {
	// Path is its path in the file system read; Name is how findings show
	// it.
	Path, Name string
	// Tree is the tree of the path given that holds it: names are shown
	// relative to that path, the same way for every format.
	Tree tree.Tree
}

// Discover lists what Read reads under paths of fsys (nil: the operating
// system's files, and paths as the process opens them), skipping the
// default excluded directories and what matches exclude: the JSON and YAML
// files (templates and plans are told apart by content later) and the
// directories holding .tf files, each sorted by name. Paths that cannot be
// read, and files too large, are returned as errors.
func Discover(fsys fs.FS, paths, exclude []string) (files, tfDirs []Entry, errs []*model.ReadError) {
	if fsys == nil {
		return discover(tree.OS(), true, paths, exclude)
	}
	return discover(fsys, false, paths, exclude)
}

// discover walks paths in fsys; local says they are operating-system paths
// (see tree.OSPath) rather than paths in fsys.
func discover(fsys fs.FS, local bool, paths, exclude []string) (files, tfDirs []Entry, errs []*model.ReadError) {
	seenFile, seenDir := map[string]bool{}, map[string]bool{}
	excluded := func(p string, isDir bool) bool {
		if isDir {
			for _, d := range defaultExcludes {
				if filepath.Base(p) == d {
					return true
				}
			}
		}
		for _, g := range exclude {
			if glob.Match(g, filepath.ToSlash(p)) {
				return true
			}
		}
		return false
	}
	add := func(e Entry) {
		e.Name = filepath.Clean(e.Name)
		ext := strings.ToLower(filepath.Ext(e.Name))
		if strings.HasSuffix(strings.ToLower(e.Name), ".tf.json") {
			ext = ".tf" // Terraform's JSON syntax: read with its module
		}
		switch ext {
		case ".tf":
			d := Entry{Path: path.Dir(e.Path), Name: filepath.Dir(e.Name), Tree: e.Tree}
			if !seenDir[d.Name] {
				seenDir[d.Name] = true
				tfDirs = append(tfDirs, d)
			}
		case ".json", ".yaml", ".yml", ".template":
			if !seenFile[e.Name] {
				seenFile[e.Name] = true
				files = append(files, e)
			}
		}
	}
	for _, root := range paths {
		rootPath := root
		if local {
			p, err := tree.OSPath(root)
			if err != nil {
				errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: root}, Message: err.Error()})
				continue
			}
			rootPath = p
		}
		t := tree.Tree{FS: fsys, Root: rootPath, Name: root}
		info, err := fs.Stat(fsys, rootPath)
		if err != nil {
			errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: root}, Message: pathErrText(err)})
			continue
		}
		if !info.IsDir() {
			if info.Size() > MaxFileSize {
				errs = append(errs, tooLarge(root, info.Size()))
				continue
			}
			// A file given on its own: names relative to its directory as given.
			add(Entry{Path: rootPath, Name: root, Tree: tree.Tree{FS: fsys, Root: path.Dir(rootPath), Name: filepath.Dir(root)}})
			continue
		}
		err = fs.WalkDir(fsys, rootPath, func(p string, d fs.DirEntry, err error) error {
			name := t.Display(p)
			if p == rootPath {
				name = root
			}
			if err != nil {
				errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: name}, Message: pathErrText(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != rootPath && excluded(name, d.IsDir()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Size() > MaxFileSize {
				errs = append(errs, tooLarge(name, info.Size()))
				return nil
			}
			add(Entry{Path: p, Name: name, Tree: t})
			return nil
		})
		if err != nil {
			errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: root}, Message: pathErrText(err)})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	sort.Slice(tfDirs, func(i, j int) bool { return tfDirs[i].Name < tfDirs[j].Name })
	return files, tfDirs, errs
}

// pathErrText says what went wrong with a file without repeating its name,
// which the error's location already gives.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

func tooLarge(p string, size int64) *model.ReadError {
	return &model.ReadError{Operation: "read", Range: model.Range{File: p},
		Message: fmt.Sprintf("file is %d MiB, larger than the %d MiB cloudassure reads; skipped", size>>20, MaxFileSize>>20)}
}
