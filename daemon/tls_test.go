package daemon

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// httpsCaller is a caller of the HTTPS listener.
type httpsCaller struct {
	t      *testing.T
	base   string
	client *http.Client
}

// httpsClient trusts the daemon's own certificate, after checking that
// its SHA-256 is the fingerprint the daemon shows.
func (h *harness) https() *httpsCaller {
	h.t.Helper()
	l := h.d.Listener()
	require.NotEmpty(h.t, l.URL, "the HTTPS listener is off")
	pemBytes, err := os.ReadFile(filepath.Join(h.cfg.StateDir, "tls", "cert.pem"))
	require.NoError(h.t, err)
	pool := x509.NewCertPool()
	require.True(h.t, pool.AppendCertsFromPEM(pemBytes))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if got := fingerprintText(sum[:]); got != l.Fingerprint {
				return fmt.Errorf("certificate %s is not the one the daemon shows (%s)", got, l.Fingerprint)
			}
			return nil
		}}}}
	return &httpsCaller{t: h.t, base: strings.TrimSuffix(l.URL, "/"), client: client}
}

// do sends a request with a bearer token or a session cookie (cred
// "cookie:VALUE") and extra headers, and returns the answer and its body.
func (w *httpsCaller) do(method, path, cred string, body string, headers ...string) (*http.Response, string) {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.base+path, rd)
	require.NoError(w.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if v, ok := strings.CutPrefix(cred, "cookie:"); ok {
		req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: v})
	} else if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := w.client.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp, string(data)
}

func kindOf(body string) string {
	var e struct{ Kind string }
	_ = json.Unmarshal([]byte(body), &e)
	return e.Kind
}

// people makes an account and a token for each account role, and a
// courier signed in for a new manifest; it returns each role's
// credential and the manifest.
func (h *harness) people(w *httpsCaller) (map[auth.Role]string, string) {
	h.t.Helper()
	ctx := context.Background()
	acc := h.d.Accounts()
	creds := map[auth.Role]string{}
	for _, r := range []auth.Role{auth.Admin, auth.Operator, auth.Auditor, auth.Viewer} {
		name := "u-" + string(r)
		_, err := acc.AddUser(ctx, tester, name, r, "a password for "+string(r))
		require.NoError(h.t, err)
		tok, err := acc.IssueToken(ctx, tester, name, r, time.Hour, "")
		require.NoError(h.t, err)
		creds[r] = tok.Token
	}
	h.ok("POST", "/v1/media", map[string]any{"barcode": "TRV001L8", "pool": "monthly", "at": "honcho/shelf"}, nil)
	var m media.Manifest
	h.ok("POST", "/v1/manifests", media.NewManifest{Destination: "pref-dc", Barcodes: []string{"TRV001L8"}}, &m)
	cc, err := acc.IssueCourierCode(ctx, tester, m.ID, "yamada")
	require.NoError(h.t, err)
	resp, body := w.do("POST", "/v1/courier/login", "", fmt.Sprintf(`{"code":%q,"pin":%q}`, cc.Code, cc.PIN))
	require.Equal(h.t, http.StatusOK, resp.StatusCode, body)
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			creds[auth.Courier] = "cookie:" + c.Value
		}
	}
	require.NotEmpty(h.t, creds[auth.Courier])
	return creds, m.ID
}

// TestHTTPSRoleMatrix sends every route of the route table, with every
// role, to the real HTTPS listener: a role the table does not name gets
// 403 naming the role needed, a named one is served (whatever the handler
// then says about the deliberately broken body), nobody signed in gets
// 401.
func TestHTTPSRoleMatrix(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, manifest := h.people(w)
	routes := h.d.api.Routes()
	require.NotEmpty(t, routes)
	for _, rt := range routes {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		path := strings.NewReplacer("{barcode}", "TRV001L8", "{id}", manifest, "{name}", "nobody-here").Replace(pattern)
		body := ""
		if method == http.MethodPost {
			body = "{" // refused by any handler that reads it: nothing changes
		}
		resp, out := w.do(method, path, "", body)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s without credentials: %s", rt.Pattern, out)
		for _, role := range auth.Roles {
			resp, out := w.do(method, path, creds[role], body)
			if auth.Permits(role, rt.Roles) {
				assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, resp.StatusCode, "%s as %s: %s", rt.Pattern, role, out)
			} else {
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s as %s was not refused: %s", rt.Pattern, role, out)
				assert.Contains(t, out, "needs the role "+auth.Describe(rt.Roles), rt.Pattern)
			}
		}
	}
	// A courier reaches its own manifest only.
	resp, out := w.do("GET", "/v1/manifests/M-19990101-001", creds[auth.Courier], "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, out, "for manifest "+manifest+" only")
}

// TestHTTPSCourierPicksUpOwnManifest: the courier's pick-up is signed
// with its own name, whatever the body says, and the audit chain names
// it as courier.
func TestHTTPSCourierPicksUpOwnManifest(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, manifest := h.people(w)
	resp, out := w.do("POST", "/v1/manifests/"+manifest+"/pickup", creds[auth.Courier], `{"courier":"somebody else","barcodes":["TRV001L8"]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	var m media.Manifest
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	assert.Equal(t, "yamada", m.Courier)
	var events []media.Event
	h.ok("GET", "/v1/audit?limit=5", nil, &events)
	require.NotEmpty(t, events)
	assert.Equal(t, "picked-up", events[0].Kind)
	assert.Contains(t, events[0].Reason, "logged by yamada ["+manifest+"] (courier)")
}

// TestHTTPSRequestsAreAudited: a change made with an API token is in
// the audit chain with the account's name and role.
func TestHTTPSRequestsAreAudited(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, _ := h.people(w)
	resp, out := w.do("POST", "/v1/library/inventory", creds[auth.Operator], `{}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	var events []media.Event
	h.ok("GET", "/v1/audit?limit=1", nil, &events)
	require.Len(t, events, 1)
	assert.Equal(t, "request", events[0].Kind)
	assert.Equal(t, "u-operator (operator)", events[0].Actor+" ("+events[0].Role+")")
	assert.Equal(t, "POST /v1/library/inventory", events[0].Reason)

	// An operator restores only into api.restore_dirs.
	resp, out = w.do("POST", "/v1/restore", creds[auth.Operator], `{"job":"juki-daily","to":"/tmp"}`)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, out)
	assert.Contains(t, out, "may restore only into "+h.cfg.API.RestoreDirs[0]+" (api.restore_dirs), not /tmp")
	resp, out = w.do("POST", "/v1/restore", creds[auth.Operator], fmt.Sprintf(`{"job":"juki-daily","to":%q}`, filepath.Join(h.cfg.API.RestoreDirs[0], "..", "..")))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, out)
}

// TestHTTPSMetricsNeedToken: /metrics on the HTTPS listener needs an API
// token (any role that may read the status); the socket serves it as
// before.
func TestHTTPSMetricsNeedToken(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, _ := h.people(w)
	resp, out := w.do("GET", "/metrics", "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, out)
	assert.Equal(t, `Bearer realm="tapewarden"`, resp.Header.Get("WWW-Authenticate"))
	resp, out = w.do("GET", "/metrics", creds[auth.Viewer], "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, out, "tapewarden_scrape_collector_success")
	resp, _ = w.do("GET", "/metrics", "tw_not-a-token", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestHTTPSCrossSiteRefused: a cross-site POST carrying a valid session
// cookie is refused and changes nothing; the same request from the
// console's own origin passes.
func TestHTTPSCrossSiteRefused(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	ctx := context.Background()
	_, err := h.d.Accounts().AddUser(ctx, tester, "tanaka", auth.Operator, "tanaka's long password")
	require.NoError(t, err)
	resp, out := w.do("POST", "/v1/login", "", `{"user":"tanaka","password":"tanaka's long password"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			session = c
		}
	}
	require.NotNil(t, session)
	assert.True(t, session.HttpOnly)
	assert.True(t, session.Secure)
	assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
	assert.Equal(t, "/", session.Path)
	assert.NotContains(t, out, session.Value, "the session is in the cookie only")
	cookie := "cookie:" + session.Value

	body := `{"barcode":"XSS001L8","pool":"monthly","at":"honcho/shelf"}`
	resp, out = w.do("POST", "/v1/media", cookie, body, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, out)
	resp, out = w.do("POST", "/v1/media", cookie, body, "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "an Origin of another site without fetch metadata: %s", out)
	status, _ := h.call("GET", "/v1/media/XSS001L8", nil)
	assert.Equal(t, http.StatusNotFound, status, "the refused request added the cartridge")

	resp, out = w.do("POST", "/v1/media", cookie, body, "Sec-Fetch-Site", "same-origin", "Origin", w.base)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	var events []media.Event
	h.ok("GET", "/v1/audit?limit=1", nil, &events)
	assert.Equal(t, "tanaka", events[0].Actor)
	assert.Equal(t, "operator", events[0].Role)

	// Logging out ends the session.
	resp, _ = w.do("POST", "/v1/logout", cookie, "", "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = w.do("GET", "/v1/status", cookie, "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestHTTPSHeadersPlainHTTPAndLimits: every answer carries the security
// headers; plain HTTP on the port is refused; an oversized body is cut;
// paths outside the API answer 404 when no web console is mounted.
func TestHTTPSHeadersPlainHTTPAndLimits(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, _ := h.people(w)
	for _, path := range []string{"/v1/status", "/ops", "/v1/nothing"} {
		resp, _ := w.do("GET", path, creds[auth.Viewer], "")
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'self'", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=", path)
	}
	// The console is mounted: a viewer's token shows the operations
	// page without its buttons; without credentials it asks to sign in.
	resp, out := w.do("GET", "/ops", creds[auth.Viewer], "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, out, "<h1>Operations</h1>")
	assert.Contains(t, out, "u-viewer (viewer)")
	assert.NotContains(t, out, `action="/ops/prompts/`, "a viewer gets no buttons")
	resp, out = w.do("GET", "/ops", "", "")
	assert.Equal(t, "/login", resp.Request.URL.Path, "without signing in the console asks for it")
	assert.NotContains(t, out, "<h1>Operations</h1>")

	// Plain HTTP on the HTTPS port.
	addr := strings.TrimPrefix(w.base, "https://")
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET /v1/status HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", addr, creds[auth.Admin])
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, status, "400", "plain HTTP is refused")

	big := `{"barcode":"BIG001L8","note":"` + strings.Repeat("x", 2<<20) + `"}`
	resp, out = w.do("POST", "/v1/media", creds[auth.Admin], big, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, out)
}

// TestHTTPSLoginThrottledAndTokenExpiry: five wrong passwords hold the
// account for a minute (429 with Retry-After), and a token stops working
// when it expires, on the daemon's clock.
func TestHTTPSLoginThrottledAndTokenExpiry(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	h := startDaemon(t, func(_ *config.Config, o *Options) { o.Now = clock.Now })
	w := h.https()
	ctx := context.Background()
	_, err := h.d.Accounts().AddUser(ctx, tester, "tanaka", auth.Operator, "tanaka's long password")
	require.NoError(t, err)
	for i := range 5 {
		resp, out := w.do("POST", "/v1/login", "", `{"user":"tanaka","password":"guess"}`)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "attempt %d: %s", i+1, out)
		assert.Equal(t, "unauthorized", kindOf(out))
	}
	resp, out := w.do("POST", "/v1/login", "", `{"user":"tanaka","password":"tanaka's long password"}`)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, out)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"))
	assert.Contains(t, out, "try again in 1m0s")
	clock.Advance(time.Minute)
	resp, out = w.do("POST", "/v1/login", "", `{"user":"tanaka","password":"tanaka's long password"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)

	tok, err := h.d.Accounts().IssueToken(ctx, tester, "tanaka", auth.Viewer, 2*time.Hour, "")
	require.NoError(t, err)
	resp, _ = w.do("GET", "/v1/status", tok.Token, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	clock.Advance(2 * time.Hour)
	resp, out = w.do("GET", "/v1/status", tok.Token, "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, out)
	assert.Contains(t, out, "expired")
}

// TestSecretsNeverStoredInClear: no password, token or courier PIN is in
// the catalog's files, which hold their hashes.
func TestSecretsNeverStoredInClear(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	creds, _ := h.people(w)
	h.stop()
	files, err := filepath.Glob(filepath.Join(h.cfg.StateDir, "catalog.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		all.Write(b)
	}
	assert.Contains(t, all.String(), "$argon2id$", "the hashes are there")
	for _, r := range []auth.Role{auth.Admin, auth.Operator, auth.Auditor, auth.Viewer} {
		assert.NotContains(t, all.String(), "a password for "+string(r))
		assert.NotContains(t, all.String(), strings.TrimPrefix(creds[r], "tw_"))
	}
	assert.NotContains(t, all.String(), strings.TrimPrefix(creds[auth.Courier], "cookie:"))
}

// TestSelfSignedCertificateKept: the certificate is made once, its key
// readable by the daemon's user only, and reused at the next start; the
// status shows its fingerprint.
func TestSelfSignedCertificateKept(t *testing.T) {
	h := startDaemon(t)
	first := h.d.Listener()
	assert.True(t, first.SelfSigned)
	assert.Regexp(t, `^([0-9A-F]{2}:){31}[0-9A-F]{2}$`, first.Fingerprint)
	assert.Regexp(t, `^https://127\.0\.0\.1:\d+/$`, first.URL)
	var st struct {
		Listener struct{ URL, Fingerprint string } `json:"listener"`
	}
	h.ok("GET", "/v1/status", nil, &st)
	assert.Equal(t, first.Fingerprint, st.Listener.Fingerprint)
	for _, f := range []string{"cert.pem", "key.pem"} {
		fi, err := os.Stat(filepath.Join(h.cfg.StateDir, "tls", f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(h.cfg.StateDir, "tls", "cert.pem"), filepath.Join(h.cfg.StateDir, "tls", "key.pem"))
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	require.NoError(t, err)
	assert.Equal(t, x509.ECDSA, leaf.PublicKeyAlgorithm)
	assert.Contains(t, leaf.DNSNames, "localhost")
	h.stop()

	again := startConfig(t, h.cfg, func(_ *config.Config, o *Options) { o.NoNightCheck = true })
	assert.Equal(t, first.Fingerprint, again.d.Listener().Fingerprint, "a restart made a new certificate")
}

// TestHTTPSCrossSiteConsoleFormRefusedWithAPage: a console form sent from
// another site with a person's session is refused with the console's own
// page (a person reads it, not JSON) and changes nothing.
func TestHTTPSCrossSiteConsoleFormRefusedWithAPage(t *testing.T) {
	h := startDaemon(t)
	w := h.https()
	ctx := context.Background()
	_, err := h.d.Accounts().AddUser(ctx, tester, "tanaka", auth.Operator, "tanaka's long password")
	require.NoError(t, err)
	resp, out := w.do("POST", "/v1/login", "", `{"user":"tanaka","password":"tanaka's long password"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			cookie = "cookie:" + c.Value
		}
	}
	require.NotEmpty(t, cookie)
	p, err := h.d.Catalog().OpenPrompt(ctx, media.Prompt{Kind: "label", Barcode: "XSS001L8", Action: "Label XSS001L8"})
	require.NoError(t, err)

	path := fmt.Sprintf("/ops/prompts/%d/done", p.ID)
	resp, out = w.do("POST", path, cookie, "", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, out)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Contains(t, out, "the form was sent from another site")
	resp, out = w.do("POST", path, cookie, "", "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "an Origin of another site without fetch metadata: %s", out)
	got, err := h.d.Catalog().Prompt(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptOpen, got.State, "the refused form answered the prompt")

	resp, out = w.do("POST", "/v1/prompts/"+strconv.FormatInt(p.ID, 10)+"/done", cookie, "", "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, out)
	assert.Equal(t, "forbidden", kindOf(out), "the API still answers in JSON")

	w.do("POST", path, cookie, "", "Sec-Fetch-Site", "same-origin")
	got, err = h.d.Catalog().Prompt(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, got.State, "the console's own form passes")
}
