package daemon

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
)

// TestAddRefusesPlacesOnlyDevicesFill: a drive, a library slot and a mail
// slot are filled by the devices; adding a cartridge there is refused, as
// a move there is, and changes nothing.
func TestAddRefusesPlacesOnlyDevicesFill(t *testing.T) {
	h := startDaemon(t)
	var before []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &before)
	for _, at := range []string{"honcho/drive/lto0", "honcho/lib0/slot/3", "honcho/lib0/mailslot/1"} {
		t.Run(at, func(t *testing.T) {
			status, body := h.call("POST", "/v1/media", api.AddRequest{Barcode: "DLY201L8", Pool: "daily", At: at})
			assert.Equal(t, 400, status, string(body))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Contains(t, e.Error, "is added where a person keeps it")
			assert.Contains(t, e.Error, "honcho/")
		})
	}
	var after []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &after)
	assert.Equal(t, before, after)
	status, _ := h.call("GET", "/v1/media/DLY201L8", nil)
	assert.Equal(t, 404, status)
}

// TestCatalogCopyWritesOnlyWhereACopyBelongs: every refused target is
// answered 4xx with a message, stays exactly as it was, and no event is
// written; copies that are allowed are 0600.
func TestCatalogCopyWritesOnlyWhereACopyBelongs(t *testing.T) {
	h := startDaemon(t)
	h.ok("POST", "/v1/media", api.AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, nil)
	state := h.cfg.StateDir
	outside := shortTempDir(t)
	existing := filepath.Join(outside, "precious")
	require.NoError(t, os.WriteFile(existing, []byte("keep me"), 0o600))
	link := filepath.Join(outside, "link")
	require.NoError(t, os.Symlink(existing, link))
	copies := h.cfg.CopiesPath()
	require.NoError(t, os.MkdirAll(copies, 0o700))
	require.NoError(t, os.Symlink(existing, filepath.Join(copies, "link.db")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(copies, "fifo.db"), 0o600))

	refusals := []struct {
		to, text string
		status   int
	}{
		{h.cfg.CatalogPath() + "-wal", "daemon's own files", 400},
		{h.cfg.CatalogPath(), "daemon's own files", 400},
		{h.cfg.SocketPath(), "daemon's own files", 400},
		{filepath.Join(state, "new.db"), "inside the daemon's state directory", 400},
		{"/dev/null", "is a device", 400},
		{existing, "exists; outside the copies directory", 409},
		{link, "is a symbolic link", 400},
		{filepath.Join(copies, "link.db"), "is a symbolic link", 400},
		{filepath.Join(copies, "fifo.db"), "is a named pipe", 400},
		{filepath.Join(outside, "no-such-dir", "copy.db"), "does not exist; create it first", 400},
		{"relative.db", "full path", 400},
	}
	type snap struct {
		mode    os.FileMode
		size    int64
		ino     uint64
		content string
	}
	look := func(p string) snap {
		fi, err := os.Lstat(p)
		if err != nil {
			return snap{}
		}
		s := snap{mode: fi.Mode(), size: fi.Size(), ino: fi.Sys().(*syscall.Stat_t).Ino}
		if fi.Mode().IsRegular() && !strings.HasPrefix(p, state) {
			b, _ := os.ReadFile(p)
			s.content = string(b)
		}
		return s
	}
	var before []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &before)
	for _, r := range refusals {
		t.Run(r.to, func(t *testing.T) {
			was := look(r.to)
			status, body := h.call("POST", "/v1/catalog/copy", api.CopyRequest{To: r.to})
			assert.Equal(t, r.status, status, string(body))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Contains(t, e.Error, r.text)
			if r.to != h.cfg.CatalogPath() && r.to != h.cfg.CatalogPath()+"-wal" {
				assert.Equal(t, was, look(r.to), "a refused copy changed its target")
			}
		})
	}
	var after []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &after)
	assert.Equal(t, before, after, "a refused copy wrote an event")
	assert.Equal(t, "keep me", look(existing).content)
	fi, err := os.Lstat(h.cfg.SocketPath())
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeSocket, "the API socket was replaced")

	// Allowed: a new file in the copies directory, replacing it, and a new
	// file elsewhere. Each is 0600.
	for _, to := range []string{filepath.Join(copies, "a.db"), filepath.Join(copies, "a.db"), filepath.Join(outside, "fresh.db")} {
		// A copy is an operation: started at once, followed to its end.
		var op media.Operation
		h.ok("POST", "/v1/catalog/copy", api.CopyRequest{To: to}, &op)
		deadline := time.Now().Add(30 * time.Second)
		for op.State == media.OperationRunning {
			require.True(t, time.Now().Before(deadline), "the copy to %s did not end", to)
			time.Sleep(20 * time.Millisecond)
			h.ok("GET", fmt.Sprintf("/v1/operations/%d", op.ID), nil, &op)
		}
		require.Equal(t, media.OperationSucceeded, op.State, op.Error)
		var res media.VerifyResult
		require.NoError(t, json.Unmarshal(op.Result, &res))
		assert.True(t, res.OK)
		fi, err := os.Stat(to)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), to)
	}
}

// TestCatalogCopyCreatesTheCopiesDirectory: the default copies directory
// need not exist beforehand.
func TestCatalogCopyCreatesTheCopiesDirectory(t *testing.T) {
	h := startDaemon(t)
	to := filepath.Join(h.cfg.CopiesPath(), "first.db")
	h.ok("POST", "/v1/catalog/copy", api.CopyRequest{To: to}, nil)
	fi, err := os.Stat(h.cfg.CopiesPath())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

// TestBrokenAuditChainDegradesTheStatus changes one event's bytes while
// the daemon is stopped. At the next start the daemon verifies the chain:
// the status is not healthy and says why, and the metric says 0 with the
// last event that verified.
func TestBrokenAuditChainDegradesTheStatus(t *testing.T) {
	h := startDaemon(t)
	for _, b := range []string{"DLY101L8", "DLY102L8", "DLY103L8"} {
		h.ok("POST", "/v1/media", api.AddRequest{Barcode: b, Pool: "daily", At: "honcho/shelf"}, nil)
	}
	var st api.Status
	h.ok("GET", "/v1/status", nil, &st)
	require.True(t, st.Healthy, st.Problems)
	_, body := h.call("GET", "/metrics", nil)
	assert.Contains(t, string(body), "tapewarden_audit_chain_ok 1\n")
	h.stop()

	db, err := sql.Open("sqlite3", "file:"+h.cfg.CatalogPath())
	require.NoError(t, err)
	var id int64
	require.NoError(t, db.QueryRow(`SELECT id FROM events WHERE barcode = 'DLY102L8'`).Scan(&id))
	// Someone with sqlite3 works around the append-only trigger.
	for _, q := range []string{`DROP TRIGGER events_append_only_update`,
		fmt.Sprintf(`UPDATE events SET reason = 'nothing to see' WHERE id = %d`, id),
		`CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END`} {
		_, err = db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	h = startConfig(t, h.cfg)
	h.ok("GET", "/v1/status", nil, &st)
	assert.False(t, st.Healthy)
	require.NotEmpty(t, st.Problems)
	assert.Contains(t, strings.Join(st.Problems, "\n"), fmt.Sprintf("the audit chain is broken at event %d", id))
	assert.Equal(t, id-1, st.AuditVerified.HeadID)
	_, body = h.call("GET", "/metrics", nil)
	assert.Contains(t, string(body), "tapewarden_audit_chain_ok 0\n")
	assert.Contains(t, string(body), fmt.Sprintf("tapewarden_audit_verified_event_id %d\n", id-1))
}

// TestAPIRefusesControlCharactersAndOverlongText: names, barcodes, notes,
// courier names and reasons with control characters, or too long, are
// refused with a 400 that names the field, before anything is looked up
// or changed.
func TestAPIRefusesControlCharactersAndOverlongText(t *testing.T) {
	h := startDaemon(t)
	h.ok("POST", "/v1/media", api.AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, nil)
	var m media.Manifest
	h.ok("POST", "/v1/manifests", media.NewManifest{Destination: "pref-dc", Barcodes: []string{"DLY101L8"}}, &m)
	cases := []struct {
		name, path string
		body       any
		field      string
	}{
		{"escape in notes", "/v1/media", api.AddRequest{Barcode: "DLY102L8", At: "honcho/shelf", Notes: "\x1b[2J"}, "notes"},
		{"right-to-left override in a barcode", "/v1/media", api.AddRequest{Barcode: "DLY\u202e102L8", At: "honcho/shelf"}, "barcode"},
		{"NUL in a pool", "/v1/media", api.AddRequest{Barcode: "DLY102L8", At: "honcho/shelf", Pool: "dai\x00ly"}, "pool"},
		{"CR LF in a courier's name", "/v1/manifests/" + m.ID + "/pickup", media.Handover{Courier: "Yamato\r\n2026-12-06 auditor: all fine", Barcodes: []string{"DLY101L8"}}, "courier"},
		{"title sequence in a reason", "/v1/media/DLY101L8/move", api.MoveRequest{To: "honcho/safe", Reason: "\x1b]0;owned\a"}, "reason"},
		{"overlong reason", "/v1/media/DLY101L8/move", api.MoveRequest{To: "honcho/safe", Reason: strings.Repeat("x", 3000)}, "reason is 3000 bytes"},
		{"overlong name", "/v1/library/export", api.ExportRequest{Library: strings.Repeat("l", 300), Barcodes: []string{"DLY101L8"}}, "library is 300 bytes"},
		{"escape in a library name", "/v1/library/export", api.ExportRequest{Library: "lib0\x1b[2J", Barcodes: []string{"DLY101L8"}}, "library"},
		{"newline in a barcode list", "/v1/library/export", api.ExportRequest{Barcodes: []string{"DLY101L8\nDLY102L8"}}, "barcodes"},
	}
	// The daemon's own events (the manifest's fetch prompt, opened in the
	// background) may come at any time; the refusals are the caller's.
	callers := func() []media.Event {
		var all, out []media.Event
		h.ok("GET", "/v1/audit?limit=1000", nil, &all)
		for _, e := range all {
			if e.Role != media.System.Role {
				out = append(out, e)
			}
		}
		return out
	}
	before := callers()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := h.call("POST", c.path, c.body)
			assert.Equal(t, 400, status, string(body))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Contains(t, e.Error, c.field)
			for _, raw := range []string{"\x1b", "\u202e", "\x00", "\r", "\a"} {
				assert.NotContains(t, e.Error, raw, "the refusal echoes the control character")
			}
		})
	}
	assert.Equal(t, before, callers())
	// Notes are documented as multi-line.
	h.ok("POST", "/v1/media", api.AddRequest{Barcode: "DLY102L8", At: "honcho/shelf", Pool: "daily", Notes: "bought 2026-12\nfrom the spare stock"}, nil)
}
