package iampolicy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDepth bounds JSON nesting. Real policies nest at most five levels
// (document → Condition → operator → key → values).
const maxDepth = 32

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a decoded JSON value that keeps object members in document order.
type jvalue struct {
	kind jkind
	str  string // jBool ("true"/"false"), jNumber (literal) and jString
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val jvalue
}

func (v jvalue) describe() string {
	switch v.kind {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return fmt.Sprintf("string %q", v.str)
	case jArray:
		return "an array"
	default:
		return "an object"
	}
}

// decodeJSON decodes exactly one JSON value from doc. Unlike encoding/json's
// map decoding it rejects duplicate object keys, which would otherwise make a
// policy ambiguous ({"Effect":"Allow","Effect":"Deny"}).
func decodeJSON(doc string) (jvalue, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := readValue(dec, 0)
	if err != nil {
		return jvalue{}, jsonError(dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the top-level value")
		}
		return jvalue{}, jsonError(dec, err)
	}
	return v, nil
}

func jsonError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("iampolicy: invalid JSON at byte %d: %v", se.Offset, se)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("iampolicy: invalid JSON: unexpected end of input")
	}
	return fmt.Errorf("iampolicy: invalid JSON near byte %d: %v", dec.InputOffset(), err)
}

func readValue(dec *json.Decoder, depth int) (jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return jvalue{}, err
	}
	switch t := tok.(type) {
	case string:
		return jvalue{kind: jString, str: t}, nil
	case json.Number:
		return jvalue{kind: jNumber, str: t.String()}, nil
	case bool:
		if t {
			return jvalue{kind: jBool, str: "true"}, nil
		}
		return jvalue{kind: jBool, str: "false"}, nil
	case nil:
		return jvalue{kind: jNull}, nil
	case json.Delim:
		if depth >= maxDepth {
			return jvalue{}, fmt.Errorf("nesting deeper than %d levels", maxDepth)
		}
		switch t {
		case '{':
			v := jvalue{kind: jObject}
			seen := make(map[string]bool)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jvalue{}, err
				}
				key, ok := kt.(string)
				if !ok {
					return jvalue{}, fmt.Errorf("object key is not a string")
				}
				if seen[key] {
					return jvalue{}, fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				mv, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.obj = append(v.obj, jmember{key: key, val: mv})
			}
			if _, err := dec.Token(); err != nil { // '}'
				return jvalue{}, err
			}
			return v, nil
		case '[':
			v := jvalue{kind: jArray}
			for dec.More() {
				ev, err := readValue(dec, depth+1)
				if err != nil {
					return jvalue{}, err
				}
				v.arr = append(v.arr, ev)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return jvalue{}, err
			}
			return v, nil
		}
	}
	return jvalue{}, fmt.Errorf("unexpected token %v", tok)
}
