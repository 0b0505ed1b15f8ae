package fixiac

import (
	"fmt"
	"strconv"
	"strings"
)

// hunk is one @@ section of a unified diff.
type hunk struct {
	aStart, aLen int // 1-based first line and count in the old file
	lines        []patchLine
	header       int // line of the @@ header in the patch, for messages
}

type patchLine struct {
	kind opKind
	text string // with its terminator, unless "\ No newline at end of file" followed it
}

// applyPatch applies a unified diff of one file, as unifiedDiff writes it,
// to old. Every context and removed line must match exactly: a patch that
// does not apply cleanly is an error, never applied in part.
func applyPatch(old, patch string) (string, error) {
	hunks, err := parsePatch(patch)
	if err != nil {
		return "", err
	}
	a := splitLines(old)
	var out strings.Builder
	next := 0 // index in a of the next line not yet copied
	for _, h := range hunks {
		start := h.aStart - 1
		if h.aLen == 0 {
			start = h.aStart // "-N,0" names the line before the insertion
		}
		if start < next || start > len(a) {
			return "", fmt.Errorf("patch line %d: hunk at line %d is out of order or past the end of the file (%d lines)", h.header, h.aStart, len(a))
		}
		for _, l := range a[next:start] {
			out.WriteString(l)
		}
		i := start
		for _, pl := range h.lines {
			switch pl.kind {
			case opEqual, opDelete:
				if i >= len(a) || a[i] != pl.text {
					got := "end of file"
					if i < len(a) {
						got = strconv.Quote(a[i])
					}
					return "", fmt.Errorf("patch line %d: line %d of the file is %s, the patch expects %q", h.header, i+1, got, pl.text)
				}
				if pl.kind == opEqual {
					out.WriteString(a[i])
				}
				i++
			case opInsert:
				out.WriteString(pl.text)
			}
		}
		next = i
	}
	for _, l := range a[next:] {
		out.WriteString(l)
	}
	return out.String(), nil
}

// parsePatch reads the hunks of a one-file unified diff.
func parsePatch(patch string) ([]hunk, error) {
	lines := splitLines(patch)
	var hunks []hunk
	var cur *hunk
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		text := strings.TrimSuffix(raw, "\n")
		switch {
		case cur == nil && (strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "+++ ")):
			continue
		case strings.HasPrefix(text, "@@ "):
			h, err := parseHunkHeader(text)
			if err != nil {
				return nil, fmt.Errorf("patch line %d: %w", i+1, err)
			}
			h.header = i + 1
			hunks = append(hunks, h)
			cur = &hunks[len(hunks)-1]
		case cur == nil:
			return nil, fmt.Errorf("patch line %d: %q before the first hunk", i+1, text)
		case strings.HasPrefix(text, `\`):
			// "\ No newline at end of file": the line before has no terminator.
			if len(cur.lines) == 0 {
				return nil, fmt.Errorf("patch line %d: no line before %q", i+1, text)
			}
			last := &cur.lines[len(cur.lines)-1]
			last.text = strings.TrimSuffix(last.text, "\n")
		case text == "" && !strings.HasSuffix(raw, "\n"):
			// the end of the patch
		default:
			if text == "" {
				return nil, fmt.Errorf("patch line %d: empty line inside a hunk", i+1)
			}
			k := opKind(text[0])
			if k != opEqual && k != opDelete && k != opInsert {
				return nil, fmt.Errorf("patch line %d: %q is not a context, removed or added line", i+1, text)
			}
			cur.lines = append(cur.lines, patchLine{kind: k, text: raw[1:]})
		}
	}
	for _, h := range hunks {
		na, nb := 0, 0
		for _, l := range h.lines {
			if l.kind != opInsert {
				na++
			}
			if l.kind != opDelete {
				nb++
			}
		}
		if na != h.aLen {
			return nil, fmt.Errorf("patch line %d: hunk says %d old lines, has %d", h.header, h.aLen, na)
		}
	}
	if len(hunks) == 0 {
		return nil, fmt.Errorf("patch has no hunk")
	}
	return hunks, nil
}

// parseHunkHeader reads "@@ -a,b +c,d @@".
func parseHunkHeader(s string) (hunk, error) {
	var h hunk
	f := strings.Fields(s)
	if len(f) < 4 || f[0] != "@@" || f[3] != "@@" || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return h, fmt.Errorf("malformed hunk header %q", s)
	}
	start, n, err := parseRange(f[1][1:])
	if err != nil {
		return h, fmt.Errorf("malformed hunk header %q: %w", s, err)
	}
	if _, _, err := parseRange(f[2][1:]); err != nil {
		return h, fmt.Errorf("malformed hunk header %q: %w", s, err)
	}
	h.aStart, h.aLen = start, n
	return h, nil
}

func parseRange(s string) (start, n int, err error) {
	a, b, found := strings.Cut(s, ",")
	start, err = strconv.Atoi(a)
	if err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad line number %q", a)
	}
	n = 1
	if found {
		n, err = strconv.Atoi(b)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad line count %q", b)
		}
	}
	return start, n, nil
}
