package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/iampolicy"
)

// stsExternalIDRe is the pattern AWS gives ExternalId.
var stsExternalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]*$`)

// stsSession is a role session handed out by AssumeRole. Its credentials act
// in the role's account.
type stsSession struct {
	account       string // the role's account
	roleARN       string
	assumedRoleID string // RoleId:session
	arn           string // arn:aws:sts::account:assumed-role/name/session
	expires       time.Time
}

// expiredSession answers ExpiredToken to a request signed with the
// credentials of a session that has expired, as every AWS service does. It
// reports whether it wrote a response.
func (s *Server) expiredSession(w http.ResponseWriter, proto protocol, rc *reqContext) bool {
	sess := rc.caller.session
	if sess == nil || s.now().Before(sess.expires) {
		return false
	}
	const msg = "The security token included in the request is expired"
	switch proto {
	case protoKinesis, protoOrganizations:
		writeKinesisError(w, rc, http.StatusBadRequest, "ExpiredTokenException", msg)
	case protoCloudFront:
		writeCloudFrontError(w, rc, http.StatusForbidden, "ExpiredToken", msg)
	default:
		writeQueryError(w, proto, rc, http.StatusForbidden, "ExpiredToken", msg)
	}
	return true
}

// assumeRole hands out temporary credentials for a role of any account the
// emulator serves, when the role exists (at the ARN's path) and its trust
// policy allows the caller, with the sts:ExternalId the request gives;
// anything else is AccessDenied, as AWS answers. The credentials act in the
// role's account.
func (s *Server) assumeRole(p iamParams, rc *reqContext) (any, *iamError) {
	roleARN, err := p.matching("RoleArn", nil, 20, 2048, true)
	if err != nil {
		return nil, err
	}
	session, err := p.matching("RoleSessionName", stsSessionNameRe, 2, 64, true)
	if err != nil {
		return nil, err
	}
	duration, err := p.integer("DurationSeconds", 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	externalID, err := p.matching("ExternalId", stsExternalIDRe, 2, 1224, false)
	if err != nil {
		return nil, err
	}
	if policy := p.get("Policy"); policy != "" {
		var v map[string]any
		if json.Unmarshal([]byte(policy), &v) != nil {
			return nil, iamErr("MalformedPolicyDocument", "The policy is not in the valid JSON format.")
		}
	}
	m := stsRoleARNRe.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, iamErr("ValidationError", "%s is invalid", roleARN)
	}
	c := rc.caller
	denied := iamErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.callerARN(), roleARN)
	s.accts.mu.Lock()
	target, ok := s.accts.byID[m[1]]
	s.accts.mu.Unlock()
	if !ok {
		return nil, denied
	}

	i := target.iam
	i.mu.Lock()
	role, ok := i.roles[strings.ToLower(m[3])]
	var trust, roleID, roleName, arn string
	var maxSession int
	if ok {
		trust, roleID, roleName, arn, maxSession = role.trust, role.id, role.name, role.arn, role.maxSession
	}
	i.mu.Unlock()
	if !ok || arn != roleARN {
		return nil, denied
	}
	if !trustAllows(trust, c, roleARN, externalID) {
		return nil, denied
	}
	if c.session != nil && duration > 3600 {
		// Role chaining limits a session to one hour.
		return nil, iamErr("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > maxSession {
		return nil, iamErr("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	now := s.now()
	sess := &stsSession{
		account:       target.id,
		roleARN:       roleARN,
		assumedRoleID: roleID + ":" + session,
		arn:           "arn:aws:sts::" + target.id + ":assumed-role/" + roleName + "/" + session,
		expires:       now.Add(time.Duration(duration) * time.Second),
	}
	keyID := "ASIA" + s.randomID(upperAlnum, 16)
	s.accts.mu.Lock()
	for id, old := range s.accts.sessions {
		if !now.Before(old.expires) {
			delete(s.accts.sessions, id)
		}
	}
	s.accts.sessions[keyID] = sess
	s.accts.mu.Unlock()
	return struct {
		Credentials     stsCredentialsXML
		AssumedRoleUser stsAssumedRoleUserXML
	}{
		Credentials: stsCredentialsXML{
			AccessKeyId:     keyID,
			SecretAccessKey: s.randomID(stsSecretAlphabet, 40),
			SessionToken:    base64.StdEncoding.EncodeToString([]byte(s.randomID(stsSecretAlphabet, 240))),
			Expiration:      iamTime(sess.expires),
		},
		AssumedRoleUser: stsAssumedRoleUserXML{AssumedRoleId: sess.assumedRoleID, Arn: sess.arn},
	}, nil
}

// trustAllows evaluates a role's trust policy for an sts:AssumeRole call by
// caller: a Deny whose principal names the caller wins; otherwise an Allow
// whose principal names the caller and whose conditions hold (against
// sts:ExternalId, aws:PrincipalAccount and aws:PrincipalArn) allows.
// Conditions on keys the request does not carry do not hold.
func trustAllows(doc string, c caller, roleARN, externalID string) bool {
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
		"aws:PrincipalAccount": {c.state.id},
		"aws:PrincipalArn":     {c.principalARN()},
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

// principalARN is the caller's principal as aws:PrincipalArn gives it: the
// role's ARN for a role session, the user's otherwise.
func (c caller) principalARN() string {
	if c.session != nil {
		return c.session.roleARN
	}
	return stsCallerARN(c.state.id)
}

// principalNames reports whether a trust policy statement's Principal (or
// NotPrincipal) applies to caller: "*", {"AWS": "*"}, the caller's account
// ID or root ARN, the user's ARN, or the role (or session) ARN of a role
// session.
func principalNames(st map[string]json.RawMessage, c caller) bool {
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
			case "*", c.state.id, "arn:aws:iam::" + c.state.id + ":root", c.principalARN(), c.callerARN():
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
