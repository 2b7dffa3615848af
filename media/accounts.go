package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Account is a person who signs in over TCP with a password. The password
// is never stored: only its hash, made by the caller (daemon/auth).
type Account struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	LastLogin time.Time `json:"last_login,omitzero"`
}

// APIToken is a program's credential for the TCP listener. Only the
// SHA-256 of the token is stored; the token itself is shown once.
type APIToken struct {
	ID        int64     `json:"id"`
	Account   string    `json:"account"`
	Role      string    `json:"role"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// CourierCode is a one-time code printed on a manifest that, with its
// PIN, signs a courier in for that manifest only.
type CourierCode struct {
	ID          int64     `json:"id"`
	Manifest    string    `json:"manifest"`
	Courier     string    `json:"courier"`
	PINHash     string    `json:"-"`
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	ExpiresAt   time.Time `json:"expires_at"`
	UsedAt      time.Time `json:"used_at,omitzero"`
}

// Session is a signed-in browser, kept by the SHA-256 of its cookie.
type Session struct {
	Account   string
	Role      string
	Manifest  string // a courier's manifest; empty for accounts
	Remote    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// accountRoles are the roles an account or a token may hold (a courier
// signs in with a code, never an account).
var accountRoles = []string{"admin", "operator", "auditor", "viewer"}

func checkAccountRole(role string) error {
	for _, r := range accountRoles {
		if r == role {
			return nil
		}
	}
	return fmt.Errorf("%w: role %q: an account holds one of %s", ErrBadInput, role, strings.Join(accountRoles, ", "))
}

// AddAccount records a new account with its password hash, and an audit
// event "account-added".
func (c *Catalog) AddAccount(ctx context.Context, actor Actor, name, role, passwordHash string) (Account, error) {
	if err := checkActor(actor); err != nil {
		return Account{}, err
	}
	if err := checkTexts(textField{"the account's name", name, TextName}); err != nil {
		return Account{}, err
	}
	if strings.TrimSpace(name) != name || name == "" || strings.ContainsAny(name, " []()") {
		return Account{}, fmt.Errorf("%w: account name %q: use letters, digits, dots, dashes or underscores, with no spaces or brackets", ErrBadInput, name)
	}
	if err := checkAccountRole(role); err != nil {
		return Account{}, err
	}
	if passwordHash == "" {
		return Account{}, fmt.Errorf("%w: account %s has no password hash", ErrBadInput, name)
	}
	now := c.now()
	a := Account{Name: name, Role: role, CreatedAt: now, CreatedBy: actor.Name}
	err := c.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: account %s already exists; pick another name, or disable the old one first", ErrAccountExists, name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (name, role, password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
			name, role, passwordHash, timeText(now), actor.Name); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "account-added", Reason: fmt.Sprintf("account %s with role %s", name, role)})
	})
	return a, err
}

const accountColumns = `name, role, disabled, created_at, created_by, last_login`

func scanAccount(s interface{ Scan(...any) error }, extra ...any) (Account, error) {
	var a Account
	var created, last string
	dst := append([]any{&a.Name, &a.Role, &a.Disabled, &created, &a.CreatedBy, &last}, extra...)
	if err := s.Scan(dst...); err != nil {
		return a, err
	}
	a.CreatedAt, a.LastLogin = parseTime(created), parseTime(last)
	return a, nil
}

// Accounts lists every account, by name.
func (c *Catalog) Accounts(ctx context.Context) ([]Account, error) {
	return queryAll(ctx, c.r, func(s interface{ Scan(...any) error }) (Account, error) { return scanAccount(s) },
		`SELECT `+accountColumns+` FROM accounts ORDER BY name`)
}

// AccountWithHash returns an account and its password hash.
func (c *Catalog) AccountWithHash(ctx context.Context, name string) (Account, string, error) {
	var hash string
	a, err := scanAccount(c.r.QueryRowContext(ctx, `SELECT `+accountColumns+`, password_hash FROM accounts WHERE name = ?`, name), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", fmt.Errorf("%w: no account %s; see 'tapewarden user list'", ErrAccountNotFound, name)
	}
	return a, hash, err
}

// SetAccountDisabled disables an account (its sessions end and its tokens
// stop working) or enables it again, with an audit event.
func (c *Catalog) SetAccountDisabled(ctx context.Context, actor Actor, name string, disabled bool) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	kind, what := "account-enabled", "enabled"
	if disabled {
		kind, what = "account-disabled", "disabled"
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled = ? WHERE name = ?`, disabled, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no account %s; see 'tapewarden user list'", ErrAccountNotFound, name)
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account = ? AND manifest = ''`, name); err != nil {
				return err
			}
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: kind, Reason: fmt.Sprintf("account %s %s", name, what)})
	})
}

// NoteLogin records an account's last sign-in.
func (c *Catalog) NoteLogin(ctx context.Context, name string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET last_login = ? WHERE name = ?`, timeText(c.now()), name)
		return err
	})
}

// AddToken records an API token by the SHA-256 of its text, with an audit
// event "token-issued" that names the account, role and expiry (never the
// token).
func (c *Catalog) AddToken(ctx context.Context, actor Actor, t APIToken, hash string) (APIToken, error) {
	if err := checkActor(actor); err != nil {
		return APIToken{}, err
	}
	if err := checkAccountRole(t.Role); err != nil {
		return APIToken{}, err
	}
	if err := checkTexts(textField{"the token's note", t.Note, TextLine}); err != nil {
		return APIToken{}, err
	}
	t.CreatedAt, t.CreatedBy = c.now(), actor.Name
	err := c.write(ctx, func(tx *sql.Tx) error {
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT disabled FROM accounts WHERE name = ?`, t.Account).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no account %s; add it first with 'tapewarden user add'", ErrAccountNotFound, t.Account)
		} else if err != nil {
			return err
		}
		if disabled {
			return fmt.Errorf("%w: account %s is disabled; enable it before giving it a token", ErrBadInput, t.Account)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (account, role, hash, note, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.Account, t.Role, hash, t.Note, timeText(t.CreatedAt), actor.Name, timeText(t.ExpiresAt))
		if err != nil {
			return err
		}
		t.ID, _ = res.LastInsertId()
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "token-issued",
			Reason: fmt.Sprintf("API token %d for %s with role %s, valid until %s", t.ID, t.Account, t.Role, c.when(t.ExpiresAt))})
	})
	return t, err
}

const tokenColumns = `t.id, t.account, t.role, t.note, t.created_at, t.created_by, t.expires_at, t.revoked_at`

func scanToken(s interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var created, expires, revoked string
	if err := s.Scan(append([]any{&t.ID, &t.Account, &t.Role, &t.Note, &created, &t.CreatedBy, &expires, &revoked}, extra...)...); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = parseTime(created), parseTime(expires), parseTime(revoked)
	return t, nil
}

// TokenByHash returns the token whose SHA-256 is hash, with whether its
// account is disabled.
func (c *Catalog) TokenByHash(ctx context.Context, hash string) (APIToken, bool, error) {
	var disabled bool
	t, err := scanToken(c.r.QueryRowContext(ctx, `SELECT `+tokenColumns+`, a.disabled FROM api_tokens t JOIN accounts a ON a.name = t.account WHERE t.hash = ?`, hash), &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, false, fmt.Errorf("%w: no such API token", ErrAccountNotFound)
	}
	return t, disabled, err
}

// Tokens lists every API token (without their text, which is not kept).
func (c *Catalog) Tokens(ctx context.Context) ([]APIToken, error) {
	return queryAll(ctx, c.r, func(s interface{ Scan(...any) error }) (APIToken, error) { return scanToken(s) },
		`SELECT `+tokenColumns+` FROM api_tokens t ORDER BY t.id`)
}

// RevokeToken stops a token from working, with an audit event.
func (c *Catalog) RevokeToken(ctx context.Context, actor Actor, id int64) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = ''`, timeText(c.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no API token %d that is not already revoked; see 'tapewarden user token --list'", ErrAccountNotFound, id)
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "token-revoked", Reason: fmt.Sprintf("API token %d revoked", id)})
	})
}

// AddCourierCode records a one-time courier code for a manifest by the
// SHA-256 of its text, with an audit event on the manifest.
func (c *Catalog) AddCourierCode(ctx context.Context, actor Actor, cc CourierCode, codeHash string) (CourierCode, error) {
	if err := checkActor(actor); err != nil {
		return CourierCode{}, err
	}
	if err := checkTexts(textField{"the courier's name", cc.Courier, TextName}); err != nil {
		return CourierCode{}, err
	}
	if strings.TrimSpace(cc.Courier) == "" || strings.ContainsAny(cc.Courier, "[]()") {
		return CourierCode{}, fmt.Errorf("%w: name the courier (--courier), without brackets", ErrBadInput)
	}
	cc.CreatedAt, cc.CreatedBy = c.now(), actor.Name
	err := c.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM manifests WHERE id = ?`, cc.Manifest).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s; see 'tapewarden manifest list'", ErrManifestNotFound, cc.Manifest)
		} else if err != nil {
			return err
		}
		if state != string(ManifestOpen) && state != string(ManifestInTransit) {
			return fmt.Errorf("%w: manifest %s is %s; a courier code is only for an open or in-transit manifest", ErrManifestState, cc.Manifest, state)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO courier_codes (manifest, courier, code_hash, pin_hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			cc.Manifest, cc.Courier, codeHash, cc.PINHash, timeText(cc.CreatedAt), actor.Name, timeText(cc.ExpiresAt))
		if err != nil {
			return err
		}
		cc.ID, _ = res.LastInsertId()
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "courier-code", Manifest: cc.Manifest,
			Reason: fmt.Sprintf("one-time code %d for courier %s, valid until %s", cc.ID, cc.Courier, c.when(cc.ExpiresAt))})
	})
	return cc, err
}

// CourierCodeByHash returns the courier code whose SHA-256 is hash.
func (c *Catalog) CourierCodeByHash(ctx context.Context, hash string) (CourierCode, error) {
	var cc CourierCode
	var locked, created, expires, used string
	err := c.r.QueryRowContext(ctx, `SELECT id, manifest, courier, pin_hash, failures, locked_until, created_at, created_by, expires_at, used_at FROM courier_codes WHERE code_hash = ?`, hash).
		Scan(&cc.ID, &cc.Manifest, &cc.Courier, &cc.PINHash, &cc.Failures, &locked, &created, &cc.CreatedBy, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return cc, fmt.Errorf("%w: no such courier code", ErrAccountNotFound)
	}
	cc.LockedUntil, cc.CreatedAt, cc.ExpiresAt, cc.UsedAt = parseTime(locked), parseTime(created), parseTime(expires), parseTime(used)
	return cc, err
}

// NoteCourierFailure records a wrong PIN for a code: its failure count and
// until when it is locked.
func (c *Catalog) NoteCourierFailure(ctx context.Context, id int64, failures int, lockedUntil time.Time) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		lu := ""
		if !lockedUntil.IsZero() {
			lu = timeText(lockedUntil)
		}
		_, err := tx.ExecContext(ctx, `UPDATE courier_codes SET failures = ?, locked_until = ? WHERE id = ?`, failures, lu, id)
		return err
	})
}

// UseCourierCode spends a courier code and opens its session in one
// transaction; a code already used or expired, or one whose manifest is
// no longer open or in transit (the trip ended while the courier typed
// the PIN), is refused (ErrAccountNotFound).
func (c *Catalog) UseCourierCode(ctx context.Context, id int64, sessionHash string, s Session) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		now := timeText(c.now())
		res, err := tx.ExecContext(ctx, `UPDATE courier_codes SET used_at = ? WHERE id = ? AND used_at = '' AND expires_at > ?
			AND manifest IN (SELECT id FROM manifests WHERE state IN ('open', 'in-transit'))`, now, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: the courier code was already used or has expired, or its manifest's trip is over", ErrAccountNotFound)
		}
		return insertSession(ctx, tx, sessionHash, s)
	})
}

func insertSession(ctx context.Context, tx *sql.Tx, hash string, s Session) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, account, role, manifest, remote, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		hash, s.Account, s.Role, s.Manifest, s.Remote, timeText(s.CreatedAt), timeText(s.ExpiresAt))
	return err
}

// AddSession records a signed-in session by the SHA-256 of its cookie.
func (c *Catalog) AddSession(ctx context.Context, hash string, s Session) error {
	return c.write(ctx, func(tx *sql.Tx) error { return insertSession(ctx, tx, hash, s) })
}

// SessionByHash returns the session whose cookie's SHA-256 is hash.
func (c *Catalog) SessionByHash(ctx context.Context, hash string) (Session, error) {
	var s Session
	var created, expires string
	err := c.r.QueryRowContext(ctx, `SELECT account, role, manifest, remote, created_at, expires_at FROM sessions WHERE hash = ?`, hash).
		Scan(&s.Account, &s.Role, &s.Manifest, &s.Remote, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("%w: no such session", ErrAccountNotFound)
	}
	s.CreatedAt, s.ExpiresAt = parseTime(created), parseTime(expires)
	return s, err
}

// DeleteSession ends a session; ending one that does not exist is not an
// error.
func (c *Catalog) DeleteSession(ctx context.Context, hash string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
		return err
	})
}

// DeleteExpiredSessions forgets the sessions that ended before now.
func (c *Catalog) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, timeText(c.now()))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
