// Package terraform reads Terraform modules written in HCL into the
// provider-neutral model: CloudFront distributions (standard and
// multi-tenant), their cache behaviors and the real-time log configs they
// attach.
//
// What it reads, and how far it goes:
//
//   - Every *.tf file of the module directory, primary files first and
//     override files (override.tf, *_override.tf) after them, merged the way
//     Terraform merges them: an override's attribute replaces the original's,
//     and its nested blocks of a type replace all the original's blocks of
//     that type. Files in Terraform's JSON syntax (*.tf.json,
//     override.tf.json, *_override.tf.json) are read the same way (see
//     tfjson.go).
//   - Expressions are evaluated with var.* (variable defaults, converted to
//     the declared type; in the module read first also terraform.tfvars and
//     *.auto.tfvars; in a called module the caller's inputs, evaluated in the
//     caller's context), local.* (in dependency order), path.module and
//     module.* (outputs of local modules; modules from a registry or git, and
//     modules called with count or for_each, give unknown outputs),
//     count.index and each.* of an expanded instance, and Terraform's
//     built-in functions (see functions). Anything else (resource
//     attributes, data sources, functions not listed, failed calls) is
//     unknown: set, but not resolvable here.
//   - A reference to aws_cloudfront_realtime_log_config.NAME, direct or
//     carried through variables, locals, module inputs and outputs, sets the
//     behavior's ConfigRef to the config's address (module path included,
//     e.g. module.cdn.aws_cloudfront_realtime_log_config.this), which is its
//     key in Inventory.Configs. A reference to a name not declared in that
//     module sets DanglingRef instead (Terraform itself rejects such a
//     reference wherever it appears).
//   - Local module calls (source "./…" or "../…", relative to the calling
//     module) are followed; resources in them get the module path in their
//     address. Resources and modules with a count or for_each known here
//     give one instance each, with its key in the address
//     (aws_cloudfront_distribution.this[0], module.cdn["a"].…), so count = 0
//     or an empty for_each creates nothing; when count or for_each is not
//     known one resource without an instance key stands for them all.
//     Every distribution carries the root module's directory in Root: a
//     module called from several root modules is one distribution per root.
//   - dynamic "ordered_cache_behavior" (and dynamic cache_behavior, endpoint,
//     kinesis_stream_config) blocks are expanded when for_each is known here,
//     one behavior per element, evaluated with the iterator; when for_each is
//     not known the content block stands for one behavior whose path pattern
//     is the source text of its path_pattern expression (e.g.
//     each.value.path) unless that evaluates to a literal.
//   - Inline suppressions: a comment holding `cloudassure:ignore RULE[,RULE…]
//     reason` (# or // or /* */) on the resource's lines or on the comment
//     lines directly above it becomes a Distribution.Ignores entry.
//
// Files that do not parse are reported in Inventory.Errors, one ReadError per
// diagnostic, and the module's other files are still read; references to
// config names the module does not declare are then unknown rather than
// dangling, since the declaration may be in the broken file. A local module
// whose directory is missing, or that calls itself, is reported at the
// calling module's source line.
//
// ReadRootModule gives, with the inventory, the files of the root module's
// directory as they were read (bytes, and hclsyntax bodies whose ranges are
// offsets into them): fix iac patches them from there rather than reading
// and parsing them again.
//
// Plan sources: package tfplan maps plan addresses back to .tf lines through
// a func(address) (model.Range, bool); build it from ReadModule's results,
// keyed by Distribution.ID without instance keys (and by the keys of
// Inventory.Configs for configs, which have none).
package terraform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/tree"
)

// Resource types read from Terraform.
const (
	TypeDistribution            = "aws_cloudfront_distribution"
	TypeMultitenantDistribution = "aws_cloudfront_multitenant_distribution"
	TypeRealtimeLogConfig       = "aws_cloudfront_realtime_log_config"
)

// maxModuleDepth bounds how deep local module calls are followed.
const maxModuleDepth = 32

// ReadModule reads the Terraform module in directory dir as a root module,
// following its local module calls. dir is a path as the process opens it
// (relative to the working directory, or to root when it is not found
// there); file names in ranges and errors are shown relative to root, the
// scan root as the user gave it, e.g. "infra/main.tf" for root "." and dir
// "infra". The error is non-nil only when nothing could be read (dir cannot
// be listed or holds no .tf file); it is then a *model.ReadError.
func ReadModule(root, dir string) (*model.Inventory, error) {
	if root == "" {
		root = "."
	}
	dir = resolveDir(root, dir)
	t, err := tree.OSTree(root)
	if err != nil {
		return nil, &model.ReadError{Operation: "read", Range: model.Range{File: filepath.Clean(dir)}, Message: err.Error()}
	}
	p, err := tree.OSPath(dir)
	if err != nil {
		return nil, &model.ReadError{Operation: "read", Range: model.Range{File: filepath.Clean(dir)}, Message: err.Error()}
	}
	return ReadModuleFS(t, p)
}

// ReadModuleFS reads the Terraform module in directory dir of t.FS as a
// root module, following its local module calls (which may leave t.Root,
// not t.FS). File names in ranges and errors are shown as t.Display names
// them. The error is non-nil only when nothing could be read (dir cannot be
// listed or holds no .tf file); it is then a *model.ReadError.
func ReadModuleFS(t tree.Tree, dir string, varFiles ...VarFile) (*model.Inventory, error) {
	m, err := ReadRootModule(t, dir, varFiles...)
	if err != nil {
		return nil, err
	}
	return m.Inventory, nil
}

// Module is a Terraform module read as a root module: the inventory
// ReadModuleFS gives, and the files of the module's own directory as they
// were read, for a fixer that edits them where the reader found them.
type Module struct {
	Inventory *model.Inventory
	// Files are the .tf and .tf.json files of the directory, primary files
	// in name order, then override files in name order; those that could
	// not be read or parsed too, without a Body.
	Files []*File
}

// ReadRootModule reads the module in directory dir of t.FS as ReadModuleFS
// does, and keeps the files of dir.
func ReadRootModule(t tree.Tree, dir string, varFiles ...VarFile) (*Module, error) {
	r := newReader(t)
	r.varFiles = varFiles
	dir = path.Clean(dir)
	files, err := tfFiles(t.FS, dir)
	if err != nil {
		return nil, &model.ReadError{Operation: "read", Range: model.Range{File: r.display(dir)}, Message: err.Error()}
	}
	if len(files) == 0 {
		return nil, &model.ReadError{Operation: "read", Range: model.Range{File: r.display(dir)}, Message: "no .tf files in the directory"}
	}
	r.rootName = r.display(dir)
	m := &module{dir: dir, rootDir: dir, isRoot: true}
	m.stack = []string{dir}
	r.readModule(m, files)
	return &Module{Inventory: r.inv, Files: r.files}, nil
}

// VarFile is a variable file given on the command line (terraform
// -var-file): Name as shown in errors, Data its HCL text. A root module reads
// it after terraform.tfvars and *.auto.tfvars.
type VarFile struct {
	Name string
	Data []byte
}

// reader holds what one ReadModule call accumulates over its modules.
type reader struct {
	tree     tree.Tree
	rootName string    // the root module's directory as displayed
	varFiles []VarFile // given on the command line, read after the module's own
	// instances counts the resource and module instances expanded so far.
	instances int
	inv       *model.Inventory
	files     []*File // the root module's
}

func newReader(t tree.Tree) *reader {
	return &reader{
		tree: t,
		inv: &model.Inventory{
			Source:  "terraform",
			Configs: map[string]*model.RealtimeLogConfig{},
		},
	}
}

// resolveDir accepts dir relative to the working directory or, when it is
// not found there, relative to root.
func resolveDir(root, dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	if alt := filepath.Join(root, dir); alt != filepath.Clean(dir) {
		if fi, err := os.Stat(alt); err == nil && fi.IsDir() {
			return alt
		}
	}
	return dir
}

// display names p, a path in the tree's file system, the way findings show
// it: relative to the scan root, joined onto the root as the user gave it.
func (r *reader) display(p string) string { return r.tree.Display(p) }

func (r *reader) addErr(e *model.ReadError) { r.inv.Errors = append(r.inv.Errors, e) }

// tfFiles lists the .tf files of dir: primary files in name order, then
// override files in name order.
func tfFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read directory: %w", err)
	}
	var primary, override []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".tf") || isJSONFile(name)) || strings.HasPrefix(name, ".") {
			continue
		}
		if !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		p := path.Join(dir, name)
		if isOverride(name) {
			override = append(override, p)
		} else {
			primary = append(primary, p)
		}
	}
	sort.Strings(primary)
	sort.Strings(override)
	return append(primary, override...), nil
}

// isJSONFile reports whether name is in Terraform's JSON syntax.
func isJSONFile(name string) bool { return strings.HasSuffix(name, ".tf.json") }

func isOverride(name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".tf")
	return base == "override" || strings.HasSuffix(base, "_override")
}

// tfvarsFiles lists the variable files Terraform loads by itself for a root
// module: terraform.tfvars and terraform.tfvars.json, then *.auto.tfvars and
// *.auto.tfvars.json in name order.
func tfvarsFiles(fsys fs.FS, dir string) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var out, auto []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch name := e.Name(); {
		case name == "terraform.tfvars", name == "terraform.tfvars.json":
			out = append(out, path.Join(dir, name))
		case strings.HasSuffix(name, ".auto.tfvars"), strings.HasSuffix(name, ".auto.tfvars.json"):
			auto = append(auto, path.Join(dir, name))
		}
	}
	sort.Strings(out) // terraform.tfvars before terraform.tfvars.json
	sort.Strings(auto)
	return append(out, auto...)
}
