package iam

import (
	"regexp"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// iamRole is a role with its inline policies and attached managed policies.
// Documents are kept exactly as they were given.
type iamRole struct {
	name        string
	path        string
	id          string
	arn         string
	created     time.Time
	trust       string
	description string
	maxSession  int
	tags        []iamTagXML
	inline      map[string]*iamInlinePolicy // by lower-case name
	attached    []string                    // managed policy ARNs, in attach order
}

type iamInlinePolicy struct {
	name string
	doc  string
}

var (
	iamNameRe       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamRolePathRe   = regexp.MustCompile(`^(/|/[\x{21}-\x{7F}]+/)$`)
	iamPolicyPathRe = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
	iamPathPrefixRe = regexp.MustCompile(`^/[\x{21}-\x{7F}]*$`)
	iamDocumentRe   = regexp.MustCompile(`^[\x{09}\x{0A}\x{0D}\x{20}-\x{FF}]+$`)
)

// iamRoleXML is a Role as IAM writes it. Optional members are omitted when
// empty; which ones an action fills follows AWS.
type iamRoleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string                 `xml:",omitempty"`
	MaxSessionDuration       int                    `xml:",omitempty"`
	Tags                     *iamMembers[iamTagXML] `xml:",omitempty"`
	RoleLastUsed             *struct{}              `xml:",omitempty"`
}

// xml fills the members every action returns.
func (r *iamRole) xml() iamRoleXML {
	return iamRoleXML{
		Path:                     r.path,
		RoleName:                 r.name,
		RoleId:                   r.id,
		Arn:                      r.arn,
		CreateDate:               core.QueryTime(r.created),
		AssumeRolePolicyDocument: iamEncodeDocument(r.trust),
		Description:              r.description,
	}
}

func iamNoSuchRole(name string) *core.Error {
	return core.QueryErr("NoSuchEntity", "The role with name %s cannot be found.", name)
}

// role returns a role by name; the caller holds i.mu.
func (i *iamService) role(name string) (*iamRole, *core.Error) {
	r, ok := i.roles[strings.ToLower(name)]
	if !ok {
		return nil, iamNoSuchRole(name)
	}
	return r, nil
}

// onRole runs f on the role called name with i.mu held; a role that does
// not exist is NoSuchEntity.
func (i *iamService) onRole(name string, f func(r *iamRole) (any, *core.Error)) (any, *core.Error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	r, err := i.role(name)
	if err != nil {
		return nil, err
	}
	return f(r)
}

// iamRoleName reads and checks the RoleName member.
func iamRoleName(p core.QueryParams) (string, *core.Error) {
	return p.Matching("RoleName", iamNameRe, 1, 64, true)
}

// iamDocument reads and checks a policy document member.
func iamDocument(p core.QueryParams, member string, trust bool) (string, *core.Error) {
	doc, err := p.Matching(member, iamDocumentRe, 1, 131072, true)
	if err != nil {
		return "", err
	}
	return doc, iamCheckDocument(doc, trust)
}

// iamTrustDocument reads a role's trust policy from member: a valid
// document within the trust policy quota.
func iamTrustDocument(p core.QueryParams, member string) (string, *core.Error) {
	trust, err := iamDocument(p, member, true)
	if err != nil {
		return "", err
	}
	if iamPolicySize(trust) > iamTrustPolicyQuota {
		return "", core.QueryErr("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", iamTrustPolicyQuota)
	}
	return trust, nil
}

// iamPathAndDescription reads the Path (checked against re; "/" when
// absent) and Description members that CreateRole and CreatePolicy share.
func iamPathAndDescription(p core.QueryParams, re *regexp.Regexp) (path, description string, err *core.Error) {
	path, err = p.Matching("Path", re, 1, 512, false)
	if err != nil {
		return "", "", err
	}
	if path == "" {
		path = "/"
	}
	description, err = p.Matching("Description", nil, 0, 1000, false)
	if err != nil {
		return "", "", err
	}
	return path, description, nil
}

func (i *iamService) createRole(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	path, description, err := iamPathAndDescription(p, iamRolePathRe)
	if err != nil {
		return nil, err
	}
	maxSession, err := p.Integer("MaxSessionDuration", 3600, 3600, 43200)
	if err != nil {
		return nil, err
	}
	tags, err := iamCheckedTags(p)
	if err != nil {
		return nil, err
	}
	trust, err := iamTrustDocument(p, "AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.roles[strings.ToLower(name)]; ok {
		return nil, core.QueryErr("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	r := &iamRole{
		name:        name,
		path:        path,
		id:          "AROA" + i.s.RandomID(core.UpperAlnum, 17),
		arn:         "arn:aws:iam::" + rc.Account + ":role" + path + name,
		created:     i.s.Now(),
		trust:       trust,
		description: description,
		maxSession:  maxSession,
		tags:        tags,
		inline:      map[string]*iamInlinePolicy{},
	}
	i.roles[strings.ToLower(name)] = r
	out := r.xml()
	out.Tags = iamTagList(r.tags)
	return struct{ Role iamRoleXML }{out}, nil
}

func (i *iamService) getRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(name, func(r *iamRole) (any, *core.Error) {
		out := r.xml()
		out.MaxSessionDuration = r.maxSession
		out.Tags = iamTagList(r.tags)
		out.RoleLastUsed = &struct{}{}
		return struct{ Role iamRoleXML }{out}, nil
	})
}

func (i *iamService) deleteRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(name, func(r *iamRole) (any, *core.Error) {
		switch {
		case len(r.inline) > 0:
			return nil, core.QueryErr("DeleteConflict", "Cannot delete entity, must delete policies first.")
		case len(r.attached) > 0:
			return nil, core.QueryErr("DeleteConflict", "Cannot delete entity, must detach all policies first.")
		}
		delete(i.roles, strings.ToLower(r.name))
		return nil, nil
	})
}

func (i *iamService) listRoles(p core.QueryParams) (any, *core.Error) {
	prefix, err := p.Matching("PathPrefix", iamPathPrefixRe, 1, 512, false)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	var roles []iamRoleXML
	for _, r := range i.roles {
		if strings.HasPrefix(r.path, prefix) {
			x := r.xml()
			x.MaxSessionDuration = r.maxSession
			roles = append(roles, x)
		}
	}
	return iamList(p, "Roles", roles, func(x iamRoleXML) string { return strings.ToLower(x.RoleName) })
}

// iamRoleAndPolicyARN reads and checks the RoleName and PolicyArn members.
func iamRoleAndPolicyARN(p core.QueryParams) (role, arn string, err *core.Error) {
	if role, err = iamRoleName(p); err != nil {
		return "", "", err
	}
	if arn, err = iamPolicyARN(p); err != nil {
		return "", "", err
	}
	return role, arn, nil
}

// iamRoleAndPolicyName reads and checks the RoleName and PolicyName members.
func iamRoleAndPolicyName(p core.QueryParams) (role, policy string, err *core.Error) {
	if role, err = iamRoleName(p); err != nil {
		return "", "", err
	}
	if policy, err = iamPolicyName(p); err != nil {
		return "", "", err
	}
	return role, policy, nil
}

// iamPolicyName reads and checks the PolicyName member.
func iamPolicyName(p core.QueryParams) (string, *core.Error) {
	return p.Matching("PolicyName", iamNameRe, 1, 128, true)
}

// updateAssumeRolePolicy replaces a role's trust policy. Like IAM it takes
// the document as PolicyDocument and answers with an empty result.
func (i *iamService) updateAssumeRolePolicy(p core.QueryParams) (any, *core.Error) {
	roleName, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	trust, err := iamTrustDocument(p, "PolicyDocument")
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		r.trust = trust
		return nil, nil
	})
}

func (i *iamService) putRolePolicy(p core.QueryParams) (any, *core.Error) {
	roleName, policyName, err := iamRoleAndPolicyName(p)
	if err != nil {
		return nil, err
	}
	doc, err := iamDocument(p, "PolicyDocument", false)
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		size := iamPolicySize(doc)
		for k, pol := range r.inline {
			if k != strings.ToLower(policyName) {
				size += iamPolicySize(pol.doc)
			}
		}
		if size > iamInlinePolicyQuota {
			return nil, core.QueryErr("LimitExceeded", "Maximum policy size of %d bytes exceeded for role %s", iamInlinePolicyQuota, r.name)
		}
		if pol, ok := r.inline[strings.ToLower(policyName)]; ok {
			pol.doc = doc // a put replaces the document and keeps the first name's case
		} else {
			r.inline[strings.ToLower(policyName)] = &iamInlinePolicy{name: policyName, doc: doc}
		}
		return nil, nil
	})
}

func (i *iamService) inlinePolicy(p core.QueryParams) (*iamRole, *iamInlinePolicy, *core.Error) {
	roleName, policyName, err := iamRoleAndPolicyName(p)
	if err != nil {
		return nil, nil, err
	}
	r, err := i.role(roleName)
	if err != nil {
		return nil, nil, err
	}
	pol, ok := r.inline[strings.ToLower(policyName)]
	if !ok {
		return nil, nil, core.QueryErr("NoSuchEntity", "The role policy with name %s cannot be found.", policyName)
	}
	return r, pol, nil
}

func (i *iamService) getRolePolicy(p core.QueryParams) (any, *core.Error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	r, pol, err := i.inlinePolicy(p)
	if err != nil {
		return nil, err
	}
	return struct {
		RoleName       string
		PolicyName     string
		PolicyDocument string
	}{r.name, pol.name, iamEncodeDocument(pol.doc)}, nil
}

func (i *iamService) deleteRolePolicy(p core.QueryParams) (any, *core.Error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	r, pol, err := i.inlinePolicy(p)
	if err != nil {
		return nil, err
	}
	delete(r.inline, strings.ToLower(pol.name))
	return nil, nil
}

func (i *iamService) listRolePolicies(p core.QueryParams) (any, *core.Error) {
	roleName, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		names := make([]string, 0, len(r.inline))
		for _, pol := range r.inline {
			names = append(names, pol.name)
		}
		key := strings.ToLower
		return iamList(p, "PolicyNames", names, key)
	})
}

func (i *iamService) attachRolePolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	roleName, arn, err := iamRoleAndPolicyARN(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		pol, err := i.policy(arn, rc)
		if err != nil {
			return nil, core.QueryErr("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
		}
		for _, a := range r.attached {
			if a == pol.arn {
				return nil, nil // attaching twice changes nothing
			}
		}
		if len(r.attached) >= iamPoliciesPerRole {
			return nil, core.QueryErr("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", iamPoliciesPerRole)
		}
		r.attached = append(r.attached, pol.arn)
		pol.attachments++
		return nil, nil
	})
}

func (i *iamService) detachRolePolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	roleName, arn, err := iamRoleAndPolicyARN(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		for n, a := range r.attached {
			if a == arn {
				r.attached = append(r.attached[:n:n], r.attached[n+1:]...)
				if pol, ok := i.policies[arn]; ok {
					pol.attachments--
				}
				return nil, nil
			}
		}
		return nil, core.QueryErr("NoSuchEntity", "Policy %s was not found.", arn)
	})
}

type iamAttachedPolicyXML struct {
	PolicyName string
	PolicyArn  string
}

func (i *iamService) listAttachedRolePolicies(p core.QueryParams) (any, *core.Error) {
	roleName, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	prefix, err := p.Matching("PathPrefix", iamPolicyPathRe, 1, 512, false)
	if err != nil {
		return nil, err
	}
	return i.onRole(roleName, func(r *iamRole) (any, *core.Error) {
		var attached []iamAttachedPolicyXML
		for _, arn := range r.attached {
			pol := i.policies[arn]
			if strings.HasPrefix(pol.path, prefix) {
				attached = append(attached, iamAttachedPolicyXML{PolicyName: pol.name, PolicyArn: pol.arn})
			}
		}
		key := func(a iamAttachedPolicyXML) string { return strings.ToLower(a.PolicyName) + "\x00" + a.PolicyArn }
		return iamList(p, "AttachedPolicies", attached, key)
	})
}

// FindRole returns the role called name, for STS's AssumeRole.
func (i *iamService) FindRole(name string) (core.Role, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	role, ok := i.roles[strings.ToLower(name)]
	if !ok {
		return core.Role{}, false
	}
	return core.Role{ID: role.id, Name: role.name, ARN: role.arn, Trust: role.trust, MaxSession: role.maxSession}, true
}
