package web

import (
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// publicRoutes may be used without signing in: signing in, choosing the
// language, and the start page that sends each person on.
var publicRoutes = []string{"GET /{$}", "GET /login", "POST /login", "POST /lang", "GET /c/login", "POST /c/login"}

// TestRoleMatrix builds role × route × method from the route table and
// checks each cell: a role the route does not declare is refused (and
// nobody signed in is sent to sign in), a declared one gets through.
func TestRoleMatrix(t *testing.T) {
	f := startConsole(t, "en")
	m := f.manifest("courier-san", "DLY001L8")
	p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY001L8", Action: "Put a label on DLY001L8"})
	require.NoError(t, err)
	f.courierCode("C0DE", "1234", "courier-san")

	browsers := map[string]*browser{"": f.browser()}
	for _, role := range []string{RoleAdmin, RoleOperator, RoleAuditor, RoleViewer} {
		browsers[role] = f.browser().signIn(role)
	}
	cb := f.browser()
	res, _ := cb.post("/c/login", url.Values{"code": {"C0DE"}, "pin": {"1234"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	browsers[RoleCourier] = cb

	routes := (&console{}).routeTable()
	for _, rt := range routes {
		key := rt.method + " " + rt.path
		if rt.roles == nil {
			assert.Contains(t, publicRoutes, key, "route %s declares no role: say who may use it", key)
			continue
		}
		if rt.path == "/logout" {
			continue // signs the browsers out: TestSecurityHeadersAndSignIn
		}
		path := strings.NewReplacer("{$}", "", "{id}", m.ID).Replace(rt.path)
		if strings.HasPrefix(rt.path, "/ops/prompts/") {
			path = strings.Replace(rt.path, "{id}", strconv.FormatInt(p.ID+1000, 10), 1) // no such prompt: nothing changes
		}
		for role, b := range browsers {
			var res *http.Response
			if rt.method == http.MethodGet {
				res, _ = b.get(path)
			} else {
				res, _ = b.post(path, url.Values{}, nil)
			}
			switch {
			case role == "" && rt.method == http.MethodGet:
				assert.Equal(t, http.StatusSeeOther, res.StatusCode, "%s without signing in", key)
				assert.Contains(t, res.Header.Get("Location"), "login", "%s without signing in", key)
			case role == "":
				assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s without signing in", key)
			case slices.Contains(rt.roles, role):
				assert.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, res.StatusCode, "%s as %s is allowed", key, role)
			default:
				assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s as %s is not allowed", key, role)
			}
		}
	}

	// Auditors and viewers change nothing: the only POSTs they may send
	// are signing out and choosing the language.
	for _, rt := range routes {
		if rt.method != http.MethodPost || rt.roles == nil {
			continue
		}
		for _, role := range []string{RoleAuditor, RoleViewer} {
			if slices.Contains(rt.roles, role) {
				assert.Equal(t, "/logout", rt.path, "%s may POST %s", role, rt.path)
			}
		}
	}
	got, err := f.cat.Prompt(f.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptOpen, got.State)

	// A viewer sees the operator's page without its buttons.
	res, body := browsers[RoleViewer].get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `id="prompt-`+strconv.FormatInt(p.ID, 10)+`"`)
	assert.NotContains(t, body, "/done")
}

// TestNoStateChangeOnGET opens every GET page as an administrator and as
// each role: the audit chain gets no event from a person.
func TestNoStateChangeOnGET(t *testing.T) {
	f := startConsole(t, "en")
	m := f.manifest("courier-san", "DLY001L8", "DLY002L8")
	f.courierCode("C0DE", "1234", "courier-san")
	before := personEvents(t, f)
	admin := f.browser().signIn(RoleAdmin)
	auditor := f.browser().signIn(RoleAuditor)
	cb := f.browser()
	cb.post("/c/login", url.Values{"code": {"C0DE"}, "pin": {"1234"}}, nil)
	for _, rt := range (&console{}).routeTable() {
		if rt.method != http.MethodGet {
			continue
		}
		path := strings.NewReplacer("{$}", "", "{id}", m.ID).Replace(rt.path)
		for _, b := range []*browser{admin, auditor, cb} {
			res, _ := b.get(path)
			assert.Less(t, res.StatusCode, 500, "GET %s", path)
		}
	}
	assert.Equal(t, before, personEvents(t, f), "a GET changed the catalog")
}

// personEvents counts the audit events people caused (the daemon's own
// housekeeping runs meanwhile).
func personEvents(t *testing.T, f *fixture) int {
	evs, err := f.cat.Events(f.ctx, media.EventFilter{Limit: 10000})
	require.NoError(t, err)
	n := 0
	for _, e := range evs {
		if e.Role != "system" {
			n++
		}
	}
	return n
}

func TestCrossSiteFormRefused(t *testing.T) {
	f := startConsole(t, "en")
	p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY001L8", Action: "Put a label on DLY001L8"})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)
	done := "/ops/prompts/" + strconv.FormatInt(p.ID, 10) + "/done"

	res, body := op.post(done, url.Values{}, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "sent from another site")
	got, err := f.cat.Prompt(f.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptOpen, got.State, "a cross-site POST changes nothing")

	res, _ = op.post(done, url.Values{}, http.Header{"Origin": {f.srv.URL}, "Sec-Fetch-Site": {"same-origin"}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err = f.cat.Prompt(f.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptDone, got.State)
	assert.Equal(t, "operator-san", got.ClosedBy)
}

func TestOperatorAnswersPrompts(t *testing.T) {
	f := startConsole(t, "en")
	p1, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "label", Barcode: "DLY001L8", Action: "Put a label on DLY001L8", Place: "honcho/shelf", Why: "a new cartridge"})
	require.NoError(t, err)
	p2, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "clean", Drive: "lto0", Action: "Clean drive lto0"})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)

	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `id="prompt-`+strconv.FormatInt(p1.ID, 10)+`"`)
	assert.Contains(t, body, "Put a label on DLY001L8")
	assert.Contains(t, body, "a new cartridge")
	assert.Contains(t, body, `http-equiv="refresh"`)

	cant := "/ops/prompts/" + strconv.FormatInt(p2.ID, 10) + "/cant"
	res, body = op.post(cant, url.Values{"reason": {"  "}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "say why it cannot be done")
	got, _ := f.cat.Prompt(f.ctx, p2.ID)
	assert.Equal(t, media.PromptOpen, got.State, "refused without a reason, nothing changes")

	res, _ = op.post(cant, url.Values{"reason": {"no cleaning cartridge left"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, _ = f.cat.Prompt(f.ctx, p2.ID)
	assert.Equal(t, media.PromptCancelled, got.State)
	assert.Equal(t, "no cleaning cartridge left", got.Note)

	res, _ = op.post("/ops/prompts/"+strconv.FormatInt(p1.ID, 10)+"/done", url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = op.get(res.Header.Get("Location"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "is done")
	assert.NotContains(t, body, `id="prompt-`+strconv.FormatInt(p1.ID, 10)+`"`)

	res, body = op.post("/ops/prompts/"+strconv.FormatInt(p1.ID, 10)+"/done", url.Values{}, nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "a closed prompt cannot be answered again")
	assert.Contains(t, body, "class=\"error\"")

	res, _ = op.post("/ops/prompts/abc/done", url.Values{}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestCourierScansAndConfirms(t *testing.T) {
	f := startConsole(t, "en")
	m := f.manifest("", "DLY001L8", "DLY002L8", "DLY003L8")
	f.stock("DLY009L8") // known, on no manifest
	op := f.browser().signIn(RoleOperator)
	res, _ := op.post("/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {"yamada"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	f.courierCode("K7Q2", "4321", "yamada")
	c := f.browser()
	res, body := c.post("/c/login", url.Values{"code": {"K7Q2"}, "pin": {"0000"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "The code or the PIN is wrong")
	res, _ = c.post("/c/login", url.Values{"code": {"K7Q2"}, "pin": {"4321"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	cookie := res.Header.Get("Set-Cookie")
	for _, attr := range []string{SessionCookie + "=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		assert.Contains(t, cookie, attr)
	}
	res, _ = c.get("/c/")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	page := "/c/m/" + m.ID
	assert.Equal(t, page, res.Header.Get("Location"), "the courier's one manifest opens at once")

	scan := func(id, barcode string) string {
		res, _ := c.post(page+"/scan", url.Values{"scan_id": {id}, "barcode": {barcode}}, nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		res, body := c.get(res.Header.Get("Location"))
		require.Equal(t, http.StatusOK, res.StatusCode)
		return body
	}
	body = scan("scan-0001", "dly001l8")
	assert.Contains(t, body, "DLY001L8 is on the manifest")
	body = scan("scan-0001", "dly001l8") // the form sent again
	assert.Contains(t, body, `<span class="num" id="n-scanned">1</span>`)
	assert.Contains(t, body, `<span class="num" id="n-problems">0</span>`, "a resent form is one scan")
	body = scan("scan-0002", "DLY001L8")
	assert.Contains(t, body, "DLY001L8 was already scanned")
	body = scan("scan-0003", "DLY009L8")
	assert.Contains(t, body, "DLY009L8 is NOT on this manifest")
	body = scan("scan-0004", "ZZZ999L8")
	assert.Contains(t, body, "ZZZ999L8 is not a known cartridge")
	body = scan("scan-0005", "DLY002L8")
	assert.Contains(t, body, `<span class="num" id="n-expected">3</span>`)
	assert.Contains(t, body, `<span class="num" id="n-scanned">2</span>`)
	assert.Contains(t, body, `<span class="num" id="n-problems">3</span>`)
	assert.Contains(t, body, `name="reason-DLY003L8"`)

	res, body = c.post(page+"/confirm", url.Values{}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Give a reason for each cartridge not scanned: DLY003L8")
	got, err := f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestOpen, got.State, "nothing recorded without the reason")

	res, _ = c.post(page+"/confirm", url.Values{"reason-DLY003L8": {"not in the safe"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err = f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestInTransit, got.State)
	assert.Equal(t, "yamada", got.Courier)
	require.Len(t, got.Discrepancies, 1, "the barcodes not on the manifest stayed behind")
	assert.Equal(t, "DLY003L8", got.Discrepancies[0].Barcode)
	evs, err := f.cat.Events(f.ctx, media.EventFilter{Manifest: m.ID, Kind: "discrepancy"})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Reason, "reason given: not in the safe")
	assert.Equal(t, "yamada", evs[0].Actor)
	picked, err := f.cat.Events(f.ctx, media.EventFilter{Manifest: m.ID, Kind: "picked-up"})
	require.NoError(t, err)
	assert.Len(t, picked, 2)

	// Now the delivery: the sheet starts empty.
	res, body = c.get(res.Header.Get("Location"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Pick-up recorded")
	assert.Contains(t, body, `<span class="num" id="n-expected">2</span>`)
	assert.Contains(t, body, `<span class="num" id="n-scanned">0</span>`)

	body = scan("scan-0101", "DLY001L8")
	assert.Contains(t, body, "DLY001L8 is on the manifest")
	body = scan("scan-0102", "DLY003L8")
	assert.Contains(t, body, "DLY003L8 is NOT on this manifest", "at delivery only what was carried is expected")
	res, body = c.post(page+"/confirm", url.Values{}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "DLY002L8")
	res, body = c.post(page+"/confirm", url.Values{"reason-DLY002L8": {"fell behind the seat"}}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "The delivery of "+m.ID+" is recorded")
	got, err = f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestDeliveredWithDisc, got.State)
	c1, err := f.cat.Cartridge(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.Equal(t, "hill-annex", c1.Location.Site)
	// The courier is signed out: a delivered manifest takes no more scans.
	res, body = c.post(page+"/scan", url.Values{"scan_id": {"scan-0103"}, "barcode": {"DLY001L8"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "your session has ended")

	// Another courier's manifest is not there for this one.
	other := f.manifest("sato", "DLY004L8")
	f.courierCode("Q3Q3", "5555", "yamada")
	c = f.browser()
	res, _ = c.post("/c/login", url.Values{"code": {"Q3Q3"}, "pin": {"5555"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = c.get("/c/m/" + other.ID)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = c.post("/c/m/"+other.ID+"/scan", url.Values{"scan_id": {"scan-0009"}, "barcode": {"DLY004L8"}}, nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// courierIn signs a courier in with a new code and PIN.
func (f *fixture) courierIn(code, name string) *browser {
	f.t.Helper()
	f.courierCode(code, "2468", name)
	c := f.browser()
	res, _ := c.post("/c/login", url.Values{"code": {code}, "pin": {"2468"}}, nil)
	require.Equal(f.t, http.StatusSeeOther, res.StatusCode)
	return c
}

// scan sends a scan and returns the page it leads to.
func (b *browser) scan(page, id, barcode string) string {
	b.f.t.Helper()
	res, _ := b.post(page+"/scan", url.Values{"scan_id": {id}, "barcode": {barcode}}, nil)
	require.Equal(b.f.t, http.StatusSeeOther, res.StatusCode)
	res, body := b.get(res.Header.Get("Location"))
	require.Equal(b.f.t, http.StatusOK, res.StatusCode)
	return body
}

// A restart of the daemon between scanning and confirming loses no scan:
// the page shows them as before, a scan sent again is still one scan,
// and the confirmation records them; so for the pick-up and for the
// delivery.
func TestCourierScansSurviveARestart(t *testing.T) {
	f := startConsole(t, "en")
	m := f.manifest("yamada", "DLY001L8", "DLY002L8")
	f.stock("DLY009L8")
	c := f.courierIn("K7Q2", "yamada")
	page := "/c/m/" + m.ID
	c.scan(page, "scan-0001", "DLY001L8")
	c.scan(page, "scan-0002", "DLY009L8")
	c.scan(page, "scan-0003", "dly001l8")

	f.restart()
	res, body := c.get(page + "?last=scan-0003")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<span class="num" id="n-scanned">1</span>`)
	assert.Contains(t, body, `<span class="num" id="n-problems">2</span>`)
	assert.Contains(t, body, "DLY001L8 was already scanned", "the last scan is shown again")
	assert.Contains(t, body, `<li class="done"><span class="barcode">DLY001L8</span> ✓</li>`)
	assert.Regexp(t, `<ul class="problems"><li><span class="barcode">DLY009L8</span>[^<]*</li><li><span class="barcode">DLY001L8</span>`, body)
	body = c.scan(page, "scan-0001", "DLY001L8") // sent again after the restart
	assert.Contains(t, body, `<span class="num" id="n-scanned">1</span>`)
	assert.Contains(t, body, `<span class="num" id="n-problems">2</span>`, "a resent form is one scan, across a restart too")
	c.scan(page, "scan-0004", "DLY002L8")
	res, _ = c.post(page+"/confirm", url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	got, err := f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestInTransit, got.State)
	assert.Equal(t, []media.ManifestItem{{Barcode: "DLY001L8", Status: "picked-up"}, {Barcode: "DLY002L8", Status: "picked-up"}}, got.Items)
	assert.Empty(t, got.Discrepancies, "DLY009L8 stayed behind and is no discrepancy")

	// The delivery, with a restart in the middle.
	c.scan(page, "scan-0101", "DLY002L8")
	f.restart()
	res, body = c.get(page)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Delivery: scan each cartridge you hand over")
	assert.Contains(t, body, `<span class="num" id="n-scanned">1</span>`)
	assert.Contains(t, body, `<span class="num" id="n-problems">0</span>`, "the pick-up's problems are not the delivery's")
	c.scan(page, "scan-0102", "DLY001L8")
	res, _ = c.post(page+"/confirm", url.Values{}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	got, err = f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestDelivered, got.State)
	history, err := f.cat.CourierScanHistory(f.ctx, m.ID)
	require.NoError(t, err)
	assert.Len(t, history, 6, "kept, closed, for the audit")

	// The auditor reads them with the manifest's custody log.
	res, body = f.browser().signIn(RoleAuditor).get("/audit?manifest=" + m.ID)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "What couriers scanned for "+m.ID)
	assert.Equal(t, 6, strings.Count(body, "recorded with the hand-over"), "every scan, each once")
	assert.Contains(t, body, `<td class="barcode">DLY009L8</td><td>not on this manifest: leave it here</td>`)
	assert.Contains(t, body, "<td>yamada</td><td>pick-up</td>")
	res, body = f.browser().signIn(RoleAuditor).get("/audit?manifest=M-19990101-001")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "No courier scanned anything for this manifest")
}

// Recording the delivery signs the courier out, in the page's language:
// the cookie is forgotten, the session ends, the page says both.
func TestCourierSignedOutAfterDelivery(t *testing.T) {
	for _, tc := range []struct{ lang, recorded, signedOut string }{
		{"en", "The delivery of %s is recorded.", "You are signed out"},
		{"ja", "搬送票 %s の納品を記録しました。", "ログアウトしました"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f := startConsole(t, tc.lang)
			m := f.manifest("yamada", "DLY001L8")
			c := f.courierIn("K7Q2", "yamada")
			page := "/c/m/" + m.ID
			c.scan(page, "scan-0001", "DLY001L8")
			res, _ := c.post(page+"/confirm", url.Values{}, nil)
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Empty(t, res.Header.Values("Set-Cookie"), "the pick-up leaves the courier signed in")
			res, body := c.get(res.Header.Get("Location"))
			require.Equal(t, http.StatusOK, res.StatusCode, "still signed in for the delivery")
			assert.Contains(t, body, `<span class="num" id="n-scanned">0</span>`, "the delivery starts empty")

			c.scan(page, "scan-0002", "DLY001L8")
			res, body = c.post(page+"/confirm", url.Values{}, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, body, fmt.Sprintf(tc.recorded, m.ID))
			assert.Contains(t, body, tc.signedOut)
			assert.Contains(t, body, `href="/c/login"`)
			assert.NotContains(t, body, `action="/logout"`, "no sign-out button: nobody is signed in")
			assert.Contains(t, body, `name="back" value="/c/login"`, "the language chooser leads to the sign-in")
			assert.Contains(t, res.Header.Get("Set-Cookie"), SessionCookie+"=;")
			assert.Contains(t, res.Header.Get("Set-Cookie"), "Max-Age=0")
			assert.Empty(t, f.accounts.sessions, "the session is ended, not only the cookie")
			res, _ = c.get(page)
			assert.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Equal(t, "/c/login", res.Header.Get("Location"))
		})
	}
}

func TestManifestsAndPickingList(t *testing.T) {
	f := startConsole(t, "ja")
	m := f.manifest("", "DLY001L8", "DLY002L8")
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops/manifests")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, m.ID)
	assert.Contains(t, body, "搬送票")

	res, body = op.post("/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {""}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "搬送担当者の名前を入力してください")
	res, body = op.post("/ops/manifests/"+m.ID+"/code", nil, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "no code without a courier")
	assert.Contains(t, body, "先に搬送票一覧で搬送担当者を割り当ててください")
	res, _ = op.post("/ops/manifests/"+m.ID+"/courier", url.Values{"courier": {"佐藤"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	res, body = op.get("/ops/manifests/" + m.ID + "/print")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "DLY001L8")
	assert.Contains(t, body, "DLY002L8")
	assert.Contains(t, body, "佐藤")
	assert.Contains(t, body, "<th>取扱区分</th>", "the handling class column")
	assert.Contains(t, body, `src="data:image/png;base64,`)
	assert.Contains(t, body, "/c/login?manifest="+m.ID)
	assert.Regexp(t, `作成 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d`, body, "dates in Japanese")
	assert.Contains(t, body, "佐藤 さんのログインコードを付けて印刷")
	assert.NotContains(t, body, "CODE-", "no code until one is asked for")

	// The picking list with the courier's code printed and the PIN on
	// the screen only; the courier signs in with them.
	res, body = op.post("/ops/manifests/"+m.ID+"/code", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	code := regexp.MustCompile(`CODE-\d{4}-` + regexp.QuoteMeta(m.ID)).FindString(body)
	require.NotEmpty(t, code, "the code is printed")
	pin := regexp.MustCompile(`<p class="noprint notice">[^<]*<strong class="big">(\d{6})</strong>`).FindStringSubmatch(body)
	require.Len(t, pin, 2, "the PIN is on the screen, not on the paper")
	assert.NotContains(t, body, "ログインコードを付けて印刷", "one code per printing")
	c := f.browser()
	res, _ = c.post("/c/login", url.Values{"code": {code}, "pin": {pin[1]}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = c.get("/c/m/" + m.ID)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "DLY001L8")

	res, _ = op.post("/ops/manifests/from-plan", url.Values{"date": {"yesterday"}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestSecurityHeadersAndSignIn(t *testing.T) {
	f := startConsole(t, "en")
	b := f.browser()
	res, body := b.get("/login")
	require.Equal(t, http.StatusOK, res.StatusCode)
	csp := res.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	assert.NotRegexp(t, `<script>|<style>|style="|onclick=|onsubmit=`, body, "no inline script or style")

	res, body = b.post("/login", url.Values{"user": {"operator"}, "password": {"wrong"}}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "Wrong user name or password")
	assert.Empty(t, res.Header.Get("Set-Cookie"))

	b.signIn(RoleAuditor)
	res, _ = b.get("/")
	assert.Equal(t, "/audit", res.Header.Get("Location"))
	res, _ = b.post("/logout", url.Values{}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = b.get("/audit")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "signed out")

	res, _ = b.post("/lang", url.Values{"lang": {"ja"}, "back": {"https://evil.example/"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/", res.Header.Get("Location"), "never sent to another site")
	for _, back := range []string{"//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		res, _ = b.post("/lang", url.Values{"lang": {"ja"}, "back": {back}}, nil)
		assert.Equal(t, "/", res.Header.Get("Location"), back)
	}
	res, _ = b.post("/lang", url.Values{"lang": {"ja"}, "back": {"/audit?person=x"}}, nil)
	assert.Equal(t, "/audit?person=x", res.Header.Get("Location"), "back to the page it came from")
	res, body = b.get("/login")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "ログイン")
	assert.Contains(t, body, `lang="ja"`)
	res, _ = b.post("/lang", url.Values{"lang": {"fr"}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

// messageRef finds the messages a template asks for.
var messageRef = regexp.MustCompile(`[{(]t "([^"]+)"`)

// TestPagesUseOnlyKnownMessages: every message a template names is in the
// catalogue (which has both languages: see daemon/i18n), and no page
// drawn in either language shows a missing one.
func TestPagesUseOnlyKnownMessages(t *testing.T) {
	p := i18n.NewPrinter(i18n.English, nil)
	files, err := fs.Glob(templateFS, "templates/*.html")
	require.NoError(t, err)
	for _, name := range files {
		data, err := fs.ReadFile(templateFS, name)
		require.NoError(t, err)
		for _, m := range messageRef.FindAllStringSubmatch(string(data), -1) {
			assert.True(t, p.Has(m[1]), "%s uses message %s, which the catalogue lacks", name, m[1])
		}
	}

	missing := regexp.MustCompile(`\[[a-z]+\.[a-z_.-]+\]`)
	for _, lang := range []string{"en", "ja"} {
		f := startConsole(t, lang)
		m := f.manifest("yamada", "DLY001L8", "DLY002L8")
		_, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "load", Barcode: "DLY001L8", Drive: "lto0", Run: 0, Action: "Load DLY001L8"})
		require.NoError(t, err)
		f.courierCode("C0DE", "1234", "yamada")
		admin := f.browser().signIn(RoleAdmin)
		anon := f.browser()
		for _, path := range []string{"/ops", "/ops/manifests", "/ops/manifests/" + m.ID + "/print", "/audit", "/audit?person=x&from=2026-01-01", "/audit?manifest=" + m.ID, "/ops/restore?system=juki", "/login", "/c/login?manifest=" + m.ID} {
			b := admin
			if strings.Contains(path, "login") {
				b = anon
			}
			res, body := b.get(path)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s %s", lang, path)
			assert.NotRegexp(t, missing, body, "%s %s shows a missing message", lang, path)
		}
		c := f.browser()
		c.post("/c/login", url.Values{"code": {"C0DE"}, "pin": {"1234"}}, nil)
		res, body := c.get("/c/m/" + m.ID)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.NotRegexp(t, missing, body)
		if lang == "ja" {
			assert.Contains(t, body, "予定")
		}
	}
}

func TestRestorePage(t *testing.T) {
	f := startConsole(t, "en")
	f.eng.Config().API.RestoreDirs = nil
	op := f.browser().signIn(RoleOperator)
	res, body := op.get("/ops/restore")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<option value="juki"`)

	res, body = op.get("/ops/restore?system=juki")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "No restore directory is configured", "without api.restore_dirs the console starts no restore")
	assert.Contains(t, body, "job juki-daily has no succeeded run yet", "the engine says why there is nothing to list")
	res, body = op.post("/ops/restore", url.Values{"system": {"juki"}, "to": {t.TempDir()}}, nil)
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body, "restores are started from the command line")
}

func TestRestoreOnlyIntoConfiguredDirectories(t *testing.T) {
	f := startConsole(t, "en")
	dir := t.TempDir()
	f.eng.Config().API.RestoreDirs = []string{dir}
	op := f.browser().signIn(RoleOperator)
	before := personEvents(t, f)

	res, body := op.post("/ops/restore", url.Values{"system": {"juki"}, "to": {"/etc"}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "choose one of the restore directories: "+dir)
	res, body = op.post("/ops/restore", url.Values{"to": {dir}}, nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "choose the system to restore")

	// The engine's own checks answer the rest: nothing was backed up yet.
	res, _ = op.post("/ops/restore", url.Values{"system": {"juki"}, "to": {dir}}, nil)
	assert.GreaterOrEqual(t, res.StatusCode, 400)
	assert.Less(t, res.StatusCode, 500)
	ops, err := f.eng.Operations(f.ctx, media.OperationFilter{})
	require.NoError(t, err)
	assert.Empty(t, ops, "no restore was started")
	assert.Equal(t, before, personEvents(t, f))
}

// TestAuditShowsTheChainUpToItsHead: the chain is verified up to the
// newest event when the page is drawn, not as it was at start.
func TestAuditShowsTheChainUpToItsHead(t *testing.T) {
	f := startConsole(t, "en")
	f.manifest("yamada", "DLY001L8", "DLY002L8")
	head, err := f.cat.ChainHead(f.ctx)
	require.NoError(t, err)
	require.Positive(t, head.ID)
	res, body := f.browser().signIn(RoleAuditor).get("/audit?manifest=x")
	require.Equal(t, http.StatusOK, res.StatusCode)
	// The daemon's housekeeping may add events meanwhile: at least up to
	// the head read before.
	m := regexp.MustCompile(`Verified: intact up to event (\d+)\.`).FindStringSubmatch(body)
	require.NotNil(t, m, "the chain is verified")
	n, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, head.ID)
	assert.NotContains(t, body, `<form method="post" action="/ops`, "the auditor's page offers no change")
}

// TestPromptCardInTheBrowsersLanguage: a card says what to do and why in
// the language the browser chose; a prompt opened before the catalog kept
// Japanese shows its English.
func TestPromptCardInTheBrowsersLanguage(t *testing.T) {
	f := startConsole(t, "en")
	p, err := f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "import", Barcode: "DLY001L8", Place: "honcho/shelf",
		Action: "Fetch DLY001L8 from honcho/shelf and put it into an empty mail slot of library lib0", Why: "restore of juki, piece 1",
		ActionJa: "DLY001L8 を honcho/shelf から持ち出し、ライブラリ lib0 の空いているメールスロットに入れてください", WhyJa: "juki の復元（1 本目）"})
	require.NoError(t, err)
	_, err = f.cat.OpenPrompt(f.ctx, media.Prompt{Kind: "clean", Drive: "lto0", Action: "Clean drive lto0"})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)

	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `id="prompt-`+strconv.FormatInt(p.ID, 10)+`"`)
	assert.Contains(t, body, "<dd>Fetch DLY001L8 from honcho/shelf and put it into an empty mail slot of library lib0</dd>")
	assert.Contains(t, body, "<dd>restore of juki, piece 1</dd>")
	assert.NotContains(t, body, "メールスロットに入れてください")

	res, _ = op.post("/lang", url.Values{"lang": {"ja"}, "back": {"/ops"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "<dt>作業内容</dt><dd>DLY001L8 を honcho/shelf から持ち出し、ライブラリ lib0 の空いているメールスロットに入れてください</dd>")
	assert.Contains(t, body, "<dt>理由</dt><dd>juki の復元（1 本目）</dd>")
	assert.NotContains(t, body, "piece 1")
	assert.Contains(t, body, "<dd>Clean drive lto0</dd>", "an older prompt without Japanese shows its English")
}

// TestSwapListInTheBrowsersLanguage: the swap list on /ops says what to
// do with each cartridge in the language the browser chose, with the
// commands as they are.
func TestSwapListInTheBrowsersLanguage(t *testing.T) {
	f := startConsole(t, "en")
	// An empty monthly cartridge at the remote data centre: it comes back
	// for reuse.
	_, err := f.cat.AddCartridge(f.ctx, operator, media.NewCartridge{Barcode: "MON005L8", Pool: "monthly", Location: media.Storage("pref-dc", "vault")})
	require.NoError(t, err)
	op := f.browser().signIn(RoleOperator)

	res, body := op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body, "Coming back", "the demo's monthly cartridges come back")
	assert.Contains(t, body, "when it arrives, confirm it (")

	res, _ = op.post("/lang", url.Values{"lang": {"ja"}, "back": {"/ops"}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = op.get("/ops")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "返却される媒体")
	assert.Contains(t, body, "到着したら受領を記録し（")
	assert.Contains(t, body, html.EscapeString("（'tapewarden manifest deliver ID MON005L8'）、ライブラリ lib0 のメールスロットに入れて"), "the command stays as it is")
	assert.NotContains(t, body, "when it arrives, confirm it")
}
