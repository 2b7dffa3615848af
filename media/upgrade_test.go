package media

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Catalogs written by earlier releases, one per schema version, live in
// testdata/catalog/ as schema-N.db with schema-N.rows, the dump of every
// row they held when they were made. TestCatalogUpgradeFixtures opens a
// copy of each with this version's code - which runs the migrations - and
// checks that every row is still there and the audit chain still verifies.
//
// Each schema change adds a fixture made by the release before it:
//
//	go test ./media/ -run TestCatalogUpgradeFixtures -update-catalog-fixture
//
// writes testdata/catalog/schema-N.db (N = this code's schema version) and
// its .rows, replacing only that version's pair.
var updateCatalogFixture = flag.Bool("update-catalog-fixture", false,
	"write testdata/catalog/schema-N.db for this code's schema version N")

const fixtureDir = "../testdata/catalog"

func TestCatalogUpgradeFixtures(t *testing.T) {
	if *updateCatalogFixture {
		writeCatalogFixture(t, SchemaVersion())
	}
	fixtures, err := filepath.Glob(filepath.Join(fixtureDir, "schema-*.db"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures, "no catalog fixtures in %s; make one with -update-catalog-fixture", fixtureDir)
	current := filepath.Join(fixtureDir, fmt.Sprintf("schema-%d.db", SchemaVersion()))
	assert.FileExists(t, current, "no fixture for the current schema version %d: run go test ./media/ -run TestCatalogUpgradeFixtures -update-catalog-fixture", SchemaVersion())

	for _, fixture := range fixtures {
		t.Run(filepath.Base(fixture), func(t *testing.T) { checkUpgrade(t, fixture) })
	}
}

func checkUpgrade(t *testing.T, fixture string) {
	ctx := context.Background()
	golden, err := os.ReadFile(strings.TrimSuffix(fixture, ".db") + ".rows")
	require.NoError(t, err)

	// The fixture is what was recorded, and every table in it has rows.
	before, counts := dumpAll(t, fixture, nil)
	require.Equal(t, string(golden), before, "%s no longer matches its .rows file", fixture)
	for table, n := range counts {
		assert.Positive(t, n, "table %s of %s is empty: the fixture must populate every table", table, fixture)
	}

	// A copy goes through Open: the integrity check and the migrations.
	path := filepath.Join(t.TempDir(), "catalog.db")
	copyFile(t, fixture, path)
	cat, err := Open(ctx, path, Options{LabelPatterns: datPatterns()})
	require.NoError(t, err, "this version cannot open %s", fixture)
	defer cat.Close()

	var version int
	require.NoError(t, cat.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version))
	assert.Equal(t, SchemaVersion(), version, "the migrations did not bring %s to this schema", fixture)

	// Every row of every table the old schema had, with the old columns,
	// is unchanged.
	after, _ := dumpAll(t, path, columnsOf(t, fixture))
	assert.Equal(t, before, after, "opening %s with this version changed rows", fixture)

	// The audit chain verifies, through the head the fixture recorded.
	head := regexp.MustCompile(`(?m)^events \[(\d+) `).FindAllStringSubmatch(before, -1)
	require.NotEmpty(t, head)
	res, err := cat.Verify(ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, "audit verify on the upgraded %s: %s", fixture, res.Problem)
	assert.Equal(t, int64(counts["events"]), res.Events)
	assert.Equal(t, head[len(head)-1][1], fmt.Sprint(res.HeadID))

	// And this version's reads understand what the old one wrote.
	carts, err := cat.Cartridges(ctx, Filter{})
	require.NoError(t, err)
	disposed, err := cat.Cartridges(ctx, Filter{State: Disposed})
	require.NoError(t, err)
	assert.Len(t, append(carts, disposed...), counts["cartridges"], "listed plus disposed")
	ms, err := cat.Manifests(ctx, ManifestFilter{})
	require.NoError(t, err)
	assert.Len(t, ms, counts["manifests"])
	runs, err := cat.Runs(ctx, RunFilter{})
	require.NoError(t, err)
	assert.Len(t, runs, counts["runs"])
	prompts, err := cat.Prompts(ctx, true)
	require.NoError(t, err)
	assert.Len(t, prompts, counts["prompts"])
	drills, err := cat.LastDrills(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, drills)
	gens, err := cat.Generations(ctx, []string{"daily"})
	require.NoError(t, err)
	assert.NotEmpty(t, gens)
}

// writeCatalogFixture makes a small catalog through the public API, with a
// fixed clock, in which every table has rows, and stores a compact copy of
// it and the dump of its rows under testdata/catalog/.
func writeCatalogFixture(t *testing.T, version int) {
	t.Helper()
	f := newFixture(t)
	ctx, cat := f.ctx, f.cat
	step := func(_ any, err error) {
		t.Helper()
		require.NoError(t, err)
	}

	// Cartridges: a cycle in the library, a monthly on the shelf, a DAT,
	// a cleaning cartridge.
	for i := 1; i <= 5; i++ {
		f.add(t, fmt.Sprintf("DLY%03dL8", i), LibrarySlot("honcho", "lib0", i), "daily")
	}
	f.add(t, "MON001L8", Storage("honcho", "shelf"), "monthly")
	f.add(t, "MON002L8", Storage("honcho", "shelf"), "monthly")
	f.add(t, "DAT001", Storage("honcho", "shelf"), "dat")
	step(cat.AddCartridge(ctx, admin, NewCartridge{Barcode: "CLN001CU", Location: LibrarySlot("honcho", "lib0", 24)}))
	f.clock.Advance(time.Hour)
	step(cat.Move(ctx, operator, "MON001L8", Storage("honcho", "safe"), MoveOptions{Reason: "into the safe until the courier comes"}))

	// A night's run on DLY001L8, a missed one, a drill of the first.
	f.clock.Advance(12 * time.Hour)
	run, err := cat.QueueRun(ctx, NewRun{Job: "juki-daily", System: "juki", Pool: "daily", Trigger: "schedule", ScheduledFor: f.clock.Now()})
	require.NoError(t, err)
	require.NoError(t, cat.UpdateRun(ctx, run.ID, RunUpdate{State: RunWriting, Started: true, Drive: "lto0", Generation: "2026-11-28", Level: "daily", Log: "loaded DLY001L8 into lto0"}))
	f.clock.Advance(40 * time.Minute)
	step(cat.FinishRun(ctx, run.ID, RunResult{State: RunSucceeded, Bytes: 1 << 30, Files: 1200, SHA256: strings.Repeat("ab", 32),
		Pieces:     []Piece{{Piece: 1, Barcode: "DLY001L8", File: 1, Bytes: 1 << 30, SHA256: strings.Repeat("ab", 32), Complete: true}},
		Generation: "2026-11-28", Level: "daily"}))
	require.NoError(t, cat.AddMembers(ctx, run.ID, []Member{
		{Run: run.ID, Seq: 0, Piece: 1, File: 1, Path: "srv/juki/", Type: "dir", ModTime: f.clock.Now()},
		{Run: run.ID, Seq: 1, Piece: 1, File: 1, Path: "srv/juki/residents.db", Type: "file", Size: 1 << 30, ModTime: f.clock.Now()},
	}))
	require.NoError(t, cat.RecordCoalesced(ctx, run.ID, f.clock.Now().Add(-10*time.Minute)))
	step(cat.RecordMissed(ctx, NewRun{Job: "zeimu-daily", System: "zeimu", Pool: "daily", Trigger: "schedule", ScheduledFor: f.clock.Now().Add(-time.Hour)}, "the daemon was down"))
	require.NoError(t, cat.RecordMount(ctx, "DLY001L8"))
	step(cat.RecordDriveEvent(ctx, DriveEvent{Drive: "lto0", At: f.clock.Now(), Kind: "tapealert", Barcode: "DLY001L8", Flag: 20, Detail: "clean now"}))
	step(cat.UseCleaner(ctx, System, "CLN001CU", "lto0"))
	step(cat.RecordDrill(ctx, admin, Drill{System: "juki", Job: "juki-daily", Run: run.ID, At: f.clock.Now(), Result: "passed", Duration: 620, Bytes: 1 << 30, Note: "restored to the test server", Actor: admin.Name}))
	firstBack, allBack := 840.0, 2610.0
	step(cat.RecordSiteLossDrill(ctx, admin, SiteLossDrill{At: f.clock.Now(), Result: "passed", Cartridges: 3, Systems: 2, FirstBack: &firstBack, AllBack: &allBack}))
	step(cat.RecordSiteLossDrill(ctx, admin, SiteLossDrill{At: f.clock.Now(), Result: "failed", Cartridges: 1, Systems: 0, Missing: "zeimu: no complete generation offsite"}))

	// Prompts: one answered, one still open.
	p, err := cat.OpenPrompt(ctx, Prompt{Kind: "load", Drive: "dat0", Barcode: "DAT001", Action: "load DAT001 into dat0", Place: "honcho/shelf", Why: "job keiri-weekly",
		ActionJa: "DAT001 を dat0 に装填", WhyJa: "ジョブ keiri-weekly"})
	require.NoError(t, err)
	require.NoError(t, cat.NotePromptNotice(ctx, p.ID, true, false))
	step(cat.ClosePrompt(ctx, operator, p.ID, PromptDone, "loaded"))
	step(cat.OpenPrompt(ctx, Prompt{Kind: "export", Barcode: "DLY002L8", Action: "take DLY002L8 out of lib0", Why: "for the courier"}))

	// A courier trip to the data centre with a cartridge missing at
	// pick-up, found again afterwards.
	m, err := cat.CreateManifest(ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"MON001L8", "MON002L8"}, Note: "monthly"})
	require.NoError(t, err)
	// Who signs in over TCP: an account with a token and a session, and
	// the courier's one-time code, used once. The hashes are placeholders
	// (daemon/auth makes the real ones).
	step(cat.AddAccount(ctx, admin, "suzuki", "auditor", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"))
	step(cat.AddToken(ctx, admin, APIToken{Account: "suzuki", Role: "viewer", Note: "dashboard", ExpiresAt: f.clock.Now().Add(90 * 24 * time.Hour)}, strings.Repeat("01", 32)))
	require.NoError(t, cat.AddSession(ctx, strings.Repeat("02", 32), Session{Account: "suzuki", Role: "auditor", Remote: "192.0.2.7:50123", CreatedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(12 * time.Hour)}))
	cc, err := cat.AddCourierCode(ctx, operator, CourierCode{Manifest: m.ID, Courier: "yamada", PINHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$cGlu", ExpiresAt: f.clock.Now().Add(72 * time.Hour)}, strings.Repeat("03", 32))
	require.NoError(t, err)
	require.NoError(t, cat.NoteCourierFailure(ctx, cc.ID, 1, time.Time{}))
	require.NoError(t, cat.UseCourierCode(ctx, cc.ID, strings.Repeat("04", 32), Session{Account: "yamada", Role: "courier", Manifest: m.ID, CreatedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(24 * time.Hour)}))
	// The courier scans on the phone before each hand-over is recorded:
	// the scans stay, closed, with the hand-over.
	yamada := Actor{Name: "yamada [" + m.ID + "]", Role: "courier"}
	f.clock.Advance(time.Hour)
	step(cat.RecordCourierScan(ctx, yamada, NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "5c4e0001aa", Barcode: "mon001l8", Courier: "yamada"}))
	step(cat.RecordCourierScan(ctx, yamada, NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "5c4e0002aa", Barcode: "ZZZ998L8", Courier: "yamada"}))
	step(cat.Pickup(ctx, operator, m.ID, Handover{Courier: "yamada", Barcodes: []string{"MON001L8"}, AcceptDiscrepancies: true}))
	f.clock.Advance(4 * time.Hour)
	step(cat.RecordCourierScan(ctx, yamada, NewCourierScan{Manifest: m.ID, Phase: PhaseDelivery, ScanID: "5c4e0003aa", Barcode: "MON001L8", Courier: "yamada"}))
	step(cat.Deliver(ctx, operator, m.ID, Handover{Barcodes: []string{"MON001L8"}, Place: "vault"}))
	found := Storage("honcho", "shelf")
	step(cat.Resolve(ctx, admin, m.ID, "MON002L8", Resolution{Found: &found, Note: "left behind on the shelf"}))
	op, err := cat.StartOperation(ctx, NewOperation{Kind: "restore", Actor: admin, Summary: "restore juki", Request: map[string]string{"system": "juki"}})
	require.NoError(t, err)
	step(cat.FinishOperation(ctx, op.ID, OperationSucceeded, map[string]int{"files": 2}, ""))

	// An inspection of the shelf: one cartridge seen, one missing (still
	// open), one unknown barcode resolved.
	f.clock.Advance(time.Hour)
	in, err := cat.StartInspection(ctx, operator, "honcho", "shelf")
	require.NoError(t, err)
	step(cat.ScanInspection(ctx, operator, in.ID, "", []string{"MON002L8", "ZZZ999L8"}))
	step(cat.CloseInspection(ctx, operator, in.ID, false))
	step(cat.ResolveFinding(ctx, admin, in.ID, "ZZZ999L8", Resolution{Lost: true, Note: "a visitor's tape"}))
	// A worn-out cartridge retired and shredded.
	f.add(t, "OLD001L8", Storage("honcho", "safe"), "monthly")
	step(cat.Retire(ctx, admin, "OLD001L8", "worn out"))
	step(cat.Dispose(ctx, admin, "OLD001L8", NewDisposal{Method: "shred", Witness: "suzuki", Certificate: "VND-114"}))
	step(cat.Record(ctx, admin, "note", "catalog fixture for upgrade tests"))

	// A compact single-file copy (VACUUM INTO), then its rows.
	require.NoError(t, os.MkdirAll(fixtureDir, 0o755))
	out, err := filepath.Abs(filepath.Join(fixtureDir, fmt.Sprintf("schema-%d.db", version)))
	require.NoError(t, err)
	if err := os.Remove(out + ".tmp"); err != nil && !os.IsNotExist(err) {
		require.NoError(t, err) // leftovers of an interrupted run
	}
	res, err := cat.CopyTo(ctx, out+".tmp")
	require.NoError(t, err)
	require.True(t, res.OK)
	require.NoError(t, os.Rename(out+".tmp", out))
	rows, counts := dumpAll(t, out, nil)
	for table, n := range counts {
		require.Positive(t, n, "the fixture leaves table %s empty", table)
	}
	require.NoError(t, os.WriteFile(strings.TrimSuffix(out, ".db")+".rows", []byte(rows), 0o644))
	t.Logf("wrote %s (%d tables, %d events)", out, len(counts), counts["events"])
}

// columnsOf returns each table of the catalog at path with its columns.
func columnsOf(t *testing.T, path string) map[string][]string {
	t.Helper()
	db := openRO(t, path)
	defer db.Close()
	cols := map[string][]string{}
	for _, table := range tableNames(t, db) {
		rows, err := db.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
		require.NoError(t, err)
		for rows.Next() {
			var c string
			require.NoError(t, rows.Scan(&c))
			cols[table] = append(cols[table], c)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return cols
}

// dumpAll renders every row of every table (or of the tables and columns
// in only, when given) in a stable order, and counts each table's rows.
func dumpAll(t *testing.T, path string, only map[string][]string) (string, map[string]int) {
	t.Helper()
	db := openRO(t, path)
	defer db.Close()
	if only == nil {
		only = columnsOf(t, path)
	}
	var b strings.Builder
	counts := map[string]int{}
	for _, table := range tableNames(t, db) {
		cols, ok := only[table]
		if !ok {
			continue // a table a later schema added
		}
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = `"` + c + `"`
		}
		list := strings.Join(quoted, ", ")
		rows, err := db.Query("SELECT " + list + " FROM \"" + table + "\" ORDER BY " + list)
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
			counts[table]++
		}
		require.NoError(t, rows.Err())
		rows.Close()
		if _, ok := counts[table]; !ok {
			counts[table] = 0
		}
	}
	return b.String(), counts
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
	require.NoError(t, err)
	return db
}

func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.Create(to)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}
