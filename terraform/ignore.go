package terraform

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cloudassure/cloudassure/model"
)

// ignoreDirective starts an inline suppression in a comment.
const ignoreDirective = "cloudassure:ignore"

// comment is one comment token of a file.
type comment struct {
	start, end int // lines
	text       string
}

// indexComments lexes f once and records its comments and the lines that
// hold anything else.
func (f *srcFile) indexComments() {
	f.byEnd = map[int][]int{}
	f.code = map[int]bool{}
	if !bytes.Contains(f.src, []byte(ignoreDirective)) {
		return // nothing to find; skip lexing
	}
	toks, _ := hclsyntax.LexConfig(f.src, f.name, hcl.InitialPos)
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenComment:
			text := strings.TrimRight(string(t.Bytes), "\r\n")
			c := comment{start: t.Range.Start.Line, text: text}
			c.end = c.start + strings.Count(text, "\n")
			f.byEnd[c.end] = append(f.byEnd[c.end], len(f.comments))
			f.comments = append(f.comments, c)
		case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
		default:
			for l := t.Range.Start.Line; l <= t.Range.End.Line; l++ {
				f.code[l] = true
			}
		}
	}
}

// ignores returns the suppressions written in comments on lines start..end
// or on the comment-only lines directly above start.
func (f *srcFile) ignores(start, end int) []model.Ignore {
	if len(f.comments) == 0 {
		return nil
	}
	var picked []int
	for line := start - 1; line > 0 && !f.code[line]; {
		idx := f.byEnd[line]
		if len(idx) == 0 {
			break
		}
		picked = append(picked, idx...)
		line = f.comments[idx[0]].start - 1
	}
	// Comments above come first, top down.
	for i, j := 0, len(picked)-1; i < j; i, j = i+1, j-1 {
		picked[i], picked[j] = picked[j], picked[i]
	}
	for i, c := range f.comments {
		if c.start >= start && c.start <= end {
			picked = append(picked, i)
		}
	}
	var out []model.Ignore
	for _, i := range picked {
		out = append(out, parseIgnores(f.comments[i].text, f.comments[i].start, f.name)...)
	}
	return out
}

// parseIgnores reads `cloudassure:ignore RULE[,RULE…] reason` directives in
// a comment's text, one per line.
func parseIgnores(text string, firstLine int, file string) []model.Ignore {
	var out []model.Ignore
	for i, line := range strings.Split(text, "\n") {
		at := strings.Index(line, ignoreDirective)
		if at < 0 {
			continue
		}
		rest := line[at+len(ignoreDirective):]
		if rest == "" || !unicode.IsSpace(rune(rest[0])) {
			continue
		}
		rest = strings.TrimSpace(rest)
		rest = strings.TrimSpace(strings.TrimSuffix(rest, "*/"))
		ids, reason := splitRuleIDs(rest)
		rng := model.Range{File: file, StartLine: firstLine + i, EndLine: firstLine + i}
		for _, id := range ids {
			out = append(out, model.Ignore{RuleID: id, Reason: reason, Source: "comment", Range: rng})
		}
	}
	return out
}

// splitRuleIDs splits "CF-001, CF-003 reason" into the IDs and the reason.
func splitRuleIDs(s string) (ids []string, reason string) {
	isSep := func(r rune) bool { return r == ',' || unicode.IsSpace(r) }
	for {
		j := strings.IndexFunc(s, isSep)
		id := s
		if j >= 0 {
			id, s = s[:j], s[j:]
		} else {
			s = ""
		}
		if id != "" {
			ids = append(ids, id)
		}
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if !strings.HasPrefix(s, ",") {
			break
		}
		s = strings.TrimLeftFunc(s[1:], unicode.IsSpace)
	}
	return ids, strings.TrimSpace(s)
}
