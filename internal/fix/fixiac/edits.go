package fixiac

import (
	"fmt"
	"sort"
	"strings"
)

// edit replaces src[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       string
	// depth orders insertions at the same offset: the deeper (inner)
	// one comes first.
	depth int
}

// applyEdits applies non-overlapping edits to src.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	sorted := append([]edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].start != sorted[j].start {
			return sorted[i].start < sorted[j].start
		}
		return sorted[i].depth > sorted[j].depth
	})
	var b strings.Builder
	b.Grow(len(src) + 1024)
	pos := 0
	for _, e := range sorted {
		if e.start < pos || e.end < e.start || e.end > len(src) {
			return nil, fmt.Errorf("internal error: overlapping or out-of-range edit at byte %d", e.start)
		}
		b.Write(src[pos:e.start])
		b.WriteString(e.text)
		pos = e.end
	}
	b.Write(src[pos:])
	return []byte(b.String()), nil
}

// lineEnding returns the line break the text mostly uses: "\r\n" or "\n".
func lineEnding(src []byte) string {
	lf := strings.Count(string(src), "\n")
	crlf := strings.Count(string(src), "\r\n")
	if crlf > 0 && crlf*2 >= lf {
		return "\r\n"
	}
	return "\n"
}

// withEOL turns the "\n" line breaks of s into eol.
func withEOL(s, eol string) string {
	if eol == "\n" {
		return s
	}
	return strings.ReplaceAll(s, "\n", eol)
}
