package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// serveSTS answers the STS query API: GetCallerIdentity and AssumeRole. The
// caller is the IAM user "emulator" of the emulator's account, or the role
// session whose AssumeRole credentials signed the request.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	action := r.Form.Get("Action")
	p := iamParams{form: r.Form}
	var result any
	var err *iamError
	switch action {
	case "GetCallerIdentity":
		result, err = s.callerIdentity(r, rc)
	case "AssumeRole":
		result, err = s.assumeRole(p, rc)
	case "":
		err = iamErr("MissingAction", "Missing Action")
	default:
		err = iamErr("InvalidAction", "Could not find operation %s for version 2011-06-15", action)
	}
	if err != nil {
		writeQueryError(w, protoSTS, rc, err.status, err.code, err.msg)
		return
	}
	iamWriteResponse(w, stsNS, action, rc, result)
}

// stsSession is a role session handed out by AssumeRole.
type stsSession struct {
	assumedRoleID string // RoleId:session
	arn           string // arn:aws:sts::account:assumed-role/name/session
	expires       time.Time
}

type stsCallerIdentityXML struct {
	Arn     string
	UserId  string
	Account string
}

// stsCallerARN is the ARN of the emulator's default caller.
func stsCallerARN(account string) string { return "arn:aws:iam::" + account + ":user/emulator" }

// callerIdentity answers GetCallerIdentity for the credentials that signed
// the request: a role session's own, or else the emulator user.
func (s *Server) callerIdentity(r *http.Request, rc *reqContext) (any, *iamError) {
	out := stsCallerIdentityXML{Arn: stsCallerARN(rc.account), UserId: stsUserID(rc.account), Account: rc.account}
	scope := credentialScope(r.Header.Get("Authorization"))
	if scope == nil || !strings.HasPrefix(scope[0], "ASIA") {
		return out, nil
	}
	i := s.iam
	i.mu.Lock()
	sess, ok := i.sessions[scope[0]]
	i.mu.Unlock()
	if !ok {
		return out, nil
	}
	if !s.now().Before(sess.expires) {
		return nil, iamErr("ExpiredToken", "The security token included in the request is expired")
	}
	out.Arn, out.UserId = sess.arn, sess.assumedRoleID
	return out, nil
}

// stsUserID derives a stable user ID ("AIDA" and 17 characters) from the account.
func stsUserID(account string) string {
	sum := sha256.Sum256([]byte("emulator-user:" + account))
	b := make([]byte, 17)
	for n := range b {
		b[n] = upperAlnum[int(sum[n])%len(upperAlnum)]
	}
	return "AIDA" + string(b)
}

var (
	stsRoleARNRe     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role(/.*/|/)([\w+=,.@-]+)$`)
	stsSessionNameRe = regexp.MustCompile(`^[\w+=,.@-]*$`)
)

const stsSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

type stsCredentialsXML struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

type stsAssumedRoleUserXML struct {
	AssumedRoleId string
	Arn           string
}

// assumeRole hands out temporary credentials for a role of this account
// that exists in the emulator; anything else is AccessDenied, as AWS answers
// a caller whom no role admits. Trust policies are not evaluated.
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
	denied := iamErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", stsCallerARN(rc.account), roleARN)
	if m[1] != rc.account {
		return nil, denied
	}

	i := s.iam
	i.mu.Lock()
	defer i.mu.Unlock()
	role, ok := i.roles[strings.ToLower(m[3])]
	if !ok || role.arn != roleARN {
		return nil, denied
	}
	if duration > role.maxSession {
		return nil, iamErr("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	sess := &stsSession{
		assumedRoleID: role.id + ":" + session,
		arn:           "arn:aws:sts::" + rc.account + ":assumed-role/" + role.name + "/" + session,
		expires:       s.now().Add(time.Duration(duration) * time.Second),
	}
	for id, old := range i.sessions {
		if !s.now().Before(old.expires) {
			delete(i.sessions, id)
		}
	}
	keyID := "ASIA" + s.randomID(upperAlnum, 16)
	i.sessions[keyID] = sess
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
