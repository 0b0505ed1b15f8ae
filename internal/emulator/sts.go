package emulator

import (
	"crypto/sha256"
	"net/http"
	"regexp"
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

type stsCallerIdentityXML struct {
	Arn     string
	UserId  string
	Account string
}

// stsCallerARN is the ARN of the emulator's default caller.
func stsCallerARN(account string) string { return "arn:aws:iam::" + account + ":user/emulator" }

// callerIdentity answers GetCallerIdentity for the credentials that signed
// the request: a role session's own, or else the emulator user of the
// account the access key acts in.
func (s *Server) callerIdentity(_ *http.Request, rc *reqContext) (any, *iamError) {
	out := stsCallerIdentityXML{Arn: stsCallerARN(rc.account), UserId: stsUserID(rc.account), Account: rc.account}
	if sess := rc.caller.session; sess != nil {
		out.Arn, out.UserId = sess.arn, sess.assumedRoleID
	}
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

// stsEndpoint registers STS: the query protocol, signed for sts.
func stsEndpoint() service {
	return service{
		proto:     protoSTS,
		matches:   func(r *http.Request) bool { return serviceFromAuth(r.Header.Get("Authorization")) == "sts" },
		queryForm: true,
		action:    func(r *http.Request) string { return "sts:" + r.Form.Get("Action") },
		serve:     (*Server).serveSTS,
	}
}
