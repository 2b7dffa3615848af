package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/auth"
)

// loginPage is the sign-in form for staff.
func (c *console) loginPage(q *request) error {
	if q.signedIn {
		return seeOther(q, homeFor(q.actor.Role, ""))
	}
	c.render(q, http.StatusOK, "login.html", page{Title: q.p.T("login.title")})
	return nil
}

// login signs a person in with a user name and a password.
func (c *console) login(q *request) error {
	if c.accounts == nil {
		return fmt.Errorf("%w: %s", errNotSetUp, q.p.T("login.off"))
	}
	user, password := strings.TrimSpace(q.r.PostForm.Get("user")), q.r.PostForm.Get("password")
	session, actor, err := c.accounts.Login(q.r.Context(), user, password, q.r.RemoteAddr)
	if err != nil {
		c.log.Warn("web console sign-in refused", "user", user, "remote", q.r.RemoteAddr, "err", err)
		status, msg := refusal(q, err, "login.failed", "login.throttled")
		c.render(q, status, "login.html", page{Title: q.p.T("login.title"), Error: msg})
		return nil
	}
	setSession(q.w, session)
	return seeOther(q, homeFor(actor.Role, ""))
}

// courierLoginPage is the courier's sign-in: the one-time code of the
// printed manifest and the courier's PIN. The manifest in the query (from
// the QR code) is shown, nothing secret is in it.
func (c *console) courierLoginPage(q *request) error {
	if q.signedIn && q.actor.Role == RoleCourier {
		return seeOther(q, "/c/")
	}
	c.render(q, http.StatusOK, "courier_login.html", page{Title: q.p.T("clogin.title"), Data: q.r.URL.Query().Get("manifest")})
	return nil
}

// courierLogin exchanges the code and the PIN for a session cookie, and
// goes on to a clean URL.
func (c *console) courierLogin(q *request) error {
	if c.accounts == nil {
		return fmt.Errorf("%w: %s", errNotSetUp, q.p.T("login.off"))
	}
	code, pin := strings.TrimSpace(q.r.PostForm.Get("code")), strings.TrimSpace(q.r.PostForm.Get("pin"))
	session, _, err := c.accounts.CourierLogin(q.r.Context(), code, pin, q.r.RemoteAddr)
	if err != nil {
		c.log.Warn("web console courier sign-in refused", "remote", q.r.RemoteAddr, "err", err)
		status, msg := refusal(q, err, "clogin.failed", "clogin.throttled")
		c.render(q, status, "courier_login.html", page{Title: q.p.T("clogin.title"), Error: msg})
		return nil
	}
	setSession(q.w, session)
	return seeOther(q, "/c/")
}

// refusal is the status and the message of a refused sign-in: a wrong
// name, password, code or PIN is 401 with the failed message; a sign-in
// throttled after too many failures is 429 with Retry-After and the
// minutes to wait, so that the person stops trying instead of lengthening
// the wait.
func refusal(q *request, err error, failed, throttled string) (int, string) {
	var te *auth.ThrottledError
	if !errors.As(err, &te) {
		return http.StatusUnauthorized, q.p.T(failed)
	}
	secs := int(math.Ceil(te.RetryAfter.Seconds()))
	q.w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return http.StatusTooManyRequests, q.p.T(throttled, max((secs+59)/60, 1))
}

// logout ends the session and forgets the cookie.
func (c *console) logout(q *request) error {
	if ck, err := q.r.Cookie(SessionCookie); err == nil && c.accounts != nil {
		if err := c.accounts.Logout(q.r.Context(), ck.Value); err != nil {
			c.log.Warn("web console sign-out failed", "user", q.actor.Name, "err", err)
		}
	}
	clearSession(q.w)
	if q.actor.Role == RoleCourier {
		return seeOther(q, "/c/login")
	}
	return seeOther(q, "/login")
}

// setSession sets the session cookie: HttpOnly, Secure, SameSite=Strict,
// for the whole console, until the browser closes.
func setSession(w http.ResponseWriter, session string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: session, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// clearSession tells the browser to forget its session cookie.
func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}
