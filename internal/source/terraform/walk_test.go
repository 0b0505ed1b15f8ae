package terraform

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestWalkTraversals checks that walkTraversals finds the scope traversals
// hclsyntax.VisitAll finds, over every kind of expression.
func TestWalkTraversals(t *testing.T) {
	srcs := map[string]string{"kinds.tf": `
locals {
  lit      = 1
  tmpl     = "a ${var.a} b %{ if local.c }yes%{ else }${local.d}%{ endif } %{ for x in var.xs }${x}${each.key}%{ endfor }"
  wrap     = "${var.only}"
  heredoc  = <<-EOT
    ${upper(var.h)} and ${local.i[0]}
  EOT
  call     = concat(var.l1, [local.l2], var.rest...)
  tuple    = [var.t1, { (local.k) = var.v, plain = count.index, "q" = self.x, key.sub = 1 }]
  cond     = var.c ? local.yes : !local.no
  ops      = -var.n + (local.m * 2) >= 3 && var.b || false
  rel      = func()[0].attr
  index    = var.m[local.key]
  splat    = var.list[*].id
  fsplat   = var.list.*.name
  for_list = [for i, v in var.xs : upper(v) if v != local.skip]
  for_map  = { for k, v in var.m : k => v.id... if each.value }
  nulls    = [null, true, false]
}

resource "aws_cloudfront_distribution" "d" {
  dynamic "ordered_cache_behavior" {
    for_each = local.paths
    content {
      path_pattern            = ordered_cache_behavior.value
      realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
    }
  }
  nested {
    deeper {
      a = data.aws_caller_identity.current.account_id
    }
  }
}
`}
	for _, dir := range []string{"../iac/testdata/tree/tf", "../iac/testdata/tree/tf/modules/cdn", "../iac/testdata/parity/literal", "../iac/testdata/parity/partial"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			srcs[p] = string(b)
		}
	}
	if len(srcs) < 4 {
		t.Fatalf("only %d files", len(srcs))
	}
	for name, src := range srcs {
		file, diags := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		want := map[*hclsyntax.ScopeTraversalExpr]bool{}
		hclsyntax.VisitAll(file.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
			if e, ok := n.(*hclsyntax.ScopeTraversalExpr); ok {
				want[e] = true
			}
			return nil
		})
		got := map[*hclsyntax.ScopeTraversalExpr]bool{}
		walkTraversals(file.Body.(*hclsyntax.Body), func(e *hclsyntax.ScopeTraversalExpr) {
			if got[e] {
				t.Errorf("%s: %s visited twice", name, e.Range())
			}
			got[e] = true
		})
		for e := range want {
			if !got[e] {
				t.Errorf("%s: %s (%s) not visited", name, e.Range(), e.Traversal.RootName())
			}
		}
		for e := range got {
			if !want[e] {
				t.Errorf("%s: %s (%s) visited, VisitAll does not", name, e.Range(), e.Traversal.RootName())
			}
		}
		if name == "kinds.tf" && len(want) < 35 {
			t.Errorf("kinds.tf: only %d traversals", len(want))
		}
	}
}
