package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// securityHeaders are on every answer of the TCP listener: scripts and
// styles from this origin only and never inline, no framing, no
// referrer, no type sniffing, HTTPS only for a year.
var securityHeaders = map[string]string{
	"Content-Security-Policy":   "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"Referrer-Policy":           "no-referrer",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
	"Strict-Transport-Security": "max-age=31536000",
	"Cache-Control":             "no-store",
}

// TLSHandler is the TCP listener's handler: the same /v1 API and
// /metrics as the socket, for callers signed in with a session cookie or
// an API token; POST /v1/login, /v1/courier/login and /v1/logout; and web,
// the web console, on every other path (nil answers 404 there).
//
// Every state-changing request passes net/http's CrossOriginProtection
// (a cross-site form or fetch is refused), every answer carries the
// securityHeaders, and every body is bounded as on the socket.
func (d *Server) TLSHandler(web http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range d.routeTable() {
		mux.Handle(rt.pattern, d.authorized(d.tcpCaller, rt))
	}
	mux.HandleFunc("POST /v1/login", d.apiLogin)
	mux.HandleFunc("POST /v1/courier/login", d.apiCourierLogin)
	mux.HandleFunc("POST /v1/logout", d.apiLogout)
	mux.HandleFunc("/v1/", noEndpoint)
	if web != nil {
		mux.Handle("/", web)
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("nothing at %s: this tapewarden serves no web console; the API is under /v1/", r.URL.Path), Kind: "not_found"})
		})
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		if web != nil && !strings.HasPrefix(r.URL.Path, "/v1/") && r.URL.Path != "/metrics" {
			// A person's browser sent a form of another site to a console
			// page: the console, which refuses the same requests with the
			// same CrossOriginProtection, says so with a page in their
			// language instead of this JSON.
			web.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusForbidden, apiError{Error: "a request from another site may not change anything here; use tapewarden's own pages", Kind: "forbidden"})
	}))
	inner := cop.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		inner.ServeHTTP(w, r)
	})
}

// LoginRequest is the body of POST /v1/login.
type LoginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// CourierLoginRequest is the body of POST /v1/courier/login: the code
// printed on the manifest and the PIN told to the courier.
type CourierLoginRequest struct {
	Code string `json:"code"`
	PIN  string `json:"pin"`
}

// LoginAnswer says who signed in and until when; the session is in the
// cookie auth.CookieName, never in the body.
type LoginAnswer struct {
	Actor    media.Actor `json:"actor"`
	Manifest string      `json:"manifest,omitempty"`
	Expires  time.Time   `json:"expires"`
}

func (d *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := decodeBody(r, &req); err != nil {
		d.writeError(w, r, err)
		return
	}
	session, actor, err := d.accounts.Login(r.Context(), req.User, req.Password, r.RemoteAddr)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	expires := d.eng.Now().Add(auth.SessionTTL)
	http.SetCookie(w, auth.SessionCookie(session, expires))
	d.writeAnswer(w, LoginAnswer{Actor: actor, Expires: expires})
}

func (d *Server) apiCourierLogin(w http.ResponseWriter, r *http.Request) {
	var req CourierLoginRequest
	if err := decodeBody(r, &req); err != nil {
		d.writeError(w, r, err)
		return
	}
	session, actor, err := d.accounts.CourierLogin(r.Context(), req.Code, req.PIN, r.RemoteAddr)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	expires := d.eng.Now().Add(auth.CourierSessionTTL)
	http.SetCookie(w, auth.SessionCookie(session, expires))
	m, _ := auth.CourierManifest(actor)
	d.writeAnswer(w, LoginAnswer{Actor: actor, Manifest: m, Expires: expires})
}

func (d *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.CookieName); err == nil {
		if err := d.accounts.Logout(r.Context(), c.Value); err != nil {
			d.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, auth.ClearSessionCookie())
	d.writeAnswer(w, map[string]bool{"signed_out": true})
}
