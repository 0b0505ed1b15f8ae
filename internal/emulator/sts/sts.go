// Package sts emulates the STS query API: GetCallerIdentity and
// AssumeRole across the emulator's accounts, whose sessions the core keeps.
package sts

import (
	"crypto/sha256"
	"net/http"
	"regexp"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// serveSTS answers the STS query API: GetCallerIdentity and AssumeRole. The
// caller is the IAM user "emulator" of the emulator's account, or the role
// session whose AssumeRole credentials signed the request.
func (s *stsService) serve(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	action := r.Form.Get("Action")
	p := core.QueryParams{Form: r.Form}
	var result any
	var err *core.Error
	switch action {
	case "GetCallerIdentity":
		result, err = s.callerIdentity(r, rc)
	case "AssumeRole":
		result, err = s.assumeRole(p, rc)
	case "":
		err = core.QueryErr("MissingAction", "Missing Action")
	default:
		err = core.QueryErr("InvalidAction", "Could not find operation %s for version 2011-06-15", action)
	}
	if err != nil {
		stsProtocol().WriteError(w, rc, err)
		return
	}
	stsProtocol().WriteResponse(w, action, rc, result)
}

type stsCallerIdentityXML struct {
	Arn     string
	UserId  string
	Account string
}

// callerIdentity answers GetCallerIdentity for the credentials that signed
// the request: a role session's own, or else the emulator user of the
// account the access key acts in.
func (s *stsService) callerIdentity(_ *http.Request, rc *core.Request) (any, *core.Error) {
	out := stsCallerIdentityXML{Arn: core.UserARN(rc.Account), UserId: stsUserID(rc.Account), Account: rc.Account}
	if sess := rc.Caller.Session; sess != nil {
		out.Arn, out.UserId = sess.ARN, sess.AssumedRoleID
	}
	return out, nil
}

// stsUserID derives a stable user ID ("AIDA" and 17 characters) from the account.
func stsUserID(account string) string {
	sum := sha256.Sum256([]byte("emulator-user:" + account))
	b := make([]byte, 17)
	for n := range b {
		b[n] = core.UpperAlnum[int(sum[n])%len(core.UpperAlnum)]
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

// stsService answers the STS query API for every account; its sessions
// are the core's, since they decide the account of every request.
type stsService struct{ s *core.Server }

// stsNS is the XML namespace of the STS 2011-06-15 API.
const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// stsProtocol is STS's: the query protocol in the 2011-06-15 namespace.
func stsProtocol() core.Query { return core.Query{Namespace: stsNS} }

// Service is STS's registry entry for the emulator s: the query protocol,
// signed for sts (IAM hands it the STS actions signed for IAM, or
// unsigned).
func Service(s *core.Server) core.Service {
	sts := &stsService{s: s}
	return core.Service{
		Name:     "sts",
		Protocol: stsProtocol(),
		Matches:  func(r *http.Request) bool { return core.ServiceFromAuth(r.Header.Get("Authorization")) == "sts" },
		Serve:    sts.serve,
	}
}
