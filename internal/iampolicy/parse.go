package iampolicy

import (
	"errors"
	"fmt"
	"strings"
)

// Document is a parsed IAM policy document. Create one with Parse; the zero
// value is an empty policy that allows nothing.
type Document struct {
	// Name labels the policy in messages (for example the inline policy
	// name or the managed policy ARN). Parse leaves it empty; set it if you
	// want StatementRef.String to name the policy instead of numbering it.
	Name string

	version    string
	statements []statement
}

// Version returns the policy's Version element, or "" if it had none.
func (d *Document) Version() string { return d.version }

// Len returns the number of statements in the policy.
func (d *Document) Len() int { return len(d.statements) }

type statement struct {
	sid   string
	deny  bool
	notAc bool // actions came from NotAction
	// actions are lowercased compiled globs.
	actions [][]rune
	// resources is nil when the statement has neither Resource nor
	// NotResource; notRes says which of the two it had.
	resources []template
	notRes    bool
	principal *principal
	notPrinc  bool // principal came from NotPrincipal
	conds     []condition
}

// principal is a Principal or NotPrincipal element.
type principal struct {
	any    bool                // "*"
	byType map[string][]string // "AWS", "Service", "Federated", "CanonicalUser"
}

const (
	version2012 = "2012-10-17"
	version2008 = "2008-10-17"
)

// Parse parses a JSON IAM policy document.
//
// Version is optional ("2012-10-17" or "2008-10-17"); policy variables such
// as ${aws:username} are recognised only under 2012-10-17, as in IAM.
// Statement may be a single object or an array. Action, NotAction, Resource
// and NotResource may be a string or an array of strings. Principal and
// NotPrincipal may be "*" or an object mapping AWS, Service, Federated or
// CanonicalUser to a string or an array. Condition maps operator → key →
// value(s); values may be strings, numbers or booleans. Unknown elements,
// duplicate keys and malformed shapes are errors; error messages number
// statements from 1.
func Parse(doc string) (*Document, error) {
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != jObject {
		return nil, fmt.Errorf("iampolicy: policy must be a JSON object, got %s", root.describe())
	}
	d := &Document{}
	var stmts *jvalue
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != jString || (m.val.str != version2012 && m.val.str != version2008) {
				return nil, fmt.Errorf("iampolicy: Version must be %q or %q, got %s", version2012, version2008, m.val.describe())
			}
			d.version = m.val.str
		case "Id":
			if m.val.kind != jString {
				return nil, fmt.Errorf("iampolicy: Id must be a string, got %s", m.val.describe())
			}
		case "Statement":
			stmts = &m.val
		default:
			return nil, fmt.Errorf("iampolicy: unknown top-level element %q", m.key)
		}
	}
	if stmts == nil {
		return nil, errors.New("iampolicy: policy has no Statement")
	}
	var items []jvalue
	switch stmts.kind {
	case jObject:
		items = []jvalue{*stmts}
	case jArray:
		items = stmts.arr
	default:
		return nil, fmt.Errorf("iampolicy: Statement must be an object or an array of objects, got %s", stmts.describe())
	}
	vars := d.version == version2012
	d.statements = make([]statement, 0, len(items))
	for i, it := range items {
		st, err := parseStatement(it, vars)
		if err != nil {
			label := fmt.Sprintf("statement %d", i+1)
			if sid := sidOf(it); sid != "" {
				label += fmt.Sprintf(" (Sid %q)", sid)
			}
			return nil, fmt.Errorf("iampolicy: %s: %w", label, err)
		}
		d.statements = append(d.statements, st)
	}
	return d, nil
}

func sidOf(v jvalue) string {
	for _, m := range v.obj {
		if m.key == "Sid" && m.val.kind == jString {
			return m.val.str
		}
	}
	return ""
}

func parseStatement(v jvalue, vars bool) (statement, error) {
	var st statement
	if v.kind != jObject {
		return st, fmt.Errorf("must be a JSON object, got %s", v.describe())
	}
	var (
		hasEffect bool
		actions   []string
		notAct    []string
		res       []string
		notRes    []string
		prin      *principal
		notPrin   *principal
		err       error
	)
	for _, m := range v.obj {
		switch m.key {
		case "Sid":
			if m.val.kind != jString {
				return st, fmt.Errorf("Sid must be a string, got %s", m.val.describe())
			}
			st.sid = m.val.str
		case "Effect":
			if m.val.kind != jString || (m.val.str != "Allow" && m.val.str != "Deny") {
				return st, fmt.Errorf("Effect must be Allow or Deny, got %s", m.val.describe())
			}
			st.deny = m.val.str == "Deny"
			hasEffect = true
		case "Action":
			actions, err = actionList(m.key, m.val)
		case "NotAction":
			notAct, err = actionList(m.key, m.val)
		case "Resource":
			res, err = stringList(m.key, m.val)
		case "NotResource":
			notRes, err = stringList(m.key, m.val)
		case "Principal":
			prin, err = parsePrincipal(m.key, m.val)
		case "NotPrincipal":
			notPrin, err = parsePrincipal(m.key, m.val)
		case "Condition":
			st.conds, err = parseConditions(m.val, vars)
		default:
			return st, fmt.Errorf("unknown element %q", m.key)
		}
		if err != nil {
			return st, err
		}
	}
	switch {
	case !hasEffect:
		return st, errors.New("missing Effect")
	case actions != nil && notAct != nil:
		return st, errors.New("has both Action and NotAction")
	case actions == nil && notAct == nil:
		return st, errors.New("missing Action or NotAction")
	case res != nil && notRes != nil:
		return st, errors.New("has both Resource and NotResource")
	case prin != nil && notPrin != nil:
		return st, errors.New("has both Principal and NotPrincipal")
	}
	if notAct != nil {
		actions, st.notAc = notAct, true
	}
	for _, a := range actions {
		st.actions = append(st.actions, compileGlob(strings.ToLower(a)))
	}
	if notRes != nil {
		res, st.notRes = notRes, true
	}
	for _, r := range res {
		st.resources = append(st.resources, newTemplate(r, vars))
	}
	st.principal = prin
	if notPrin != nil {
		st.principal, st.notPrinc = notPrin, true
	}
	return st, nil
}

// stringList accepts a string or a non-empty array of non-empty strings.
func stringList(name string, v jvalue) ([]string, error) {
	switch v.kind {
	case jString:
		if v.str == "" {
			return nil, fmt.Errorf("%s must not be empty", name)
		}
		return []string{v.str}, nil
	case jArray:
		if len(v.arr) == 0 {
			return nil, fmt.Errorf("%s must not be an empty array", name)
		}
		out := make([]string, 0, len(v.arr))
		for i, e := range v.arr {
			if e.kind != jString {
				return nil, fmt.Errorf("%s[%d] must be a string, got %s", name, i, e.describe())
			}
			if e.str == "" {
				return nil, fmt.Errorf("%s[%d] must not be empty", name, i)
			}
			out = append(out, e.str)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s must be a string or an array of strings, got %s", name, v.describe())
}

// actionList is stringList plus a shape check: "*" or "service:action".
func actionList(name string, v jvalue) ([]string, error) {
	list, err := stringList(name, v)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a == "*" {
			continue
		}
		svc, op, ok := strings.Cut(a, ":")
		if !ok || svc == "" || op == "" {
			return nil, fmt.Errorf("%s %q must be \"*\" or \"service:action\"", name, a)
		}
	}
	return list, nil
}

var principalTypes = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}

func parsePrincipal(name string, v jvalue) (*principal, error) {
	switch v.kind {
	case jString:
		if v.str != "*" {
			return nil, fmt.Errorf("%s must be \"*\" or an object, got %s", name, v.describe())
		}
		return &principal{any: true}, nil
	case jObject:
		if len(v.obj) == 0 {
			return nil, fmt.Errorf("%s must not be an empty object", name)
		}
		p := &principal{byType: make(map[string][]string, len(v.obj))}
		for _, m := range v.obj {
			if !principalTypes[m.key] {
				return nil, fmt.Errorf("%s has unknown principal type %q (want AWS, Service, Federated or CanonicalUser)", name, m.key)
			}
			list, err := stringList(name+"."+m.key, m.val)
			if err != nil {
				return nil, err
			}
			p.byType[m.key] = list
		}
		return p, nil
	}
	return nil, fmt.Errorf("%s must be \"*\" or an object, got %s", name, v.describe())
}

func parseConditions(v jvalue, vars bool) ([]condition, error) {
	if v.kind != jObject {
		return nil, fmt.Errorf("Condition must be an object, got %s", v.describe())
	}
	var out []condition
	for _, opm := range v.obj {
		if opm.key == "" {
			return nil, errors.New("Condition has an empty operator name")
		}
		if opm.val.kind != jObject {
			return nil, fmt.Errorf("Condition %s must be an object of condition keys, got %s", opm.key, opm.val.describe())
		}
		op := parseOperator(opm.key)
		for _, km := range opm.val.obj {
			if km.key == "" {
				return nil, fmt.Errorf("Condition %s has an empty condition key", opm.key)
			}
			vals, err := conditionValues(km.val)
			if err != nil {
				return nil, fmt.Errorf("Condition %s %s: %v", opm.key, km.key, err)
			}
			c := condition{opName: opm.key, op: op, key: km.key}
			for _, s := range vals {
				c.values = append(c.values, newTemplate(s, vars))
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues accepts a scalar or an array of scalars; numbers and
// booleans become their JSON text.
func conditionValues(v jvalue) ([]string, error) {
	switch v.kind {
	case jString, jNumber, jBool:
		return []string{v.str}, nil
	case jArray:
		out := make([]string, 0, len(v.arr))
		for i, e := range v.arr {
			switch e.kind {
			case jString, jNumber, jBool:
				out = append(out, e.str)
			default:
				return nil, fmt.Errorf("value [%d] must be a string, number or boolean, got %s", i, e.describe())
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("value must be a string, number, boolean or an array of them, got %s", v.describe())
}
