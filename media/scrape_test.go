package media

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupedCartridgeCounts counts cartridges the way Stats did before the
// counts were kept by triggers: by grouping every row.
func groupedCartridgeCounts(ctx context.Context, q querier) ([]CartridgeCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT coalesce(loc_site, 'in-transit'), loc_kind, coalesce(pool, ''), state, count(*)
		FROM cartridges GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CartridgeCount
	for rows.Next() {
		var cc CartridgeCount
		if err := rows.Scan(&cc.Site, &cc.PlaceKind, &cc.Pool, &cc.State, &cc.Count); err != nil {
			return nil, err
		}
		out = append(out, cc)
	}
	return out, rows.Err()
}

func TestCartridgeCountsFollowEveryChange(t *testing.T) {
	f := newFixture(t)
	check := func(when string) {
		t.Helper()
		want, err := groupedCartridgeCounts(f.ctx, f.cat.r)
		require.NoError(t, err)
		s, err := f.cat.Stats(f.ctx)
		require.NoError(t, err, when)
		assert.Equal(t, want, s.Cartridges, when)
	}
	check("empty")
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA002L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA003L8", LibrarySlot("honcho", "lib0", 3), "")
	check("after adding")
	_, err := f.cat.Move(f.ctx, operator, "AAA001L8", Storage("honcho", "safe"), MoveOptions{})
	require.NoError(t, err)
	check("after a move")
	_, err = f.cat.SetState(f.ctx, admin, "AAA002L8", Full, "full")
	require.NoError(t, err)
	check("after a state change")
	m, err := f.cat.CreateManifest(f.ctx, operator, NewManifest{Destination: "annex", Barcodes: []string{"AAA001L8", "AAA002L8"}})
	require.NoError(t, err)
	_, err = f.cat.Pickup(f.ctx, Actor{Name: "yamada", Role: "courier"}, m.ID, Handover{Courier: "yamada", Barcodes: []string{"AAA001L8", "AAA002L8"}})
	require.NoError(t, err)
	check("in transit")
	s, err := f.cat.Stats(f.ctx)
	require.NoError(t, err)
	assert.Contains(t, s.Cartridges, CartridgeCount{Site: "in-transit", PlaceKind: "transit", Pool: "daily", State: "full", Count: 1})
	// A change made outside the program is counted too: the triggers
	// live in the database.
	_, err = f.cat.w.ExecContext(f.ctx, `UPDATE cartridges SET pool = 'monthly' WHERE barcode = 'AAA003L8'`)
	require.NoError(t, err)
	check("after an edit by SQL")
	_, err = f.cat.w.ExecContext(f.ctx, `DELETE FROM cartridges WHERE barcode = 'AAA003L8'`)
	require.NoError(t, err)
	check("after a delete by SQL")
}

func TestScrapeReadsWhatTheCollectorsNeed(t *testing.T) {
	f := newFixture(t)
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA002L8", Storage("annex", "safe"), "daily")
	f.add(t, "AAA003L8", Storage("honcho", "shelf"), "daily")
	uses := 7
	_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "CLN001L1", Location: Storage("honcho", "shelf"), UsesLeft: &uses})
	require.NoError(t, err)

	run := func(job, barcode string, state RunState) Run {
		r, err := f.cat.QueueRun(f.ctx, NewRun{Job: job, Pool: "daily", Trigger: "schedule"})
		require.NoError(t, err)
		require.NoError(t, f.cat.UpdateRun(f.ctx, r.ID, RunUpdate{State: RunWriting, Started: true}))
		f.clock.Advance(time.Hour)
		done, err := f.cat.FinishRun(f.ctx, r.ID, RunResult{State: state, Bytes: 100, Generation: "2026-11-28", Level: "daily",
			Pieces: []Piece{{Piece: 1, Barcode: barcode, File: 1, Bytes: 100, SHA256: "ab", Complete: true}}})
		require.NoError(t, err)
		return done
	}
	run("juki", "AAA001L8", RunSucceeded)
	run("zeimu", "AAA002L8", RunFailed)
	_, err = f.cat.OpenPrompt(f.ctx, Prompt{Kind: "load", Action: "load AAA001L8"})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	_, err = f.cat.OpenPrompt(f.ctx, Prompt{Kind: "load", Action: "load AAA002L8"})
	require.NoError(t, err)
	_, err = f.cat.RecordDriveEvent(f.ctx, DriveEvent{Drive: "lto0", Kind: "tapealert", Flag: 20})
	require.NoError(t, err)

	s, err := f.cat.Scrape(f.ctx, ScrapeQuery{Jobs: []string{"juki", "zeimu", "never"}, Pools: []string{"daily"}, Drives: []string{"lto0"}})
	require.NoError(t, err)

	// The same figures as the separate reads.
	stats, err := f.cat.Stats(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, stats, s.Stats)
	js, err := f.cat.JobStats(f.ctx, []string{"juki", "zeimu", "never"})
	require.NoError(t, err)
	assert.Equal(t, js, s.Jobs)
	assert.EqualValues(t, 1, s.Jobs["juki"].Counts[RunSucceeded])
	assert.EqualValues(t, 1, s.Jobs["zeimu"].Counts[RunFailed])
	assert.Empty(t, s.Jobs["never"].Counts)

	open, err := f.cat.Prompts(f.ctx, false)
	require.NoError(t, err)
	require.Len(t, open, 2)
	assert.Equal(t, map[string]int64{"load": 2}, s.OpenPrompts)
	assert.Equal(t, open[0].CreatedAt, s.OldestPrompt)

	require.Len(t, s.Cleaners, 1)
	assert.Equal(t, "CLN001L1", s.Cleaners[0].Barcode)
	require.NotNil(t, s.Cleaners[0].UsesLeft)
	assert.Equal(t, 7, *s.Cleaners[0].UsesLeft)

	// The cartridges holding generations: those with pieces, and not the
	// empty AAA003L8.
	var holding []string
	for _, c := range s.Holding {
		holding = append(holding, c.Barcode)
	}
	assert.Equal(t, []string{"AAA001L8", "AAA002L8"}, holding)
	gens, err := f.cat.Generations(f.ctx, []string{"daily"})
	require.NoError(t, err)
	assert.Equal(t, gens, s.Generations)

	// Once AAA001L8 is overwritten from file 1, it holds nothing.
	require.NoError(t, f.cat.MarkOverwritten(f.ctx, System, "AAA001L8", 1, 99))
	first := s
	s, err = f.cat.Scrape(f.ctx, ScrapeQuery{Pools: []string{"daily"}})
	require.NoError(t, err)
	require.Len(t, s.Holding, 1)
	assert.Equal(t, "AAA002L8", s.Holding[0].Barcode)

	use, err := f.cat.DriveUse(f.ctx, "lto0")
	require.NoError(t, err)
	assert.Equal(t, use, first.Drives["lto0"])
	assert.EqualValues(t, 1, first.Drives["lto0"].TapeAlerts[20])
}
