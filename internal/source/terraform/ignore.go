package terraform

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/cloudassure/cloudassure/internal/model"
)

// ignoreDirective starts an inline suppression in a comment.
const ignoreDirective = "cloudassure:ignore"

// comment is one comment token of a file.
type comment struct {
	start, end int // lines
	text       string
}

// comments are the comment tokens of some text and the lines holding
// anything else.
type comments struct {
	list  []comment
	byEnd map[int][]int // indexes into list by last line
	code  map[int]bool  // lines holding something other than comments
}

// lexComments lexes src, which starts at pos of the file, between two
// top-level items (where the lexer is in the state it starts in).
func lexComments(src []byte, file string, pos hcl.Pos) *comments {
	cs := &comments{byEnd: map[int][]int{}, code: map[int]bool{}}
	toks, _ := hclsyntax.LexConfig(src, file, pos)
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenComment:
			text := strings.TrimRight(string(t.Bytes), "\r\n")
			c := comment{start: t.Range.Start.Line, text: text}
			c.end = c.start + strings.Count(text, "\n")
			cs.byEnd[c.end] = append(cs.byEnd[c.end], len(cs.list))
			cs.list = append(cs.list, c)
		case hclsyntax.TokenNewline, hclsyntax.TokenEOF:
		default:
			for l := t.Range.Start.Line; l <= t.Range.End.Line; l++ {
				cs.code[l] = true
			}
		}
	}
	return cs
}

// ignores returns the suppressions written in comments on the lines of the
// top-level block b or on the comment-only lines directly above it.
//
// Only the text that can hold them is lexed, and only when the directive is
// in it: from the end of the item before b to the start of the first item
// that starts below b's last line (blocks sharing b's first or last line
// are taken in). Both are boundaries between top-level items, where the
// lexer is in its initial state, so the tokens are the ones a lex of the
// whole file gives. The search upwards stops on the line where the item
// before ends, as it holds code, unless a /* comment starts there and
// carries the search past it: then the whole file is lexed.
func (f *File) ignores(b *hclsyntax.Block) []model.Ignore {
	if f.JSON {
		return nil // JSON has no comments
	}
	rng := b.Range()
	from, to, pos := f.region(b)
	if !bytes.Contains(f.Src[from:to], []byte(ignoreDirective)) {
		return nil // nothing to find; skip lexing
	}
	cs := lexComments(f.Src[from:to], f.Name, pos)
	if from > 0 {
		cs.code[pos.Line] = true // the item before ends (or starts) on this line
	}
	return cs.ignores(rng.Start.Line, rng.End.Line, f.Name)
}

// region returns the byte range of f to lex for the comments of b, and the
// position it starts at.
func (f *File) region(b *hclsyntax.Block) (from, to int, pos hcl.Pos) {
	rng := b.Range()
	blocks := f.Body.Blocks
	i := 0
	for i < len(blocks) && blocks[i] != b {
		i++
	}
	whole := func() (int, int, hcl.Pos) { return 0, len(f.Src), hcl.InitialPos }
	if i == len(blocks) || len(f.Body.Attributes) > 0 {
		return whole()
	}
	from, to, pos = 0, len(f.Src), hcl.InitialPos
	for k := i - 1; k >= 0; k-- {
		prev := blocks[k].Range()
		if prev.End.Line < rng.Start.Line {
			from, pos = prev.End.Byte, prev.End
			break
		}
		if prev.Start.Line < rng.Start.Line {
			from, pos = prev.Start.Byte, prev.Start
			break
		}
	}
	for k := i + 1; k < len(blocks); k++ {
		if next := blocks[k].Range(); next.Start.Line > rng.End.Line {
			to = next.Start.Byte
			break
		}
	}
	if from < 0 || to > len(f.Src) || from > to {
		return whole()
	}
	first := f.Src[from:to]
	if nl := bytes.IndexByte(first, '\n'); nl >= 0 {
		first = first[:nl]
	}
	if from > 0 && bytes.Contains(first, []byte("/*")) {
		return whole()
	}
	return from, to, pos
}

// ignores returns the suppressions written in comments on lines start..end
// or on the comment-only lines directly above start.
func (cs *comments) ignores(start, end int, file string) []model.Ignore {
	if len(cs.list) == 0 {
		return nil
	}
	var picked []int
	for line := start - 1; line > 0 && !cs.code[line]; {
		idx := cs.byEnd[line]
		if len(idx) == 0 {
			break
		}
		picked = append(picked, idx...)
		line = cs.list[idx[0]].start - 1
	}
	// Comments above come first, top down.
	for i, j := 0, len(picked)-1; i < j; i, j = i+1, j-1 {
		picked[i], picked[j] = picked[j], picked[i]
	}
	for i, c := range cs.list {
		if c.start >= start && c.start <= end {
			picked = append(picked, i)
		}
	}
	var out []model.Ignore
	for _, i := range picked {
		out = append(out, parseIgnores(cs.list[i].text, cs.list[i].start, file)...)
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
