package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/media"
)

// TestAuditVerifiedAtStartAndDaily: the engine verifies the whole chain
// at start, again only once a day has passed, and then from the last
// verified event on, which catches an event altered since.
func TestAuditVerifiedAtStartAndDaily(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := startDaemon(t, func(_ *config.Config, o *Options) { o.Now = clock; o.NoSchedule = true })
	ctx := context.Background()

	start := h.d.AuditState()
	require.True(t, start.OK, start.Problem)
	assert.Equal(t, clock(), start.Checked)

	_, err := h.d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: "DLY301L8", Pool: "daily", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	ev, err := h.d.cat.Move(ctx, tester, "DLY301L8", media.Storage("honcho", "safe"), media.MoveOptions{})
	require.NoError(t, err)

	advance(23 * time.Hour)
	h.d.auditDue(ctx)
	assert.Equal(t, start, h.d.AuditState(), "verified again before a day had passed")

	advance(2 * time.Hour)
	h.d.auditDue(ctx)
	daily := h.d.AuditState()
	require.True(t, daily.OK, daily.Problem)
	assert.Equal(t, ev.ID, daily.HeadID)
	assert.Equal(t, clock(), daily.Checked)

	// An event written after that verification is altered behind the
	// daemon's back; the next daily verification catches it.
	later, err := h.d.cat.Move(ctx, tester, "DLY301L8", media.Storage("honcho", "shelf"), media.MoveOptions{})
	require.NoError(t, err)
	db, err := sql.Open("sqlite3", "file:"+h.cfg.CatalogPath())
	require.NoError(t, err)
	for _, q := range []string{`DROP TRIGGER events_append_only_update`,
		fmt.Sprintf(`UPDATE events SET reason = 'edited' WHERE id = %d`, later.ID),
		`CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END`} {
		_, err = db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())
	advance(25 * time.Hour)
	h.d.auditDue(ctx)
	broken := h.d.AuditState()
	assert.False(t, broken.OK)
	assert.Equal(t, later.ID, broken.BrokenAt)
	assert.Equal(t, later.ID-1, broken.HeadID)
	assert.Contains(t, h.log.String(), "the audit chain does not verify")
}
