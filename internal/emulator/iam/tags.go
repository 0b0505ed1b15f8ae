package iam

import (
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// Tags on roles and customer managed policies: TagRole, UntagRole,
// ListRoleTags, TagPolicy, UntagPolicy, ListPolicyTags.

var (
	iamTagKeyRe   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	iamTagValueRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// iamMaxTags is the quota of tags per role and per policy.
const iamMaxTags = 50

// iamCheckTags checks tag keys and values against the model's patterns.
func iamCheckTags(tags []iamTagXML) *core.Error {
	for n, t := range tags {
		member := "tags." + strconv.Itoa(n+1) + ".member."
		if utf8.RuneCountInString(t.Key) > 128 {
			return core.QueryValidation(member+"key", t.Key, "Member must have length less than or equal to 128")
		}
		if !iamTagKeyRe.MatchString(t.Key) {
			return core.QueryValidation(member+"key", t.Key, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return core.QueryValidation(member+"value", t.Value, "Member must have length less than or equal to 256")
		}
		if !iamTagValueRe.MatchString(t.Value) {
			return core.QueryValidation(member+"value", t.Value, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
	}
	return nil
}

// iamMergeTags adds or overwrites tags by key, keeping the rest in order.
func iamMergeTags(have, add []iamTagXML, quota string) ([]iamTagXML, *core.Error) {
	out := append([]iamTagXML(nil), have...)
	for _, t := range add {
		found := false
		for n := range out {
			if out[n].Key == t.Key {
				out[n].Value, found = t.Value, true
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	if len(out) > iamMaxTags {
		return nil, core.QueryErr("LimitExceeded", "Cannot exceed quota for %s: %d", quota, iamMaxTags)
	}
	return out, nil
}

// iamRemoveTags drops the tags with the given keys; absent keys are ignored.
func iamRemoveTags(have []iamTagXML, keys []string) []iamTagXML {
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	var out []iamTagXML
	for _, t := range have {
		if !drop[t.Key] {
			out = append(out, t)
		}
	}
	return out
}

// iamTagKeys reads a TagKeys.member.N list.
func iamTagKeys(p core.QueryParams) ([]string, *core.Error) {
	var keys []string
	for n := 1; ; n++ {
		k, ok := p.Form["TagKeys.member."+strconv.Itoa(n)]
		if !ok {
			break
		}
		keys = append(keys, k[0])
	}
	if len(keys) == 0 {
		return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return keys, nil
}

// iamCheckedTags reads the Tags member and checks each tag.
func iamCheckedTags(p core.QueryParams) ([]iamTagXML, *core.Error) {
	tags, err := iamTags(p)
	if err != nil {
		return nil, err
	}
	if err := iamCheckTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// iamTagged is what the tag calls need of the resource they are for: a
// role or a customer managed policy. The three calls are the same for both.
type iamTagged struct {
	// member reads the request member that names the resource.
	member func(p core.QueryParams) (string, *core.Error)
	// on runs f on the resource's tags with i.mu held.
	on func(id string, f func(tags *[]iamTagXML) (any, *core.Error)) (any, *core.Error)
	// quota names the tag quota in LimitExceeded.
	quota string
}

// roleTags is a role's, for TagRole, UntagRole and ListRoleTags.
func (i *iamService) roleTags() iamTagged {
	return iamTagged{
		member: iamRoleName,
		on: func(name string, f func(*[]iamTagXML) (any, *core.Error)) (any, *core.Error) {
			return i.onRole(name, func(r *iamRole) (any, *core.Error) { return f(&r.tags) })
		},
		quota: "TagsPerRole",
	}
}

// policyTags is a managed policy's, for TagPolicy and UntagPolicy (which
// name their action and take customer managed policies only) and
// ListPolicyTags (action "").
func (i *iamService) policyTags(rc *core.Request, action string) iamTagged {
	return iamTagged{
		member: iamPolicyARN,
		on: func(arn string, f func(*[]iamTagXML) (any, *core.Error)) (any, *core.Error) {
			return i.onPolicy(arn, rc, action, func(pol *iamPolicy) (any, *core.Error) { return f(&pol.tags) })
		},
		quota: "TagsPerPolicy",
	}
}

// tag adds or replaces tags (TagRole, TagPolicy).
func (i *iamService) tag(p core.QueryParams, t iamTagged) (any, *core.Error) {
	id, err := t.member(p)
	if err != nil {
		return nil, err
	}
	tags, err := iamCheckedTags(p)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return t.on(id, func(dst *[]iamTagXML) (any, *core.Error) {
		merged, err := iamMergeTags(*dst, tags, t.quota)
		if err != nil {
			return nil, err
		}
		*dst = merged
		return nil, nil
	})
}

// untag removes tags by key (UntagRole, UntagPolicy).
func (i *iamService) untag(p core.QueryParams, t iamTagged) (any, *core.Error) {
	id, err := t.member(p)
	if err != nil {
		return nil, err
	}
	keys, err := iamTagKeys(p)
	if err != nil {
		return nil, err
	}
	return t.on(id, func(dst *[]iamTagXML) (any, *core.Error) {
		*dst = iamRemoveTags(*dst, keys)
		return nil, nil
	})
}

// listTags lists tags by key (ListRoleTags, ListPolicyTags).
func (i *iamService) listTags(p core.QueryParams, t iamTagged) (any, *core.Error) {
	id, err := t.member(p)
	if err != nil {
		return nil, err
	}
	return t.on(id, func(tags *[]iamTagXML) (any, *core.Error) {
		sorted := append([]iamTagXML(nil), *tags...) // the stored order is the order tags came in
		return iamList(p, "Tags", sorted, func(t iamTagXML) string { return t.Key })
	})
}
