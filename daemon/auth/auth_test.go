package auth

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var boss = media.Actor{Name: "root", Role: "admin"}

type fixture struct {
	ctx   context.Context
	cat   *media.Catalog
	acc   *Accounts
	clock *clock
	path  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "catalog.db")
	cat, err := media.Open(ctx, path, media.Options{Now: clk.Now})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(ctx, media.Topology{Sites: []media.Site{
		{Name: "honcho", Kind: "machine-room", Places: []media.Place{{Name: "shelf", Kind: "shelf"}}},
		{Name: "dc", Kind: "remote-site", DistanceKM: 300, Places: []media.Place{{Name: "vault", Kind: "vault"}}},
	}, Pools: []media.Pool{{Name: "monthly", MediaType: "LTO-8"}}})
	require.NoError(t, err)
	return &fixture{ctx: ctx, cat: cat, acc: New(cat, Options{Now: clk.Now}), clock: clk, path: path}
}

func (f *fixture) manifest(t *testing.T) string {
	t.Helper()
	_, err := f.cat.AddCartridge(f.ctx, boss, media.NewCartridge{Barcode: "MON001L8", Location: media.Storage("honcho", "shelf"), Pool: "monthly"})
	require.NoError(t, err)
	m, err := f.cat.CreateManifest(f.ctx, boss, media.NewManifest{Destination: "dc", Barcodes: []string{"MON001L8"}})
	require.NoError(t, err)
	return m.ID
}

func request(cookie, bearer string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://tapewarden.example/v1/status", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
	}
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	return r
}

func TestPasswordHashIsArgon2idAndChecks(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	assert.NotContains(t, h, "correct horse")
	assert.True(t, CheckPassword(h, "correct horse battery"))
	assert.False(t, CheckPassword(h, "correct horse batterY"))
	h2, err := HashPassword("correct horse battery")
	require.NoError(t, err)
	assert.NotEqual(t, h, h2, "each hash has its own salt")
	for _, bad := range []string{"", "$argon2id$", "$2a$10$abc", strings.Replace(h, "m=19456", "m=0", 1)} {
		assert.False(t, CheckPassword(bad, "correct horse battery"), bad)
	}
}

func TestLoginSessionLogout(t *testing.T) {
	f := newFixture(t)
	_, err := f.acc.AddUser(f.ctx, boss, "tanaka", Operator, "short")
	require.ErrorIs(t, err, ErrInvalid)
	_, err = f.acc.AddUser(f.ctx, boss, "tanaka", Courier, "long enough password")
	require.ErrorIs(t, err, ErrInvalid)
	_, err = f.acc.AddUser(f.ctx, boss, "tanaka", Operator, "long enough password")
	require.NoError(t, err)
	_, err = f.acc.AddUser(f.ctx, boss, "tanaka", Viewer, "another long password")
	require.ErrorIs(t, err, media.ErrAccountExists)

	_, _, err = f.acc.Login(f.ctx, "tanaka", "wrong password here", "192.0.2.1:4000")
	require.ErrorIs(t, err, ErrDenied)
	_, _, err = f.acc.Login(f.ctx, "nobody", "long enough password", "192.0.2.1:4000")
	require.ErrorIs(t, err, ErrDenied)

	s, actor, err := f.acc.Login(f.ctx, "tanaka", "long enough password", "192.0.2.1:4000")
	require.NoError(t, err)
	assert.Equal(t, media.Actor{Name: "tanaka", Role: "operator"}, actor)
	got, ok := f.acc.ActorFromRequest(request(s, ""))
	require.True(t, ok)
	assert.Equal(t, actor, got)
	_, ok = f.acc.ActorFromRequest(request(s+"x", ""))
	assert.False(t, ok)

	// The session ends when it expires, when its account is disabled and
	// when it logs out.
	f.clock.Advance(SessionTTL)
	_, ok = f.acc.ActorFromRequest(request(s, ""))
	assert.False(t, ok, "an expired session")
	s, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "192.0.2.1:4000")
	require.NoError(t, err)
	require.NoError(t, f.acc.Logout(f.ctx, s))
	_, ok = f.acc.ActorFromRequest(request(s, ""))
	assert.False(t, ok, "a session that logged out")
	s, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "192.0.2.1:4000")
	require.NoError(t, err)
	require.NoError(t, f.acc.SetDisabled(f.ctx, boss, "tanaka", true))
	_, ok = f.acc.ActorFromRequest(request(s, ""))
	assert.False(t, ok, "a disabled account's session")
	_, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "192.0.2.1:4000")
	require.ErrorIs(t, err, ErrDenied, "a disabled account")

	// Account changes are in the audit chain.
	ev, err := f.cat.Events(f.ctx, media.EventFilter{Limit: 10})
	require.NoError(t, err)
	var kinds []string
	for _, e := range ev {
		kinds = append(kinds, e.Kind+" by "+e.Actor+" ("+e.Role+")")
	}
	assert.Contains(t, kinds, "account-added by root (admin)")
	assert.Contains(t, kinds, "account-disabled by root (admin)")
}

func TestLoginThrottledPerAccountAndPerAddress(t *testing.T) {
	f := newFixture(t)
	_, err := f.acc.AddUser(f.ctx, boss, "tanaka", Operator, "long enough password")
	require.NoError(t, err)
	for i := range accountFailures {
		_, _, err := f.acc.Login(f.ctx, "tanaka", "wrong", "192.0.2.1:4000")
		require.ErrorIs(t, err, ErrDenied, "failure %d", i+1)
	}
	// Now even the right password waits, from any address.
	_, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "198.51.100.9:4000")
	require.ErrorIs(t, err, ErrThrottled)
	var te *ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, time.Minute, te.RetryAfter)
	assert.Contains(t, err.Error(), "account tanaka; try again in 1m0s")
	f.clock.Advance(time.Minute)
	_, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "198.51.100.9:4000")
	require.NoError(t, err, "the wait is over")

	// One address guessing many names is throttled by address.
	for i := range addressFailures {
		_, _, err := f.acc.Login(f.ctx, "user"+string(rune('a'+i)), "wrong", "203.0.113.5:1")
		require.ErrorIs(t, err, ErrDenied)
	}
	_, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "203.0.113.5:2")
	require.ErrorIs(t, err, ErrThrottled)
	assert.Contains(t, err.Error(), "address 203.0.113.5")
	_, _, err = f.acc.Login(f.ctx, "tanaka", "long enough password", "198.51.100.9:4000")
	require.NoError(t, err, "another address is not held up")
}

func TestTokensExpireAndAreStoredHashed(t *testing.T) {
	f := newFixture(t)
	_, err := f.acc.AddUser(f.ctx, boss, "grafana", Viewer, "long enough password")
	require.NoError(t, err)
	_, err = f.acc.IssueToken(f.ctx, boss, "grafana", Operator, 0, "")
	require.ErrorIs(t, err, ErrInvalid, "a viewer cannot hold an operator token")
	_, err = f.acc.IssueToken(f.ctx, boss, "grafana", Viewer, 3*365*24*time.Hour, "")
	require.ErrorIs(t, err, ErrInvalid)
	tok, err := f.acc.IssueToken(f.ctx, boss, "grafana", "", time.Hour, "dashboard")
	require.NoError(t, err)
	assert.Equal(t, "viewer", tok.Role)
	assert.True(t, strings.HasPrefix(tok.Token, "tw_"))

	a, ok := f.acc.ActorFromRequest(request("", tok.Token))
	require.True(t, ok)
	assert.Equal(t, media.Actor{Name: "grafana", Role: "viewer"}, a)
	_, ok = f.acc.ActorFromRequest(request("", tok.Token[:len(tok.Token)-1]))
	assert.False(t, ok)
	f.clock.Advance(time.Hour)
	_, ok = f.acc.ActorFromRequest(request("", tok.Token))
	assert.False(t, ok, "an expired token")

	tok2, err := f.acc.IssueToken(f.ctx, boss, "grafana", Viewer, time.Hour, "")
	require.NoError(t, err)
	require.NoError(t, f.acc.RevokeToken(f.ctx, boss, tok2.ID))
	_, ok = f.acc.ActorFromRequest(request("", tok2.Token))
	assert.False(t, ok, "a revoked token")

	// Neither the password nor the token is anywhere in the catalog's
	// files.
	require.NoError(t, f.cat.Close())
	matches, _ := filepath.Glob(f.path + "*")
	require.NotEmpty(t, matches)
	for _, p := range matches {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "long enough password", p)
		assert.NotContains(t, string(b), tok.Token, p)
		assert.NotContains(t, string(b), tok.Token[3:], p)
	}
}

func TestCourierCodeOncePINLockout(t *testing.T) {
	f := newFixture(t)
	id := f.manifest(t)
	cc, err := f.acc.IssueCourierCode(f.ctx, boss, id, "yamada")
	require.NoError(t, err)
	assert.Regexp(t, `^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$`, cc.Code)
	assert.Regexp(t, `^[0-9]{6}$`, cc.PIN)
	wrong := "000000"
	if cc.PIN == wrong {
		wrong = "111111"
	}
	for range courierPINFailures {
		_, _, err := f.acc.CourierLogin(f.ctx, cc.Code, wrong, "192.0.2.1:1")
		require.ErrorIs(t, err, ErrDenied)
	}
	// Locked: even the right PIN waits a minute.
	_, _, err = f.acc.CourierLogin(f.ctx, cc.Code, cc.PIN, "192.0.2.1:1")
	require.ErrorIs(t, err, ErrThrottled)
	assert.Contains(t, err.Error(), "try again in 1m0s")
	f.clock.Advance(time.Minute)

	// Typed in lower case with spaces, it still signs in.
	s, actor, err := f.acc.CourierLogin(f.ctx, strings.ToLower(strings.ReplaceAll(cc.Code, "-", " ")), cc.PIN, "192.0.2.1:1")
	require.NoError(t, err)
	assert.Equal(t, media.Actor{Name: "yamada [" + id + "]", Role: "courier"}, actor)
	m, ok := CourierManifest(actor)
	require.True(t, ok)
	assert.Equal(t, id, m)
	assert.Equal(t, "yamada", CourierName(actor))
	got, ok := f.acc.ActorFromRequest(request(s, ""))
	require.True(t, ok)
	assert.Equal(t, actor, got)

	// The code is spent.
	_, _, err = f.acc.CourierLogin(f.ctx, cc.Code, cc.PIN, "192.0.2.1:1")
	require.ErrorIs(t, err, ErrDenied)

	// An unused code expires.
	cc2, err := f.acc.IssueCourierCode(f.ctx, boss, id, "yamada")
	require.NoError(t, err)
	f.clock.Advance(CourierCodeTTL)
	_, _, err = f.acc.CourierLogin(f.ctx, cc2.Code, cc2.PIN, "192.0.2.2:1")
	require.ErrorIs(t, err, ErrDenied)

	_, err = f.acc.IssueCourierCode(f.ctx, boss, "M-nope", "yamada")
	require.ErrorIs(t, err, media.ErrManifestNotFound)
}

func TestCourierManifestOnlyForCouriers(t *testing.T) {
	for _, a := range []media.Actor{
		{Name: "sato [M-1]", Role: "admin"},
		{Name: "yamada", Role: "courier"},
		{Name: "yamada []", Role: "courier"},
	} {
		_, ok := CourierManifest(a)
		assert.False(t, ok, "%+v", a)
	}
}

func TestPermits(t *testing.T) {
	assert.True(t, Permits(Admin, nil), "admin may do everything")
	assert.True(t, Permits(Operator, []Role{Operator, Auditor}))
	assert.False(t, Permits(Viewer, []Role{Operator, Auditor}))
	assert.False(t, Permits(Courier, []Role{Operator}))
	assert.Equal(t, "operator, auditor or admin", Describe([]Role{Operator, Auditor}))
	assert.Equal(t, "admin", Describe(nil))
	_, err := ParseRole("root")
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "use one of admin, operator, courier, auditor, viewer")
}
