package iampolicy

import (
	"fmt"
	"strconv"
	"strings"
)

// Request is one API call to check against identity policies.
type Request struct {
	// Action is the IAM action, such as "kinesis:PutRecord". Actions are
	// compared case-insensitively.
	Action string
	// Resource is the resource ARN, compared case-sensitively.
	Resource string
	// Context holds condition keys and their values, such as
	// "aws:SourceAccount": {"111122223333"}. A key missing from the map is
	// unknown; a key present with no values is known to be absent from the
	// request. Keys are compared case-insensitively.
	Context map[string][]string
}

// Effect is the outcome of an evaluation.
type Effect int

const (
	// ImplicitDeny means no statement allows the request (and none denies it).
	ImplicitDeny Effect = iota
	// Allowed means a statement allows the request and none denies it.
	Allowed
	// ExplicitDeny means a Deny statement applies to the request.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allowed" or "ExplicitDeny".
func (e Effect) String() string {
	switch e {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allowed:
		return "Allowed"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return fmt.Sprintf("Effect(%d)", int(e))
}

// StatementRef identifies the statement that decided a request.
type StatementRef struct {
	// Policy is the 0-based index of the document in the slice passed to
	// Evaluate (always 0 for TrustsService).
	Policy int
	// PolicyName is the document's Name, if the caller set one.
	PolicyName string
	// Index is the 0-based index of the statement within its document.
	Index int
	// Sid is the statement's Sid, if it has one.
	Sid string
}

// String describes the statement for people, numbering from 1:
// `statement "DenyPut" (policy 2)`, or `statement 3 (policy "KinesisWrite")`
// when the statement has no Sid and the document has a Name.
func (r StatementRef) String() string {
	var b strings.Builder
	b.WriteString("statement ")
	if r.Sid != "" {
		b.WriteString(strconv.Quote(r.Sid))
	} else {
		b.WriteString(strconv.Itoa(r.Index + 1))
	}
	b.WriteString(" (policy ")
	if r.PolicyName != "" {
		b.WriteString(strconv.Quote(r.PolicyName))
	} else {
		b.WriteString(strconv.Itoa(r.Policy + 1))
	}
	b.WriteString(")")
	return b.String()
}

// Decision is the result of Evaluate or TrustsService.
type Decision struct {
	// Effect is the outcome.
	Effect Effect
	// Statement is the statement that decided: the Deny for ExplicitDeny,
	// the Allow for Allowed, nil for ImplicitDeny.
	Statement *StatementRef
	// Conditional is set when the deciding statement only might apply
	// because something in it could not be evaluated (see Unknown). An
	// ImplicitDeny is never conditional.
	Conditional bool
	// Unknown lists, for a conditional decision, what could not be
	// evaluated, such as "StringEquals aws:SourceAccount (key not in request
	// context)".
	Unknown []string
}

// String describes the decision for people, for example
// `explicitly denied by statement "DenyPut" (policy 2)`.
func (d Decision) String() string {
	var b strings.Builder
	switch d.Effect {
	case Allowed:
		b.WriteString("allowed")
	case ExplicitDeny:
		b.WriteString("explicitly denied")
	case ImplicitDeny:
		b.WriteString("implicitly denied: no statement allows it")
	default:
		b.WriteString(d.Effect.String())
	}
	if d.Statement != nil {
		b.WriteString(" by ")
		b.WriteString(d.Statement.String())
	}
	if d.Conditional {
		b.WriteString("; conditional")
		if len(d.Unknown) > 0 {
			b.WriteString(" on: ")
			b.WriteString(strings.Join(d.Unknown, "; "))
		}
	}
	return b.String()
}

// Evaluate decides whether identity policies allow req, as IAM does within
// one account with no permissions boundary, session policy or SCP: any
// matching Deny gives ExplicitDeny, otherwise any matching Allow gives
// Allowed, otherwise ImplicitDeny. Nil documents are skipped.
//
// A statement that only might match (see the package documentation) is
// taken as matching, with Conditional set; a statement that definitely
// matches is preferred over one that might, so an unconditional decision is
// reported whenever there is one. Statements with a Principal or NotPrincipal
// element (which identity policies cannot have) only might match.
func Evaluate(docs []*Document, req Request) Decision {
	t := target{
		action:   []rune(strings.ToLower(req.Action)),
		resource: []rune(req.Resource),
		ctx:      req.Context,
	}
	return decide(docs, &t)
}

// TrustsService decides whether the role trust policy doc lets the service
// principal service (such as "cloudfront.amazonaws.com") call
// sts:AssumeRole. A statement names the service if its Principal is "*",
// {"AWS": "*"} or lists the service under "Service" (compared
// case-insensitively); NotPrincipal inverts that. Actions may use wildcards.
// A Deny that applies to the service wins over any Allow. Conditions are
// evaluated against ctx as in Evaluate. A Resource element, which trust
// policies do not normally have, matches when it is "*" and otherwise only
// might match, because the role's ARN is not known here.
func TrustsService(doc *Document, service string, ctx map[string][]string) Decision {
	t := target{
		action:  []rune("sts:assumerole"),
		ctx:     ctx,
		trust:   true,
		service: service,
	}
	return decide([]*Document{doc}, &t)
}

// target is what a statement is matched against.
type target struct {
	action   []rune // lowercased
	resource []rune
	ctx      map[string][]string
	trust    bool // trust policy: match service as principal, resource unknown
	service  string
}

func decide(docs []*Document, t *target) Decision {
	var maybeDeny, allow, maybeAllow *Decision
	for i, d := range docs {
		if d == nil {
			continue
		}
		for j := range d.statements {
			s := &d.statements[j]
			r, why := s.eval(t)
			if r == no {
				continue
			}
			dec := Decision{
				Statement:   &StatementRef{Policy: i, PolicyName: d.Name, Index: j, Sid: s.sid},
				Conditional: r == maybe,
				Unknown:     why,
			}
			switch {
			case s.deny && r == yes:
				dec.Effect = ExplicitDeny
				return dec
			case s.deny:
				if maybeDeny == nil {
					dec.Effect = ExplicitDeny
					maybeDeny = &dec
				}
			case r == yes:
				if allow == nil {
					dec.Effect = Allowed
					allow = &dec
				}
			default:
				if maybeAllow == nil {
					dec.Effect = Allowed
					maybeAllow = &dec
				}
			}
		}
	}
	switch {
	case maybeDeny != nil:
		return *maybeDeny
	case allow != nil:
		return *allow
	case maybeAllow != nil:
		return *maybeAllow
	}
	return Decision{Effect: ImplicitDeny}
}

// eval matches the statement against t, ignoring its Effect. For maybe it
// also lists what could not be evaluated.
func (s *statement) eval(t *target) (tri, []string) {
	am := no
	for _, a := range s.actions {
		if globMatch(a, t.action) {
			am = yes
			break
		}
	}
	if s.notAc {
		am = not(am)
	}
	if am == no {
		return no, nil
	}

	res := yes
	var why []string
	add := func(r tri, w string) bool {
		switch r {
		case no:
			return false
		case maybe:
			res = maybe
			if w != "" {
				why = append(why, w)
			}
		}
		return true
	}
	if !add(s.matchResource(t)) || !add(s.matchPrincipal(t)) {
		return no, nil
	}
	for i := range s.conds {
		if !add(s.conds[i].eval(t.ctx)) {
			return no, nil
		}
	}
	if res == yes {
		why = nil
	}
	return res, why
}

func (s *statement) matchResource(t *target) (tri, string) {
	name := "Resource"
	if s.notRes {
		name = "NotResource"
	}
	if s.resources == nil {
		if t.trust {
			return yes, "" // trust policies apply to the role they are attached to
		}
		return maybe, "Resource (statement has none)"
	}
	r, why := no, ""
	if t.trust {
		r, why = maybe, name+" (the role's own ARN is not known)"
		for i := range s.resources {
			if rt := &s.resources[i]; rt.parts == nil && strings.Trim(rt.raw, "*") == "" {
				r = yes
				break
			}
		}
	} else {
		for i := range s.resources {
			p := s.resources[i].resolve(t.ctx)
			if p.state == maybe {
				r, why = maybe, name+" ("+p.why+")"
				continue
			}
			if p.state == yes && globMatch(p.units, t.resource) {
				r = yes
				break
			}
		}
	}
	if s.notRes {
		r = not(r)
	}
	if r != maybe {
		why = ""
	}
	return r, why
}

func (s *statement) matchPrincipal(t *target) (tri, string) {
	name := "Principal"
	if s.notPrinc {
		name = "NotPrincipal"
	}
	if !t.trust {
		if s.principal == nil {
			return yes, ""
		}
		return maybe, name + " (not evaluated for identity policies)"
	}
	if s.principal == nil {
		return maybe, "Principal (statement has none)"
	}
	m := s.principal.matchesService(t.service)
	if s.notPrinc {
		m = !m
	}
	return boolTri(m), ""
}

func (p *principal) matchesService(service string) bool {
	if p.any {
		return true
	}
	for _, a := range p.byType["AWS"] {
		if a == "*" {
			return true
		}
	}
	for _, s := range p.byType["Service"] {
		if strings.EqualFold(s, service) {
			return true
		}
	}
	return false
}
