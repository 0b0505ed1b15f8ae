// Package iam emulates the IAM query API: roles, their inline and attached
// policies, managed policies and their versions, and tags.
package iam

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// iamTags reads a Tags.member.N.Key/Value list.
func iamTags(p core.QueryParams) ([]iamTagXML, *core.Error) {
	var tags []iamTagXML
	for n := 1; ; n++ {
		prefix := "Tags.member." + strconv.Itoa(n) + "."
		key, hasKey := p.Form[prefix+"Key"]
		value, hasValue := p.Form[prefix+"Value"]
		if !hasKey && !hasValue {
			break
		}
		if !hasKey || key[0] == "" {
			return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'tags.%d.member.key' failed to satisfy constraint: Member must not be null", n)
		}
		t := iamTagXML{Key: key[0]}
		if hasValue {
			t.Value = value[0]
		}
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		return nil, core.QueryErr("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	return tags, nil
}

// serve dispatches a query request on its Action.
func (i *iamService) serve(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	action := r.Form.Get("Action")
	p := core.QueryParams{Form: r.Form}
	result, err := i.dispatch(action, p, rc)
	if err != nil {
		iamProtocol().WriteError(w, rc, err)
		return
	}
	iamProtocol().WriteResponse(w, action, rc, result)
}

func (i *iamService) dispatch(action string, p core.QueryParams, rc *core.Request) (any, *core.Error) {
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
		return i.tag(p, i.roleTags())
	case "UntagRole":
		return i.untag(p, i.roleTags())
	case "ListRoleTags":
		return i.listTags(p, i.roleTags())
	case "TagPolicy":
		return i.tag(p, i.policyTags(rc, "TagPolicy"))
	case "UntagPolicy":
		return i.untag(p, i.policyTags(rc, "UntagPolicy"))
	case "ListPolicyTags":
		return i.listTags(p, i.policyTags(rc, ""))
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
		return nil, core.QueryErr("MissingAction", "Missing Action")
	}
	return nil, core.QueryErr("InvalidAction", "Could not find operation %s for version 2010-05-08", action)
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
func iamCheckDocument(doc string, trust bool) *core.Error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil || top == nil {
		return core.QueryErr("MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if v, ok := top["Version"]; ok {
		var version string
		if json.Unmarshal(v, &version) != nil || (version != "2012-10-17" && version != "2008-10-17") {
			return core.QueryErr("MalformedPolicyDocument", "The policy failed legacy parsing")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return core.QueryErr("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(raw, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil || one == nil {
			return core.QueryErr("MalformedPolicyDocument", "Syntax errors in policy.")
		}
		stmts = []map[string]json.RawMessage{one}
	}
	for _, st := range stmts {
		var effect string
		if e, ok := st["Effect"]; !ok || json.Unmarshal(e, &effect) != nil {
			return core.QueryErr("MalformedPolicyDocument", "Missing required field Effect")
		} else if effect != "Allow" && effect != "Deny" {
			return core.QueryErr("MalformedPolicyDocument", "Invalid effect: %s", effect)
		}
		_, hasAction := st["Action"]
		_, hasNotAction := st["NotAction"]
		if !hasAction && !hasNotAction {
			return core.QueryErr("MalformedPolicyDocument", "Policy statement must contain actions.")
		}
		_, hasPrincipal := st["Principal"]
		_, hasNotPrincipal := st["NotPrincipal"]
		switch {
		case trust && !hasPrincipal && !hasNotPrincipal:
			return core.QueryErr("MalformedPolicyDocument", "Missing required field Principal")
		case !trust && (hasPrincipal || hasNotPrincipal):
			return core.QueryErr("MalformedPolicyDocument", "Policy document should not specify a principal.")
		}
		if trust {
			if _, ok := st["Resource"]; ok {
				return core.QueryErr("MalformedPolicyDocument", "Has prohibited field Resource")
			}
		} else {
			_, hasResource := st["Resource"]
			_, hasNotResource := st["NotResource"]
			if !hasResource && !hasNotResource {
				return core.QueryErr("MalformedPolicyDocument", "Policy statement must contain resources.")
			}
		}
	}
	return nil
}

// iamList answers a List* call: items sorted by key, one page of them in
// a list called name, IsTruncated and Marker.
func iamList[T any](p core.QueryParams, name string, items []T, key func(T) string) (any, *core.Error) {
	sort.SliceStable(items, func(a, b int) bool { return key(items[a]) < key(items[b]) })
	page, marker, truncated, err := iamPage(p, items, key)
	if err != nil {
		return nil, err
	}
	return iamListResult[T]{name: name, items: page, truncated: truncated, marker: marker}, nil
}

// iamListResult is a List* call's result:
// <name><member>..</member></name><IsTruncated>..</IsTruncated>, and
// <Marker> when truncated.
type iamListResult[T any] struct {
	name      string
	items     []T
	truncated bool
	marker    string
}

// MarshalXML writes the result's members inside start.
func (l iamListResult[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeElement(iamMembers[T]{Member: l.items}, xml.StartElement{Name: xml.Name{Local: l.name}}); err != nil {
		return err
	}
	if err := e.EncodeElement(l.truncated, xml.StartElement{Name: xml.Name{Local: "IsTruncated"}}); err != nil {
		return err
	}
	if l.marker != "" {
		if err := e.EncodeElement(l.marker, xml.StartElement{Name: xml.Name{Local: "Marker"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// iamPage returns one page of items, which are sorted by key. A marker is
// the key of the first item of the next page, so it survives deletions.
func iamPage[T any](p core.QueryParams, items []T, key func(T) string) (page []T, marker string, truncated bool, err *core.Error) {
	maxItems, err := p.Integer("MaxItems", 100, 1, 1000)
	if err != nil {
		return nil, "", false, err
	}
	if m := p.Get("Marker"); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil {
			return nil, "", false, core.QueryErr("InvalidInput", "Invalid Marker.")
		}
		from := string(b)
		items = items[sort.Search(len(items), func(i int) bool { return key(items[i]) >= from }):]
	}
	if len(items) > maxItems {
		return items[:maxItems], base64.RawURLEncoding.EncodeToString([]byte(key(items[maxItems]))), true, nil
	}
	return items, "", false, nil
}

// iamNS is the XML namespace of the IAM 2010-05-08 API.
const iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"

// iamProtocol is IAM's: the query protocol in the 2010-05-08 namespace.
func iamProtocol() core.Query { return core.Query{Namespace: iamNS} }

// Service is IAM's registry entry: the query protocol, signed for iam, or
// any other form POST or Action query; STS actions among them are rerouted
// to STS once the form is parsed. Its state is kept per account.
func Service() core.Service {
	return core.Service{
		Name:     "iam",
		Protocol: iamProtocol(),
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
