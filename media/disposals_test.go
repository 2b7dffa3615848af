package media

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeRun records a night's successful run of system on barcode.
func (f *fixture) writeRun(t *testing.T, system, barcode, generation string) {
	t.Helper()
	run, err := f.cat.QueueRun(f.ctx, NewRun{Job: system + "-daily", System: system, Pool: "daily", Trigger: "schedule", ScheduledFor: f.clock.Now()})
	require.NoError(t, err)
	require.NoError(t, f.cat.UpdateRun(f.ctx, run.ID, RunUpdate{State: RunWriting, Started: true, Drive: "lto0", Generation: generation, Level: "daily"}))
	_, err = f.cat.FinishRun(f.ctx, run.ID, RunResult{State: RunSucceeded, Bytes: 1 << 20, Files: 10, SHA256: strings.Repeat("ab", 32),
		Pieces:     []Piece{{Piece: 1, Barcode: barcode, File: 1, Bytes: 1 << 20, SHA256: strings.Repeat("ab", 32), Complete: true}},
		Generation: generation, Level: "daily"})
	require.NoError(t, err)
}

func TestDisposalRefusedThenAllowed(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DSP001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "DSP002L8", Storage("annex", "cabinet"), "daily")
	f.writeRun(t, "juki", "DSP001L8", "2026-11-27")
	f.writeRun(t, "zeimu", "DSP001L8", "2026-11-28")
	_, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DSP001L8"}})
	require.NoError(t, err)
	in, err := f.cat.StartInspection(f.ctx, operator, "honcho", "shelf")
	require.NoError(t, err)
	_, err = f.cat.CloseInspection(f.ctx, operator, in.ID, true) // DSP001L8 not seen
	require.NoError(t, err)

	ok := NewDisposal{Method: "degauss", Witness: "Suzuki (records section)", Certificate: "VND-2026-114", Date: "2026-11-28",
		Retained: []string{"it holds generation daily/2026-11-28, which rotation still keeps"}}
	before := dump(t, f.path)
	_, err = f.cat.Dispose(f.ctx, admin, "DSP001L8", ok)
	require.ErrorIs(t, err, ErrDisposalRefused)
	for _, want := range []string{"rotation still keeps", "not retired: degaussing erases", "manifest M-20261128-001 lists it", "inspection " + in.ID} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = f.cat.Dispose(f.ctx, admin, "DSP002L8", NewDisposal{Method: "shred", Witness: "Suzuki"})
	require.ErrorIs(t, err, ErrDisposalRefused)
	assert.Contains(t, err.Error(), "not the machine room")
	_, err = f.cat.Dispose(f.ctx, admin, "DSP001L8", NewDisposal{Method: "burn", Witness: "Suzuki"})
	require.ErrorIs(t, err, ErrBadInput)
	_, err = f.cat.Dispose(f.ctx, admin, "DSP001L8", NewDisposal{Method: "shred"})
	require.ErrorIs(t, err, ErrBadInput, "a witness is required")
	_, err = f.cat.Dispose(f.ctx, admin, "DSP001L8", NewDisposal{Method: "shred", Witness: "Suzuki", Date: "2026-12-25"})
	require.ErrorIs(t, err, ErrBadInput, "not in the future")
	assert.Equal(t, before, dump(t, f.path), "refusals change nothing")

	// Each reason settled by a person, the disposal goes through.
	_, err = f.cat.CancelManifest(f.ctx, admin, "M-20261128-001", "to be destroyed instead")
	require.NoError(t, err)
	shelf := Storage("honcho", "shelf")
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "DSP001L8", Resolution{Found: &shelf, Note: "behind the others"})
	require.NoError(t, err)
	_, err = f.cat.Retire(f.ctx, admin, "DSP001L8", "worn out")
	require.NoError(t, err)
	ok.Retained = nil
	f.clock.Advance(time.Hour)
	d, err := f.cat.Dispose(f.ctx, admin, "dsp001l8", ok)
	require.NoError(t, err)
	assert.Equal(t, "DSP001L8", d.Barcode)
	assert.Equal(t, Retired, d.FromState)
	assert.Equal(t, "degauss", d.Method)
	assert.Equal(t, "2026-11-28", d.Date)
	assert.Equal(t, []string{"juki", "zeimu"}, d.Systems)
	assert.Equal(t, []string{"daily/2026-11-27", "daily/2026-11-28"}, d.Generations)

	c, err := f.cat.Cartridge(f.ctx, "DSP001L8")
	require.NoError(t, err)
	assert.Equal(t, Disposed, c.State)
	_, err = f.cat.Dispose(f.ctx, admin, "DSP001L8", ok)
	require.ErrorIs(t, err, ErrAlreadyThere)
	_, err = f.cat.SetState(f.ctx, admin, "DSP001L8", Scratch, "")
	require.Error(t, err, "a disposed cartridge never comes back")

	// It leaves every listing and count but the disposal report.
	list, err := f.cat.Cartridges(f.ctx, Filter{})
	require.NoError(t, err)
	for _, x := range list {
		assert.NotEqual(t, "DSP001L8", x.Barcode)
	}
	list, err = f.cat.Cartridges(f.ctx, Filter{State: Disposed})
	require.NoError(t, err)
	require.Len(t, list, 1)
	st, err := f.cat.Stats(f.ctx)
	require.NoError(t, err)
	for _, cc := range st.Cartridges {
		assert.NotEqual(t, string(Disposed), cc.State)
		if cc.Site == "honcho" && cc.Pool == "daily" {
			t.Errorf("honcho still counts a daily cartridge: %+v", cc)
		}
	}
	all, err := f.cat.Disposals(f.ctx, "2026-11-01", "2026-11-30")
	require.NoError(t, err)
	require.Len(t, all, 1)
	none, err := f.cat.Disposals(f.ctx, "2026-12-01", "")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = f.cat.Disposals(f.ctx, "yesterday", "")
	require.ErrorIs(t, err, ErrBadInput)

	// An inspection does not miss it; seeing it again is a finding.
	in, err = f.cat.StartInspection(f.ctx, operator, "honcho", "shelf")
	require.NoError(t, err)
	in, err = f.cat.CloseInspection(f.ctx, operator, in.ID, true)
	require.NoError(t, err)
	assert.Empty(t, in.Findings, "a disposed cartridge is not expected anywhere")
	in, err = f.cat.StartInspection(f.ctx, operator, "honcho", "shelf")
	require.NoError(t, err)
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "", []string{"DSP001L8"})
	require.NoError(t, err)
	in, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.NoError(t, err)
	require.Len(t, in.Findings, 1)
	assert.Equal(t, FindingSurplus, in.Findings[0].Kind)
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "DSP001L8", Resolution{Found: &shelf})
	require.ErrorIs(t, err, ErrBadInput, "a note is required")
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "DSP001L8", Resolution{Found: &shelf, Note: "the empty shell kept as a sample; degaussed"})
	require.NoError(t, err)
	c, err = f.cat.Cartridge(f.ctx, "DSP001L8")
	require.NoError(t, err)
	assert.Equal(t, Disposed, c.State, "the disposal stays recorded")

	ev, err := f.cat.Events(f.ctx, EventFilter{Barcode: "DSP001L8", Kind: "disposed"})
	require.NoError(t, err)
	require.Len(t, ev, 1)
	assert.Equal(t, d.Event, ev[0].ID)
	assert.Contains(t, ev[0].Reason, "witnessed by Suzuki (records section), certificate VND-2026-114")
	v, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK, "%+v", v)
}
