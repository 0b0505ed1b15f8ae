package cloudformation

import (
	"bytes"
	"encoding/json"
	"regexp"

	"go.yaml.in/yaml/v3"
)

var (
	keyVersion   = []byte("AWSTemplateFormatVersion")
	keyResources = []byte("Resources")
	// typeLineRE finds a resource type in text that does not parse, so that a
	// broken template is still read (and its parse error reported).
	typeLineRE = regexp.MustCompile(`(?m)^[ \t]+["']?Type["']?[ \t]*:[ \t]*["']?[A-Za-z0-9]+::[A-Za-z0-9]`)
)

// Detect reports whether data looks like a CloudFormation template, JSON or
// YAML: it has a top-level AWSTemplateFormatVersion, or a top-level Resources
// mapping whose entries have a Type such as AWS::S3::Bucket or Custom::Thing
// (CDK output, SAM templates). Other JSON and YAML (Kubernetes manifests,
// package.json, workflows, compose files) is rejected, most of it without
// being parsed. A file that has a top-level AWSTemplateFormatVersion but does
// not parse is a template, so that Read reports why it cannot be read.
func Detect(data []byte) bool {
	data = bytes.TrimPrefix(data, utf8BOM)
	if bytes.IndexByte(data[:min(len(data), 8<<10)], 0) >= 0 {
		return false // binary
	}
	if !bytes.Contains(data, keyVersion) && !bytes.Contains(data, keyResources) {
		return false
	}
	if looksJSON(data) {
		if is, decided := detectJSON(data); decided {
			return is
		}
		return detectParsed(data)
	}
	i := bytes.IndexFunc(data, notSpace)
	if i < 0 {
		return false
	}
	switch data[i] {
	case '{':
		return detectParsed(data) // a YAML flow mapping
	case '[':
		return false
	}
	version, resources := topLevelKeys(data)
	switch {
	case version:
		return true
	case resources:
		return detectParsed(data)
	}
	return false
}

// detectJSON streams the top-level keys of a JSON object. decided is false
// when the JSON breaks before an answer.
func detectJSON(data []byte) (is, decided bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false, false
		}
		switch t {
		case "AWSTemplateFormatVersion":
			return true, true
		case "Resources":
			var res map[string]struct {
				Type json.RawMessage
			}
			if err := dec.Decode(&res); err != nil {
				return false, false
			}
			for _, r := range res {
				var typ string
				if json.Unmarshal(r.Type, &typ) == nil && isResourceType(typ) {
					return true, true
				}
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return false, false
			}
		}
	}
	return false, true
}

// topLevelKeys scans the lines of a YAML document that sit at the root
// mapping's indentation for the keys AWSTemplateFormatVersion and Resources.
func topLevelKeys(data []byte) (version, resources bool) {
	indent := -1
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		t := bytes.TrimLeft(line, " ")
		if len(bytes.TrimSpace(t)) == 0 || t[0] == '#' || bytes.HasPrefix(t, []byte("---")) || bytes.HasPrefix(t, []byte("%")) {
			continue
		}
		ind := len(line) - len(t)
		if indent < 0 {
			indent = ind
		}
		if ind != indent {
			continue
		}
		t = bytes.TrimLeft(t, `"'`)
		switch {
		case hasKey(t, keyVersion):
			return true, resources
		case hasKey(t, keyResources):
			resources = true
		}
	}
	return false, resources
}

// hasKey reports whether line starts with key followed by an optional quote
// and a colon.
func hasKey(line, key []byte) bool {
	if !bytes.HasPrefix(line, key) {
		return false
	}
	rest := bytes.TrimLeft(line[len(key):], `"' `+"\t")
	return len(rest) > 0 && rest[0] == ':'
}

// detectParsed parses data as YAML and looks at its top-level keys.
func detectParsed(data []byte) (is bool) {
	defer func() {
		if recover() != nil {
			is = false
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return typeLineRE.Match(data)
	}
	if len(n.Content) == 0 {
		return false
	}
	root := deref(n.Content[0])
	if k, _ := lookup(root, string(keyVersion)); k != nil {
		return true
	}
	_, res := lookup(root, string(keyResources))
	res = deref(res)
	if res == nil || res.Kind != yaml.MappingNode {
		return false
	}
	for i := 1; i < len(res.Content); i += 2 {
		if _, tn := lookup(res.Content[i], "Type"); tn != nil {
			if typ, ok := literal(tn); ok && isResourceType(typ) {
				return true
			}
		}
	}
	return false
}

// isResourceType reports whether s reads like a CloudFormation resource type:
// a vendor prefix, "::" and a name (AWS::S3::Bucket, Custom::Thing).
func isResourceType(s string) bool {
	i := bytes.Index([]byte(s), []byte("::"))
	if i <= 0 || i+2 >= len(s) {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
