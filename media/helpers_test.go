package media

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for catalog tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

var (
	admin    = Actor{Name: "sato", Role: "admin"}
	operator = Actor{Name: "tanaka", Role: "operator"}
)

func testTopology() Topology {
	return Topology{
		Sites: []Site{
			{Name: "honcho", Kind: "machine-room", Hazards: []string{"tsunami-zone"}, Places: []Place{{Name: "shelf", Kind: "shelf"}, {Name: "safe", Kind: "fireproof-safe"}}},
			{Name: "annex", Kind: "other-building", DistanceKM: 3, Places: []Place{{Name: "cabinet", Kind: "shelf"}, {Name: "safe", Kind: "fireproof-safe"}}},
			{Name: "dc", Kind: "remote-site", DistanceKM: 300, Places: []Place{{Name: "vault", Kind: "vault"}, {Name: "dock", Kind: "shelf"}}},
		},
		Libraries: []Library{{Name: "lib0", Site: "honcho", Slots: 24, MailSlots: 2}},
		Drives: []Drive{
			{Name: "lto0", Site: "honcho", Library: "lib0", MediaType: "LTO-8"},
			{Name: "dat0", Site: "honcho", MediaType: "DDS-4"},
		},
		Pools: []Pool{{Name: "daily", MediaType: "LTO-8"}, {Name: "monthly", MediaType: "LTO-8"}, {Name: "dat", MediaType: "DDS-4"}},
	}
}

type fixture struct {
	cat   *Catalog
	clock *fakeClock
	path  string
	ctx   context.Context
}

func newFixture(t *testing.T, mods ...func(*Options)) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "catalog.db")
	opts := Options{Now: clock.Now, LabelPatterns: datPatterns()}
	for _, m := range mods {
		m(&opts)
	}
	ctx := context.Background()
	cat, err := Open(ctx, path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(ctx, testTopology())
	require.NoError(t, err)
	return &fixture{cat: cat, clock: clock, path: path, ctx: ctx}
}

func (f *fixture) add(t *testing.T, barcode string, loc Location, pool string) Cartridge {
	t.Helper()
	c, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: barcode, Location: loc, Pool: pool})
	require.NoError(t, err)
	return c
}

// dump renders every row of every catalog table, so tests can assert that
// a refused operation changed nothing at all.
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var b strings.Builder
	for _, table := range []string{"cartridges", "events", "manifests", "manifest_items", "discrepancies", "sites", "places"} {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
		require.NoError(t, err)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}
