package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// TestSoakNinetyDays runs the daemon on the virtual library for ninety
// simulated days: two jobs a night into a five-cartridge pool, the newest
// generation carried to the annex each morning, with write errors, nights
// the daemon is down (caught up or missed), and couriers late with their
// recalls. After every night it checks that no protected generation was
// overwritten, that every failed or missed run shows in the metrics the
// alert rules read, and that the catalog, the library and the audit chain
// agree.
func TestSoakNinetyDays(t *testing.T) {
	if testing.Short() {
		t.Skip("ninety simulated days take about a minute; run without -short")
	}
	cfg := loadTestConfig(t, "soak.yaml")
	jst := cfg.Location
	clock := newFakeClock(time.Date(2027, 1, 1, 9, 0, 0, 0, jst))
	rng := rand.New(rand.NewPCG(1, 2))
	start := func() *world {
		h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock })
		h.d.maintEvery = 24 * time.Hour
		return &world{t: t, h: h, clock: clock, ctx: context.Background(), snapshots: map[int]map[string]map[string][]byte{},
			dataDir: filepath.Join(cfg.StateDir, "data")}
	}
	w := start()
	w.stock()
	jobs := []string{"juki-nightly", "koseki-nightly"}
	results := []media.RunState{media.RunSucceeded, media.RunFailed, media.RunMissed}
	seen := map[string]map[media.RunState]float64{}
	for _, j := range jobs {
		seen[j] = map[media.RunState]float64{}
	}
	var failures, downNights, lateCouriers, protectedChecked int
	pool, _ := cfg.RotationPoolByName("daily")

	for day := 1; day <= 90; day++ {
		date := time.Date(2027, 1, 1, 0, 0, 0, 0, jst).AddDate(0, 0, day-1)
		ctx := w.ctx
		w.writeSmallData(day)

		// What rotation protects before tonight.
		view, err := w.h.d.view(ctx)
		require.NoError(t, err)
		ret, err := rotation.Retain(pool, view)
		require.NoError(t, err)
		protected := map[string]bool{}
		for _, g := range ret.Generations {
			if g.Protected {
				protected[g.ID] = true
			}
		}

		switch roll := rng.IntN(100); {
		case roll < 4 && day > 1:
			// The daemon is down over the nightly slots; it comes back
			// within the catch-up window (the newest slot runs) or the
			// next morning (both are missed).
			downNights++
			w.h.stop()
			back := date.Add(23*time.Hour + 15*time.Minute)
			if roll < 2 {
				back = date.Add(32 * time.Hour)
			}
			clock.Set(back)
			w = start()
			w.waitFor("the runs the scheduler owed", func() bool {
				for _, j := range jobs {
					runs, _ := w.h.d.cat.Runs(ctx, media.RunFilter{Job: j, Limit: 1})
					if len(runs) == 0 || runs[0].ScheduledFor.Before(date) || !runs[0].State.Finished() {
						return false
					}
				}
				return true
			})
		default:
			if roll < 14 {
				w.h.d.dev.drives["lto0"].virtual.FailWrite(1 + rng.IntN(4))
			}
			w.runAt("juki-nightly", date.Add(22*time.Hour), nil)
			w.runAt("koseki-nightly", date.Add(22*time.Hour+30*time.Minute), nil)
		}

		// Tonight's runs: none wrote on a protected generation's
		// cartridge, and the protected generations are all still there.
		for _, j := range jobs {
			runs, err := w.h.d.cat.Runs(ctx, media.RunFilter{Job: j, Limit: 5})
			require.NoError(t, err)
			for _, r := range runs {
				if r.ScheduledFor.Before(date) {
					continue
				}
				full, err := w.h.d.cat.Run(ctx, r.ID)
				require.NoError(t, err)
				for _, p := range full.Pieces {
					for _, c := range view.Cartridges {
						if c.Barcode != p.Barcode {
							continue
						}
						for _, g := range c.Generations {
							assert.False(t, protected[g.ID] && g.ID != full.Generation,
								"day %d: run %d wrote %s, which held protected generation %s", day, r.ID, p.Barcode, g.ID)
						}
					}
				}
			}
		}
		for id := range protected {
			runs, err := w.h.d.cat.Runs(ctx, media.RunFilter{Pool: "daily", Generation: id, State: media.RunSucceeded, Limit: 10})
			require.NoError(t, err)
			for _, r := range runs {
				pieces, err := w.h.d.cat.Pieces(ctx, r.ID)
				require.NoError(t, err)
				for _, p := range pieces {
					if !assert.True(t, p.GoneAt.IsZero(), "day %d: protected generation %s on %s was overwritten", day, id, p.Barcode) {
						// Show the night's runs: what chose what.
						for _, j := range jobs {
							rr, _ := w.h.d.cat.Runs(ctx, media.RunFilter{Job: j, Limit: 3})
							for _, x := range rr {
								full, _ := w.h.d.cat.Run(ctx, x.ID)
								t.Logf("run %d %s %s %s pieces %+v\n%s", x.ID, x.Job, x.State, x.Generation, full.Pieces, full.Log)
							}
						}
						t.FailNow()
					}
					protectedChecked++
				}
			}
		}

		// Every failure is in the metrics the alerts read: the failure
		// counter rose and the last failure is newer than the last
		// success.
		for _, j := range jobs {
			runs, err := w.h.d.cat.Runs(ctx, media.RunFilter{Job: j, Limit: 10})
			require.NoError(t, err)
			newFailure := false
			for _, r := range runs {
				if !r.ScheduledFor.Before(date) && (r.State == media.RunFailed || r.State == media.RunMissed) {
					newFailure = true
					failures++
				}
			}
			for _, st := range results {
				v := w.metric("tapewarden_job_runs_total", `backup_job="`+j+`"`, `result="`+string(st)+`"`)
				assert.GreaterOrEqual(t, v, seen[j][st], "day %d: a counter went down", day)
				if st != media.RunSucceeded && newFailure && v > seen[j][st] {
					newFailure = false // counted
				}
				seen[j][st] = v
			}
			assert.False(t, newFailure, "day %d: a failure of %s did not reach the metrics", day, j)
			if runs[0].State == media.RunFailed || runs[0].State == media.RunMissed {
				assert.GreaterOrEqual(t, w.metric("tapewarden_job_last_failure_timestamp_seconds", `backup_job="`+j+`"`),
					w.metric("tapewarden_job_last_success_timestamp_seconds", `backup_job="`+j+`"`), "day %d: %s failed last but the metrics say it succeeded last", day, j)
			}
		}

		// The catalog, the library and the audit chain agree.
		v, err := w.h.d.cat.Verify(ctx, "")
		require.NoError(t, err)
		require.True(t, v.OK, "day %d: %s", day, v.Problem)
		reps, err := w.h.d.Inventory(ctx, tester, "lib0")
		require.NoError(t, err)
		require.Empty(t, reps[0].Catalog.Moved, "day %d: the catalog did not know where a cartridge was", day)

		// The next morning the courier carries out the plan, sometimes
		// without the recalls.
		clock.Set(date.Add(33 * time.Hour))
		late := rng.IntN(100) < 10
		if late {
			lateCouriers++
		}
		w.courier(late)
	}
	require.NoError(t, w.h.d.cat.IntegrityCheck(w.ctx))
	// Once enough nights succeeded, the pool keeps its four retained good
	// generations.
	view, err := w.h.d.view(w.ctx)
	require.NoError(t, err)
	ret, err := rotation.Retain(pool, view)
	require.NoError(t, err)
	good := 0
	for _, g := range ret.Generations {
		if g.Protected && g.Status == rotation.StatusGood {
			good++
		}
	}
	assert.GreaterOrEqual(t, good, 4, "retained good generations at the end")
	t.Logf("90 days: %d failed or missed runs alerted, %d nights the daemon was down, %d late couriers, %d protected pieces checked",
		failures, downNights, lateCouriers, protectedChecked)
	assert.Positive(t, failures)
	assert.Positive(t, downNights)
}

// writeSmallData changes the data a little each night (the soak test
// needs many nights, not much data).
func (w *world) writeSmallData(day int) {
	dir := filepath.Join(w.dataDir, "juki")
	require.NoError(w.t, os.MkdirAll(dir, 0o750))
	require.NoError(w.t, os.WriteFile(filepath.Join(dir, "residents.csv"), []byte(fmt.Sprintf("night,%d\n", day)), 0o640))
	b := make([]byte, 256<<10)
	for i := range b {
		b[i] = byte(day * i)
	}
	require.NoError(w.t, os.WriteFile(filepath.Join(dir, "records.bin"), b, 0o640))
}
