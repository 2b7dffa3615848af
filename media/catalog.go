package media

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // the catalog's database driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune a catalog. The zero value is usable.
type Options struct {
	// Now is the catalog's clock; nil means time.Now. Tests and simulations
	// inject their own.
	Now func() time.Time
	// LabelPatterns accept barcodes that are not LTO labels.
	LabelPatterns []LabelPattern
	// Logger receives migration and integrity messages; nil discards them.
	Logger *slog.Logger
	// ManifestOverdue is how long a manifest may stay in transit before it
	// counts as overdue; zero means 24 hours.
	ManifestOverdue time.Duration
	// SkipIntegrityCheck skips the full integrity check at open (the quick
	// check still runs). Only offline tools reading a copy use it.
	SkipIntegrityCheck bool
	// Location is the zone in which messages write times for people; nil
	// means time.Local.
	Location *time.Location

	// driver is the database/sql driver name; tests wrap sqlite3 with a
	// fault-injecting driver.
	driver string
}

// Catalog is the cartridge catalog. It is safe for concurrent use: writes
// are serialised on one connection inside immediate transactions, reads use
// a small pool of read-only connections. A method that changes anything
// returns only after its transaction has committed.
type Catalog struct {
	path     string
	loc      *time.Location // the zone of times in messages
	driver   string         // the database/sql driver: "sqlite3" unless a test injects faults
	w        *sql.DB        // one connection: every write transaction
	r        *sql.DB        // read-only pool
	now      func() time.Time
	patterns []LabelPattern
	overdue  time.Duration
	log      *slog.Logger

	// health remembers whether the last write reached the database.
	health writeHealth
}

// writeHealth is what the catalog knows of its own writability: the
// first storage failure since the last write that succeeded.
type writeHealth struct {
	mu    sync.Mutex
	err   error
	since time.Time
}

// WriteProblem reports why the catalog cannot be written, and since when:
// nil once a write has succeeded again. Only failures of the database's
// storage count (a full or read-only file system, an I/O error), not
// refused input.
func (c *Catalog) WriteProblem() (since time.Time, err error) {
	c.health.mu.Lock()
	defer c.health.mu.Unlock()
	return c.health.since, c.health.err
}

// storageFailure reports whether err is the database failing to store,
// rather than refusing what it was asked.
func storageFailure(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			return true
		}
	}
	return false
}

// noteWrite records the outcome of a write transaction and turns a storage
// failure into ErrNotWritable, saying what to do.
func (c *Catalog) noteWrite(err error) error {
	c.health.mu.Lock()
	defer c.health.mu.Unlock()
	if err == nil {
		c.health.err, c.health.since = nil, time.Time{}
		return nil
	}
	if !storageFailure(err) {
		return err
	}
	if c.health.err == nil {
		c.health.since = c.now()
	}
	c.health.err = err
	return fmt.Errorf("%w: %w (make room on the file system of %s, or mend it; tapewarden retries what it must record)", ErrNotWritable, err, filepath.Dir(c.path))
}

// Pragmas every connection must carry. synchronous=FULL matters: the driver
// defaults to NORMAL, under which a committed change can be lost when power
// fails, and the API promises that an acknowledged change is durable.
const dsnParams = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=on&_busy_timeout=10000"

// dsn is the driver's name for the database file at path with params: a
// file: URI, so the path is escaped (a '%' in it is a character, not an
// escape).
func dsn(path, params string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params
}

// Open opens (creating if needed) the catalog at path, applies pending
// migrations, and checks the database. It refuses a catalog written by a
// newer schema (ErrNewerSchema) and one that fails its integrity check
// (ErrCorrupt), each with a message saying what to do.
func Open(ctx context.Context, path string, opts Options) (*Catalog, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open catalog %s: the path may not contain '?' or '#'", path)
	}
	c := &Catalog{path: path, now: opts.Now, patterns: opts.LabelPatterns, overdue: opts.ManifestOverdue, log: opts.Logger}
	c.loc = opts.Location
	if c.loc == nil {
		c.loc = time.Local
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.driver = opts.driver
	if c.driver == "" {
		c.driver = "sqlite3"
	}
	w, err := sql.Open(c.driver, dsn(path, dsnParams+"&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	c.w = w
	if err := c.migrate(ctx); err != nil {
		_ = w.Close() // the error below is the one returned
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	r, err := sql.Open(c.driver, dsn(path, dsnParams+"&_query_only=1"))
	if err != nil {
		_ = w.Close() // the error below is the one returned
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	c.r = r
	check := "quick_check"
	if !opts.SkipIntegrityCheck {
		check = "integrity_check"
	}
	if err := c.check(ctx, check); err != nil {
		_ = c.Close() // the error below is the one returned
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	return c, nil
}

// Close closes the catalog's connections.
func (c *Catalog) Close() error {
	var errs []error
	if c.r != nil {
		errs = append(errs, c.r.Close())
	}
	if c.w != nil {
		errs = append(errs, c.w.Close())
	}
	return errors.Join(errs...)
}

// Path is the catalog's database file.
func (c *Catalog) Path() string { return c.path }

// migrations returns the embedded migration scripts in version order.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// SchemaVersion is the newest catalog schema this program knows.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil {
		return 0
	}
	return len(m)
}

func (c *Catalog) migrate(ctx context.Context) error {
	steps, err := migrations()
	if err != nil {
		return err
	}
	var version int
	if err := c.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
			return fmt.Errorf("%w: %v; stop the daemon and restore the newest catalog copy", ErrCorrupt, err)
		}
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(steps) {
		return fmt.Errorf("%w: the catalog is at schema version %d, this tapewarden knows up to %d; run a newer tapewarden or restore a catalog copy made by this version", ErrNewerSchema, version, len(steps))
	}
	for v := version; v < len(steps); v++ {
		tx, err := c.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate catalog to schema version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate catalog to schema version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate catalog to schema version %d: %w", v+1, err)
		}
		c.log.Info("catalog migrated", "schema_version", v+1)
	}
	return nil
}

func (c *Catalog) check(ctx context.Context, pragma string) error {
	const restore = "stop the daemon and restore the newest catalog copy (see the README, 'Recovering the catalog')"
	rows, err := c.r.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return fmt.Errorf("%w: %s: %v; %s", ErrCorrupt, pragma, err, restore)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v; %s", ErrCorrupt, pragma, err, restore)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return fmt.Errorf("%w: %s; %s", ErrCorrupt, strings.Join(problems, "; "), restore)
	}
	return nil
}

// IntegrityCheck runs SQLite's full integrity check.
func (c *Catalog) IntegrityCheck(ctx context.Context) error { return c.check(ctx, "integrity_check") }

// Ping checks that both the write and the read side answer.
func (c *Catalog) Ping(ctx context.Context) error {
	var one int
	if err := c.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("catalog read: %w", err)
	}
	if err := c.w.PingContext(ctx); err != nil {
		return fmt.Errorf("catalog write: %w", err)
	}
	return nil
}

// write runs fn in one immediate transaction and commits it. Nothing fn
// did is visible or durable unless write returns nil.
func (c *Catalog) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return c.noteWrite(fmt.Errorf("begin catalog transaction: %w", err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return c.noteWrite(err)
	}
	if err := tx.Commit(); err != nil {
		return c.noteWrite(fmt.Errorf("commit catalog transaction: %w", err))
	}
	return c.noteWrite(nil)
}

// Pragmas reports the durability-relevant settings of one connection of
// each pool; tests assert them on every pooled connection.
type Pragmas struct {
	JournalMode string
	Synchronous int
	ForeignKeys int
	BusyTimeout int
}

func readPragmas(ctx context.Context, conn *sql.Conn) (Pragmas, error) {
	var p Pragmas
	for _, q := range []struct {
		sql string
		dst any
	}{
		{"PRAGMA journal_mode", &p.JournalMode},
		{"PRAGMA synchronous", &p.Synchronous},
		{"PRAGMA foreign_keys", &p.ForeignKeys},
		{"PRAGMA busy_timeout", &p.BusyTimeout},
	} {
		if err := conn.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return p, err
		}
	}
	return p, nil
}

// timeFormat is fixed-width so that stored times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func timeText(t time.Time) string { return t.UTC().Format(timeFormat) }

// when writes t for people, in the catalog's zone with its offset.
func (c *Catalog) when(t time.Time) string { return t.In(c.loc).Format("2006-01-02 15:04 -07:00") }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseNullTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTime(s.String)
}
