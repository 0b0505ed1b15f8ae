package iampolicy

import (
	"strings"
)

// tri is a three-valued truth value: a statement element matches, does not
// match, or cannot be decided from what the caller told us.
type tri uint8

const (
	no tri = iota
	yes
	maybe
)

func not(t tri) tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return maybe
}

func boolTri(b bool) tri {
	if b {
		return yes
	}
	return no
}

// Glob patterns are compiled to rune slices in which these two negative
// values stand for the wildcards; every other element is a literal rune.
const (
	anyRun rune = -1 // '*': any sequence of characters, including ':' and '/'
	anyOne rune = -2 // '?': exactly one character
)

// compileGlob turns a pattern in which '*' and '?' are wildcards into units.
func compileGlob(p string) []rune {
	u := make([]rune, 0, len(p))
	for _, r := range p {
		switch r {
		case '*':
			u = append(u, anyRun)
		case '?':
			u = append(u, anyOne)
		default:
			u = append(u, r)
		}
	}
	return u
}

// globMatch reports whether s matches the compiled pattern p. It runs in
// O(len(p)·len(s)) time in the worst case and never recurses.
func globMatch(p, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == anyOne || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == anyRun:
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == anyRun {
		pi++
	}
	return pi == len(p)
}

// arnMatch implements ArnEquals/ArnLike: when both the pattern and the value
// have the six colon-separated ARN components, each component is matched on
// its own (so a wildcard cannot span a ':' before the resource part);
// otherwise the whole strings are matched as a glob.
func arnMatch(p, s []rune) bool {
	pp, ok1 := splitARN(p)
	sp, ok2 := splitARN(s)
	if !ok1 || !ok2 {
		return globMatch(p, s)
	}
	for i := range pp {
		if !globMatch(pp[i], sp[i]) {
			return false
		}
	}
	return true
}

func splitARN(u []rune) ([6][]rune, bool) {
	var parts [6][]rune
	n, start := 0, 0
	for i, r := range u {
		if r == ':' && n < 5 {
			parts[n] = u[start:i]
			n++
			start = i + 1
		}
	}
	if n < 5 {
		return parts, false
	}
	parts[5] = u[start:]
	return parts, true
}

// template is a Resource/NotResource entry or a condition value, possibly
// containing policy variables (${aws:username}, ${*}, ${key, 'default'}).
type template struct {
	raw   string
	units []rune  // compiled glob of raw; used when parts == nil
	parts []tpart // nil when raw has no policy variables
}

type tpartKind uint8

const (
	partRaw tpartKind = iota // policy text: '*' and '?' are wildcards
	partLit                  // literal text: from ${*}, ${?}, ${$} or a variable's value
	partVar                  // ${key} or ${key, 'default'}
)

type tpart struct {
	kind   tpartKind
	s      string // text, or the variable's key
	def    string
	hasDef bool
}

// newTemplate compiles s. Policy variables are recognised only when vars is
// true (policy Version 2012-10-17); otherwise "${...}" is literal text, as
// in IAM.
func newTemplate(s string, vars bool) template {
	t := template{raw: s}
	if vars && strings.Contains(s, "${") {
		t.parts = parseVars(s)
	}
	if t.parts == nil {
		t.units = compileGlob(s)
	}
	return t
}

// parseVars splits s into parts, or returns nil if it holds no well-formed
// variable.
func parseVars(s string) []tpart {
	var parts []tpart
	found := false
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+2:], '}')
		if j < 0 {
			break
		}
		inner := rest[i+2 : i+2+j]
		var p tpart
		switch inner {
		case "*", "?", "$":
			p = tpart{kind: partLit, s: inner}
		default:
			key, def, hasDef := strings.Cut(inner, ",")
			key = strings.TrimSpace(key)
			if key == "" {
				// Not a variable: keep "${" as text and look further on.
				parts = append(parts, tpart{kind: partRaw, s: rest[:i+2]})
				rest = rest[i+2:]
				continue
			}
			p = tpart{kind: partVar, s: key}
			if hasDef {
				def = strings.TrimSpace(def)
				if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
					def = def[1 : len(def)-1]
				}
				p.def, p.hasDef = def, true
			}
		}
		if i > 0 {
			parts = append(parts, tpart{kind: partRaw, s: rest[:i]})
		}
		parts = append(parts, p)
		found = true
		rest = rest[i+2+j+1:]
	}
	if !found {
		return nil
	}
	if rest != "" {
		parts = append(parts, tpart{kind: partRaw, s: rest})
	}
	return parts
}

// resolved is a template with its variables substituted.
type resolved struct {
	state tri    // yes: usable; no: a variable has no usable value (never matches); maybe: unknown
	why   string // for maybe
	text  string // for exact comparisons
	units []rune // for glob comparisons
}

// resolve substitutes policy variables from ctx. A variable whose key is not
// in ctx is unknown; one whose key is present with no value takes its default
// or, without one, makes the template match nothing (as in IAM); one with
// several values also matches nothing, since IAM does not substitute
// multivalued keys.
func (t *template) resolve(ctx map[string][]string) resolved {
	if t.parts == nil {
		return resolved{state: yes, text: t.raw, units: t.units}
	}
	var text strings.Builder
	var units []rune
	for _, p := range t.parts {
		switch p.kind {
		case partRaw:
			text.WriteString(p.s)
			units = append(units, compileGlob(p.s)...)
			continue
		case partLit:
			text.WriteString(p.s)
			units = append(units, []rune(p.s)...)
			continue
		}
		vals, ok := lookup(ctx, p.s)
		if !ok {
			return resolved{state: maybe, why: "policy variable ${" + p.s + "} not in request context"}
		}
		var v string
		switch {
		case len(vals) == 1:
			v = vals[0]
		case len(vals) == 0 && p.hasDef:
			v = p.def
		default:
			return resolved{state: no}
		}
		text.WriteString(v)
		units = append(units, []rune(v)...)
	}
	return resolved{state: yes, text: text.String(), units: units}
}

// lookup finds a condition key in ctx, ignoring case as IAM does. Values of
// keys that differ only in case are merged.
func lookup(ctx map[string][]string, key string) ([]string, bool) {
	if v, ok := ctx[key]; ok && len(ctx) == 1 {
		return v, true
	}
	var out []string
	found := false
	for k, v := range ctx {
		if !strings.EqualFold(k, key) {
			continue
		}
		if !found {
			out = v
		} else {
			out = append(out[:len(out):len(out)], v...)
		}
		found = true
	}
	return out, found
}
