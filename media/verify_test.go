package media

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// custodyFixture has cartridges that moved and changed state and runs
// that ended, so that every kind of row has events behind it.
func custodyFixture(t *testing.T) (*fixture, Run, Run) {
	t.Helper()
	f := chainFixture(t)
	f.add(t, "DLY003L8", Storage("annex", "safe"), "daily")
	_, err := f.cat.SetState(f.ctx, admin, "DLY003L8", Full, "full")
	require.NoError(t, err)
	require.NoError(t, f.cat.TakeIntoPool(f.ctx, "DLY001L8", "monthly", "monthly run"))
	ok := f.finishedRun(t, "juki", "2026-11-28", RunSucceeded, "DLY001L8")
	failed := f.finishedRun(t, "zeimu", "2026-11-28", RunFailed, "DLY002L8")
	_, err = f.cat.RecordMissed(f.ctx, NewRun{Job: "kokuho", Pool: "daily"}, "the daemon was down")
	require.NoError(t, err)
	_, err = f.cat.FailUnfinishedRuns(f.ctx, "the daemon stopped")
	require.NoError(t, err)
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	require.True(t, res.OK, res.Problem, res.Mismatches)
	require.Empty(t, res.Mismatches)
	require.EqualValues(t, 3, res.Cartridges)
	require.EqualValues(t, 3, res.Runs)
	return f, ok, failed
}

func TestVerifyReplaysCustody(t *testing.T) {
	tests := []struct {
		name  string
		stmt  string
		wants []Mismatch
	}{
		{"a cartridge moved by SQL", "UPDATE cartridges SET loc_site = 'dc', loc_place = 'vault' WHERE barcode = 'DLY003L8'",
			[]Mismatch{{Barcode: "DLY003L8", Field: "place", Catalog: "dc/vault", Chain: "annex/safe"}}},
		{"a state changed by SQL", "UPDATE cartridges SET state = 'scratch' WHERE barcode = 'DLY003L8'",
			[]Mismatch{{Barcode: "DLY003L8", Field: "state", Catalog: "scratch", Chain: "full"}}},
		{"a cartridge added by SQL", `INSERT INTO cartridges (barcode, media_type, state, loc_kind, loc_site, loc_place, added_at, updated_at)
			VALUES ('EVL001L8', 'LTO-8', 'scratch', 'storage', 'honcho', 'safe', 'x', 'x')`,
			[]Mismatch{{Barcode: "EVL001L8", Field: "presence", Catalog: "it exists at honcho/safe"}}},
		{"a cartridge deleted by SQL", "PRAGMA foreign_keys = OFF; DELETE FROM cartridges WHERE barcode = 'DLY003L8'",
			[]Mismatch{{Barcode: "DLY003L8", Field: "presence", Catalog: "nothing (the row is gone)", Chain: "it is at annex/safe"}}},
		{"a failed run made succeeded by SQL", "UPDATE runs SET state = 'succeeded' WHERE job = 'zeimu'",
			[]Mismatch{{Field: "state", Catalog: "succeeded", Chain: "failed"}}},
		{"a run ended by SQL", `INSERT INTO runs (job, pool, state, queued_at, finished_at) VALUES ('forged', 'daily', 'succeeded', 'x', 'x')`,
			[]Mismatch{{Field: "state", Catalog: "succeeded"}}},
		{"a run reopened by SQL", "UPDATE runs SET state = 'writing' WHERE job = 'juki'",
			[]Mismatch{{Field: "state", Catalog: "writing", Chain: "succeeded"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := custodyFixture(t)
			tamper(t, f.path, tt.stmt)
			res, err := f.cat.Verify(f.ctx, "")
			require.NoError(t, err)
			assert.False(t, res.OK)
			assert.Zero(t, res.BrokenAt, "the chain itself is intact")
			require.Len(t, res.Mismatches, len(tt.wants), res.Mismatches)
			for i, want := range tt.wants {
				got := res.Mismatches[i]
				assert.Equal(t, want.Barcode, got.Barcode)
				assert.Equal(t, want.Field, got.Field)
				assert.Equal(t, want.Catalog, got.Catalog)
				assert.Equal(t, want.Chain, got.Chain)
				if want.Barcode == "" {
					assert.NotZero(t, got.Run, "the run is named")
				}
			}
			assert.Contains(t, res.Problem, "1 catalog row differs from it")
			assert.Contains(t, res.Problem, res.Mismatches[0].String())
		})
	}
}

func TestMismatchSaysWhatDiffers(t *testing.T) {
	assert.Equal(t, "cartridge DLY003L8: the catalog says place dc/vault, the audit chain says annex/safe (event 9)",
		Mismatch{Barcode: "DLY003L8", Field: "place", Catalog: "dc/vault", Chain: "annex/safe", EventID: 9}.String())
	assert.Equal(t, "run 4: the catalog says state succeeded, the audit chain has no event for it",
		Mismatch{Run: 4, Field: "state", Catalog: "succeeded"}.String())
}

// An older catalog's run events name the run only in their reason; they
// still count.
func TestVerifyReadsOlderRunEvents(t *testing.T) {
	f := newFixture(t)
	r, err := f.cat.QueueRun(f.ctx, NewRun{Job: "juki", Pool: "daily"})
	require.NoError(t, err)
	require.NoError(t, f.cat.write(f.ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(f.ctx, `UPDATE runs SET state = 'succeeded', finished_at = 'x' WHERE id = ?`, r.ID); err != nil {
			return err
		}
		return f.cat.appendEvent(f.ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "run-succeeded", Reason: "run 1 of job juki succeeded"})
	}))
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Mismatches)
}

func TestVerifyFromAHeadVerifiedBefore(t *testing.T) {
	f, _, failed := custodyFixture(t)
	head, err := f.cat.ChainHead(f.ctx)
	require.NoError(t, err)

	// Nothing new: nothing to check, and fine.
	res, err := f.cat.VerifyFrom(f.ctx, head)
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.Zero(t, res.Events)

	// New events are checked, and the cartridges they touch are compared
	// over their whole history.
	_, err = f.cat.Move(f.ctx, operator, "DLY003L8", Storage("annex", "cabinet"), MoveOptions{})
	require.NoError(t, err)
	res, err = f.cat.VerifyFrom(f.ctx, head)
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
	assert.EqualValues(t, 1, res.Events)
	assert.EqualValues(t, 1, res.Cartridges)
	assert.Equal(t, head.ID, res.From)

	tamper(t, f.path, "UPDATE cartridges SET state = 'scratch' WHERE barcode = 'DLY003L8'")
	res, err = f.cat.VerifyFrom(f.ctx, head)
	require.NoError(t, err)
	assert.False(t, res.OK)
	require.Len(t, res.Mismatches, 1)
	assert.Equal(t, Mismatch{Barcode: "DLY003L8", Field: "state", Catalog: "scratch", Chain: "full", EventID: res.Mismatches[0].EventID}, res.Mismatches[0])

	// A rewritten event at or before the head is caught.
	tamper(t, f.path, "UPDATE events SET hash = 'ff' WHERE id = ?", head.ID)
	res, err = f.cat.VerifyFrom(f.ctx, head)
	require.NoError(t, err)
	assert.False(t, res.OK)
	assert.Contains(t, res.Problem, "no longer has the hash")

	// A run ended after the head is compared with its end event.
	f2, _, _ := custodyFixture(t)
	head2, err := f2.cat.ChainHead(f2.ctx)
	require.NoError(t, err)
	f2.add(t, "DLY009L8", Storage("honcho", "shelf"), "daily")
	late := f2.finishedRun(t, "juki", "2026-11-29", RunFailed, "DLY009L8")
	tamper(t, f2.path, "UPDATE runs SET state = 'succeeded' WHERE id = ?", late.ID)
	tamper(t, f2.path, "UPDATE runs SET state = 'succeeded' WHERE id = ?", failed.ID) // before the head: not this check's business
	res, err = f2.cat.VerifyFrom(f2.ctx, head2)
	require.NoError(t, err)
	assert.False(t, res.OK)
	require.Len(t, res.Mismatches, 1)
	assert.Equal(t, late.ID, res.Mismatches[0].Run)

	_, err = f.cat.VerifyFrom(f.ctx, ChainHead{ID: -1})
	require.ErrorIs(t, err, ErrBadInput)
}

func TestRunsEndOnlyThroughTheChain(t *testing.T) {
	f := newFixture(t)
	r, err := f.cat.QueueRun(f.ctx, NewRun{Job: "juki", Pool: "daily"})
	require.NoError(t, err)
	for _, st := range []RunState{RunSucceeded, RunFailed, RunCancelled, RunMissed, "bogus"} {
		require.ErrorIs(t, f.cat.UpdateRun(f.ctx, r.ID, RunUpdate{State: st}), ErrBadInput, st)
	}
	got, err := f.cat.Run(f.ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, RunQueued, got.State)
	require.NoError(t, f.cat.UpdateRun(f.ctx, r.ID, RunUpdate{State: RunWriting}))
	done, err := f.cat.FinishRun(f.ctx, r.ID, RunResult{State: RunCancelled, Reason: "stopped by tanaka"})
	require.NoError(t, err)
	ev, err := f.cat.Events(f.ctx, EventFilter{Kind: "run-cancelled"})
	require.NoError(t, err)
	require.Len(t, ev, 1)
	assert.Equal(t, fmt.Sprintf("run/%d", done.ID), ev[0].To)
	assert.Equal(t, "writing", ev[0].FromState)
	assert.Equal(t, "cancelled", ev[0].ToState)
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Mismatches)
}

// What a run recorded at its end (pieces, figures, generation) is sealed
// in its end event; changing it afterwards is named.
func TestVerifyChecksWhatRunsRecorded(t *testing.T) {
	for name, stmt := range map[string]string{
		"a piece moved to another cartridge":  "UPDATE pieces SET barcode = 'DLY003L8' WHERE run = ?",
		"a piece's checksum changed":          "UPDATE pieces SET sha256 = 'ff' WHERE run = ?",
		"a piece removed":                     "DELETE FROM pieces WHERE run = ?",
		"a piece added":                       "INSERT INTO pieces (run, piece, barcode, file, bytes, sha256) VALUES (?, 9, 'DLY003L8', 4, 1, 'ab')",
		"the run's bytes changed":             "UPDATE runs SET bytes = 99 WHERE id = ?",
		"the run moved to another generation": "UPDATE runs SET generation = '2026-11-01' WHERE id = ?",
		"the generation's level changed":      "UPDATE generations SET level = 'monthly' WHERE id = (SELECT generation FROM runs WHERE id = ?)",
	} {
		t.Run(name, func(t *testing.T) {
			f, ok, _ := custodyFixture(t)
			tamper(t, f.path, stmt, ok.ID)
			res, err := f.cat.Verify(f.ctx, "")
			require.NoError(t, err)
			assert.False(t, res.OK)
			// The generation's row is shared by the runs of the
			// generation: each is named.
			require.NotEmpty(t, res.Mismatches)
			m := res.Mismatches[0]
			assert.Equal(t, ok.ID, m.Run)
			assert.Contains(t, m.Field, "pieces")
			assert.NotEqual(t, m.Catalog, m.Chain)
			assert.NotZero(t, m.EventID)
		})
	}
	// An overwrite marks pieces gone with its own event; that is no
	// difference.
	f, _, _ := custodyFixture(t)
	require.NoError(t, f.cat.MarkOverwritten(f.ctx, System, "DLY001L8", 1, 99))
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Mismatches)
}

// A failed run without pieces names a generation whose row a later run
// makes; that is no difference.
func TestVerifyAcceptsALaterRunMakingTheGeneration(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")
	r, err := f.cat.QueueRun(f.ctx, NewRun{Job: "juki", Pool: "daily"})
	require.NoError(t, err)
	_, err = f.cat.FinishRun(f.ctx, r.ID, RunResult{State: RunFailed, Reason: "no cartridge", Generation: "2026-11-28", Level: "daily"})
	require.NoError(t, err)
	f.finishedRun(t, "juki", "2026-11-28", RunSucceeded, "DLY001L8")
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Mismatches)
}
