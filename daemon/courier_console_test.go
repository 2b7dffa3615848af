package daemon

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// phone is a browser on the web console of the real HTTPS listener: it
// keeps its session cookie by value (a restart of the daemon may move the
// listener to another port) and does not follow redirects.
type phone struct {
	t      *testing.T
	w      *httpsCaller
	cookie string
}

func (h *harness) phone() *phone {
	h.t.Helper()
	w := h.https()
	c := *w.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w.client = &c
	return &phone{t: h.t, w: w}
}

// on moves the phone to a restarted daemon's listener, keeping its cookie.
func (p *phone) on(h *harness) *phone {
	q := h.phone()
	q.cookie = p.cookie
	return q
}

func (p *phone) send(method, path string, form url.Values) (*http.Response, string) {
	p.t.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, p.w.base+path, strings.NewReader(body))
	require.NoError(p.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if p.cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: p.cookie})
	}
	res, err := p.w.client.Do(req)
	require.NoError(p.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(p.t, err)
	for _, c := range res.Cookies() {
		if c.Name == auth.CookieName {
			p.cookie = c.Value
		}
	}
	return res, string(data)
}

// courierSignIn signs in on /c/login with a code and its PIN.
func (p *phone) courierSignIn(cc auth.IssuedCourierCode) {
	p.t.Helper()
	res, body := p.send("POST", "/c/login", url.Values{"code": {cc.Code}, "pin": {cc.PIN}})
	require.Equal(p.t, http.StatusSeeOther, res.StatusCode, body)
	require.NotEmpty(p.t, p.cookie)
}

func (p *phone) scan(manifest, id, barcode string) {
	p.t.Helper()
	res, body := p.send("POST", "/c/m/"+manifest+"/scan", url.Values{"scan_id": {id}, "barcode": {barcode}})
	require.Equal(p.t, http.StatusSeeOther, res.StatusCode, body)
}

// trip adds cartridges on the machine room's shelf and a manifest of
// them to the data centre.
func (h *harness) trip(barcodes ...string) media.Manifest {
	h.t.Helper()
	for _, b := range barcodes {
		h.ok("POST", "/v1/media", map[string]any{"barcode": b, "pool": "monthly", "at": "honcho/shelf"}, nil)
	}
	var m media.Manifest
	h.ok("POST", "/v1/manifests", media.NewManifest{Destination: "pref-dc", Barcodes: barcodes}, &m)
	return m
}

// A courier's trip through the console of the real daemon, with its real
// accounts: the scans survive a restart, the pick-up leaves the courier
// signed in, the delivery signs out every phone of the courier for that
// manifest, server side, and no code of the manifest signs in again.
func TestCourierTripSurvivesRestartAndEndsSignedOut(t *testing.T) {
	h := startDaemon(t)
	ctx := context.Background()
	m := h.trip("TRV001L8", "TRV002L8")
	acc := h.d.Accounts()
	code, err := acc.IssueCourierCode(ctx, tester, m.ID, "yamada")
	require.NoError(t, err)
	second, err := acc.IssueCourierCode(ctx, tester, m.ID, "yamada")
	require.NoError(t, err)
	spare, err := acc.IssueCourierCode(ctx, tester, m.ID, "yamada")
	require.NoError(t, err)

	p := h.phone()
	p.courierSignIn(code)
	tablet := h.phone()
	tablet.courierSignIn(second)
	p.scan(m.ID, "scan-0001", "TRV001L8")
	p.scan(m.ID, "scan-0002", "TRV002L8")

	// The daemon restarts between the scanning and the confirming.
	h.stop()
	h = startConfig(t, h.cfg, func(_ *config.Config, o *Options) { o.NoNightCheck = true })
	p, tablet, acc = p.on(h), tablet.on(h), h.d.Accounts()
	res, body := p.send("GET", "/c/m/"+m.ID, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "the session survives the restart: %s", body)
	assert.Contains(t, body, `<span class="num" id="n-scanned">2</span>`)
	assert.Contains(t, body, `<li class="done"><span class="barcode">TRV001L8</span> ✓</li>`)
	assert.Contains(t, body, `<li class="done"><span class="barcode">TRV002L8</span> ✓</li>`)
	res, body = p.send("POST", "/c/m/"+m.ID+"/confirm", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	var got media.Manifest
	h.ok("GET", "/v1/manifests/"+m.ID, nil, &got)
	assert.Equal(t, media.ManifestInTransit, got.State)
	assert.Equal(t, "yamada", got.Courier)
	require.Len(t, got.Items, 2)
	for _, it := range got.Items {
		assert.Equal(t, "picked-up", it.Status, it.Barcode)
	}

	// After the pick-up both phones are still signed in.
	for _, ph := range []*phone{p, tablet} {
		res, body = ph.send("GET", "/c/m/"+m.ID, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Contains(t, body, "Delivery: scan each cartridge you hand over")
	}
	old := p.cookie
	p.scan(m.ID, "scan-0101", "TRV001L8")
	tablet.scan(m.ID, "scan-0102", "TRV002L8")
	res, body = p.send("POST", "/c/m/"+m.ID+"/confirm", url.Values{})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "The delivery of "+m.ID+" is recorded")
	assert.Contains(t, body, "You are signed out")
	assert.Empty(t, p.cookie, "the cookie is forgotten")
	h.ok("GET", "/v1/manifests/"+m.ID, nil, &got)
	assert.Equal(t, media.ManifestDelivered, got.State)

	// The old cookie, and the other phone's, are sent to sign in: the
	// sessions ended in the catalog, not only in the browser.
	p.cookie = old
	for _, ph := range []*phone{p, tablet} {
		res, _ = ph.send("GET", "/c/m/"+m.ID, nil)
		assert.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, "/c/login", res.Header.Get("Location"))
		res, _ = ph.send("POST", "/c/m/"+m.ID+"/scan", url.Values{"scan_id": {"scan-0103"}, "barcode": {"TRV001L8"}})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		res, _ = h.https().do("GET", "/v1/manifests/"+m.ID, "cookie:"+ph.cookie, "")
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the API does not know the session either")
	}

	// No code of the manifest signs in again: neither the used one nor
	// the spare nobody used.
	for _, cc := range []auth.IssuedCourierCode{code, spare} {
		_, _, err := acc.CourierLogin(ctx, cc.Code, cc.PIN, "192.0.2.1:5000")
		assert.ErrorIs(t, err, auth.ErrDenied, cc.Code)
		res, body = h.phone().send("POST", "/c/login", url.Values{"code": {cc.Code}, "pin": {cc.PIN}})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.Contains(t, body, "The code or the PIN is wrong, the code has been used or has expired")
	}
	var events []media.Event
	h.ok("GET", "/v1/audit?manifest="+m.ID+"&limit=50", nil, &events)
	var ended []string
	for _, e := range events {
		if e.Kind == "courier-code-ended" {
			ended = append(ended, e.Reason)
		}
	}
	require.Len(t, ended, 1, "the spare code's end is in the audit chain")
	assert.Contains(t, ended[0], "courier yamada, never used, no longer valid: the delivery was recorded")
}

// A manifest given to another courier while the first is scanning its
// pick-up: the first courier is signed out and their scans stay out of
// the new courier's hand-over, which starts empty and records only what
// the new courier scanned.
func TestReassignedManifestIsNotTheFirstCouriers(t *testing.T) {
	h := startDaemon(t)
	ctx := context.Background()
	m := h.trip("TRV001L8", "TRV002L8")
	acc := h.d.Accounts()
	_, err := acc.AddUser(ctx, tester, "tanaka", auth.Operator, "a password for tanaka")
	require.NoError(t, err)
	office := h.phone()
	res, body := office.send("POST", "/login", url.Values{"user": {"tanaka"}, "password": {"a password for tanaka"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, body = office.send("POST", "/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {"yamada"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)

	yamadaCode, err := acc.IssueCourierCode(ctx, tester, m.ID, "yamada")
	require.NoError(t, err)
	yamada := h.phone()
	yamada.courierSignIn(yamadaCode)
	yamada.scan(m.ID, "scan-0001", "TRV001L8")
	yamada.scan(m.ID, "scan-0002", "TRV002L8")

	res, body = office.send("POST", "/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {"kimura"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	res, _ = yamada.send("GET", "/c/m/"+m.ID, nil)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "yamada no longer carries it")
	assert.Equal(t, "/c/login", res.Header.Get("Location"))
	res, _ = yamada.send("POST", "/c/m/"+m.ID+"/confirm", url.Values{})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	kimuraCode, err := acc.IssueCourierCode(ctx, tester, m.ID, "kimura")
	require.NoError(t, err)
	kimura := h.phone()
	kimura.courierSignIn(kimuraCode)
	res, body = kimura.send("GET", "/c/m/"+m.ID, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `<span class="num" id="n-scanned">0</span>`, "yamada's scans are not kimura's")
	res, body = kimura.send("POST", "/c/m/"+m.ID+"/confirm", url.Values{"reason-TRV001L8": {"x"}, "reason-TRV002L8": {"y"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Scan at least one cartridge", "nothing of yamada's can be confirmed")

	kimura.scan(m.ID, "scan-0003", "TRV002L8")
	res, body = kimura.send("POST", "/c/m/"+m.ID+"/confirm", url.Values{"reason-TRV001L8": {"not on the shelf"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	var got media.Manifest
	h.ok("GET", "/v1/manifests/"+m.ID, nil, &got)
	assert.Equal(t, media.ManifestInTransit, got.State)
	assert.Equal(t, "kimura", got.Courier)
	require.Len(t, got.Discrepancies, 1)
	assert.Equal(t, "TRV001L8", got.Discrepancies[0].Barcode, "only what kimura scanned was handed over")
}
