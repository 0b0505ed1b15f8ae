package iam

import (
	"regexp"
	"sort"
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

// iamTagPage answers a List*Tags call: tags sorted by key, paged.
func iamTagPage(p core.QueryParams, tags []iamTagXML) (any, *core.Error) {
	sorted := append([]iamTagXML(nil), tags...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Key < sorted[b].Key })
	page, marker, truncated, err := iamPage(p, sorted, func(t iamTagXML) string { return t.Key })
	if err != nil {
		return nil, err
	}
	return struct {
		Tags        iamMembers[iamTagXML]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{iamMembers[iamTagXML]{Member: page}, truncated, marker}, nil
}

func (i *iamService) tagRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(p)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := iamCheckTags(tags); err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	r, err := i.role(name)
	if err != nil {
		return nil, err
	}
	merged, err := iamMergeTags(r.tags, tags, "TagsPerRole")
	if err != nil {
		return nil, err
	}
	r.tags = merged
	return nil, nil
}

func (i *iamService) untagRole(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	keys, err := iamTagKeys(p)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	r, err := i.role(name)
	if err != nil {
		return nil, err
	}
	r.tags = iamRemoveTags(r.tags, keys)
	return nil, nil
}

func (i *iamService) listRoleTags(p core.QueryParams) (any, *core.Error) {
	name, err := iamRoleName(p)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	r, err := i.role(name)
	if err != nil {
		return nil, err
	}
	return iamTagPage(p, r.tags)
}

func (i *iamService) tagPolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(p)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, core.QueryErr("ValidationError", "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := iamCheckTags(tags); err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	pol, err := i.customerPolicy(arn, rc, "TagPolicy")
	if err != nil {
		return nil, err
	}
	merged, err := iamMergeTags(pol.tags, tags, "TagsPerPolicy")
	if err != nil {
		return nil, err
	}
	pol.tags = merged
	return nil, nil
}

func (i *iamService) untagPolicy(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	keys, err := iamTagKeys(p)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	pol, err := i.customerPolicy(arn, rc, "UntagPolicy")
	if err != nil {
		return nil, err
	}
	pol.tags = iamRemoveTags(pol.tags, keys)
	return nil, nil
}

func (i *iamService) listPolicyTags(p core.QueryParams, rc *core.Request) (any, *core.Error) {
	arn, err := iamPolicyARN(p)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	pol, err := i.policy(arn, rc)
	if err != nil {
		return nil, err
	}
	return iamTagPage(p, pol.tags)
}
