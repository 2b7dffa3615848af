package media

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The benchmark catalog: 100,000 cartridges spread over the three test
// sites and the library, and 1,000,000 custody events in one valid chain.
const (
	benchCartridges = 100_000
	benchEvents     = 1_000_000
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func benchBarcode(i int) string { return fmt.Sprintf("%c%05dL8", 'A'+i/100000%26, i%100000) }

// benchLocation spreads cartridges: a third at each site, a few in
// library slots and mail slots.
func benchLocation(i int) Location {
	switch {
	case i < 24:
		return LibrarySlot("honcho", "lib0", i+1)
	case i%3 == 0:
		return Storage("honcho", []string{"shelf", "safe"}[i%2])
	case i%3 == 1:
		return Storage("annex", []string{"cabinet", "safe"}[i%2])
	default:
		return Storage("dc", []string{"vault", "dock"}[i%2])
	}
}

// buildBenchCatalog bulk-loads the catalog in one transaction, with the
// same chain the catalog itself writes (the same hash function), so that
// the benchmarks measure the catalog at this size rather than the time to
// make it.
func buildBenchCatalog() (string, error) {
	dir, err := os.MkdirTemp("", "tapewarden-bench-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "catalog.db")
	ctx := context.Background()
	cat, err := Open(ctx, path, Options{})
	if err != nil {
		return "", err
	}
	defer cat.Close()
	if _, err := cat.SyncTopology(ctx, testTopology()); err != nil {
		return "", err
	}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	err = cat.write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.Prepare(`INSERT INTO cartridges (barcode, media_type, pool, state, loc_kind, loc_site, loc_place, loc_slot, uses_left, added_at, updated_at)
			VALUES (?, 'LTO-8', ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i := range benchCartridges {
			loc := benchLocation(i)
			var slot sql.NullInt64
			if loc.InLibrary() {
				slot = sql.NullInt64{Int64: int64(loc.Slot), Valid: true}
			}
			now := timeText(start)
			pool, state, uses := sql.NullString{String: "daily", Valid: true}, "active", sql.NullInt64{}
			if benchCleaner(i) {
				pool, state, uses = sql.NullString{}, "cleaning", sql.NullInt64{Int64: int64(i % 50), Valid: true}
			}
			if _, err := ins.Exec(benchBarcode(i), pool, state, string(loc.Kind), loc.Site, loc.Place, slot, uses, now, now); err != nil {
				return err
			}
		}

		ev, err := tx.Prepare(`INSERT INTO events (id, at, actor, role, kind, barcode, from_loc, to_loc, to_state, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ev.Close()
		prev := GenesisHash
		for i := range benchEvents {
			b := benchBarcode(i % benchCartridges)
			e := Event{ID: int64(i + 1), At: parseTime(timeText(start.Add(time.Duration(i) * time.Minute))), Actor: "bench", Role: "operator",
				Kind: "moved", Barcode: b, From: "honcho/shelf", To: benchLocation(i % benchCartridges).String(), PrevHash: prev}
			if i < benchCartridges {
				e.Kind, e.From, e.ToState = "added", "", "active"
				if benchCleaner(i) {
					e.ToState = "cleaning"
				}
			}
			e.Hash = e.computeHash()
			if _, err := ev.Exec(e.ID, timeText(e.At), e.Actor, e.Role, e.Kind, e.Barcode, e.From, e.To, e.ToState, e.PrevHash, e.Hash); err != nil {
				return err
			}
			prev = e.Hash
		}
		// The runs, each with its end event after the custody events.
		return buildBenchRuns(tx, start, func(kind string, run int64, state string) error {
			e := Event{ID: int64(benchEvents) + run, At: parseTime(timeText(start)), Actor: System.Name, Role: System.Role,
				Kind: kind, To: fmt.Sprintf("run/%d", run), ToState: state, PrevHash: prev}
			e.Hash = e.computeHash()
			if _, err := ev.Exec(e.ID, timeText(e.At), e.Actor, e.Role, e.Kind, e.Barcode, e.From, e.To, e.ToState, e.PrevHash, e.Hash); err != nil {
				return err
			}
			prev = e.Hash
			return nil
		})
	})
	return path, err
}

// benchCleaner says which of the bench cartridges are cleaning cartridges
// (one in a thousand).
func benchCleaner(i int) bool { return i%1000 == 500 }

// Bench history: six jobs running every night for three years (6,570
// runs, one in twenty failed), each run's piece on one of 2,000 data
// cartridges, pieces older than 60 days overwritten; 2,000 prompts of
// which 30 are open; 20,000 drive events.
const (
	benchJobs       = 6
	benchNights     = 3 * 365
	benchDataCarts  = 2000
	benchLiveNights = 60
)

func buildBenchRuns(tx *sql.Tx, start time.Time, ended func(kind string, run int64, state string) error) error {
	run, err := tx.Prepare(`INSERT INTO runs (id, job, system, pool, state, trigger_kind, scheduled_for, queued_at, started_at, finished_at, generation, level, bytes, sha256, files, wait_seconds)
		VALUES (?, ?, ?, ?, ?, 'schedule', ?, ?, ?, ?, ?, 'daily', ?, 'ab', 1000, 12)`)
	if err != nil {
		return err
	}
	defer run.Close()
	piece, err := tx.Prepare(`INSERT INTO pieces (run, piece, barcode, file, bytes, sha256, complete, gone_at) VALUES (?, 1, ?, ?, ?, 'ab', 1, ?)`)
	if err != nil {
		return err
	}
	defer piece.Close()
	gen, err := tx.Prepare(`INSERT INTO generations (pool, id, level, started_at) VALUES (?, ?, 'daily', ?)`)
	if err != nil {
		return err
	}
	defer gen.Close()
	id := 0
	for night := range benchNights {
		t := start.Add(time.Duration(night) * 24 * time.Hour)
		genID := t.Format("2006-01-02")
		if _, err := gen.Exec("daily", genID, timeText(t)); err != nil {
			return err
		}
		for j := range benchJobs {
			id++
			state := "succeeded"
			if id%20 == 0 {
				state = "failed"
			}
			at := timeText(t.Add(time.Duration(j) * time.Hour))
			if _, err := run.Exec(id, fmt.Sprintf("job%d", j), fmt.Sprintf("sys%d", j), "daily", state, at, at, at, at, genID, 1<<30); err != nil {
				return err
			}
			if err := ended("run-"+state, int64(id), state); err != nil {
				return err
			}
			// Data cartridges are those below benchDataCarts that are not
			// cleaning cartridges: index 500 is one, so skip it.
			cart := (night*benchJobs/3 + j/3) % benchDataCarts
			if benchCleaner(cart) {
				cart++
			}
			var gone sql.NullString
			if night < benchNights-benchLiveNights {
				gone = sql.NullString{String: at, Valid: true}
			}
			if _, err := piece.Exec(id, benchBarcode(cart), j%3+1, 1<<30, gone); err != nil {
				return err
			}
		}
	}
	prompt, err := tx.Prepare(`INSERT INTO prompts (kind, state, created_at, action) VALUES (?, ?, ?, 'load the cartridge')`)
	if err != nil {
		return err
	}
	defer prompt.Close()
	for i := range 2000 {
		state := "done"
		if i >= 1970 {
			state = "open"
		}
		if _, err := prompt.Exec([]string{"load", "clean", "export", "import", "label"}[i%5], state, timeText(start.Add(time.Duration(i)*time.Hour))); err != nil {
			return err
		}
	}
	de, err := tx.Prepare(`INSERT INTO drive_events (drive, at, kind, flag, bytes) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer de.Close()
	for i := range 20000 {
		kind, flag := "mount", 0
		switch {
		case i%100 == 0:
			kind = "cleaned"
		case i%37 == 0:
			kind, flag = "tapealert", 20
		}
		if _, err := de.Exec([]string{"lto0", "dat0"}[i%2], timeText(start.Add(time.Duration(i)*time.Hour)), kind, flag, 1<<30); err != nil {
			return err
		}
	}
	return nil
}

func benchCatalog(b *testing.B) (*Catalog, context.Context) {
	b.Helper()
	benchOnce.Do(func() {
		// TAPEWARDEN_BENCH_CATALOG names a catalog built by an earlier
		// run, to skip the minute it takes to build one.
		if p := os.Getenv("TAPEWARDEN_BENCH_CATALOG"); p != "" {
			if _, err := os.Stat(p); err == nil {
				benchDir = p
				return
			}
		}
		benchDir, benchErr = buildBenchCatalog()
		if p := os.Getenv("TAPEWARDEN_BENCH_CATALOG"); p != "" && benchErr == nil {
			benchErr = os.Rename(benchDir, p)
			os.Remove(filepath.Dir(benchDir))
			benchDir = p
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	ctx := context.Background()
	cat, err := Open(ctx, benchDir, Options{SkipIntegrityCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cat.Close() })
	return cat, ctx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" && os.Getenv("TAPEWARDEN_BENCH_CATALOG") == "" {
		os.RemoveAll(filepath.Dir(benchDir))
	}
	os.Exit(code)
}

// BenchmarkListSite lists every cartridge at one site (about 33,000 of
// the 100,000).
func BenchmarkListSite(b *testing.B) {
	cat, ctx := benchCatalog(b)
	b.ResetTimer()
	var n int
	for b.Loop() {
		list, err := cat.Cartridges(ctx, Filter{Site: "annex"})
		if err != nil {
			b.Fatal(err)
		}
		n = len(list)
	}
	b.ReportMetric(float64(n), "cartridges")
}

// BenchmarkListPlace lists one storage place (about 16,000 cartridges).
func BenchmarkListPlace(b *testing.B) {
	cat, ctx := benchCatalog(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := cat.Cartridges(ctx, Filter{Site: "dc", PlaceKind: InStorage, Place: "vault"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMove records one move (one transaction with its custody event
// at the head of a 1,000,000-event chain, committed with synchronous=FULL).
func BenchmarkMove(b *testing.B) {
	cat, ctx := benchCatalog(b)
	// Cartridge index 33 sits at honcho/safe (i%3==0, i odd); move it
	// between the two honcho places.
	barcode := benchBarcode(33)
	places := []string{"shelf", "safe"}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := cat.Move(ctx, operator, barcode, Storage("honcho", places[i%2]), MoveOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkShow reads one cartridge and its latest custody events.
func BenchmarkShow(b *testing.B) {
	cat, ctx := benchCatalog(b)
	barcode := benchBarcode(77_777)
	b.ResetTimer()
	for b.Loop() {
		if _, err := cat.Cartridge(ctx, barcode); err != nil {
			b.Fatal(err)
		}
		if _, err := cat.Events(ctx, EventFilter{Barcode: barcode, Limit: 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify walks the whole chain (1,006,570 events) and replays
// the custody against every cartridge and run.
func BenchmarkVerify(b *testing.B) {
	cat, ctx := benchCatalog(b)
	b.ResetTimer()
	for b.Loop() {
		res, err := cat.Verify(ctx, "")
		if err != nil || !res.OK {
			b.Fatal(err, res.Problem)
		}
	}
}

// BenchmarkScrape compares what a metrics scrape read from the catalog
// before (view: every cartridge, then per-kind reads, the way the daemon
// built rotation's whole view) with Scrape (aggregate), on the same
// catalog in the same run.
func BenchmarkScrape(b *testing.B) {
	cat, ctx := benchCatalog(b)
	jobs := make([]string, benchJobs)
	for j := range jobs {
		jobs[j] = fmt.Sprintf("job%d", j)
	}
	pools := []string{"daily", "monthly", "dat"}
	drives := []string{"lto0", "dat0"}
	b.Run("view", func(b *testing.B) {
		for b.Loop() {
			// Stats grouped every cartridge before schema version 4.
			if _, err := groupedCartridgeCounts(ctx, cat.r); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.Stats(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.JobStats(ctx, jobs); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.Prompts(ctx, false); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.Cartridges(ctx, Filter{}); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.Generations(ctx, pools); err != nil {
				b.Fatal(err)
			}
			if _, err := cat.Manifests(ctx, ManifestFilter{Active: true}); err != nil {
				b.Fatal(err)
			}
			for _, d := range drives {
				if _, err := cat.DriveUse(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := cat.LastDrills(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("aggregate", func(b *testing.B) {
		var s Scrape
		var err error
		for b.Loop() {
			if s, err = cat.Scrape(ctx, ScrapeQuery{Jobs: jobs, Pools: pools, Drives: drives}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(s.Holding)), "holding")
		b.ReportMetric(float64(len(s.Cleaners)), "cleaners")
	})
}

// BenchmarkHandlingClasses reads whose data every cartridge holds, and
// which of it in the clear: what the policy check's handling rules read
// (the bench history's pieces not overwritten: the last 60 nights).
func BenchmarkHandlingClasses(b *testing.B) {
	cat, ctx := benchCatalog(b)
	class := func([]string) (int, int) { return 2, 2 }
	b.ResetTimer()
	var n int
	for b.Loop() {
		got, err := cat.HandlingClasses(ctx, nil, class)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cat.HeldUnencrypted(ctx, nil); err != nil {
			b.Fatal(err)
		}
		n = len(got)
	}
	b.ReportMetric(float64(n), "cartridges")
}
