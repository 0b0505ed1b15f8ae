package fixiac

import (
	"fmt"
	"strings"
)

// contextLines is how many unchanged lines a hunk shows around a change.
const contextLines = 3

// splitLines splits s into lines that keep their terminator ("\n", or
// "\r\n" as part of the line); the last line has none when s does not end
// with a newline.
func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// opKind is one step of an edit script.
type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// lineOp is one line of an edit script, with its index in a (equal,
// delete) or b (insert).
type lineOp struct {
	kind opKind
	a, b int // indexes into a and b (the one that does not apply is the position reached)
}

// diffLines returns a shortest edit script turning a into b (Myers' greedy
// algorithm, after trimming the common prefix and suffix).
func diffLines(a, b []string) []lineOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []lineOp
	for i := 0; i < pre; i++ {
		ops = append(ops, lineOp{opEqual, i, i})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre)...)
	for i := 0; i < suf; i++ {
		ops = append(ops, lineOp{opEqual, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

// myers is the edit script of a and b; off is added to every index.
func myers(a, b []string, off int) []lineOp {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		var ops []lineOp
		for i := range a {
			ops = append(ops, lineOp{opDelete, off + i, off})
		}
		for j := range b {
			ops = append(ops, lineOp{opInsert, off + n, off + j})
		}
		return ops
	}
	maxD := n + m
	v := make([]int, 2*maxD+2)
	var trace [][]int
	var d int
search:
	for d = 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[maxD+k-1] < v[maxD+k+1]) {
				x = v[maxD+k+1] // down: an insertion
			} else {
				x = v[maxD+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[maxD+k] = x
			if x >= n && y >= m {
				break search
			}
		}
	}
	// Walk back through the saved frontiers.
	var rev []lineOp
	x, y := n, m
	for ; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[maxD+k-1] < vd[maxD+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[maxD+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, lineOp{opEqual, off + x, off + y})
		}
		if x == prevX {
			y--
			rev = append(rev, lineOp{opInsert, off + x, off + y})
		} else {
			x--
			rev = append(rev, lineOp{opDelete, off + x, off + y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, lineOp{opEqual, off + x, off + y})
	}
	ops := make([]lineOp, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}

// unifiedDiff returns the unified diff (3 lines of context) that turns old
// into new, with "--- a/NAME" and "+++ b/NAME" headers; "" when they are the
// same.
func unifiedDiff(name, old, new string) string {
	if old == new {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	var out strings.Builder
	name = strings.TrimPrefix(toSlash(name), "./")
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", name, name)
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			i++
			continue
		}
		// A hunk starts contextLines before this change and runs until
		// a stretch of more than 2*contextLines equal lines.
		start := max(0, i-contextLines)
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*contextLines {
				end = min(run, end+contextLines)
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end], a, b)
		i = end
	}
	return out.String()
}

func writeHunk(out *strings.Builder, ops []lineOp, a, b []string) {
	aStart, bStart := ops[0].a, ops[0].b
	aLen, bLen := 0, 0
	for _, op := range ops {
		switch op.kind {
		case opEqual:
			aLen++
			bLen++
		case opDelete:
			aLen++
		case opInsert:
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, op := range ops {
		line := ""
		switch op.kind {
		case opEqual, opDelete:
			line = a[op.a]
		case opInsert:
			line = b[op.b]
		}
		out.WriteByte(byte(op.kind))
		if strings.HasSuffix(line, "\n") {
			out.WriteString(line)
		} else {
			out.WriteString(line)
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats a hunk's range as diff does: "start,len", "start" for
// one line, and the line before for none.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func toSlash(p string) string { return strings.ReplaceAll(p, "\\", "/") }
