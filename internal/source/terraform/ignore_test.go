package terraform

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestIgnoresLexRegion checks that lexing only the text around a block
// finds the same suppressions as lexing the whole file, over files built
// from pieces that put directives in comments, strings, heredocs and
// templates, before, inside, after and on the lines of other blocks.
func TestIgnoresLexRegion(t *testing.T) {
	pieces := []string{
		"# cloudassure:ignore CF-001 above\n",
		"// cloudassure:ignore CF-002 slashes\n",
		"/* cloudassure:ignore CF-003 block\n   comment over lines */\n",
		"/* cloudassure:ignore CF-004 inline */ ",
		"\n",
		"# just a comment\n",
		"resource \"aws_cloudfront_distribution\" \"d%d\" {\n  enabled = true\n}\n",
		"resource \"aws_cloudfront_distribution\" \"d%d\" { # cloudassure:ignore CF-005 trailing\n  enabled = true\n  # cloudassure:ignore CF-006 inside\n}\n",
		"resource \"aws_cloudfront_distribution\" \"d%d\" {\n  comment = \"# cloudassure:ignore CF-007 in a string\"\n}",
		" # cloudassure:ignore CF-008 after the brace\n",
		"resource \"aws_cloudfront_distribution\" \"d%d\" {\n  comment = <<EOT\n# cloudassure:ignore CF-009 in a heredoc\n}\nEOT\n}\n",
		"resource \"aws_s3_bucket\" \"b%d\" {\n  tags = { a = \"${var.x} # cloudassure:ignore CF-010 in a template\" }\n}\n",
		"resource \"aws_s3_bucket\" \"b%d\" {} ",
		"resource \"aws_cloudfront_distribution\" \"d%d\" {}",
		"locals {\n  # cloudassure:ignore CF-011 in locals\n  x = [\n    1, # cloudassure:ignore CF-012 in a list\n  ]\n}\n",
		"resource \"aws_cloudfront_distribution\" \"d%d\" {\r\n  # cloudassure:ignore CF-013 crlf\r\n  enabled = true\r\n}\r\n",
		"resource \"aws_s3_bucket\" \"b%d\" { /* cloudassure:ignore CF-014 opens\nand closes */\n}",
		"resource \"aws_s3_bucket\" \"b%d\" {\n  policy = <<-EOT\n    /* cloudassure:ignore CF-015 indented heredoc\n  EOT\n}\n",
		"top = 1 # cloudassure:ignore CF-016 top-level attribute\n",
	}
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		for i := range 1 + r.IntN(12) {
			p := pieces[r.IntN(len(pieces))]
			if strings.Contains(p, "%d") {
				p = fmt.Sprintf(p, i)
			}
			b.WriteString(p)
		}
		src := []byte(b.String())
		file, diags := hclsyntax.ParseConfig(src, "main.tf", hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		f := &File{Name: "main.tf", Src: src, Body: file.Body.(*hclsyntax.Body)}
		all := lexComments(src, f.Name, hcl.InitialPos)
		for _, blk := range f.Body.Blocks {
			rng := blk.Range()
			want := all.ignores(rng.Start.Line, rng.End.Line, f.Name)
			if diff := cmp.Diff(want, f.ignores(blk)); diff != "" {
				t.Fatalf("block at line %d of\n%s\n(-whole file +region):\n%s", rng.Start.Line, src, diff)
			}
			checked++
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d blocks checked", checked)
	}
}
