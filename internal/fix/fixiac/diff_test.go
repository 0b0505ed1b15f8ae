package fixiac

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"insert in the middle", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nx\n5\n6\n7\n8\n",
			"--- a/f\n+++ b/f\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+x\n 5\n 6\n 7\n"},
		{"insert at the start", "a\nb\n", "x\na\nb\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n+x\n a\n b\n"},
		{"into an empty file", "", "x\n", "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+x\n"},
		{"replace a line", "a\nb\nc\n", "a\nB\nc\n", "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"no newline at the end", "a\nb", "a\nb\nc", "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n"},
		{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "x\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\ny\n",
			"--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n+x\n 1\n 2\n 3\n@@ -10,3 +11,4 @@\n 10\n 11\n 12\n+y\n"},
		{"close changes share a hunk", "1\n2\n3\n4\n5\n6\n7\n", "1\nx\n2\n3\n4\n5\n6\ny\n7\n",
			"--- a/f\n+++ b/f\n@@ -1,7 +1,9 @@\n 1\n+x\n 2\n 3\n 4\n 5\n 6\n+y\n 7\n"},
		{"CRLF lines keep their CR", "a\r\nb\r\n", "a\r\nx\r\nb\r\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\r\n+x\r\n b\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unifiedDiff("f", tt.old, tt.new)
			if got != tt.want {
				t.Errorf("diff:\n%q\nwant:\n%q", got, tt.want)
			}
			if got == "" {
				return
			}
			back, err := applyPatch(tt.old, got)
			if err != nil || back != tt.new {
				t.Errorf("applyPatch = %q, %v; want %q", back, err, tt.new)
			}
		})
	}
}

// TestDiffRoundTrip makes random edits to random texts: the diff always
// turns the old text into the new one, with the package's applier and with
// patch(1).
func TestDiffRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"a", "b", "c", "  key: value", "", "# comment", "}", "\t\"x\": 1,"}
	randomText := func(n int) []string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = words[rng.Intn(len(words))] + "\n"
		}
		return lines
	}
	patchBin, _ := exec.LookPath("patch")
	for i := 0; i < 300; i++ {
		old := randomText(rng.Intn(40))
		cur := append([]string(nil), old...)
		for e := rng.Intn(6); e > 0; e-- {
			pos := 0
			if len(cur) > 0 {
				pos = rng.Intn(len(cur) + 1)
			}
			switch rng.Intn(3) {
			case 0:
				cur = append(cur[:pos], append(randomText(1+rng.Intn(3)), cur[pos:]...)...)
			case 1:
				if pos < len(cur) {
					cur = append(cur[:pos], cur[pos+1:]...)
				}
			case 2:
				if pos < len(cur) {
					cur[pos] = "changed\n"
				}
			}
		}
		a, b := strings.Join(old, ""), strings.Join(cur, "")
		if rng.Intn(4) == 0 {
			b = strings.TrimSuffix(b, "\n")
		}
		d := unifiedDiff("dir/f.txt", a, b)
		if d == "" {
			if a != b {
				t.Fatalf("case %d: no diff between %q and %q", i, a, b)
			}
			continue
		}
		got, err := applyPatch(a, d)
		if err != nil || got != b {
			t.Fatalf("case %d: applyPatch: %v\nold %q\nnew %q\ndiff:\n%s", i, err, a, b, d)
		}
		if patchBin != "" && i%10 == 0 {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "dir"), 0o755)
			os.WriteFile(filepath.Join(dir, "dir", "f.txt"), []byte(a), 0o644)
			cmd := exec.Command(patchBin, "-p1", "--quiet", "--no-backup-if-mismatch")
			cmd.Dir, cmd.Stdin = dir, strings.NewReader(d)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("case %d: patch -p1: %v\n%s\ndiff:\n%s", i, err, out, d)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, "dir", "f.txt")); string(data) != b {
				t.Fatalf("case %d: patch -p1 gives %q, want %q", i, data, b)
			}
		}
	}
}

func TestApplyPatchRefuses(t *testing.T) {
	old := "a\nb\nc\n"
	good := unifiedDiff("f", old, "a\nB\nc\n")
	tests := []struct {
		name, old, patch, wantErr string
	}{
		{"context differs", "a\nx\nc\n", good, "line 2 of the file"},
		{"file too short", "a\n", good, "end of file"},
		{"no hunk", old, "--- a/f\n+++ b/f\n", "no hunk"},
		{"bad header", old, "--- a/f\n+++ b/f\n@@ -x +1 @@\n", "malformed hunk header"},
		{"wrong count", old, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n", "says 2 old lines"},
		{"garbage line", old, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n?a\n", "not a context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := applyPatch(tt.old, tt.patch)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
