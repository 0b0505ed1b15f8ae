package browsertest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// value into out.
func (b *Browser) Eval(t testing.TB, expr string, out any) {
	t.Helper()
	var raw json.RawMessage
	b.Run(t, chromedp.Evaluate("JSON.stringify("+expr+")", &raw))
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("evaluate %s: %v (%s)", expr, err, raw)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("evaluate %s: %v (%s)", expr, err, s)
	}
}

// contrastJS returns, for every visible element matching the selectors, the
// contrast ratio of its text colour against the first opaque background
// behind it, as WCAG 2 computes it, and lists those below min.
const contrastJS = `((sels, min) => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const bg = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
    if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const low = {}; let checked = 0;
  for (const s of sels) for (const el of document.querySelectorAll(s)) {
    if (!el.getClientRects().length || !el.textContent.trim()) continue;
    checked++;
    const r = ratio(parse(getComputedStyle(el).color), bg(el));
    if (r < min) low[s + ' "' + el.textContent.trim().slice(0, 24) + '"'] = Math.round(r * 100) / 100;
  }
  return {checked, low};
})(%s, %v)`

// Contrast checks that the text of every visible element matching the
// selectors has a contrast ratio of at least min (4.5 is WCAG AA for body
// text) and that at least one element was checked.
func (b *Browser) Contrast(t testing.TB, min float64, selectors ...string) {
	t.Helper()
	sels, err := json.Marshal(selectors)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Checked int                `json:"checked"`
		Low     map[string]float64 `json:"low"`
	}
	b.Eval(t, fmt.Sprintf(contrastJS, sels, min), &res)
	if res.Checked == 0 {
		t.Errorf("contrast: no visible element matches %v", selectors)
	}
	for what, r := range res.Low {
		t.Errorf("contrast %.2f < %.1f: %s", r, min, what)
	}
}

// unlabelledJS lists the form controls with no accessible name.
const unlabelledJS = `Array.from(document.querySelectorAll('input, select, textarea, button')).filter(el =>
  el.type !== 'hidden' && el.getClientRects().length &&
  !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') &&
  !(el.tagName === 'BUTTON' && el.textContent.trim())).map(el => el.outerHTML.slice(0, 80))`

// Labelled checks that every visible form control has a label.
func (b *Browser) Labelled(t testing.TB) {
	t.Helper()
	var bad []string
	b.Eval(t, unlabelledJS, &bad)
	for _, s := range bad {
		t.Errorf("control without a label: %s", s)
	}
}

// NoHorizontalScroll checks that the page is no wider than the viewport.
func (b *Browser) NoHorizontalScroll(t testing.TB) {
	t.Helper()
	var w struct{ Scroll, Client int }
	b.Eval(t, `({Scroll: document.documentElement.scrollWidth, Client: document.documentElement.clientWidth})`, &w)
	if w.Scroll > w.Client {
		t.Errorf("the page is %d px wide in a %d px viewport", w.Scroll, w.Client)
	}
}

// ScriptsDisabled turns JavaScript off (true) or on for the next loads.
func ScriptsDisabled(off bool) chromedp.Action {
	return emulation.SetScriptExecutionDisabled(off)
}
