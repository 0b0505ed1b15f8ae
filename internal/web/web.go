// Package web is the dashboard of `cloudassure serve`: pages rendered on the
// server with html/template from the store's read API, interactive parts
// with htmx and charts with uPlot (both vendored from npm and embedded, see
// assets/vendor/README.md). Pages read without JavaScript; the only
// state-changing requests are suppressing a finding and lifting a
// suppression, which need the token and a CSRF check.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// The vendored libraries, as assets/vendor/README.md lists them.
const (
	HTMXVersion  = "2.0.11"
	UPlotVersion = "1.6.32"
)

// CSP is the Content-Security-Policy of every response: the embedded
// scripts and styles only, nothing from elsewhere, no inline code.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// cookieName holds the token of a browser that signed in.
const cookieName = "cloudassure_token"

// Options configure the dashboard.
type Options struct {
	// Authenticate returns the name of the token a request presents and
	// whether it is valid. Nil means no token is configured (serve on
	// loopback without one): every request is let in as "local".
	Authenticate func(token string) (name string, ok bool)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// CSRFKey signs the CSRF tokens; random when empty.
	CSRFKey []byte
	// Logger logs failed requests (slog.Default when nil).
	Logger *slog.Logger
	// PageSize is the number of rows of a table page (default 50).
	PageSize int
	// FixProfile is added to the `fix aws` commands the pages show, per
	// target: the profile the target is scanned with.
	FixProfile func(target string) string
}

// Handler serves the dashboard.
type Handler struct {
	st    *store.Store
	opts  Options
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New returns the dashboard's handler over the store.
func New(st *store.Store, opts Options) (*Handler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.CSRFKey) == 0 {
		opts.CSRFKey = make([]byte, 32)
		if _, err := rand.Read(opts.CSRFKey); err != nil {
			return nil, fmt.Errorf("web: csrf key: %w", err)
		}
	}
	h := &Handler{st: st, opts: opts, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	for _, name := range []string{"overview", "accounts", "distribution", "findings", "scans", "alerts", "login", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		h.pages[name] = t
	}
	assets, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		return nil, err
	}
	files := http.FileServerFS(assets)
	h.mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheable(files)))
	h.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		http.ServeFileFS(w, r, assets, "favicon.svg")
	})
	h.mux.HandleFunc("GET /login", h.loginPage)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("POST /logout", h.logout)
	h.mux.Handle("GET /{$}", h.auth(h.overview))
	h.mux.Handle("GET /accounts", h.auth(h.accounts))
	h.mux.Handle("GET /d/{target}/{account}/{id...}", h.auth(h.distribution))
	h.mux.Handle("GET /findings", h.auth(h.findings))
	h.mux.Handle("GET /findings.csv", h.auth(h.exportCSV))
	h.mux.Handle("GET /findings.json", h.auth(h.exportJSON))
	h.mux.Handle("GET /scans", h.auth(h.scans))
	h.mux.Handle("GET /alerts", h.auth(h.alerts))
	h.mux.Handle("POST /suppress", h.auth(h.suppress))
	h.mux.Handle("POST /lift", h.auth(h.lift))
	return h, nil
}

// ServeHTTP implements http.Handler: every response carries the security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

func cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// user is who a request comes from.
type user struct {
	name string
	// secret identifies the session for CSRF tokens ("" without a token configured).
	secret string
}

type userKey struct{}

func userOf(r *http.Request) user {
	u, _ := r.Context().Value(userKey{}).(user)
	return u
}

// bearerOf returns the bearer token of a request's Authorization header.
func bearerOf(r *http.Request) string {
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// sessionTTL is how long a sign-in lasts.
const sessionTTL = 12 * time.Hour

// newSession is the cookie value of a sign-in: the token's name and an expiry,
// signed. The token itself is not kept in the browser.
func (h *Handler) newSession(name string) string {
	exp := strconvFormat(h.opts.Now().Add(sessionTTL).Unix())
	body := base64.RawURLEncoding.EncodeToString([]byte(name)) + "." + exp
	return body + "." + h.mac("session", body)
}

// checkSession returns the name in a valid, unexpired session cookie.
func (h *Handler) checkSession(v string) (string, bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || !hmac.Equal([]byte(v[i+1:]), []byte(h.mac("session", v[:i]))) {
		return "", false
	}
	enc, exp, ok := strings.Cut(v[:i], ".")
	if !ok {
		return "", false
	}
	if t, err := strconvParse(exp); err != nil || h.opts.Now().Unix() >= t {
		return "", false
	}
	name, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	return string(name), true
}

func (h *Handler) mac(purpose, msg string) string {
	m := hmac.New(sha256.New, h.opts.CSRFKey)
	m.Write([]byte(purpose + "\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// handlerFunc is a page handler that may fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// auth lets in requests with a valid token (or all, without a token
// configured), sends browsers without one to the sign-in page, and renders
// errors.
func (h *Handler) auth(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := user{name: "local"}
		if h.opts.Authenticate != nil {
			name, ok, secret := "", false, ""
			if tok := bearerOf(r); tok != "" {
				name, ok = h.opts.Authenticate(tok)
				secret = "bearer\x00" + tok
			} else if c, err := r.Cookie(cookieName); err == nil {
				name, ok = h.checkSession(c.Value)
				secret = "session\x00" + c.Value
			}
			if !ok {
				if r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="cloudassure"`)
				h.fail(w, r, http.StatusUnauthorized, errors.New("a valid token is required"))
				return
			}
			u = user{name: name, secret: secret}
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		if r.Method != http.MethodGet {
			if err := h.checkCSRF(r, u); err != nil {
				h.fail(w, r, http.StatusForbidden, err)
				return
			}
		}
		if err := fn(w, r); err != nil {
			var he httpError
			if errors.As(err, &he) {
				h.fail(w, r, he.code, he)
				return
			}
			h.opts.Logger.Error("dashboard", "path", r.URL.Path, "err", err)
			h.fail(w, r, http.StatusInternalServerError, errors.New("the page could not be built; the server log has the reason"))
		}
	})
}

// httpError is an error with the status code to answer with.
type httpError struct {
	code int
	msg  string
}

func (e httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// csrfToken is the CSRF token of a session: an HMAC of what identifies it.
func (h *Handler) csrfToken(u user) string { return h.mac("csrf", u.secret) }

// checkCSRF accepts a state-changing request only from this origin and with
// the session's CSRF token (form field csrf or header X-CSRF-Token).
func (h *Handler) checkCSRF(r *http.Request, u user) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errors.New("cross-site request refused")
	}
	if o := r.Header.Get("Origin"); o != "" {
		ou, err := url.Parse(o)
		if err != nil || ou.Host != r.Host {
			return errors.New("cross-origin request refused")
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.csrfToken(u))) != 1 {
		return errors.New("the form is missing its CSRF token or it is wrong: reload the page and try again")
	}
	return nil
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if h.opts.Authenticate == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", &page{Title: "Sign in", Data: map[string]string{"Next": safeNext(r.URL.Query().Get("next"))}})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.opts.Authenticate == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		if ou, err := url.Parse(o); err != nil || ou.Host != r.Host {
			h.fail(w, r, http.StatusForbidden, errors.New("cross-origin request refused"))
			return
		}
	}
	tok := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	name, ok := h.opts.Authenticate(tok)
	if tok == "" || !ok {
		h.render(w, r, http.StatusUnauthorized, "login", &page{Title: "Sign in",
			Data: map[string]string{"Next": next, "Error": "That token is not valid."}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: h.newSession(name), Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		if ou, err := url.Parse(o); err != nil || ou.Host != r.Host {
			h.fail(w, r, http.StatusForbidden, errors.New("cross-origin request refused"))
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site: a path, not a URL.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) {
		return "/"
	}
	return s
}

// page is what the layout renders around a page's content.
type page struct {
	Title  string
	Nav    string
	User   string
	CSRF   string
	SignIn bool
	Data   any
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	u := userOf(r)
	p.User = u.name
	p.CSRF = h.csrfToken(u)
	p.SignIn = h.opts.Authenticate != nil
	var b strings.Builder
	if err := h.pages[name].Execute(&b, p); err != nil {
		h.opts.Logger.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	h.render(w, r, code, "error", &page{Title: http.StatusText(code), Data: map[string]any{"Code": code, "Message": err.Error()}})
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func strconvParse(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
