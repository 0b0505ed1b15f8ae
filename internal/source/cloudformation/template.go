package cloudformation

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// Resource types the adapter reads.
const (
	typeDistribution = "AWS::CloudFront::Distribution"
	typeConfig       = "AWS::CloudFront::RealtimeLogConfig"
)

// template is a parsed template with its sections indexed by name.
type template struct {
	file       string
	doc        *document
	params     map[string]*yaml.Node // logical ID → parameter definition
	mappings   map[string]*yaml.Node // map name → its mapping
	conditions map[string]*yaml.Node // condition name → its expression
	resources  map[string]*resource
	order      []*resource
	// transform is set when the template names a Transform (SAM, macros,
	// AWS::LanguageExtensions): those add resources the template does not
	// show, so a reference to an unknown logical ID is not called dangling.
	transform bool
}

// resource is one entry of the Resources section.
type resource struct {
	id   string
	key  *yaml.Node // the logical ID
	node *yaml.Node // the resource's mapping
	typ  string
}

// newTemplate indexes the sections of root, a mapping, and reports resources
// that are not mappings.
func newTemplate(file string, doc *document, root *yaml.Node) (*template, []*model.ReadError) {
	t := &template{
		file:       file,
		doc:        doc,
		params:     sectionMap(root, "Parameters"),
		mappings:   sectionMap(root, "Mappings"),
		conditions: sectionMap(root, "Conditions"),
		resources:  map[string]*resource{},
	}
	if k, _ := lookup(root, "Transform"); k != nil {
		t.transform = true
	}
	var errs []*model.ReadError
	rk, rn := lookup(root, "Resources")
	rn = deref(rn)
	if rk == nil || rn == nil {
		return t, nil
	}
	if rn.Kind != yaml.MappingNode {
		if !(rn.Kind == yaml.ScalarNode && rn.ShortTag() == "!!null") {
			errs = append(errs, t.errorAt("", rk, rn, "Resources is %s, not a mapping", describe(rn)))
		}
		return t, errs
	}
	index := map[string]int{}
	for i := 0; i+1 < len(rn.Content); i += 2 {
		k, v := rn.Content[i], deref(rn.Content[i+1])
		if k.Kind != yaml.ScalarNode || strings.HasPrefix(k.Value, "Fn::") {
			continue // Fn::ForEach and other generated entries
		}
		r := &resource{id: k.Value, key: k, node: v}
		if v == nil || v.Kind != yaml.MappingNode {
			errs = append(errs, t.errorAt(k.Value, k, rn.Content[i+1], "resource is %s, not a mapping", describe(v)))
		} else if _, tn := lookup(v, "Type"); tn != nil {
			if tn = deref(tn); tn.Kind == yaml.ScalarNode {
				r.typ = tn.Value
			}
		}
		if j, dup := index[r.id]; dup {
			t.order[j] = r // the last definition counts, as for any key
		} else {
			index[r.id] = len(t.order)
			t.order = append(t.order, r)
		}
		t.resources[r.id] = r
	}
	return t, errs
}

// sectionMap indexes the entries of a top-level mapping section.
func sectionMap(root *yaml.Node, name string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	_, n := lookup(root, name)
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode {
			out[k.Value] = n.Content[i+1]
		}
	}
	return out
}

// configKey is the key of the config with logical ID id in Inventory.Configs.
func (t *template) configKey(id string) string { return t.file + "#" + id }

// rangeOf spans from the line of key to the last line of n.
func (t *template) rangeOf(key, n *yaml.Node) model.Range {
	start := key.Line
	if start == 0 && n != nil {
		start = n.Line
	}
	return model.Range{File: t.file, StartLine: start, EndLine: max(start, t.doc.end(n))}
}

// errorAt is a problem with one resource, located at key and its value n.
func (t *template) errorAt(id string, key, n *yaml.Node, format string, args ...any) *model.ReadError {
	return &model.ReadError{
		Operation: "parse",
		Resource:  id,
		Message:   fmt.Sprintf(format, args...),
		Range:     t.rangeOf(key, n),
	}
}

// deref follows YAML aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// lookup returns the key and value nodes of key in mapping m. When a key is
// repeated the last one counts, as in most JSON parsers.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := len(m.Content)/2*2 - 2; i >= 0; i -= 2 {
		if c := m.Content[i]; c.Kind == yaml.ScalarNode && c.Value == key {
			return c, m.Content[i+1]
		}
	}
	return nil, nil
}

// describe names the kind of n for a message: "a string", "a list"...
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "missing"
	}
	if name, _, ok := intrinsic(n); ok {
		return "an unresolvable " + longName(name)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	}
	return "not readable"
}
