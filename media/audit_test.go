package media

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tamper opens the catalog file directly, as an intruder with file access
// would, drops the append-only triggers and runs stmt.
func tamper(t *testing.T, path, stmt string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("DROP TRIGGER IF EXISTS events_append_only_update; DROP TRIGGER IF EXISTS events_append_only_delete")
	require.NoError(t, err)
	_, err = db.Exec(stmt, args...)
	require.NoError(t, err)
}

func chainFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")          // event 1
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")          // event 2
	for i, place := range []string{"safe", "safe", "shelf", "shelf"} { // events 3-6
		f.clock.Advance(1)
		_, err := f.cat.Move(f.ctx, operator, []string{"DLY001L8", "DLY002L8"}[i%2], Storage("honcho", place), MoveOptions{})
		require.NoError(t, err)
	}
	return f
}

func TestAppendOnlyTriggers(t *testing.T) {
	f := chainFixture(t)
	db, err := sql.Open("sqlite3", f.path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("UPDATE events SET reason = 'x' WHERE id = 2")
	assert.ErrorContains(t, err, "append-only")
	_, err = db.Exec("DELETE FROM events WHERE id = 2")
	assert.ErrorContains(t, err, "append-only")
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name     string
		stmt     string
		brokenAt int64
		problem  string
	}{
		{"a field altered", "UPDATE events SET to_loc = 'honcho/shelf' WHERE id = 3", 3, "fields were altered"},
		{"the actor altered", "UPDATE events SET actor = 'nobody' WHERE id = 5", 5, "fields were altered"},
		{"an event removed", "DELETE FROM events WHERE id = 4", 5, "events 4 to 4 are missing"},
		{"a link rewritten",
			"UPDATE events SET prev_hash = 'ff' WHERE id = 2", 2, "does not link to event 1"},
		{"an event inserted", `INSERT INTO events (id, at, actor, role, kind, barcode, prev_hash, hash)
			SELECT 7, at, 'intruder', 'admin', 'moved', 'DLY001L8', hash, 'x' FROM events WHERE id = 6`, 7, "fields were altered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := chainFixture(t)
			res, err := f.cat.Verify(f.ctx, "")
			require.NoError(t, err)
			require.True(t, res.OK)
			tamper(t, f.path, tt.stmt)
			res, err = f.cat.Verify(f.ctx, "")
			require.NoError(t, err)
			assert.False(t, res.OK)
			assert.Equal(t, tt.brokenAt, res.BrokenAt)
			assert.Contains(t, res.Problem, tt.problem)
		})
	}

	t.Run("a chain cut short is caught by the head kept elsewhere", func(t *testing.T) {
		f := chainFixture(t)
		res, err := f.cat.Verify(f.ctx, "")
		require.NoError(t, err)
		head := res.HeadHash
		tamper(t, f.path, "DELETE FROM events WHERE id = 6")
		res, err = f.cat.Verify(f.ctx, "")
		require.NoError(t, err)
		// The remaining chain is consistent in itself, but the custody it
		// records no longer ends where the cartridge is.
		assert.False(t, res.OK)
		assert.Zero(t, res.BrokenAt)
		assert.Equal(t, []Mismatch{{Barcode: "DLY002L8", Field: "place", Catalog: "honcho/shelf", Chain: "honcho/safe", EventID: 4}}, res.Mismatches)
		res, err = f.cat.Verify(f.ctx, head)
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Contains(t, res.Problem, "cut short or rewritten")
	})

	t.Run("the recorded head verifies", func(t *testing.T) {
		f := chainFixture(t)
		res, err := f.cat.Verify(f.ctx, "")
		require.NoError(t, err)
		again, err := f.cat.Verify(f.ctx, res.HeadHash)
		require.NoError(t, err)
		assert.True(t, again.OK)
		assert.EqualValues(t, 6, again.Events)
	})
}
