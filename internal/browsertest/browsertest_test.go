package browsertest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExternalReferences(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"fragment, relative and data URLs", `<a href="#x">x</a><link rel="stylesheet" href="/static/app.css"><img src="data:image/png;base64,AA"><form action="/suppress"></form>`, nil},
		{"printed URL is text", `<p>see https://docs.aws.amazon.com/x</p><code>http://example.com</code>`, nil},
		{"script from a CDN", `<script src="https://unpkg.com/htmx.org"></script>`, []string{"script[src]: https://unpkg.com/htmx.org"}},
		{"protocol-relative", `<img src="//cdn.example/x.png">`, []string{"img[src]: //cdn.example/x.png"}},
		{"link", `<a href="http://example.com/">x</a>`, []string{"a[href]: http://example.com/"}},
		{"javascript URL", `<a href="javascript:alert(1)">x</a>`, []string{"a[href]: javascript:alert(1)"}},
		{"css url and import", `<style>@import "https://fonts.example/f.css"; body{background:url('https://x.example/b.png')}</style>`,
			[]string{"style: https://fonts.example/f.css", "style: https://x.example/b.png"}},
		{"style attribute", `<div style="background-image: url(http://x.example/a.png)"></div>`, []string{"div[style]: http://x.example/a.png"}},
		{"srcset", `<img srcset="a.png 1x, https://x.example/b.png 2x">`, []string{"img[srcset]: https://x.example/b.png"}},
		{"meta refresh", `<meta http-equiv="refresh" content="0; url=https://x.example/">`, []string{"meta[content]: https://x.example/"}},
		{"htmx request", `<button hx-post="https://x.example/">x</button>`, []string{"button[hx-post]: https://x.example/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExternalReferences([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
