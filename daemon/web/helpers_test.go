package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

// fakeAccounts stands in for daemon/auth: users with passwords, courier
// codes with PINs (each code good once), sessions in memory.
type fakeAccounts struct {
	mu       sync.Mutex
	users    map[string]fakeUser
	codes    map[string]fakeUser // code → courier (password is the PIN)
	sessions map[string]media.Actor
	// refuse, when set, is what every sign-in answers (daemon/auth's
	// throttling).
	refuse error
}

type fakeUser struct {
	password string
	actor    media.Actor
}

var errWrongPassword = errors.New("wrong user name or password")

func newFakeAccounts() *fakeAccounts {
	a := &fakeAccounts{users: map[string]fakeUser{}, codes: map[string]fakeUser{}, sessions: map[string]media.Actor{}}
	for _, role := range []string{RoleAdmin, RoleOperator, RoleAuditor, RoleViewer} {
		a.users[role] = fakeUser{password: role + "-pw", actor: media.Actor{Name: role + "-san", Role: role}}
	}
	return a
}

// issue makes a courier's code and PIN as daemon/auth does, numbered.
func (a *fakeAccounts) issue(_ context.Context, _ media.Actor, manifest, courier string) (string, string, time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	code := fmt.Sprintf("CODE-%04d-%s", len(a.codes)+1, manifest)
	pin := fmt.Sprintf("%06d", 424242+len(a.codes))
	a.codes[code] = fakeUser{password: pin, actor: media.Actor{Name: courier, Role: RoleCourier}}
	return code, pin, time.Date(2026, 12, 9, 18, 0, 0, 0, time.UTC), nil
}

func (a *fakeAccounts) open(actor media.Actor) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s := hex.EncodeToString(b)
	a.sessions[s] = actor
	return s
}

func (a *fakeAccounts) Login(_ context.Context, user, password, _ string) (string, media.Actor, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refuse != nil {
		return "", media.Actor{}, a.refuse
	}
	u, ok := a.users[user]
	if !ok || u.password != password {
		return "", media.Actor{}, errWrongPassword
	}
	return a.open(u.actor), u.actor, nil
}

func (a *fakeAccounts) CourierLogin(_ context.Context, code, pin, _ string) (string, media.Actor, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refuse != nil {
		return "", media.Actor{}, a.refuse
	}
	u, ok := a.codes[code]
	if !ok || u.password != pin {
		return "", media.Actor{}, errWrongPassword
	}
	delete(a.codes, code)
	return a.open(u.actor), u.actor, nil
}

func (a *fakeAccounts) Logout(_ context.Context, session string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, session)
	return nil
}

// actor reads the session cookie, as daemon/auth does.
func (a *fakeAccounts) actor(r *http.Request) (media.Actor, bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return media.Actor{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	act, ok := a.sessions[ck.Value]
	return act, ok
}

// fixture is a real engine on a temporary state directory with the
// console served over TLS.
type fixture struct {
	t        *testing.T
	cfg      *config.Config
	lang     string
	eng      *engine.Engine
	cat      *media.Catalog
	srv      *httptest.Server
	accounts *fakeAccounts
	ctx      context.Context
	stop     func()
}

var operator = media.Actor{Name: "operator-san", Role: RoleOperator}

func startConsole(t *testing.T, language string) *fixture {
	t.Helper()
	dir, err := os.MkdirTemp("", "tw")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg, err := config.DemoConfig(dir)
	require.NoError(t, err)
	cfg.Demo = false
	f := &fixture{t: t, cfg: cfg, lang: language, accounts: newFakeAccounts(), ctx: context.Background()}
	f.start()
	t.Cleanup(func() { f.stop() })
	return f
}

// start runs the engine and the console on the fixture's state directory.
func (f *fixture) start() {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.New(ctx, f.cfg, engine.Options{Logger: slog.New(slog.DiscardHandler), NoSchedule: true, NoNightCheck: true})
	if err != nil {
		cancel()
		require.NoError(f.t, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.Run(ctx)
	}()
	h := New(eng, Options{Accounts: f.accounts, Actor: f.accounts.actor, Language: f.lang, Logger: slog.New(slog.DiscardHandler), CourierCode: f.accounts.issue})
	srv := httptest.NewTLSServer(h)
	f.eng, f.cat, f.srv = eng, eng.Catalog(), srv
	f.stop = func() {
		srv.Close()
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			f.t.Error("the engine did not stop")
		}
		require.NoError(f.t, eng.Close())
	}
}

// restart stops the console and the engine and starts them again on the
// same state directory, as a restart of the daemon does. The sessions
// stay, as daemon/auth keeps them in the catalog; browsers keep their
// cookies (the test server's certificate is the same).
func (f *fixture) restart() {
	f.t.Helper()
	f.stop()
	f.start()
}

// stock adds cartridges to the annex-bound shelf of the machine room.
func (f *fixture) stock(barcodes ...string) {
	f.t.Helper()
	for _, b := range barcodes {
		_, err := f.cat.AddCartridge(f.ctx, media.Actor{Name: "setup", Role: "admin"}, media.NewCartridge{Barcode: b, Pool: "daily", Location: media.Storage("honcho", "safe")})
		require.NoError(f.t, err)
	}
}

// manifest creates a manifest to the annex with a courier assigned.
func (f *fixture) manifest(courier string, barcodes ...string) media.Manifest {
	f.t.Helper()
	f.stock(barcodes...)
	m, err := f.cat.CreateManifest(f.ctx, operator, media.NewManifest{Destination: "hill-annex", Barcodes: barcodes})
	require.NoError(f.t, err)
	if courier != "" {
		m, err = f.cat.AssignCourier(f.ctx, operator, m.ID, courier)
		require.NoError(f.t, err)
	}
	return m
}

// courierCode gives a courier a one-time code and a PIN.
func (f *fixture) courierCode(code, pin, name string) {
	f.accounts.mu.Lock()
	defer f.accounts.mu.Unlock()
	f.accounts.codes[code] = fakeUser{password: pin, actor: media.Actor{Name: name, Role: RoleCourier}}
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see each answer.
type browser struct {
	f *fixture
	c *http.Client
}

func (f *fixture) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(f.t, err)
	c := *f.srv.Client() // its own cookies: a copy of the TLS client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{f: f, c: &c}
}

// signIn signs in as one of the fake users (by role).
func (b *browser) signIn(role string) *browser {
	b.f.t.Helper()
	res, _ := b.post("/login", url.Values{"user": {role}, "password": {role + "-pw"}}, nil)
	require.Equal(b.f.t, http.StatusSeeOther, res.StatusCode)
	return b
}

func (b *browser) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	res, err := b.c.Get(b.f.srv.URL + path)
	require.NoError(b.f.t, err)
	return res, readBody(b.f.t, res)
}

// post sends a form; header adds request headers (a browser's Origin).
func (b *browser) post(path string, form url.Values, header http.Header) (*http.Response, string) {
	b.f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.f.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	require.NoError(b.f.t, err)
	return res, readBody(b.f.t, res)
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(data)
}
