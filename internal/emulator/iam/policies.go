package iam

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// iamPolicy is a managed policy: a customer's own or one of AWS's.
type iamPolicy struct {
	name        string
	path        string
	id          string
	arn         string
	description string
	created     time.Time
	updated     time.Time
	tags        []iamTagXML
	awsManaged  bool

	versions    []*iamPolicyVersion // oldest first
	defaultID   string
	lastVersion int // the highest version number handed out
	attachments int
}

type iamPolicyVersion struct {
	id      string
	doc     string
	created time.Time
}

func (p *iamPolicy) version(id string) *iamPolicyVersion {
	for _, v := range p.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

// iamPolicyXML is a Policy as IAM writes it.
type iamPolicyXML struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
	Tags                          *iamMembers[iamTagXML] `xml:",omitempty"`
}

func (p *iamPolicy) xml() iamPolicyXML {
	return iamPolicyXML{
		PolicyName:       p.name,
		PolicyId:         p.id,
		Arn:              p.arn,
		Path:             p.path,
		DefaultVersionId: p.defaultID,
		AttachmentCount:  p.attachments,
		IsAttachable:     true,
		Description:      p.description,
		CreateDate:       core.QueryTime(p.created),
		UpdateDate:       core.QueryTime(p.updated),
		Tags:             iamTagList(p.tags),
	}
}

// iamPolicyVersionXML is a PolicyVersion as IAM writes it.
type iamPolicyVersionXML struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

var (
	iamPolicyARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|\d{12}):policy(/.*/|/)([\w+=,.@-]+)$`)
	iamVersionIDRe = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
)

// iamPolicyARN reads and checks the PolicyArn member.
func iamPolicyARN(p core.QueryParams) (string, *core.Error) {
	arn, err := p.Matching("PolicyArn", nil, 20, 2048, true)
	if err != nil {
		return "", err
	}
	if !iamPolicyARNRe.MatchString(arn) {
		return "", core.QueryErr("InvalidInput", "ARN %s is not valid.", arn)
	}
	return arn, nil
}

func iamNoSuchPolicy(arn string) *core.Error {
	return core.QueryErr("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
}

// policy returns a managed policy by ARN; the caller holds i.mu.
func (i *iamService) policy(arn string, rc *core.Request) (*iamPolicy, *core.Error) {
	m := iamPolicyARNRe.FindStringSubmatch(arn)
	if m == nil || (m[1] != "aws" && m[1] != rc.Account) {
		return nil, iamNoSuchPolicy(arn)
	}
	pol, ok := i.policies[arn]
	if !ok {
		return nil, iamNoSuchPolicy(arn)
	}
	return pol, nil
}

// customerPolicy returns a policy the caller may change.
func (i *iamService) customerPolicy(arn string, rc *core.Request, action string) (*iamPolicy, *core.Error) {
	pol, err := i.policy(arn, rc)
	if err != nil {
		return nil, err
	}
	if pol.awsManaged {
		return nil, core.QueryErr("AccessDenied", "User: arn:aws:iam::%s:user/emulator is not authorized to perform: iam:%s on resource: policy %s",
			rc.Account, action, arn)
	}
	return pol, nil
}

// onPolicy runs f on the managed policy arn with i.mu held. A call that
// changes a policy names its action, and the policy must be a customer
// managed one (an AWS managed policy is AccessDenied); a read ("") may
// look at either.
func (i *iamService) onPolicy(arn string, rc *core.Request, action string, f func(pol *iamPolicy) (any, *core.Error)) (any, *core.Error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	var pol *iamPolicy
	var err *core.Error
	if action == "" {
		pol, err = i.policy(arn, rc)
	} else {
		pol, err = i.customerPolicy(arn, rc, action)
	}
	if err != nil {
		return nil, err
	}
	return f(pol)
}

// iamManagedDocument reads a managed policy's document from PolicyDocument:
// a valid permissions policy within the managed policy quota.
func iamManagedDocument(p core.QueryParams) (string, *core.Error) {
	doc, err := iamDocument(p, "PolicyDocument", false)
	if err != nil {
		return "", err
	}
	if iamPolicySize(doc) > iamManagedPolicyQuota {
		return "", core.QueryErr("LimitExceeded", "Cannot exceed quota for PolicySize: %d", iamManagedPolicyQuota)
	}
	return doc, nil
}

func (i *iamService) createPolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	name, err := iamPolicyName(p)
	if err != nil {
		return nil, err
	}
	path, description, err := iamPathAndDescription(p, iamPolicyPathRe)
	if err != nil {
		return nil, err
	}
	tags, err := iamCheckedTags(p)
	if err != nil {
		return nil, err
	}
	doc, err := iamManagedDocument(p)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, pol := range i.policies {
		if !pol.awsManaged && strings.EqualFold(pol.name, name) {
			return nil, core.QueryErr("EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	now := i.s.Now()
	pol := &iamPolicy{
		name:        name,
		path:        path,
		id:          "ANPA" + i.s.RandomID(core.UpperAlnum, 17),
		arn:         "arn:aws:iam::" + rc.Account + ":policy" + path + name,
		description: description,
		created:     now,
		updated:     now,
		tags:        tags,
		versions:    []*iamPolicyVersion{{id: "v1", doc: doc, created: now}},
		defaultID:   "v1",
		lastVersion: 1,
	}
	i.policies[pol.arn] = pol
	out := pol.xml()
	out.Description = "" // CreatePolicy does not echo the description
	return struct{ Policy iamPolicyXML }{out}, nil
}

func (i *iamService) getPolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "", func(pol *iamPolicy) (any, *core.Error) {
		return struct{ Policy iamPolicyXML }{pol.xml()}, nil
	})
}

// iamVersionID reads and checks the VersionId member.
func iamVersionID(p core.QueryParams) (string, *core.Error) {
	return p.Matching("VersionId", iamVersionIDRe, 1, 128, true)
}

// iamPolicyVersionID reads and checks the PolicyArn and VersionId members.
func iamPolicyVersionID(p core.QueryParams) (arn, id string, err *core.Error) {
	if arn, err = iamPolicyARN(p); err != nil {
		return "", "", err
	}
	if id, err = iamVersionID(p); err != nil {
		return "", "", err
	}
	return arn, id, nil
}

func (i *iamService) getPolicyVersion(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, id, err := iamPolicyVersionID(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "", func(pol *iamPolicy) (any, *core.Error) {
		v := pol.version(id)
		if v == nil {
			return nil, core.QueryErr("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", arn, id)
		}
		return struct{ PolicyVersion iamPolicyVersionXML }{iamPolicyVersionXML{
			Document:         iamEncodeDocument(v.doc),
			VersionId:        v.id,
			IsDefaultVersion: v.id == pol.defaultID,
			CreateDate:       core.QueryTime(v.created),
		}}, nil
	})
}

func (i *iamService) createPolicyVersion(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	setDefault, err := p.Boolean("SetAsDefault")
	if err != nil {
		return nil, err
	}
	doc, err := iamManagedDocument(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "CreatePolicyVersion", func(pol *iamPolicy) (any, *core.Error) {
		if len(pol.versions) >= iamVersionsPerPolicy {
			return nil, core.QueryErr("LimitExceeded", "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", iamVersionsPerPolicy)
		}
		now := i.s.Now()
		pol.lastVersion++
		v := &iamPolicyVersion{id: "v" + strconv.Itoa(pol.lastVersion), doc: doc, created: now}
		pol.versions = append(pol.versions, v)
		if setDefault {
			pol.defaultID = v.id
			pol.updated = now
		}
		return struct{ PolicyVersion iamPolicyVersionXML }{iamPolicyVersionXML{
			VersionId:        v.id,
			IsDefaultVersion: setDefault,
			CreateDate:       core.QueryTime(v.created),
		}}, nil
	})
}

func (i *iamService) deletePolicyVersion(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, id, err := iamPolicyVersionID(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "DeletePolicyVersion", func(pol *iamPolicy) (any, *core.Error) {
		if id == pol.defaultID {
			return nil, core.QueryErr("DeleteConflict", "Cannot delete the default version of a policy.")
		}
		for n, v := range pol.versions {
			if v.id == id {
				pol.versions = append(pol.versions[:n:n], pol.versions[n+1:]...)
				return nil, nil
			}
		}
		return nil, core.QueryErr("NoSuchEntity", "Policy %s version %s does not exist.", arn, id)
	})
}

func (i *iamService) deletePolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "DeletePolicy", func(pol *iamPolicy) (any, *core.Error) {
		switch {
		case pol.attachments > 0:
			return nil, core.QueryErr("DeleteConflict", "Cannot delete a policy attached to entities.")
		case len(pol.versions) > 1:
			return nil, core.QueryErr("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		delete(i.policies, pol.arn)
		return nil, nil
	})
}

// iamAWSManagedPolicies returns the AWS-managed policies the emulator knows.
// Their documents are trimmed to what matters for Kinesis, CloudFront and
// IAM; AWS's own ReadOnlyAccess lists every service.
func iamAWSManagedPolicies() []*iamPolicy {
	type def struct {
		name, id, description, doc string
		created                    time.Time
	}
	defs := []def{
		{
			name:        "AdministratorAccess",
			id:          "ANPAIWMBCKSKIEE64ZLYK",
			description: "Provides full access to AWS services and resources.",
			doc:         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			created:     time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
		},
		{
			name:        "AmazonKinesisFullAccess",
			id:          "ANPAIVF32HAMOXCUYRAYE",
			description: "Provides full access to all streams via the AWS Management Console.",
			doc:         `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}`,
			created:     time.Date(2015, 2, 6, 18, 40, 45, 0, time.UTC),
		},
		{
			name:        "ReadOnlyAccess",
			id:          "ANPAILL3HVNFSB6DCOWYQ",
			description: "Provides read-only access to AWS services and resources.",
			doc: `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyActions",
            "Effect": "Allow",
            "Action": [
                "cloudfront:Describe*",
                "cloudfront:Get*",
                "cloudfront:List*",
                "cloudwatch:Describe*",
                "cloudwatch:Get*",
                "cloudwatch:List*",
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*",
                "kinesis:Describe*",
                "kinesis:Get*",
                "kinesis:List*",
                "kms:Describe*",
                "kms:Get*",
                "kms:List*",
                "logs:Describe*",
                "logs:Get*",
                "logs:List*",
                "s3:Get*",
                "s3:List*",
                "sts:GetCallerIdentity"
            ],
            "Resource": "*"
        }
    ]
}`,
			created: time.Date(2015, 2, 6, 18, 39, 48, 0, time.UTC),
		},
	}
	out := make([]*iamPolicy, len(defs))
	for n, d := range defs {
		out[n] = &iamPolicy{
			name:        d.name,
			path:        "/",
			id:          d.id,
			arn:         "arn:aws:iam::aws:policy/" + d.name,
			description: d.description,
			created:     d.created,
			updated:     d.created,
			awsManaged:  true,
			versions:    []*iamPolicyVersion{{id: "v1", doc: d.doc, created: d.created}},
			defaultID:   "v1",
			lastVersion: 1,
		}
	}
	return out
}
