// Package strictyaml decodes YAML configuration files refusing keys the
// target type does not have, with a message a person can act on: the line,
// the key and the keys that are allowed there (yaml.v3's own message names
// the Go type instead).
package strictyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decode decodes data into v (a pointer), as a yaml.Decoder with
// KnownFields does, but a key v's type does not know is reported as
// `line N: unknown key "k" (known: a, b)`. Empty input leaves v as it is.
func Decode(data []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	if err := check(&doc, reflect.TypeOf(v), 0); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

// check walks n along t and reports the first mapping key t has no field for.
func check(n *yaml.Node, t reflect.Type, depth int) error {
	if n == nil || t == nil || depth > 64 {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return nil // decodes itself
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := check(c, t, depth+1); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for _, c := range n.Content {
				if err := check(c, t.Elem(), depth+1); err != nil {
					return err
				}
			}
		}
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Map:
			for i := 1; i < len(n.Content); i += 2 {
				if err := check(n.Content[i], t.Elem(), depth+1); err != nil {
					return err
				}
			}
		case reflect.Struct:
			names, fields := keys(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Value == "<<" {
					continue // a merge key: its mapping is checked where it is defined
				}
				ft, ok := fields[k.Value]
				if !ok {
					return fmt.Errorf("line %d: unknown key %q (known: %s)", k.Line, k.Value, strings.Join(names, ", "))
				}
				if err := check(n.Content[i+1], ft, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// keys lists the YAML keys of struct type t in declaration order, as yaml.v3
// names them (the tag's name, else the lower-cased field name; inline
// structs contribute their own keys).
func keys(t reflect.Type) ([]string, map[string]reflect.Type) {
	var names []string
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				n, fs := keys(ft)
				names = append(names, n...)
				for k, v := range fs {
					fields[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
		fields[name] = f.Type
	}
	return names, fields
}
