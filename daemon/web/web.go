package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/daemon/auth"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Accounts signs people in and out; daemon/auth implements it.
type Accounts interface {
	// Login checks a user's password and opens a session.
	Login(ctx context.Context, user, password, remoteAddr string) (session string, actor media.Actor, err error)
	// CourierLogin exchanges a manifest's one-time code and the courier's
	// PIN for a session.
	CourierLogin(ctx context.Context, code, pin, remoteAddr string) (session string, actor media.Actor, err error)
	// Logout ends a session.
	Logout(ctx context.Context, session string) error
}

// Options are what the console needs besides the engine.
type Options struct {
	Accounts Accounts
	// Actor says who is calling, from the session cookie; false for no
	// one signed in.
	Actor func(*http.Request) (media.Actor, bool)
	// Language is the console's language until a browser chooses, "en"
	// or "ja"; empty: the configuration's language.
	Language string
	// Logger receives failed and refused requests; nil discards them.
	Logger *slog.Logger
	// Report is the daemon's report pages; nil: the console makes its own.
	Report *report.Pages
	// CourierCode makes a courier's one-time sign-in code and PIN for a
	// manifest, to print on its picking list; nil: the picking list
	// offers none ('tapewarden manifest courier-code' makes them).
	CourierCode func(ctx context.Context, actor media.Actor, manifest, courier string) (code, pin string, until time.Time, err error)
}

// Roles, as media.Actor.Role carries them.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleCourier  = "courier"
	RoleAuditor  = "auditor"
	RoleViewer   = "viewer"
)

// SessionCookie is the name of the session cookie the console sets at
// sign-in.
const SessionCookie = auth.CookieName

// langCookie keeps a browser's choice of language.
const langCookie = "tapewarden_lang"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// console serves the pages.
type console struct {
	eng      *engine.Engine
	cat      *media.Catalog
	cfg      *config.Config
	report   *report.Pages
	accounts Accounts
	actor    func(*http.Request) (media.Actor, bool)
	code     func(ctx context.Context, actor media.Actor, manifest, courier string) (string, string, time.Time, error)
	lang     i18n.Lang
	log      *slog.Logger
	pages    map[string]*template.Template
	routes   []route
}

// route is one line of the route table: who may use it, and what it does.
// Roles nil is a page anyone may open, signed in or not.
type route struct {
	method  string
	path    string
	roles   []string
	handler func(q *request) error
}

// request is one call: the caller, its language, and the writer.
type request struct {
	w        http.ResponseWriter
	r        *http.Request
	actor    media.Actor
	signedIn bool
	lang     i18n.Lang
	p        *i18n.Printer
}

// New returns the console's handler over an engine. It sets its own
// security headers and refuses cross-origin state changes; mount it at
// "/" of the TLS listener.
func New(eng *engine.Engine, opts Options) http.Handler {
	c := &console{eng: eng, cat: eng.Catalog(), cfg: eng.Config(), accounts: opts.Accounts, actor: opts.Actor, code: opts.CourierCode, log: opts.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.actor == nil {
		c.actor = func(*http.Request) (media.Actor, bool) { return media.Actor{}, false }
	}
	if opts.Language == "" {
		opts.Language = c.cfg.Language
	}
	c.lang, _ = i18n.Parse(opts.Language)
	c.report = opts.Report
	if c.report == nil {
		c.report = report.New(c.cfg, c.cat, report.Options{Now: eng.Now, Logger: c.log, Cleaning: eng.CleaningStatus})
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		c.log.Error("the web console's pages do not parse", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the web console's pages do not parse: "+err.Error(), http.StatusInternalServerError)
		})
	}
	c.routes = c.routeTable()

	mux := http.NewServeMux()
	for _, rt := range c.routes {
		mux.HandleFunc(rt.method+" "+rt.path, c.serve(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.log.Warn("web console refused a cross-origin request", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		q := c.newRequest(w, r)
		c.fail(q, fmt.Errorf("%w: %s", errForbidden, q.p.T("err.cross_site")))
	}))
	return securityHeaders(protect.Handler(mux))
}

// routeTable is every page and action of the console with the roles that
// may use it. A test builds the role × route matrix from it.
func (c *console) routeTable() []route {
	ops := []string{RoleAdmin, RoleOperator}
	return []route{
		{"GET", "/{$}", nil, c.home},
		{"GET", "/login", nil, c.loginPage},
		{"POST", "/login", nil, c.login},
		{"POST", "/logout", []string{RoleAdmin, RoleOperator, RoleCourier, RoleAuditor, RoleViewer}, c.logout},
		{"POST", "/lang", nil, c.setLanguage},
		{"GET", "/c/login", nil, c.courierLoginPage},
		{"POST", "/c/login", nil, c.courierLogin},

		{"GET", "/ops", []string{RoleAdmin, RoleOperator, RoleViewer}, c.opsPage},
		{"POST", "/ops/prompts/{id}/done", ops, c.promptDone},
		{"POST", "/ops/prompts/{id}/cant", ops, c.promptCant},
		{"GET", "/ops/manifests", ops, c.manifestsPage},
		{"POST", "/ops/manifests/from-plan", ops, c.manifestsFromPlan},
		{"POST", "/ops/manifests/{id}/courier", ops, c.assignCourier},
		{"GET", "/ops/manifests/{id}/print", ops, c.pickingList},
		{"POST", "/ops/manifests/{id}/code", ops, c.pickingListWithCode},
		{"GET", "/ops/restore", ops, c.restorePage},
		{"POST", "/ops/restore", ops, c.startRestore},

		{"GET", "/c/{$}", []string{RoleCourier}, c.courierHome},
		{"GET", "/c/m/{id}", []string{RoleCourier}, c.courierManifest},
		{"POST", "/c/m/{id}/scan", []string{RoleCourier}, c.courierScan},
		{"POST", "/c/m/{id}/confirm", []string{RoleCourier}, c.courierConfirm},

		{"GET", "/audit", []string{RoleAdmin, RoleAuditor, RoleOperator}, c.auditPage},
	}
}

// serve wraps a route: the caller, the role check, the body limit, and the
// error page.
func (c *console) serve(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := c.newRequest(w, r)
		if rt.roles != nil {
			if !q.signedIn {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, homeFor("", r.URL.Path), http.StatusSeeOther)
					return
				}
				c.fail(q, fmt.Errorf("%w: %s", errSignIn, q.p.T("err.session_ended")))
				return
			}
			if !slices.Contains(rt.roles, q.actor.Role) {
				c.log.Warn("web console refused a request", "method", r.Method, "path", r.URL.Path, "user", q.actor.Name, "role", q.actor.Role)
				c.fail(q, fmt.Errorf("%w: %s", errForbidden, q.p.T("err.role", r.Method, r.URL.Path, wordOf(q.p, "role.", q.actor.Role))))
				return
			}
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				why := q.p.T("err.form_unreadable")
				if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
					why = q.p.T("err.form_too_big", tooBig.Limit>>10)
				}
				c.fail(q, fmt.Errorf("%w: %s: %w", errInput, why, err))
				return
			}
		}
		if err := rt.handler(q); err != nil {
			c.fail(q, err)
		}
	}
}

// homeFor is where a person of a role starts; the courier's pages for
// paths under /c/.
func homeFor(role, path string) string {
	switch role {
	case RoleAdmin, RoleOperator, RoleViewer:
		return "/ops"
	case RoleAuditor:
		return "/audit"
	case RoleCourier:
		return "/c/"
	}
	if strings.HasPrefix(path, "/c/") {
		return "/c/login"
	}
	return "/login"
}

func (c *console) newRequest(w http.ResponseWriter, r *http.Request) *request {
	q := &request{w: w, r: r, lang: c.lang}
	q.actor, q.signedIn = c.actor(r)
	if ck, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(ck.Value); ok {
			q.lang = l
		}
	}
	q.p = i18n.NewPrinter(q.lang, c.cfg.Location)
	return q
}

// home sends each person to their pages.
func (c *console) home(q *request) error {
	http.Redirect(q.w, q.r, homeFor(q.actor.Role, ""), http.StatusSeeOther)
	return nil
}

// setLanguage keeps the browser's choice of language in a cookie and
// goes back to the page it came from.
func (c *console) setLanguage(q *request) error {
	l, ok := i18n.Parse(q.r.PostForm.Get("lang"))
	if !ok {
		return fmt.Errorf("%w: %s", errInput, q.p.T("err.lang"))
	}
	http.SetCookie(q.w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(q.w, q.r, localPath(q.r.PostForm.Get("back")), http.StatusSeeOther)
	return nil
}

// localPath is back when it is a path of this site, else "/".
func localPath(back string) string {
	u, err := url.Parse(back)
	// Browsers read a backslash as a slash: "/\\host" is another site.
	if err != nil || back == "" || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		return "/"
	}
	return u.RequestURI()
}

// page is what every template gets.
type page struct {
	Title    string
	Actor    media.Actor
	SignedIn bool
	Lang     string
	// Path is where the language chooser comes back to: the page's own
	// address unless the page says otherwise.
	Path    string
	Refresh int
	Error   string
	Notice  string
	Data    any
}

// render writes a page with a status.
func (c *console) render(q *request, status int, name string, pg page) {
	pg.Actor, pg.SignedIn, pg.Lang = q.actor, q.signedIn, string(q.lang)
	if pg.Path == "" {
		pg.Path = q.r.URL.RequestURI()
	}
	t, err := c.pages[name].Clone()
	if err == nil {
		t = t.Funcs(funcs(q.p))
		var buf bytes.Buffer
		if err = t.ExecuteTemplate(&buf, "layout", pg); err == nil {
			q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
			q.w.WriteHeader(status)
			// The status is sent: a browser that went away cannot be told.
			_, _ = buf.WriteTo(q.w)
			return
		}
	}
	c.log.Error("web console page failed", "page", name, "err", err)
	http.Error(q.w, "the page could not be drawn: "+err.Error(), http.StatusInternalServerError)
}

// fail shows an error page with the status the table gives it.
func (c *console) fail(q *request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		c.log.Error("web console request failed", "method", q.r.Method, "path", q.r.URL.Path, "err", err)
	}
	c.render(q, status, "error.html", page{Title: q.p.T("error.title"), Error: wordError(q.p, err)})
}

// seeOther sends the browser on after a change (POST, redirect, GET).
func seeOther(q *request, to string) error {
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
	return nil
}

// securityHeaders are the headers of every answer: no framing, no
// referrer, no script but the console's own files.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// funcs are the template functions of a page in a printer's language:
// the printer's own, and word, the word for a code the catalog keeps
// under a prefix of the catalogue ("item.", "run.", "event."…), the
// code itself when the catalogue has none.
func funcs(p *i18n.Printer) template.FuncMap {
	fm := template.FuncMap(p.Funcs())
	fm["word"] = func(prefix string, code any) string { return wordOf(p, prefix, code) }
	return fm
}

// wordOf is the catalogue's word for a code under a prefix, or the code
// itself when there is none.
func wordOf(p *i18n.Printer, prefix string, code any) string {
	s := fmt.Sprint(code)
	if p.Has(prefix + s) {
		return p.T(prefix + s)
	}
	return s
}

// parsePages parses each page with the layout. The functions are bound
// per request (the caller's language); these are their stand-ins.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	stub := funcs(i18n.NewPrinter(i18n.English, time.UTC))
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(stub).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[base] = t
	}
	return pages, nil
}

// formDate reads a YYYY-MM-DD date of a form, in the configured zone.
func (c *console) formDate(q *request, s string) (time.Time, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, c.cfg.Location)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w: %s", errInput, q.p.T("err.date", s))
	}
	return t, true, nil
}
