// Package browsertest runs pages in a real browser for tests: Debian's
// Chromium, headless, driven with chromedp. It also finds the external
// references of an HTML document, so tests can prove a page loads nothing
// from the network.
//
// When Chromium is not installed a test is skipped, except in CI (CI=true),
// where it fails: CI installs Chromium (.ci/run).
package browsertest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
)

var screenshots = flag.String("screenshots", "", "write the browser tests' screenshots to this directory (default: the test's temporary directory)")

// Executables are the names Chromium is looked up by, in order. CHROMIUM, when
// set, names the executable to use instead.
var executables = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Timeout bounds everything a test does with one browser.
const Timeout = 2 * time.Minute

// Browser is one headless Chromium with one tab.
type Browser struct {
	// Ctx runs chromedp actions in the tab.
	Ctx context.Context

	mu       sync.Mutex
	requests []string
	problems []string
}

// FindChromium returns the path of the Chromium executable, or "" when
// there is none.
func FindChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range executables {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts headless Chromium with a fresh user-data directory and no
// background traffic, and closes it when the test ends. Without Chromium
// it skips the test, or fails it when CI=true.
func New(t testing.TB) *Browser {
	t.Helper()
	path := FindChromium()
	if path == "" {
		msg := "Chromium is not installed (apt-get install chromium, or set CHROMIUM)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + ": the browser tests must run in CI")
		}
		t.Skip(msg)
	}
	// Not t.TempDir: Chromium's helper processes may still write for a
	// moment after the browser closed, and TempDir fails the test then.
	userData, err := os.MkdirTemp("", "cloudassure-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(userData),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	var logs bytes.Buffer
	var logMu sync.Mutex
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(&logs, format+"\n", args...)
	}))
	b := &Browser{Ctx: bctx}
	t.Cleanup(func() {
		if err := chromedp.Cancel(bctx); err != nil {
			t.Logf("close Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
		removeAll(t, userData)
		logMu.Lock()
		defer logMu.Unlock()
		if logs.Len() > 0 {
			t.Logf("chromedp: %s", logs.String())
		}
	})
	chromedp.ListenTarget(bctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, e.Request.URL)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError {
				b.problems = append(b.problems, fmt.Sprintf("%s: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			b.problems = append(b.problems, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				b.problems = append(b.problems, "console.error")
			}
		}
	})
	if err := chromedp.Run(bctx, network.Enable(), cdplog.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return b
}

// StepTimeout bounds one Run, so that a selector that never matches fails
// its own test instead of using up the browser's time.
const StepTimeout = 20 * time.Second

// removeAll removes dir, retrying a few times while Chromium's last helper
// processes exit.
func removeAll(t testing.TB, dir string) {
	var err error
	for range 10 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("remove Chromium's user-data directory: %v", err)
}

// Run runs chromedp actions in the tab and fails the test on error.
func (b *Browser) Run(t testing.TB, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// SetValue sets the value of the input or select element matching the CSS
// selector and sends the input and change events a person's edit would.
func SetValue(selector, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var ok bool
		js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
			el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true}));
			el.dispatchEvent(new Event('change', {bubbles: true})); return el.value === %q; })()`, selector, value, value)
		if err := chromedp.Evaluate(js, &ok).Do(ctx); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: cannot set the value %q (no such element or option)", selector, value)
		}
		return nil
	})
}

// Problems returns what the pages reported as errors so far: console
// errors, uncaught exceptions and the browser's own error log (a resource
// the Content-Security-Policy blocked is one).
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Requests returns the URL of every request the tab has made so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// ColorScheme emulates prefers-color-scheme: "light" or "dark".
func ColorScheme(scheme string) chromedp.Action {
	return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}})
}

// Media emulates a CSS media type such as "print" ("" for the default).
func Media(media string) chromedp.Action {
	return emulation.SetEmulatedMedia().WithMedia(media)
}

// Viewport sets the size of the page, as a phone or a laptop would show it.
func Viewport(width, height int64, mobile bool) chromedp.Action {
	return emulation.SetDeviceMetricsOverride(width, height, 1, mobile)
}

// OutputDir is where screenshots go: the -screenshots directory when given
// (created if needed), else a directory of the test's own.
func OutputDir(t testing.TB) string {
	t.Helper()
	if *screenshots == "" {
		return t.TempDir()
	}
	dir, err := filepath.Abs(*screenshots)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot sets the viewport to width×height, captures the full page and
// writes it as dir/name.png. It returns the file's path.
func (b *Browser) Screenshot(t testing.TB, dir, name string, width, height int64) string {
	t.Helper()
	var png []byte
	b.Run(t,
		Viewport(width, height, width < 600),
		chromedp.Sleep(50*time.Millisecond), // let layout settle after the resize
		chromedp.FullScreenshot(&png, 100),
	)
	if len(png) < 8 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
	return p
}

// urlAttrs are the attributes whose value is a URL the browser may load or
// send to.
var urlAttrs = map[string]bool{
	"src": true, "href": true, "action": true, "formaction": true, "poster": true, "data": true,
	"srcset": true, "background": true, "cite": true, "ping": true, "manifest": true, "xlink:href": true,
	"hx-get": true, "hx-post": true, "hx-put": true, "hx-patch": true, "hx-delete": true,
}

var cssURL = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)`)

// ExternalReferences parses an HTML document and returns every URL in it
// that points off the page's own origin: any URL with a scheme other than
// data: (http:, https:, javascript:, file: …) or starting with "//", in URL
// attributes, in style attributes and style elements, and in meta refresh.
// Text is not looked at: a URL a page merely prints is not a reference.
func ExternalReferences(doc []byte) ([]string, error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	var out []string
	check := func(where, u string) {
		if isExternal(u) {
			out = append(out, where+": "+u)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case key == "srcset":
					for _, part := range strings.Split(a.Val, ",") {
						if f := strings.Fields(part); len(f) > 0 {
							check(n.Data+"[srcset]", f[0])
						}
					}
				case urlAttrs[key]:
					check(n.Data+"["+key+"]", strings.TrimSpace(a.Val))
				case key == "style":
					for _, m := range cssURL.FindAllStringSubmatch(a.Val, -1) {
						check(n.Data+"[style]", m[1]+m[2])
					}
				case key == "content" && n.Data == "meta":
					if i := strings.Index(strings.ToLower(a.Val), "url="); i >= 0 {
						check("meta[content]", strings.TrimSpace(a.Val[i+4:]))
					}
				}
			}
			if n.Data == "style" && n.FirstChild != nil {
				for _, m := range cssURL.FindAllStringSubmatch(n.FirstChild.Data, -1) {
					check("style", m[1]+m[2])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out, nil
}

var scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

func isExternal(u string) bool {
	u = strings.TrimSpace(u)
	if strings.HasPrefix(u, "//") || strings.HasPrefix(u, `\\`) || strings.HasPrefix(u, `/\`) {
		return true
	}
	if m := scheme.FindString(u); m != "" {
		return !strings.EqualFold(m, "data:")
	}
	return false
}
