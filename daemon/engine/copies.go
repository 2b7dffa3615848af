package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// The daemon's own scheduler makes the scheduled copies of the catalog
// (catalog.copies), not a systemd timer: it knows when the night's last
// run has ended and whether runs are changing the catalog, which a timer
// would have to guess from the clock.

// copyNameLayout names a scheduled copy by the time it was made (UTC), so
// that the names sort as the copies' ages do.
const copyNameLayout = "20060102T150405Z"

// scheduledCopyRE matches the scheduled copies' names; pruning removes
// only those, never a copy a person made with another name.
var scheduledCopyRE = regexp.MustCompile(`^catalog-([0-9]{8}T[0-9]{6}Z)\.db$`)

// sentStateFile keeps, in the copies directory, what was last sent, so
// that a restarted daemon still knows the newest sent copy's age.
const sentStateFile = "last-send.json"

// dailyCopy is the longest the daemon goes without a copy, even when
// nothing ran.
const dailyCopy = 24 * time.Hour

// CopiesState is what the daemon knows of its scheduled copies of the
// catalog.
type CopiesState struct {
	// Enabled is set when catalog.copies is configured.
	Enabled bool   `json:"enabled"`
	Dir     string `json:"dir,omitempty"`
	Keep    int    `json:"keep,omitempty"`
	// Kept is how many scheduled copies the directory holds.
	Kept int `json:"kept"`
	// Newest is the newest scheduled copy, made at NewestAt.
	Newest   string    `json:"newest,omitempty"`
	NewestAt time.Time `json:"newest_at,omitzero"`
	// LastError is why the last attempt to copy failed; empty after a
	// copy succeeds.
	LastError string `json:"last_error,omitempty"`
	// Sending is set when a send command is configured.
	Sending bool `json:"sending"`
	// Sent is the newest copy sent off the machine, at SentAt.
	Sent   string    `json:"sent,omitempty"`
	SentAt time.Time `json:"sent_at,omitzero"`
	// LastSend is the last run of the send command.
	LastSend *SendResult `json:"last_send,omitempty"`
	// MaxAge is the configured limit for both ages.
	MaxAge time.Duration `json:"max_age,omitempty"`
}

// SendResult is one run of the send command.
type SendResult struct {
	Copy string    `json:"copy"`
	At   time.Time `json:"at"`
	OK   bool      `json:"ok"`
	// Exit is the command's exit status; -1 when it did not exit by
	// itself (not found, killed at the timeout).
	Exit int `json:"exit"`
	// Stderr is the end of what the command wrote.
	Stderr string `json:"stderr,omitempty"`
	// Error says how it failed, for people.
	Error string `json:"error,omitempty"`
}

// copyWatch is the engine's memory of its scheduled copies.
type copyWatch struct {
	mu    sync.Mutex
	state CopiesState
	// loaded is set once the copies directory has been read.
	loaded bool
	// busy is set while a copy is being made or sent.
	busy bool
	// After a failed copy, retry is why it was due and retryAt when to
	// try again (not at every housekeeping round).
	retry   string
	retryAt time.Time
}

// copyRetry is how long after a failed copy the next is tried, at most.
const copyRetry = 15 * time.Minute

// CatalogCopies is what the daemon knows of its scheduled copies.
func (d *Engine) CatalogCopies() CopiesState {
	d.copies.mu.Lock()
	defer d.copies.mu.Unlock()
	st := d.copies.state
	if st.LastSend != nil {
		s := *st.LastSend
		st.LastSend = &s
	}
	return st
}

// loadCopies reads the copies directory once: the newest scheduled copy
// and what was last sent.
func (d *Engine) loadCopies() {
	cc := d.cfg.Catalog.Copies
	d.copies.mu.Lock()
	defer d.copies.mu.Unlock()
	if d.copies.loaded {
		return
	}
	d.copies.loaded = true
	st := CopiesState{Enabled: cc != nil, Dir: d.cfg.CopiesPath()}
	if cc == nil {
		d.copies.state = st
		return
	}
	st.Keep, st.Sending, st.MaxAge = cc.Keep, len(cc.Send) > 0, cc.MaxAge.D()
	names, _ := scheduledCopies(st.Dir)
	st.Kept = len(names)
	if len(names) > 0 {
		newest := names[len(names)-1]
		st.Newest = filepath.Join(st.Dir, newest)
		st.NewestAt = copyTime(newest)
	}
	if data, err := os.ReadFile(filepath.Join(st.Dir, sentStateFile)); err == nil {
		var saved sentState
		if err := json.Unmarshal(data, &saved); err != nil {
			d.log.Warn("the record of the last sent catalog copy cannot be read; the next send writes it again", "file", filepath.Join(st.Dir, sentStateFile), "err", err)
		} else {
			st.Sent, st.SentAt, st.LastSend = saved.Sent, saved.SentAt, saved.LastSend
		}
	}
	d.copies.state = st
}

// sentState is the copies directory's record of what was last sent.
type sentState struct {
	Sent     string      `json:"sent,omitempty"`
	SentAt   time.Time   `json:"sent_at,omitzero"`
	LastSend *SendResult `json:"last_send,omitempty"`
}

// scheduledCopies lists the scheduled copies in dir, oldest first.
func scheduledCopies(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && scheduledCopyRE.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// copyTime is when a scheduled copy was made, read from its name.
func copyTime(name string) time.Time {
	m := scheduledCopyRE.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}
	}
	t, err := time.Parse(copyNameLayout, m[1])
	if err != nil {
		return time.Time{}
	}
	return t
}

// copyDue says why a scheduled copy is due now, or "" when none is: the
// first copy; the night's last run has ended since the newest copy; runs
// are changing the catalog and the newest copy is older than every; or a
// day has passed without one.
func copyDue(now, newest time.Time, runsActive, runsChanged bool, every time.Duration) string {
	switch {
	case newest.IsZero():
		return "there is no copy yet"
	case runsActive && runsChanged && now.Sub(newest) >= every:
		return "runs are changing the catalog"
	case !runsActive && runsChanged:
		return "the last run has ended"
	case now.Sub(newest) >= dailyCopy:
		return "a day has passed since the newest copy"
	}
	return ""
}

// scheduleCatalogCopy starts a scheduled copy in the background when one
// is due and none is under way. The housekeeping calls it.
func (d *Engine) scheduleCatalogCopy(ctx context.Context) {
	cc := d.cfg.Catalog.Copies
	if cc == nil {
		return
	}
	d.loadCopies()
	now := d.now()
	active, changed := d.runs.activity()
	d.copies.mu.Lock()
	reason := copyDue(now, d.copies.state.NewestAt, active, changed, cc.Every.D())
	if d.copies.retry != "" {
		if now.Before(d.copies.retryAt) {
			reason = ""
		} else if reason == "" {
			reason = d.copies.retry
		}
	}
	if reason == "" || d.copies.busy {
		d.copies.mu.Unlock()
		return
	}
	d.copies.busy = true
	d.copies.mu.Unlock()
	// What the runs change from here on is for the next copy.
	d.runs.takeChanged()
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		defer func() {
			d.copies.mu.Lock()
			d.copies.busy = false
			d.copies.mu.Unlock()
		}()
		_, _ = d.MakeScheduledCopy(ctx, reason) // it logs and keeps its own failures
	}()
}

// MakeScheduledCopy makes a consistent copy of the catalog in the copies
// directory, removes the scheduled copies beyond catalog.copies.keep, and
// sends the new copy with catalog.copies.send when that is set. A failed
// send keeps the copy; both failures are logged, recorded in the audit
// log and shown by the status and the metrics.
func (d *Engine) MakeScheduledCopy(ctx context.Context, reason string) (CopiesState, error) {
	cc := d.cfg.Catalog.Copies
	if cc == nil {
		return CopiesState{}, invalid("scheduled copies are off; set catalog.copies in the configuration")
	}
	d.loadCopies()
	dir := d.cfg.CopiesPath()
	at := d.now().UTC().Truncate(time.Second)
	path := filepath.Join(dir, "catalog-"+at.Format(copyNameLayout)+".db")
	fail := func(err error) (CopiesState, error) {
		d.copies.mu.Lock()
		d.copies.state.LastError = err.Error()
		d.copies.retry, d.copies.retryAt = reason, d.now().Add(min(cc.Every.D(), copyRetry))
		d.copies.mu.Unlock()
		d.log.Error("scheduled copy of the catalog failed", "copy", path, "because", reason, "err", err)
		return d.CatalogCopies(), err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(fmt.Errorf("create the copies directory %s: %w", dir, err))
	}
	if _, err := d.CopyCatalog(ctx, media.System, path); err != nil {
		return fail(err)
	}
	// CopyCatalog writes 0600; a copy made from a catalog restored with
	// wider rights is made 0600 all the same.
	if err := os.Chmod(path, 0o600); err != nil {
		return fail(fmt.Errorf("make the copy %s readable only by the daemon's user: %w", path, err))
	}
	kept := d.pruneCopies(dir, cc.Keep)
	d.copies.mu.Lock()
	d.copies.state.Newest, d.copies.state.NewestAt, d.copies.state.Kept, d.copies.state.LastError = path, at, kept, ""
	d.copies.retry, d.copies.retryAt = "", time.Time{}
	d.copies.mu.Unlock()
	d.log.Info("catalog copied", "copy", path, "because", reason, "kept", kept)
	if len(cc.Send) > 0 {
		d.sendCopy(ctx, path, cc)
	}
	return d.CatalogCopies(), nil
}

// pruneCopies removes the oldest scheduled copies beyond keep and says
// how many remain.
func (d *Engine) pruneCopies(dir string, keep int) int {
	names, err := scheduledCopies(dir)
	if err != nil {
		d.log.Error("list the catalog copies to remove the old ones", "dir", dir, "err", err)
		return 0
	}
	for len(names) > keep {
		old := filepath.Join(dir, names[0])
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Error("remove an old catalog copy", "copy", old, "err", err)
			return len(names)
		}
		names = names[1:]
	}
	return len(names)
}

// sendCopy runs the send command for the copy at path, never through a
// shell, and records how it went.
func (d *Engine) sendCopy(ctx context.Context, path string, cc *config.CopiesConfig) {
	argv := make([]string, len(cc.Send))
	for i, a := range cc.Send {
		argv[i] = strings.ReplaceAll(a, config.CopyPlaceholder, path)
	}
	ctx, cancel := context.WithTimeout(ctx, cc.SendTimeout.D())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Not the daemon's environment: only where to find programs and keys,
	// and the copy.
	cmd.Env = []string{"TAPEWARDEN_CATALOG_COPY=" + path}
	for _, k := range []string{"PATH", "HOME", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Dir = filepath.Dir(path)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := SendResult{Copy: path, At: d.now(), OK: err == nil, Stderr: tail(out.String(), 5)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Exit, res.Error = -1, fmt.Sprintf("the send command %q did not finish within %s and was stopped", argv[0], cc.SendTimeout)
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		res.Exit, res.Error = ee.ExitCode(), fmt.Sprintf("the send command %q exited with status %d", argv[0], ee.ExitCode())
	default:
		res.Exit, res.Error = -1, fmt.Sprintf("the send command %q could not run: %v", argv[0], err)
	}
	d.copies.mu.Lock()
	d.copies.state.LastSend = &res
	if res.OK {
		d.copies.state.Sent, d.copies.state.SentAt = path, res.At
	}
	saved := sentState{Sent: d.copies.state.Sent, SentAt: d.copies.state.SentAt, LastSend: &res}
	d.copies.mu.Unlock()
	kind, detail := "catalog-copy-sent", fmt.Sprintf("copy %s sent by %s", path, argv[0])
	if res.OK {
		d.log.Info("catalog copy sent", "copy", path, "command", argv[0])
	} else {
		kind, detail = "catalog-copy-send-failed", fmt.Sprintf("copy %s: %s", path, res.Error)
		if res.Stderr != "" {
			detail += ": " + res.Stderr
		}
		d.log.Error("sending the catalog copy failed; the copy stays in the copies directory", "copy", path, "exit", res.Exit, "err", res.Error, "stderr", res.Stderr)
	}
	if _, err := d.cat.Record(context.WithoutCancel(ctx), media.System, kind, detail); err != nil {
		d.log.Error("record the sending of the catalog copy", "err", err)
	}
	data, _ := json.MarshalIndent(saved, "", "  ")
	if err := writeFileAtomic(filepath.Join(filepath.Dir(path), sentStateFile), data); err != nil {
		d.log.Error("keep the record of the last sent catalog copy", "err", err)
	}
}

// writeFileAtomic writes data to path, 0600, through a temporary file
// renamed into place.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".last-send-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer func() { _ = os.Remove(name) }() // gone after the rename
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close() // the write error is the one returned
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
