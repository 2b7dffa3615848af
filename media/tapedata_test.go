package media

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLastGoodPiece(t *testing.T) {
	f := newFixture(t)
	shelf := Storage("honcho", "shelf")
	f.add(t, "DLY001L8", shelf, "daily")

	_, ok, err := f.cat.LastGoodPiece(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.False(t, ok, "a new cartridge holds no good piece")

	run := func(state RunState, file int64, sum string) int64 {
		r, err := f.cat.QueueRun(f.ctx, NewRun{Job: "juki-daily", Pool: "daily"})
		require.NoError(t, err)
		_, err = f.cat.FinishRun(f.ctx, r.ID, RunResult{State: state, Generation: "daily/2026-11-28", Level: "full",
			Pieces: []Piece{{Piece: 1, Barcode: "DLY001L8", File: file, Bytes: 10, SHA256: sum, Complete: true}}})
		require.NoError(t, err)
		return r.ID
	}
	first := run(RunSucceeded, 1, strings.Repeat("a", 64))
	second := run(RunSucceeded, 3, strings.Repeat("b", 64))
	run(RunFailed, 5, strings.Repeat("c", 64)) // a failed run's piece is not good

	p, ok, err := f.cat.LastGoodPiece(f.ctx, "DLY001L8")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, second, p.Run)
	assert.Equal(t, int64(3), p.File)
	assert.Equal(t, strings.Repeat("b", 64), p.SHA256)

	// Once the cartridge is written over from file 3, the first run's
	// piece is the last good one.
	require.NoError(t, f.cat.MarkOverwritten(f.ctx, System, "DLY001L8", 3, 99))
	p, ok, err = f.cat.LastGoodPiece(f.ctx, "DLY001L8")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, first, p.Run)
}

func TestReleaseTapeData(t *testing.T) {
	f := newFixture(t)
	shelf := Storage("honcho", "shelf")
	f.add(t, "DLY001L8", shelf, "daily")

	at, err := f.cat.TapeDataReleased(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.True(t, at.IsZero())

	before := dump(t, f.path)
	_, err = f.cat.ReleaseTapeData(f.ctx, admin, "DLY001L8", "  ")
	assert.ErrorIs(t, err, ErrBadInput)
	assert.ErrorContains(t, err, "--reason")
	_, err = f.cat.ReleaseTapeData(f.ctx, admin, "NOPE01L8", "old tapes")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, before, dump(t, f.path), "a refused release changes nothing")

	ev, err := f.cat.ReleaseTapeData(f.ctx, admin, "DLY001L8", "old site's tapes, copied elsewhere")
	require.NoError(t, err)
	assert.Equal(t, "erase", ev.Kind)
	assert.Equal(t, "sato", ev.Actor)
	assert.Contains(t, ev.Reason, "old site's tapes, copied elsewhere")
	at, err = f.cat.TapeDataReleased(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now(), at)

	require.NoError(t, f.cat.ClearRelease(f.ctx, "DLY001L8"))
	at, err = f.cat.TapeDataReleased(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.True(t, at.IsZero())
	v, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK, "%+v", v)
}
