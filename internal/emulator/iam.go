package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// iamService emulates the IAM query API: roles, their inline and attached
// policies, and managed policies. IAM is global, so regions play no part.
type iamService struct {
	s *core.Server

	mu       sync.Mutex
	roles    map[string]*iamRole   // by lower-case name: IAM names ignore case
	policies map[string]*iamPolicy // managed policies, customer and AWS, by ARN
}

func newIAM(s *core.Server) *iamService {
	i := &iamService{s: s, roles: map[string]*iamRole{}, policies: map[string]*iamPolicy{}}
	for _, p := range iamAWSManagedPolicies() {
		i.policies[p.arn] = p
	}
	return i
}

// iamError is an IAM or STS query-protocol error.
type iamError struct {
	status int
	code   string
	msg    string
}

func (e *iamError) Error() string { return e.code + ": " + e.msg }

// iamErr returns an error with the HTTP status the IAM model gives code.
func iamErr(code, format string, args ...any) *iamError {
	status := http.StatusBadRequest
	switch code {
	case "NoSuchEntity":
		status = http.StatusNotFound
	case "EntityAlreadyExists", "DeleteConflict", "LimitExceeded", "ConcurrentModification":
		status = http.StatusConflict
	case "AccessDenied":
		status = http.StatusForbidden
	case "ServiceFailure":
		status = http.StatusInternalServerError
	}
	return &iamError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// iamValidation reports a violated model constraint the way AWS's request
// validation does, naming the member in lower camel case.
func iamValidation(member, value, constraint string) *iamError {
	return iamErr("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
		value, iamLowerFirst(member), constraint)
}

func iamLowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// iamParams reads the members of a query request.
type iamParams struct{ form url.Values }

// get returns a member, or "" when it is absent.
func (p iamParams) get(name string) string { return p.form.Get(name) }

// required returns a member that must be present.
func (p iamParams) required(name string) (string, *iamError) {
	v := p.form.Get(name)
	if v == "" {
		return "", iamErr("ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", iamLowerFirst(name))
	}
	return v, nil
}

// matching returns a member that must match pattern and length bounds when present.
func (p iamParams) matching(name string, re *regexp.Regexp, minLen, maxLen int, required bool) (string, *iamError) {
	v := p.form.Get(name)
	if v == "" {
		if required {
			return p.required(name)
		}
		return "", nil
	}
	n := len([]rune(v))
	switch {
	case n < minLen:
		return "", iamValidation(name, v, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		return "", iamValidation(name, v, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case re != nil && !re.MatchString(v):
		return "", iamValidation(name, v, "Member must satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
	return v, nil
}

// boolean returns a boolean member.
func (p iamParams) boolean(name string) (bool, *iamError) {
	v := p.form.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, iamErr("MalformedInput", "Invalid boolean value %q for %s", v, name)
	}
	return b, nil
}

// integer returns an integer member within bounds, or def when it is absent.
func (p iamParams) integer(name string, def, lo, hi int) (int, *iamError) {
	v := p.form.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, iamErr("MalformedInput", "Invalid integer value %q for %s", v, name)
	}
	if n < lo || n > hi {
		return 0, iamValidation(name, v, fmt.Sprintf("Member must have value between %d and %d", lo, hi))
	}
	return n, nil
}

// tags reads a Tags.member.N.Key/Value list.
func (p iamParams) tags() ([]iamTagXML, *iamError) {
	var tags []iamTagXML
	for n := 1; ; n++ {
		prefix := "Tags.member." + strconv.Itoa(n) + "."
		key, hasKey := p.form[prefix+"Key"]
		value, hasValue := p.form[prefix+"Value"]
		if !hasKey && !hasValue {
			break
		}
		if !hasKey || key[0] == "" {
			return nil, iamErr("ValidationError", "1 validation error detected: Value null at 'tags.%d.member.key' failed to satisfy constraint: Member must not be null", n)
		}
		t := iamTagXML{Key: key[0]}
		if hasValue {
			t.Value = value[0]
		}
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		return nil, iamErr("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	return tags, nil
}

// serve dispatches a query request on its Action.
func (i *iamService) serve(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	action := r.Form.Get("Action")
	p := iamParams{form: r.Form}
	result, err := i.dispatch(action, p, rc)
	if err != nil {
		writeQueryError(w, iamProtocol, rc, err.status, err.code, err.msg)
		return
	}
	iamWriteResponse(w, iamNS, action, rc, result)
}

func (i *iamService) dispatch(action string, p iamParams, rc *core.Request) (any, *iamError) {
	switch action {
	case "CreateRole":
		return i.createRole(p, rc)
	case "GetRole":
		return i.getRole(p)
	case "DeleteRole":
		return i.deleteRole(p)
	case "ListRoles":
		return i.listRoles(p)
	case "UpdateAssumeRolePolicy":
		return i.updateAssumeRolePolicy(p)
	case "PutRolePolicy":
		return i.putRolePolicy(p)
	case "GetRolePolicy":
		return i.getRolePolicy(p)
	case "ListRolePolicies":
		return i.listRolePolicies(p)
	case "DeleteRolePolicy":
		return i.deleteRolePolicy(p)
	case "CreatePolicy":
		return i.createPolicy(p, rc)
	case "GetPolicy":
		return i.getPolicy(p, rc)
	case "GetPolicyVersion":
		return i.getPolicyVersion(p, rc)
	case "CreatePolicyVersion":
		return i.createPolicyVersion(p, rc)
	case "DeletePolicyVersion":
		return i.deletePolicyVersion(p, rc)
	case "DeletePolicy":
		return i.deletePolicy(p, rc)
	case "AttachRolePolicy":
		return i.attachRolePolicy(p, rc)
	case "DetachRolePolicy":
		return i.detachRolePolicy(p, rc)
	case "ListAttachedRolePolicies":
		return i.listAttachedRolePolicies(p)
	case "TagRole":
		return i.tagRole(p)
	case "UntagRole":
		return i.untagRole(p)
	case "ListRoleTags":
		return i.listRoleTags(p)
	case "TagPolicy":
		return i.tagPolicy(p, rc)
	case "UntagPolicy":
		return i.untagPolicy(p, rc)
	case "ListPolicyTags":
		return i.listPolicyTags(p, rc)
	case "UpdateRole":
		return i.updateRole(p)
	case "UpdateRoleDescription":
		return i.updateRoleDescription(p)
	case "ListInstanceProfilesForRole":
		return i.listInstanceProfilesForRole(p)
	case "ListPolicyVersions":
		return i.listPolicyVersions(p, rc)
	case "SetDefaultPolicyVersion":
		return i.setDefaultPolicyVersion(p, rc)
	case "":
		return nil, iamErr("MissingAction", "Missing Action")
	}
	return nil, iamErr("InvalidAction", "Could not find operation %s for version 2010-05-08", action)
}

// iamWriteResponse writes a query-protocol response:
// <ActionResponse><ActionResult>result</ActionResult><ResponseMetadata>...
// A nil result writes no Result element, as for actions without output.
func iamWriteResponse(w http.ResponseWriter, ns, action string, rc *core.Request, result any) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}},
	}
	err := enc.EncodeToken(start)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(struct{ RequestId string }{rc.RequestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		writeQueryError(w, iamProtocol, rc, http.StatusInternalServerError, "ServiceFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(buf.Bytes())
}

// iamMembers is a query-protocol list: <Name><member>..</member></Name>. As a
// non-pointer field it is written even when empty, as AWS writes <Roles/>.
type iamMembers[T any] struct {
	Member []T `xml:"member"`
}

type iamTagXML struct {
	Key   string
	Value string
}

// iamTagList is the optional Tags member: absent when there are no tags.
func iamTagList(tags []iamTagXML) *iamMembers[iamTagXML] {
	if len(tags) == 0 {
		return nil
	}
	return &iamMembers[iamTagXML]{Member: tags}
}

// iamTime formats a timestamp as IAM does: ISO 8601 in UTC, whole seconds.
func iamTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// iamEncodeDocument URL-encodes a policy document as IAM returns it: every
// byte but the RFC 3986 unreserved characters becomes %XX, so spaces are
// %20 (never +) and both url.QueryUnescape and Python's unquote undo it.
func iamEncodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if c < 0x80 && (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// Policy size quotas, counted without white space as IAM counts them.
const (
	iamTrustPolicyQuota   = 2048
	iamInlinePolicyQuota  = 10240 // all of a role's inline policies together
	iamManagedPolicyQuota = 6144
	iamPoliciesPerRole    = 10
	iamVersionsPerPolicy  = 5
)

// iamPolicySize is the length of a document without white space.
func iamPolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// iamCheckDocument checks what IAM checks of a policy's grammar: it is a
// JSON object with a known Version and one or more statements, each with an
// Effect; a trust policy's statements name a principal and a permissions
// policy's do not.
func iamCheckDocument(doc string, trust bool) *iamError {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil || top == nil {
		return iamErr("MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if v, ok := top["Version"]; ok {
		var version string
		if json.Unmarshal(v, &version) != nil || (version != "2012-10-17" && version != "2008-10-17") {
			return iamErr("MalformedPolicyDocument", "The policy failed legacy parsing")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return iamErr("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(raw, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil || one == nil {
			return iamErr("MalformedPolicyDocument", "Syntax errors in policy.")
		}
		stmts = []map[string]json.RawMessage{one}
	}
	for _, st := range stmts {
		var effect string
		if e, ok := st["Effect"]; !ok || json.Unmarshal(e, &effect) != nil {
			return iamErr("MalformedPolicyDocument", "Missing required field Effect")
		} else if effect != "Allow" && effect != "Deny" {
			return iamErr("MalformedPolicyDocument", "Invalid effect: %s", effect)
		}
		_, hasAction := st["Action"]
		_, hasNotAction := st["NotAction"]
		if !hasAction && !hasNotAction {
			return iamErr("MalformedPolicyDocument", "Policy statement must contain actions.")
		}
		_, hasPrincipal := st["Principal"]
		_, hasNotPrincipal := st["NotPrincipal"]
		switch {
		case trust && !hasPrincipal && !hasNotPrincipal:
			return iamErr("MalformedPolicyDocument", "Missing required field Principal")
		case !trust && (hasPrincipal || hasNotPrincipal):
			return iamErr("MalformedPolicyDocument", "Policy document should not specify a principal.")
		}
		if trust {
			if _, ok := st["Resource"]; ok {
				return iamErr("MalformedPolicyDocument", "Has prohibited field Resource")
			}
		} else {
			_, hasResource := st["Resource"]
			_, hasNotResource := st["NotResource"]
			if !hasResource && !hasNotResource {
				return iamErr("MalformedPolicyDocument", "Policy statement must contain resources.")
			}
		}
	}
	return nil
}

// iamPage returns one page of items, which are sorted by key. A marker is
// the key of the first item of the next page, so it survives deletions.
func iamPage[T any](p iamParams, items []T, key func(T) string) (page []T, marker string, truncated bool, err *iamError) {
	maxItems, err := p.integer("MaxItems", 100, 1, 1000)
	if err != nil {
		return nil, "", false, err
	}
	if m := p.get("Marker"); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil {
			return nil, "", false, iamErr("InvalidInput", "Invalid Marker.")
		}
		from := string(b)
		items = items[sort.Search(len(items), func(i int) bool { return key(items[i]) >= from }):]
	}
	if len(items) > maxItems {
		return items[:maxItems], base64.RawURLEncoding.EncodeToString([]byte(key(items[maxItems]))), true, nil
	}
	return items, "", false, nil
}

// iamProtocol is IAM's: the query protocol in the 2010-05-08 namespace.
var iamProtocol = core.Query{Namespace: iamNS}

// iamEndpoint registers IAM: the query protocol, signed for iam, or any
// other form POST or Action query; STS actions among them are rerouted to
// STS once the form is parsed. Its state is kept per account.
func iamEndpoint() core.Service {
	return core.Service{
		Name:     "iam",
		Protocol: iamProtocol,
		Matches: func(r *http.Request) bool {
			return core.ServiceFromAuth(r.Header.Get("Authorization")) == "iam" ||
				(r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")) ||
				r.URL.Query().Get("Action") != ""
		},
		Reroute: func(r *http.Request) string {
			if isSTSAction(r.Form.Get("Action")) {
				return "sts" // STS actions signed for IAM, or unsigned
			}
			return ""
		},
		NewState: func(s *core.Server, _ string) any { return newIAM(s) },
		Serve: func(w http.ResponseWriter, r *http.Request, rc *core.Request) {
			rc.Caller.Account.State("iam").(*iamService).serve(w, r, rc)
		},
	}
}

func isSTSAction(action string) bool {
	switch action {
	case "GetCallerIdentity", "AssumeRole", "GetSessionToken", "AssumeRoleWithWebIdentity":
		return true
	}
	return false
}

// writeQueryError writes a query-protocol error in proto.
func writeQueryError(w http.ResponseWriter, proto core.Query, rc *core.Request, status int, code, msg string) {
	proto.WriteError(w, rc, &core.Error{Status: status, Code: code, Message: msg})
}
