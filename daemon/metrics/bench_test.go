package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// The benchmark catalog has the demo's sites, pools, drives and jobs,
// 100,000 cartridges and 1,000,000 custody events, and three years of the
// demo's six jobs running every night (6,570 runs, one in twenty failed,
// pieces older than 60 days overwritten), 2,000 prompts of which 30 are
// open and 20,000 drive events: the catalog size a scrape must
// answer in under 100 ms.
const (
	benchCartridges = 100_000
	benchEvents     = 1_000_000
	benchDataCarts  = 3_000
	benchNights     = 3 * 365
	benchLiveNights = 60
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func benchBarcode(i int) string { return fmt.Sprintf("%c%05dL8", 'A'+i/100000%26, i%100000) }

// benchCartridge says where cartridge i is, its pool, media type and
// state: the first 3,000 are the data cartridges of the daily, monthly
// and dat pools, the rest scratch; one in a thousand is a cleaning
// cartridge; a few sit in the library.
func benchCartridge(i int) (loc media.Location, pool, mediaType, state string) {
	switch {
	case i < 24:
		loc = media.LibrarySlot("honcho", "lib0", i+1)
	case i%3 == 0:
		loc = media.Storage("honcho", []string{"shelf", "safe"}[i%2])
	case i%3 == 1:
		loc = media.Storage("hill-annex", []string{"cabinet", "safe"}[i%2])
	default:
		loc = media.Storage("pref-dc", "vault")
	}
	switch {
	case i%1000 == 999:
		return loc, "", "LTO-CLN", "cleaning"
	case i < benchDataCarts:
		pool := []string{"daily", "monthly", "dat"}[i%3]
		if pool == "dat" {
			return loc, pool, "DAT160", "active"
		}
		return loc, pool, "LTO-8", "active"
	}
	return loc, "scratch", "LTO-8", []string{"scratch", "full"}[i%2]
}

// buildBenchCatalog creates the catalog with the daemon's own migrations
// (media.Open) and bulk-loads it in one transaction. The custody events'
// hashes are unique placeholders, not a chain: a scrape never reads them,
// and the catalog is opened without the integrity check.
func buildBenchCatalog(cfg *config.Config, path string) error {
	ctx := context.Background()
	cat, err := media.Open(ctx, path, media.Options{})
	if err != nil {
		return err
	}
	if _, err := cat.SyncTopology(ctx, cfg.Topology()); err != nil {
		cat.Close()
		return err
	}
	if err := cat.Close(); err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	exec := func(query string, rows int, args func(i int) []any) error {
		st, err := tx.Prepare(query)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range rows {
			if _, err := st.Exec(args(i)...); err != nil {
				return fmt.Errorf("%s: row %d: %w", query, i, err)
			}
		}
		return nil
	}
	err = exec(`INSERT INTO cartridges (barcode, media_type, pool, state, loc_kind, loc_site, loc_place, loc_slot, uses_left, added_at, updated_at)
		VALUES (?, ?, nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)`, benchCartridges, func(i int) []any {
		loc, pool, mt, state := benchCartridge(i)
		var slot, uses sql.NullInt64
		if loc.InLibrary() {
			slot = sql.NullInt64{Int64: int64(loc.Slot), Valid: true}
		}
		if state == "cleaning" {
			uses = sql.NullInt64{Int64: int64(i % 50), Valid: true}
		}
		return []any{benchBarcode(i), mt, pool, state, string(loc.Kind), loc.Site, loc.Place, slot, uses, at(start), at(start)}
	})
	if err != nil {
		return err
	}
	err = exec(`INSERT INTO events (id, at, actor, role, kind, barcode, from_loc, to_loc, prev_hash, hash) VALUES (?, ?, 'bench', 'operator', ?, ?, ?, ?, ?, ?)`,
		benchEvents, func(i int) []any {
			loc, _, _, _ := benchCartridge(i % benchCartridges)
			kind, from := "moved", "honcho/shelf"
			if i < benchCartridges {
				kind, from = "added", ""
			}
			return []any{i + 1, at(start.Add(time.Duration(i) * time.Minute)), kind, benchBarcode(i % benchCartridges), from, loc.String(),
				fmt.Sprintf("bench-%d", i), fmt.Sprintf("bench-%d", i+1)}
		})
	if err != nil {
		return err
	}
	// Every night each job writes one piece on a data cartridge of its
	// pool; each night is a generation of every pool.
	jobs := cfg.Jobs
	err = exec(`INSERT OR IGNORE INTO generations (pool, id, level, started_at) VALUES (?, ?, 'daily', ?)`, benchNights*3, func(i int) []any {
		t := start.AddDate(0, 0, i/3)
		return []any{[]string{"daily", "monthly", "dat"}[i%3], t.Format("2006-01-02"), at(t)}
	})
	if err != nil {
		return err
	}
	runs := benchNights * len(jobs)
	err = exec(`INSERT INTO runs (id, job, system, pool, state, trigger_kind, scheduled_for, queued_at, started_at, finished_at, generation, level, bytes, sha256, files, wait_seconds)
		VALUES (?, ?, ?, ?, ?, 'schedule', ?, ?, ?, ?, ?, 'daily', ?, 'ab', 1000, 12)`, runs, func(i int) []any {
		night, j := i/len(jobs), i%len(jobs)
		t := start.AddDate(0, 0, night).Add(time.Duration(j) * time.Hour)
		state := "succeeded"
		if (i+1)%20 == 0 {
			state = "failed"
		}
		return []any{i + 1, jobs[j].Name, jobs[j].System, jobs[j].Pool, state, at(t), at(t), at(t), at(t.Add(20 * time.Minute)),
			start.AddDate(0, 0, night).Format("2006-01-02"), 1 << 30}
	})
	if err != nil {
		return err
	}
	err = exec(`INSERT INTO pieces (run, piece, barcode, file, bytes, sha256, complete, gone_at) VALUES (?, 1, ?, ?, ?, 'ab', 1, ?)`, runs, func(i int) []any {
		night, j := i/len(jobs), i%len(jobs)
		offset := map[string]int{"daily": 0, "monthly": 1, "dat": 2}[jobs[j].Pool]
		cart := (i%(benchDataCarts/3))*3 + offset
		if cart%1000 == 999 {
			cart -= 3
		}
		var gone sql.NullString
		if night < benchNights-benchLiveNights {
			gone = sql.NullString{String: at(start.AddDate(0, 0, night+benchLiveNights)), Valid: true}
		}
		return []any{i + 1, benchBarcode(cart), night%3 + 1, 1 << 30, gone}
	})
	if err != nil {
		return err
	}
	err = exec(`INSERT INTO prompts (kind, state, created_at, action) VALUES (?, ?, ?, 'load the cartridge')`, 2000, func(i int) []any {
		state := "done"
		if i >= 1970 {
			state = "open"
		}
		return []any{[]string{"load", "clean", "export", "import", "label"}[i%5], state, at(start.Add(time.Duration(i) * time.Hour))}
	})
	if err != nil {
		return err
	}
	err = exec(`INSERT INTO drive_events (drive, at, kind, flag, bytes) VALUES (?, ?, ?, ?, ?)`, 20000, func(i int) []any {
		kind, flag := "mount", 0
		switch {
		case i%100 == 0:
			kind = "cleaned"
		case i%37 == 0:
			kind, flag = "tapealert", 20
		}
		return []any{[]string{"lto0", "lto1", "dat0"}[i%3], at(start.Add(time.Duration(i) * time.Hour)), kind, flag, 1 << 30}
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// benchCatalog opens the benchmark catalog, building it the first time.
// TAPEWARDEN_METRICS_BENCH_CATALOG names a file to keep it in across runs
// (building it takes about a minute).
func benchCatalog(b *testing.B, cfg *config.Config) *media.Catalog {
	b.Helper()
	benchOnce.Do(func() {
		benchPath = os.Getenv("TAPEWARDEN_METRICS_BENCH_CATALOG")
		if benchPath != "" {
			if _, err := os.Stat(benchPath); err == nil {
				return
			}
		} else {
			dir, err := os.MkdirTemp("", "tapewarden-metrics-bench-")
			if err != nil {
				benchErr = err
				return
			}
			benchPath = filepath.Join(dir, "catalog.db")
		}
		if benchErr = buildBenchCatalog(cfg, benchPath); benchErr != nil {
			os.Remove(benchPath)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	cat, err := media.Open(context.Background(), benchPath, media.Options{SkipIntegrityCheck: true, LabelPatterns: cfg.LabelPatterns()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cat.Close() })
	return cat
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchPath != "" && os.Getenv("TAPEWARDEN_METRICS_BENCH_CATALOG") == "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

// BenchmarkGather is one whole scrape through the registry, every
// collector included, on a catalog of that size. The engine's state is the
// test's (it reads nothing of the catalog).
func BenchmarkGather(b *testing.B) {
	cfg, err := config.DemoConfig(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cat := benchCatalog(b, cfg)
	now := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	live := &fakeLive{drives: []Drive{{Name: "lto0"}, {Name: "lto1"}, {Name: "dat0"}}}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now})
	// Every collector must succeed, or the figure measures a failure.
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	series := 0
	for _, mf := range mfs {
		series += len(mf.GetMetric())
		if mf.GetName() != "tapewarden_scrape_collector_success" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetGauge().GetValue() != 1 {
				b.Fatalf("collector %s failed", m.GetLabel()[0].GetValue())
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(series), "series")
}
