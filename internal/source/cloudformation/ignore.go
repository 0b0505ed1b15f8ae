package cloudformation

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// ignoreMarker starts an inline suppression in a YAML comment:
//
//	# cloudassure:ignore CF-001,CF-003 the reason
const ignoreMarker = "cloudassure:ignore"

// ignoreArgsRE splits what follows the marker into rule IDs (separated by
// commas, with or without spaces) and the reason.
var ignoreArgsRE = regexp.MustCompile(`^([A-Za-z0-9_*-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_*-]+)*)[ \t]*(.*)$`)

// ignores collects the suppressions written on resource r: comments on its
// logical-ID line, on the comment lines directly above it or anywhere inside
// its body (YAML only; JSON has no comments), and entries of
// Metadata.cloudassure.ignore ([{id: CF-001, reason: ...}] or [CF-001]).
// They are ordered by line.
func (e *evaluator) ignores(r *resource) []model.Ignore {
	var out []model.Ignore
	if !e.t.doc.json {
		rng := e.t.rangeOf(r.key, r.node)
		first := rng.StartLine
		for first > 1 && isComment(e.t.doc.line(first-1)) {
			first--
		}
		for l := first; l <= rng.EndLine; l++ {
			out = append(out, e.lineIgnores(l)...)
		}
	}
	out = append(out, e.metadataIgnores(r)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Range.StartLine < out[j].Range.StartLine })
	return out
}

// lineIgnores returns the suppressions in the comment on line l, parsing
// each line once: resources written on one line share it.
func (e *evaluator) lineIgnores(l int) []model.Ignore {
	if igs, ok := e.comments[l]; ok {
		return igs
	}
	igs := commentIgnores(e.t.doc.line(l), e.t.file, l)
	if e.comments == nil {
		e.comments = map[int][]model.Ignore{}
	}
	e.comments[l] = igs
	return igs
}

func isComment(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 0 && t[0] == '#'
}

// commentIgnores parses a cloudassure:ignore comment on line. A comment
// without a rule ID suppresses nothing.
func commentIgnores(line []byte, file string, n int) []model.Ignore {
	if !bytes.Contains(line, []byte(ignoreMarker)) {
		return nil
	}
	c := commentStart(line)
	if c < 0 {
		return nil
	}
	text := bytes.TrimSpace(line[c+1:])
	if !bytes.HasPrefix(text, []byte(ignoreMarker)) {
		return nil
	}
	rest := string(text[len(ignoreMarker):])
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return nil // cloudassure:ignored, cloudassure:ignore-foo
	}
	m := ignoreArgsRE.FindStringSubmatch(strings.TrimSpace(rest))
	if m == nil {
		return nil
	}
	ids, reason := m[1], m[2]
	rng := model.Range{File: file, StartLine: n, EndLine: n}
	return ruleIgnores(ids, strings.TrimSpace(reason), "comment", rng)
}

// commentStart returns the offset of the # that starts a YAML comment on
// line, or -1. A # inside a quoted scalar or a word does not start one.
// Quoted scalars that span lines and block scalars are not tracked.
func commentStart(line []byte) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote == '\'' && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return i
		case (c == '"' || c == '\'') && (i == 0 || bytes.IndexByte([]byte(" \t:-[{,"), line[i-1]) >= 0):
			quote = c
		}
	}
	return -1
}

// ruleIgnores is one Ignore per rule ID in the comma-separated list ids.
func ruleIgnores(ids, reason, source string, rng model.Range) []model.Ignore {
	var out []model.Ignore
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, model.Ignore{RuleID: id, Reason: reason, Source: source, Range: rng})
		}
	}
	return out
}

// metadataIgnores reads Metadata.cloudassure.ignore of r.
func (e *evaluator) metadataIgnores(r *resource) []model.Ignore {
	_, md := lookup(r.node, "Metadata")
	_, ca := lookup(md, "cloudassure")
	_, list := lookup(ca, "ignore")
	list = deref(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []model.Ignore
	for _, it := range list.Content {
		rng := e.t.rangeOf(it, it)
		if id, ok := literal(it); ok {
			out = append(out, ruleIgnores(id, "", "metadata", rng)...)
			continue
		}
		_, idn := lookup(it, "id")
		id, ok := literal(idn)
		if !ok {
			continue
		}
		_, rn := lookup(it, "reason")
		reason, _ := literal(rn)
		out = append(out, ruleIgnores(id, strings.TrimSpace(reason), "metadata", rng)...)
	}
	return out
}
