package iampolicy

import (
	"strings"
)

type opKind uint8

const (
	opUnsupported opKind = iota
	opStringEquals
	opStringEqualsIgnoreCase
	opStringLike
	opArnLike // ArnEquals and ArnLike behave identically in IAM
	opBool
	opNull
)

type setKind uint8

const (
	setNone setKind = iota
	setAnyValue
	setAllValues
)

// operator is a parsed condition operator name such as
// "ForAnyValue:StringNotLikeIfExists".
type operator struct {
	kind     opKind
	negated  bool
	set      setKind
	ifExists bool
}

var baseOperators = map[string]operator{
	"StringEquals":              {kind: opStringEquals},
	"StringNotEquals":           {kind: opStringEquals, negated: true},
	"StringEqualsIgnoreCase":    {kind: opStringEqualsIgnoreCase},
	"StringNotEqualsIgnoreCase": {kind: opStringEqualsIgnoreCase, negated: true},
	"StringLike":                {kind: opStringLike},
	"StringNotLike":             {kind: opStringLike, negated: true},
	"ArnEquals":                 {kind: opArnLike},
	"ArnLike":                   {kind: opArnLike},
	"ArnNotEquals":              {kind: opArnLike, negated: true},
	"ArnNotLike":                {kind: opArnLike, negated: true},
	"Bool":                      {kind: opBool},
	"Null":                      {kind: opNull},
}

// parseOperator recognises the supported operators with an optional
// ForAnyValue:/ForAllValues: prefix and IfExists suffix. Anything else
// (NumericLessThan, DateGreaterThan, IpAddress, ... or a misspelling) is
// opUnsupported and evaluates as unknown.
func parseOperator(name string) operator {
	set := setNone
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		set, name = setAnyValue, strings.TrimPrefix(name, "ForAnyValue:")
	case strings.HasPrefix(name, "ForAllValues:"):
		set, name = setAllValues, strings.TrimPrefix(name, "ForAllValues:")
	}
	ifExists := false
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		name, ifExists = base, true
	}
	op, ok := baseOperators[name]
	if !ok || (op.kind == opNull && (set != setNone || ifExists)) {
		return operator{}
	}
	op.set, op.ifExists = set, ifExists
	return op
}

// condition is one operator/key pair of a Condition block with its values.
type condition struct {
	opName string
	op     operator
	key    string
	values []template
}

func (c *condition) describe(why string) string {
	return c.opName + " " + c.key + " (" + why + ")"
}

// eval evaluates the condition against ctx. For maybe it also says why.
//
// Semantics, following IAM: the values listed for a key are ORed (NORed for
// negated operators); without a set prefix a multivalued request key matches
// a positive operator if any of its values matches, and a negated operator if
// none does; ForAnyValue needs one request value to satisfy the operator and
// is false for an empty set; ForAllValues needs every request value to
// satisfy it and is true for an empty set. A key present in ctx with no
// values is absent from the request: positive operators fail, negated ones
// and IfExists pass.
func (c *condition) eval(ctx map[string][]string) (tri, string) {
	if c.op.kind == opUnsupported {
		return maybe, c.describe("unsupported operator")
	}
	vals, present := lookup(ctx, c.key)
	if !present {
		if c.op.ifExists {
			return yes, ""
		}
		return maybe, c.describe("key not in request context")
	}
	if c.op.ifExists && len(vals) == 0 {
		return yes, ""
	}

	pvs := make([]resolved, len(c.values))
	for i := range c.values {
		pvs[i] = c.values[i].resolve(ctx)
	}
	why := ""
	for _, pv := range pvs {
		if pv.state == maybe {
			why = c.describe(pv.why)
			break
		}
	}

	if c.op.kind == opNull {
		// Null: "true" means the key must be absent, "false" present.
		res := no
		for _, pv := range pvs {
			switch pv.state {
			case maybe:
				res = maybe
			case yes:
				if strings.EqualFold(pv.text, "true") == (len(vals) == 0) {
					return yes, ""
				}
			}
		}
		return res, why
	}

	// matchOne: does request value cv match any policy value?
	matchOne := func(cv string) tri {
		res := no
		var cvRunes []rune
		for _, pv := range pvs {
			switch pv.state {
			case no:
				continue
			case maybe:
				res = maybe
				continue
			}
			var m bool
			switch c.op.kind {
			case opStringEquals:
				m = cv == pv.text
			case opStringEqualsIgnoreCase, opBool:
				m = strings.EqualFold(cv, pv.text)
			case opStringLike, opArnLike:
				if cvRunes == nil {
					cvRunes = []rune(cv)
				}
				if c.op.kind == opStringLike {
					m = globMatch(pv.units, cvRunes)
				} else {
					m = arnMatch(pv.units, cvRunes)
				}
			}
			if m {
				return yes
			}
		}
		return res
	}
	perValue := func(cv string) tri {
		if c.op.negated {
			return not(matchOne(cv))
		}
		return matchOne(cv)
	}

	all := c.op.set == setAllValues || (c.op.set == setNone && c.op.negated)
	var res tri
	if all {
		res = yes
		for _, cv := range vals {
			switch perValue(cv) {
			case no:
				return no, ""
			case maybe:
				res = maybe
			}
		}
	} else {
		res = no
		for _, cv := range vals {
			switch perValue(cv) {
			case yes:
				return yes, ""
			case maybe:
				res = maybe
			}
		}
	}
	if res != maybe {
		why = ""
	}
	return res, why
}
