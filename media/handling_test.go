package media

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlingLabel(t *testing.T) {
	for _, tc := range []struct {
		h            Handling
		label, short string
		class2       bool
	}{
		{Handling{}, "", "", false},
		{Handling{Confidentiality: 1}, "class 1 (confidentiality 1)", "C1", false},
		{Handling{Integrity: 2}, "CLASS 2 (integrity 2)", "I2", true},
		{Handling{Confidentiality: 2, Integrity: 1}, "CLASS 2 (confidentiality 2, integrity 1)", "C2 I1", true},
	} {
		assert.Equal(t, tc.label, tc.h.Label())
		assert.Equal(t, tc.short, tc.h.Short())
		assert.Equal(t, tc.class2, tc.h.Class2())
	}
}

func TestHandlingClassesFollowTheDataStillOnTape(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")
	class := func(systems []string) (int, int) {
		c := 0
		for _, s := range systems {
			if s == "juki" {
				c = 2
			}
		}
		return c, 1
	}
	got, err := f.cat.HandlingClasses(f.ctx, nil, class)
	require.NoError(t, err)
	assert.Empty(t, got, "blank cartridges hold no data, so no class")

	f.writeRun(t, "juki", "DLY001L8", "2026-11-27")
	f.writeRun(t, "zeimu", "DLY002L8", "2026-11-27")
	got, err = f.cat.HandlingClasses(f.ctx, []string{"DLY001L8", "DLY002L8"}, class)
	require.NoError(t, err)
	assert.Equal(t, map[string]Handling{"DLY001L8": {Confidentiality: 2, Integrity: 1}, "DLY002L8": {Integrity: 1}}, got)
	plain, err := f.cat.HeldUnencrypted(f.ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"DLY001L8": {"juki"}, "DLY002L8": {"zeimu"}}, plain, "both written without encryption")

	// An encrypted run is held, but not in the clear.
	run, err := f.cat.QueueRun(f.ctx, NewRun{Job: "koseki-daily", System: "koseki", Pool: "daily", Trigger: "schedule", ScheduledFor: f.clock.Now()})
	require.NoError(t, err)
	require.NoError(t, f.cat.UpdateRun(f.ctx, run.ID, RunUpdate{State: RunWriting, Started: true, Drive: "lto0", Generation: "2026-11-27", Level: "daily"}))
	_, err = f.cat.FinishRun(f.ctx, run.ID, RunResult{State: RunSucceeded, Bytes: 1 << 20, Files: 1, SHA256: strings.Repeat("cd", 32),
		Encryption: "age", TapeBytes: 1 << 20, TapeSHA256: strings.Repeat("ef", 32), Recipients: []string{"age1test"},
		Pieces:     []Piece{{Piece: 1, Barcode: "DLY001L8", File: 2, Bytes: 1 << 20, SHA256: strings.Repeat("ef", 32), Complete: true}},
		Generation: "2026-11-27", Level: "daily"})
	require.NoError(t, err)
	held, err := f.cat.HeldSystems(f.ctx, []string{"DLY001L8"})
	require.NoError(t, err)
	assert.Equal(t, []string{"juki", "koseki"}, held["DLY001L8"])
	plain, err = f.cat.HeldUnencrypted(f.ctx, []string{"DLY001L8"})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"DLY001L8": {"juki"}}, plain)
}
