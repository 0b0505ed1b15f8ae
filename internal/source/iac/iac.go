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
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
	"github.com/cloudassure/cloudassure/internal/source/terraform"
	"github.com/cloudassure/cloudassure/internal/source/tfplan"
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
	// Exclude are globs (see settings.Glob) of files and directories to skip.
	Exclude []string
	// Workers bounds files read at once; default GOMAXPROCS.
	Workers int
	// Progress, when set, is told how many files have been read.
	Progress func(done, total int)
}

// Read reads every file under opts.Paths. Unreadable and unparsable files are
// recorded in the inventory's Errors; the rest is still read.
func Read(ctx context.Context, opts Options) (*model.Inventory, error) {
	inv := &model.Inventory{
		Source:  "iac",
		Configs: map[string]*model.RealtimeLogConfig{},
		Streams: map[string]*model.Stream{},
		Roles:   map[string]*model.Role{},
	}
	// Files are read in parallel; errors are reported in file order.
	defer func() {
		sort.SliceStable(inv.Errors, func(i, j int) bool {
			a, b := inv.Errors[i].Range, inv.Errors[j].Range
			if a.File != b.File {
				return a.File < b.File
			}
			return a.StartLine < b.StartLine
		})
	}()
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	files, tfDirs, errs := Discover(opts.Paths, opts.Exclude)
	inv.Errors = errs
	r := &reader{inv: inv, opts: opts, total: len(files) + len(tfDirs)}

	// Terraform modules first: plans map their addresses back to .tf lines.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Workers)
	var tfParts []*model.Inventory
	var tfMu sync.Mutex
	for _, dir := range tfDirs {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			part, err := terraform.ReadModule(".", dir)
			r.done()
			if err != nil {
				r.addErr(asReadError(err, dir))
			}
			if part != nil {
				tfMu.Lock()
				tfParts = append(tfParts, part)
				tfMu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return inv, err
	}
	sort.Slice(tfParts, func(i, j int) bool {
		if a, b := firstFile(tfParts[i]), firstFile(tfParts[j]); a != b {
			return a < b
		}
		return firstRoot(tfParts[i]) < firstRoot(tfParts[j])
	})
	tf := &model.Inventory{Configs: map[string]*model.RealtimeLogConfig{}}
	for _, p := range tfParts {
		merge(tf, p)
	}
	dropShadowedModules(tf)
	merge(inv, tf)
	// Plans name resources by address; the .tf source of every instance of
	// an address is the same block.
	tfByAddress := map[string][]*model.Distribution{}
	for _, d := range tf.Distributions {
		a := tfplan.ResourceAddress(d.ID)
		tfByAddress[a] = append(tfByAddress[a], d)
	}
	sources := func(addr string) (model.Range, bool) {
		ds := tfByAddress[addr]
		if len(ds) == 0 {
			return model.Range{}, false
		}
		return ds[0].Range, true
	}

	// Then templates and plans, all cores at once.
	parts := make([]*model.Inventory, len(files))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(opts.Workers)
	for i, f := range files {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			parts[i] = r.readFile(f, sources)
			r.done()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return inv, err
	}
	planned := map[*model.Distribution]bool{}
	for _, p := range parts {
		if p == nil {
			continue
		}
		if p.Source == tfplan.Source {
			takeOverSources(p, tfByAddress, planned)
		}
		merge(inv, p)
	}
	if len(planned) > 0 {
		kept := inv.Distributions[:0]
		for _, d := range inv.Distributions {
			if !planned[d] {
				kept = append(kept, d)
			}
		}
		inv.Distributions = kept
	}
	return inv, ctx.Err()
}

// takeOverSources handles a plan scanned together with the .tf files it was
// made from: both describe the same resources, and the plan knows their
// resolved values. Each planned distribution keeps the inline ignores of its
// source, and the source is marked in planned so it is judged only once.
func takeOverSources(plan *model.Inventory, tfByAddress map[string][]*model.Distribution, planned map[*model.Distribution]bool) {
	for _, d := range plan.Distributions {
		srcs := tfByAddress[tfplan.ResourceAddress(d.ID)]
		for _, src := range srcs {
			if len(d.Ignores) == 0 {
				d.Ignores = src.Ignores
			}
			planned[src] = true
		}
	}
}

type reader struct {
	inv   *model.Inventory
	opts  Options
	mu    sync.Mutex
	n     int
	total int
}

func (r *reader) done() {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	if r.opts.Progress != nil {
		r.opts.Progress(n, r.total)
	}
}

func (r *reader) addErr(e *model.ReadError) {
	r.mu.Lock()
	r.inv.Errors = append(r.inv.Errors, e)
	r.mu.Unlock()
}

// readFile reads one JSON or YAML file: a plan, a template, or something else
// that is skipped silently.
func (r *reader) readFile(name string, sources func(string) (model.Range, bool)) *model.Inventory {
	data, err := os.ReadFile(name)
	if err != nil {
		r.addErr(&model.ReadError{Operation: "read", Range: model.Range{File: name}, Message: err.Error()})
		return nil
	}
	var part *model.Inventory
	switch {
	case tfplan.Detect(data):
		part, err = tfplan.Read(name, data, sources)
	case cloudformation.Detect(data):
		part, err = cloudformation.Read(name, data)
	default:
		return nil
	}
	if err != nil {
		r.addErr(asReadError(err, name))
	}
	return part
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

// discover walks the paths and returns the candidate JSON/YAML files and the
// directories holding .tf files, in a stable order.
// Discover lists what Read reads under paths, skipping the default excluded
// directories and what matches exclude: the JSON and YAML files (templates
// and plans are told apart by content later) and the directories holding
// .tf files, each sorted. Paths that cannot be read, and files too large, are
// returned as errors.
func Discover(paths, exclude []string) (files, tfDirs []string, errs []*model.ReadError) {
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
			if settings.Glob(g, filepath.ToSlash(p)) {
				return true
			}
		}
		return false
	}
	add := func(p string) {
		p = filepath.Clean(p)
		switch ext := strings.ToLower(filepath.Ext(p)); ext {
		case ".tf":
			d := filepath.Dir(p)
			if !seenDir[d] {
				seenDir[d] = true
				tfDirs = append(tfDirs, d)
			}
		case ".json", ".yaml", ".yml", ".template":
			if !seenFile[p] {
				seenFile[p] = true
				files = append(files, p)
			}
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: root}, Message: pathErrText(err)})
			continue
		}
		if !info.IsDir() {
			if info.Size() > MaxFileSize {
				errs = append(errs, tooLarge(root, info.Size()))
				continue
			}
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: p}, Message: pathErrText(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != root && excluded(p, d.IsDir()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if info, err := d.Info(); err == nil && info.Size() > MaxFileSize {
				errs = append(errs, tooLarge(p, info.Size()))
				return nil
			}
			add(p)
			return nil
		})
		if err != nil {
			errs = append(errs, &model.ReadError{Operation: "read", Range: model.Range{File: root}, Message: pathErrText(err)})
		}
	}
	sort.Strings(files)
	sort.Strings(tfDirs)
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

// merge adds part's resources and errors to inv.
func merge(inv, part *model.Inventory) {
	inv.Distributions = append(inv.Distributions, part.Distributions...)
	for k, c := range part.Configs {
		inv.Configs[k] = c
	}
	inv.Errors = append(inv.Errors, part.Errors...)
}

func firstFile(inv *model.Inventory) string {
	for _, d := range inv.Distributions {
		return d.Range.File
	}
	for _, e := range inv.Errors {
		return e.Range.File
	}
	return ""
}

func firstRoot(inv *model.Inventory) string {
	for _, d := range inv.Distributions {
		return d.Root
	}
	return ""
}

// dropShadowedModules removes distributions read from a module directory on
// its own when a scanned root module also calls that module: the call, with
// its inputs, is the one that gets deployed.
func dropShadowedModules(inv *model.Inventory) {
	called := map[model.Range]bool{}
	for _, d := range inv.Distributions {
		if strings.HasPrefix(d.ID, "module.") {
			called[d.Range] = true
		}
	}
	kept := inv.Distributions[:0]
	for _, d := range inv.Distributions {
		if !strings.HasPrefix(d.ID, "module.") && called[d.Range] {
			continue
		}
		kept = append(kept, d)
	}
	inv.Distributions = kept
}
