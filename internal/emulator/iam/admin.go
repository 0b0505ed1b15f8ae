package iam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// Role and policy administration the Terraform AWS provider uses besides
// create, read and delete: UpdateRole, UpdateRoleDescription,
// ListInstanceProfilesForRole, ListPolicyVersions, SetDefaultPolicyVersion.

func (i *iamService) updateRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	description, err := p.Matching("Description", nil, 0, 1000, false)
	if err != nil {
		return nil, err
	}
	_, hasDescription := p.Form["Description"]
	// The API reference: without MaxSessionDuration the default of one
	// hour applies.
	maxSession, err := p.Integer("MaxSessionDuration", 3600, 3600, 43200)
	if err != nil {
		return nil, err
	}
	return i.onRole(name, func(r *iamRole) (any, *core.Error) {
		if hasDescription {
			r.description = description
		}
		r.maxSession = maxSession
		return struct{}{}, nil // UpdateRoleResponse has no members but is present
	})
}

func (i *iamService) updateRoleDescription(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	if _, ok := p.Form["Description"]; !ok {
		return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
	}
	description, err := p.Matching("Description", nil, 0, 1000, false)
	if err != nil {
		return nil, err
	}
	return i.onRole(name, func(r *iamRole) (any, *core.Error) {
		r.description = description
		out := r.xml()
		out.MaxSessionDuration = r.maxSession
		out.Tags = iamTagList(r.tags)
		return struct{ Role iamRoleXML }{out}, nil
	})
}

// listInstanceProfilesForRole lists the instance profiles that hold a role.
// The emulator has no instance profiles, so the list is always empty; the
// role must exist.
func (i *iamService) listInstanceProfilesForRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	return i.onRole(name, func(*iamRole) (any, *core.Error) {
		return iamList(p, "InstanceProfiles", []struct{}{}, func(struct{}) string { return "" })
	})
}

func (i *iamService) listPolicyVersions(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "", func(pol *iamPolicy) (any, *core.Error) {
		// Versions are listed newest first. The page key counts down from the
		// newest version number, so keys ascend in list order and a marker
		// survives deletions of other versions.
		var versions []iamPolicyVersionXML
		for n := len(pol.versions) - 1; n >= 0; n-- {
			v := pol.versions[n]
			versions = append(versions, iamPolicyVersionXML{VersionId: v.id, IsDefaultVersion: v.id == pol.defaultID, CreateDate: core.QueryTime(v.created)})
		}
		key := func(v iamPolicyVersionXML) string {
			num, _ := strconv.Atoi(strings.TrimPrefix(v.VersionId, "v"))
			return fmt.Sprintf("%010d", pol.lastVersion-num)
		}
		return iamList(p, "Versions", versions, key)
	})
}

func (i *iamService) setDefaultPolicyVersion(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, id, err := iamPolicyVersionID(p)
	if err != nil {
		return nil, err
	}
	return i.onPolicy(arn, rc, "SetDefaultPolicyVersion", func(pol *iamPolicy) (any, *core.Error) {
		if pol.version(id) == nil {
			return nil, core.QueryErr("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", arn, id)
		}
		pol.defaultID = id
		pol.updated = i.s.Now()
		return nil, nil
	})
}
