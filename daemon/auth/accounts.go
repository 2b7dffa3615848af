package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// CookieName is the session cookie. The __Host- prefix makes browsers
// keep it only when it is Secure, for the whole site, and set by this
// host.
const CookieName = "__Host-tapewarden-session"

// Lifetimes and limits.
const (
	// SessionTTL is how long a person's session lasts after signing in.
	SessionTTL = 12 * time.Hour
	// CourierSessionTTL is how long a courier's session lasts: the day of
	// the trip.
	CourierSessionTTL = 24 * time.Hour
	// CourierCodeTTL is how long a printed courier code may be used.
	CourierCodeTTL = 72 * time.Hour
	// DefaultTokenTTL is an API token's life unless told otherwise.
	DefaultTokenTTL = 90 * 24 * time.Hour
	// MaxTokenTTL is the longest an API token may live.
	MaxTokenTTL = 2 * 365 * 24 * time.Hour
	// accountFailures and addressFailures are how many failed sign-ins an
	// account or an address may make before it is throttled.
	accountFailures = 5
	addressFailures = 20
	// courierPINFailures wrong PINs lock a courier code for a minute, then
	// longer; courierCodeFailures void it.
	courierPINFailures  = 3
	courierCodeFailures = 10
)

// Accounts signs people, programs and couriers in over TCP and tells who
// a request comes from. It is safe for concurrent use.
type Accounts struct {
	cat       *media.Catalog
	now       func() time.Time
	log       *slog.Logger
	byAccount *throttle
	byAddress *throttle
	// dummy is checked against when an account does not exist, so that a
	// wrong name takes as long as a wrong password.
	dummy string
}

// Options tune Accounts.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives refused sign-ins; nil discards them.
	Logger *slog.Logger
}

// New returns the accounts kept in cat.
func New(cat *media.Catalog, opts Options) *Accounts {
	a := &Accounts{cat: cat, now: opts.Now, log: opts.Logger}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.byAccount = newThrottle(accountFailures, a.now)
	a.byAddress = newThrottle(addressFailures, a.now)
	a.dummy, _ = HashPassword(randomText(16))
	return a
}

// host is the address part of a remote address ("192.0.2.1:5000"), the
// unit login throttling counts by.
func host(remoteAddr string) string {
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}

func (a *Accounts) throttled(keys ...string) error {
	var worst time.Time
	what := ""
	for _, k := range keys {
		if until, ok := a.byKey(k).blocked(k); ok && until.After(worst) {
			worst, what = until, strings.TrimPrefix(strings.TrimPrefix(k, "a:"), "h:")
			if strings.HasPrefix(k, "a:") {
				what = "account " + what
			} else {
				what = "address " + what
			}
		}
	}
	if worst.IsZero() {
		return nil
	}
	return &ThrottledError{Until: worst, RetryAfter: worst.Sub(a.now()), What: what}
}

func (a *Accounts) byKey(k string) *throttle {
	if strings.HasPrefix(k, "a:") {
		return a.byAccount
	}
	return a.byAddress
}

// newSession makes a session cookie value and records its hash.
func (a *Accounts) newSession(ctx context.Context, s media.Session) (string, error) {
	value := randomText(32)
	if err := a.cat.AddSession(ctx, secretHash(value), s); err != nil {
		return "", err
	}
	return value, nil
}

// Login signs a person in with a name and password and returns a session
// (the value of the CookieName cookie) and who they are. A wrong name or
// password is ErrDenied; too many failures for the account or the address
// are ErrThrottled (a *ThrottledError says when to retry).
func (a *Accounts) Login(ctx context.Context, user, password, remoteAddr string) (string, media.Actor, error) {
	ak, hk := "a:"+user, "h:"+host(remoteAddr)
	if err := a.throttled(ak, hk); err != nil {
		a.log.Warn("sign-in throttled", "user", user, "remote", remoteAddr, "err", err)
		return "", media.Actor{}, err
	}
	acct, hash, err := a.cat.AccountWithHash(ctx, user)
	if err != nil && !errors.Is(err, media.ErrAccountNotFound) {
		return "", media.Actor{}, err
	}
	if hash == "" {
		hash = a.dummy
	}
	ok := CheckPassword(hash, password) && err == nil && !acct.Disabled
	if !ok {
		a.byAccount.fail(ak)
		a.byAddress.fail(hk)
		a.log.Warn("sign-in refused", "user", user, "remote", remoteAddr)
		return "", media.Actor{}, fmt.Errorf("%w: wrong name or password, or the account is disabled", ErrDenied)
	}
	a.byAccount.reset(ak)
	now := a.now()
	value, err := a.newSession(ctx, media.Session{Account: acct.Name, Role: acct.Role, Remote: remoteAddr, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)})
	if err != nil {
		return "", media.Actor{}, err
	}
	if err := a.cat.NoteLogin(ctx, acct.Name); err != nil {
		a.log.Warn("cannot record the sign-in time", "user", acct.Name, "err", err)
	}
	a.log.Info("signed in", "user", acct.Name, "role", acct.Role, "remote", remoteAddr)
	return value, media.Actor{Name: acct.Name, Role: acct.Role}, nil
}

// CourierLogin signs a courier in with the one-time code printed on a
// manifest and the PIN given with it. The session reaches that manifest
// only (see CourierManifest); the code cannot be used again. Wrong PINs
// lock the code for a minute after three, longer after each further
// one, and void it after ten: then print a new code.
func (a *Accounts) CourierLogin(ctx context.Context, code, pin, remoteAddr string) (string, media.Actor, error) {
	hk := "h:" + host(remoteAddr)
	if err := a.throttled(hk); err != nil {
		a.log.Warn("courier sign-in throttled", "remote", remoteAddr, "err", err)
		return "", media.Actor{}, err
	}
	denied := func(why string) (string, media.Actor, error) {
		a.byAddress.fail(hk)
		a.log.Warn("courier sign-in refused", "remote", remoteAddr, "why", why)
		return "", media.Actor{}, fmt.Errorf("%w: wrong code or PIN, or the code was already used or expired; ask the office for a new code", ErrDenied)
	}
	code = normalizeCode(code)
	cc, err := a.cat.CourierCodeByHash(ctx, secretHash(code))
	if errors.Is(err, media.ErrAccountNotFound) {
		return denied("unknown code")
	} else if err != nil {
		return "", media.Actor{}, err
	}
	now := a.now()
	if now.Before(cc.LockedUntil) {
		wait := cc.LockedUntil.Sub(now)
		return "", media.Actor{}, &ThrottledError{Until: cc.LockedUntil, RetryAfter: wait, What: "this courier code"}
	}
	switch {
	case !cc.UsedAt.IsZero():
		return denied("code already used")
	case !now.Before(cc.ExpiresAt):
		return denied("code expired")
	case cc.Failures >= courierCodeFailures:
		return denied("code void after too many wrong PINs")
	}
	if !CheckPassword(cc.PINHash, strings.TrimSpace(pin)) {
		failures := cc.Failures + 1
		var until time.Time
		if over := failures - courierPINFailures; over >= 0 {
			until = now.Add(min(throttleFirst<<min(over, 6), throttleMax))
		}
		if err := a.cat.NoteCourierFailure(ctx, cc.ID, failures, until); err != nil {
			return "", media.Actor{}, err
		}
		return denied(fmt.Sprintf("wrong PIN (%d)", failures))
	}
	value := randomText(32)
	s := media.Session{Account: cc.Courier, Role: string(Courier), Manifest: cc.Manifest, Remote: remoteAddr, CreatedAt: now, ExpiresAt: now.Add(CourierSessionTTL)}
	if err := a.cat.UseCourierCode(ctx, cc.ID, secretHash(value), s); errors.Is(err, media.ErrAccountNotFound) {
		return denied("code used or expired meanwhile, or its trip is over")
	} else if err != nil {
		return "", media.Actor{}, err
	}
	actor := courierActor(cc.Courier, cc.Manifest)
	a.log.Info("courier signed in", "courier", cc.Courier, "manifest", cc.Manifest, "remote", remoteAddr)
	return value, actor, nil
}

// normalizeCode accepts a code as a person types it: any case, with
// spaces or dashes between the groups.
func normalizeCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
}

// courierActor is a courier acting on one manifest: its name carries the
// manifest ("yamada [M-20261128-1]"), so that the audit chain shows which
// trip, and CourierManifest can tell it.
func courierActor(courier, manifest string) media.Actor {
	return media.Actor{Name: courier + " [" + manifest + "]", Role: string(Courier)}
}

// CourierManifest returns the manifest a courier actor is bound to, and
// false for any actor that is not a courier signed in with a code.
func CourierManifest(actor media.Actor) (string, bool) {
	if actor.Role != string(Courier) || !strings.HasSuffix(actor.Name, "]") {
		return "", false
	}
	i := strings.LastIndex(actor.Name, " [")
	if i < 0 {
		return "", false
	}
	m := actor.Name[i+2 : len(actor.Name)-1]
	return m, m != ""
}

// CourierName returns the courier's own name from a courier actor (the
// name without its manifest).
func CourierName(actor media.Actor) string {
	if _, ok := CourierManifest(actor); ok {
		return actor.Name[:strings.LastIndex(actor.Name, " [")]
	}
	return actor.Name
}

// Logout ends a session. Ending one that does not exist (already ended,
// expired) is not an error.
func (a *Accounts) Logout(ctx context.Context, session string) error {
	if session == "" {
		return nil
	}
	return a.cat.DeleteSession(ctx, secretHash(session))
}

// ActorFromRequest tells who sent r: the session in its CookieName
// cookie, or the API token in its "Authorization: Bearer" header. It
// returns false for anyone else (no credentials, or an expired, revoked
// or disabled one).
func (a *Accounts) ActorFromRequest(r *http.Request) (media.Actor, bool) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return media.Actor{}, false
		}
		return a.tokenActor(ctx, strings.TrimSpace(token))
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return media.Actor{}, false
	}
	return a.sessionActor(ctx, c.Value)
}

func (a *Accounts) tokenActor(ctx context.Context, token string) (media.Actor, bool) {
	t, disabled, err := a.cat.TokenByHash(ctx, secretHash(token))
	if err != nil {
		if !errors.Is(err, media.ErrAccountNotFound) {
			a.log.Error("read an API token", "err", err)
		}
		return media.Actor{}, false
	}
	if disabled || !t.RevokedAt.IsZero() || !a.now().Before(t.ExpiresAt) {
		return media.Actor{}, false
	}
	return media.Actor{Name: t.Account, Role: t.Role}, true
}

func (a *Accounts) sessionActor(ctx context.Context, value string) (media.Actor, bool) {
	s, err := a.cat.SessionByHash(ctx, secretHash(value))
	if err != nil {
		if !errors.Is(err, media.ErrAccountNotFound) {
			a.log.Error("read a session", "err", err)
		}
		return media.Actor{}, false
	}
	if !a.now().Before(s.ExpiresAt) {
		return media.Actor{}, false
	}
	if s.Manifest != "" {
		return courierActor(s.Account, s.Manifest), true
	}
	// A person's role and standing are read afresh: a disabled account or
	// a changed role takes effect at the next request.
	acct, _, err := a.cat.AccountWithHash(ctx, s.Account)
	if err != nil || acct.Disabled {
		return media.Actor{}, false
	}
	return media.Actor{Name: acct.Name, Role: acct.Role}, true
}

// AddUser creates an account with a password (hashed with argon2id; the
// password itself is never stored).
func (a *Accounts) AddUser(ctx context.Context, actor media.Actor, name string, role Role, password string) (media.Account, error) {
	if role == Courier {
		return media.Account{}, fmt.Errorf("%w: couriers sign in with the code printed on a manifest, not an account; give the account another role", ErrInvalid)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return media.Account{}, err
	}
	if err := CheckPasswordStrength(password); err != nil {
		return media.Account{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return media.Account{}, err
	}
	return a.cat.AddAccount(ctx, actor, name, string(role), hash)
}

// Users lists the accounts.
func (a *Accounts) Users(ctx context.Context) ([]media.Account, error) { return a.cat.Accounts(ctx) }

// SetDisabled disables an account (its sessions end, its tokens stop
// working) or enables it again.
func (a *Accounts) SetDisabled(ctx context.Context, actor media.Actor, name string, disabled bool) error {
	return a.cat.SetAccountDisabled(ctx, actor, name, disabled)
}

// IssuedToken is a new API token: Token is its text, shown this once.
type IssuedToken struct {
	media.APIToken
	Token string `json:"token"`
}

// IssueToken makes an API token for an account, in a role the account may
// grant (CanGrant), valid for ttl (DefaultTokenTTL when zero).
func (a *Accounts) IssueToken(ctx context.Context, actor media.Actor, account string, role Role, ttl time.Duration, note string) (IssuedToken, error) {
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < time.Minute || ttl > MaxTokenTTL {
		return IssuedToken{}, fmt.Errorf("%w: a token lives between a minute and %d days; %s is not", ErrInvalid, int(MaxTokenTTL.Hours()/24), ttl)
	}
	acct, _, err := a.cat.AccountWithHash(ctx, account)
	if err != nil {
		return IssuedToken{}, err
	}
	if role == "" {
		role = Role(acct.Role)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return IssuedToken{}, err
	}
	if !CanGrant(Role(acct.Role), role) {
		return IssuedToken{}, fmt.Errorf("%w: account %s is %s and cannot hold a token with the role %s; give it a token in its own role or viewer", ErrInvalid, account, acct.Role, role)
	}
	text := "tw_" + randomText(32)
	t, err := a.cat.AddToken(ctx, actor, media.APIToken{Account: account, Role: string(role), Note: note, ExpiresAt: a.now().Add(ttl)}, secretHash(text))
	if err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{APIToken: t, Token: text}, nil
}

// Tokens lists the API tokens (never their text).
func (a *Accounts) Tokens(ctx context.Context) ([]media.APIToken, error) { return a.cat.Tokens(ctx) }

// RevokeToken stops an API token from working.
func (a *Accounts) RevokeToken(ctx context.Context, actor media.Actor, id int64) error {
	return a.cat.RevokeToken(ctx, actor, id)
}

// IssuedCourierCode is a new courier code: Code goes on the printed
// manifest, PIN is told to the courier apart from it. Both are shown this
// once.
type IssuedCourierCode struct {
	media.CourierCode
	Code string `json:"code"`
	PIN  string `json:"pin"`
}

// IssueCourierCode makes a one-time sign-in code for a courier and a
// manifest (open or in transit), valid for CourierCodeTTL, with a 6-digit
// PIN.
func (a *Accounts) IssueCourierCode(ctx context.Context, actor media.Actor, manifest, courier string) (IssuedCourierCode, error) {
	code, pin := randomCode(12), randomDigits(6)
	pinHash, err := HashPassword(pin)
	if err != nil {
		return IssuedCourierCode{}, err
	}
	cc, err := a.cat.AddCourierCode(ctx, actor, media.CourierCode{Manifest: manifest, Courier: strings.TrimSpace(courier), PINHash: pinHash, ExpiresAt: a.now().Add(CourierCodeTTL)}, secretHash(code))
	if err != nil {
		return IssuedCourierCode{}, err
	}
	return IssuedCourierCode{CourierCode: cc, Code: code[:4] + "-" + code[4:8] + "-" + code[8:], PIN: pin}, nil
}

// Sweep forgets the sessions that have expired.
func (a *Accounts) Sweep(ctx context.Context) error {
	_, err := a.cat.DeleteExpiredSessions(ctx)
	return err
}

// SessionCookie is the cookie that carries a session: HttpOnly (no
// script reads it), Secure (HTTPS only), SameSite=Strict (no other site's
// page sends it), for the whole site.
func SessionCookie(session string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: session, Path: "/", Expires: expires, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

// ClearSessionCookie tells a browser to forget its session cookie.
func ClearSessionCookie() *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}
