package sts

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"time"

	"github.com/cloudassure/cloudassure/internal/iampolicy"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// roleService is the service whose per-account state holds the roles
// (a core.RoleFinder).
const roleService = "iam"

// stsExternalIDRe is the pattern AWS gives ExternalId.
var stsExternalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]*$`)

// assumeRole hands out temporary credentials for a role of any account the
// emulator serves, when the role exists (at the ARN's path) and its trust
// policy allows the caller, with the sts:ExternalId the request gives;
// anything else is AccessDenied, as AWS answers. The credentials act in the
// role's account.
func (s *stsService) assumeRole(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	roleARN, err := p.Matching("RoleArn", nil, 20, 2048, true)
	if err != nil {
		return nil, err
	}
	session, err := p.Matching("RoleSessionName", stsSessionNameRe, 2, 64, true)
	if err != nil {
		return nil, err
	}
	duration, err := p.Integer("DurationSeconds", 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	externalID, err := p.Matching("ExternalId", stsExternalIDRe, 2, 1224, false)
	if err != nil {
		return nil, err
	}
	if policy := p.Get("Policy"); policy != "" {
		var v map[string]any
		if json.Unmarshal([]byte(policy), &v) != nil {
			return nil, core.QueryErr("MalformedPolicyDocument", "The policy is not in the valid JSON format.")
		}
	}
	m := stsRoleARNRe.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, core.QueryErr("ValidationError", "%s is invalid", roleARN)
	}
	c := rc.Caller
	denied := core.QueryErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.ARN(), roleARN)
	target, ok := s.s.LookupAccount(m[1])
	if !ok {
		return nil, denied
	}

	roles, ok := target.State(roleService).(core.RoleFinder)
	if !ok {
		return nil, denied
	}
	role, ok := roles.FindRole(m[3])
	if !ok || role.ARN != roleARN {
		return nil, denied
	}
	if !trustAllows(role.Trust, c, roleARN, externalID) {
		return nil, denied
	}
	if c.Session != nil && duration > 3600 {
		// Role chaining limits a session to one hour.
		return nil, core.QueryErr("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > role.MaxSession {
		return nil, core.QueryErr("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	now := s.s.Now()
	sess := &core.Session{
		Account:       target.ID(),
		RoleARN:       roleARN,
		AssumedRoleID: role.ID + ":" + session,
		ARN:           "arn:aws:sts::" + target.ID() + ":assumed-role/" + role.Name + "/" + session,
		Expires:       now.Add(time.Duration(duration) * time.Second),
	}
	keyID := "ASIA" + s.s.RandomID(core.UpperAlnum, 16)
	s.s.AddSession(keyID, sess)
	return struct {
		Credentials     stsCredentialsXML
		AssumedRoleUser stsAssumedRoleUserXML
	}{
		Credentials: stsCredentialsXML{
			AccessKeyId:     keyID,
			SecretAccessKey: s.s.RandomID(stsSecretAlphabet, 40),
			SessionToken:    base64.StdEncoding.EncodeToString([]byte(s.s.RandomID(stsSecretAlphabet, 240))),
			Expiration:      core.QueryTime(sess.Expires),
		},
		AssumedRoleUser: stsAssumedRoleUserXML{AssumedRoleId: sess.AssumedRoleID, Arn: sess.ARN},
	}, nil
}

// trustAllows evaluates a role's trust policy for an sts:AssumeRole call by
// caller: a Deny whose principal names the caller wins; otherwise an Allow
// whose principal names the caller and whose conditions hold (against
// sts:ExternalId, aws:PrincipalAccount and aws:PrincipalArn) allows.
// Conditions on keys the request does not carry do not hold.
func trustAllows(doc string, c core.Caller, roleARN, externalID string) bool {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return false
		}
		stmts = []map[string]json.RawMessage{one}
	}
	ctx := map[string][]string{
		"aws:PrincipalAccount": {c.Account.ID()},
		"aws:PrincipalArn":     {c.PrincipalARN()},
		"sts:ExternalId":       {},
	}
	if externalID != "" {
		ctx["sts:ExternalId"] = []string{externalID}
	}
	allowed := false
	for _, st := range stmts {
		names := principalNames(st, c)
		if !names {
			continue
		}
		// The principal matches: let the policy evaluator decide action and
		// conditions on the statement without its principal.
		delete(st, "Principal")
		delete(st, "NotPrincipal")
		if _, ok := st["Resource"]; !ok {
			if _, ok := st["NotResource"]; !ok {
				st["Resource"] = json.RawMessage(`"*"`)
			}
		}
		b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
		if err != nil {
			continue
		}
		pd, err := iampolicy.Parse(string(b))
		if err != nil {
			continue
		}
		dec := iampolicy.Evaluate([]*iampolicy.Document{pd}, iampolicy.Request{Action: "sts:AssumeRole", Resource: roleARN, Context: ctx})
		switch {
		case dec.Effect == iampolicy.ExplicitDeny && !dec.Conditional:
			return false
		case dec.Effect == iampolicy.Allowed && !dec.Conditional:
			allowed = true
		}
	}
	return allowed
}

// principalNames reports whether a trust policy statement's Principal (or
// NotPrincipal) applies to caller: "*", {"AWS": "*"}, the caller's account
// ID or root ARN, the user's ARN, or the role (or session) ARN of a role
// session.
func principalNames(st map[string]json.RawMessage, c core.Caller) bool {
	raw, not := st["NotPrincipal"]
	if !not {
		var ok bool
		if raw, ok = st["Principal"]; !ok {
			return false
		}
	}
	match := func() bool {
		var star string
		if json.Unmarshal(raw, &star) == nil {
			return star == "*"
		}
		var byType map[string]json.RawMessage
		if json.Unmarshal(raw, &byType) != nil {
			return false
		}
		var list []string
		if json.Unmarshal(byType["AWS"], &list) != nil {
			var one string
			if json.Unmarshal(byType["AWS"], &one) != nil {
				return false
			}
			list = []string{one}
		}
		for _, p := range list {
			switch p {
			case "*", c.Account.ID(), "arn:aws:iam::" + c.Account.ID() + ":root", c.PrincipalARN(), c.ARN():
				return true
			}
		}
		return false
	}()
	if not {
		return !match
	}
	return match
}
