package media

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPragmasOnEveryPooledConnection(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	want := Pragmas{JournalMode: "wal", Synchronous: 2, ForeignKeys: 1, BusyTimeout: 10000}

	// Hold every connection of the read pool at once, so each is a
	// distinct connection opened by the pool, and check each one.
	var conns []*sql.Conn
	for range 4 {
		conn, err := f.cat.r.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, conn)
	}
	w, err := f.cat.w.Conn(ctx)
	require.NoError(t, err)
	conns = append(conns, w)
	for i, conn := range conns {
		got, err := readPragmas(ctx, conn)
		require.NoError(t, err)
		assert.Equal(t, want, got, "connection %d", i)
	}
	for _, conn := range conns {
		conn.Close()
	}
	// The read pool refuses writes.
	_, err = f.cat.r.ExecContext(ctx, "DELETE FROM cartridges")
	assert.Error(t, err)
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")

	cat, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	var version int
	require.NoError(t, cat.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version))
	assert.Equal(t, SchemaVersion(), version)
	assert.GreaterOrEqual(t, version, 1)
	require.NoError(t, cat.Close())

	t.Run("reopening applies nothing twice", func(t *testing.T) {
		cat, err := Open(ctx, path, Options{})
		require.NoError(t, err)
		require.NoError(t, cat.Close())
	})

	t.Run("a newer schema is refused", func(t *testing.T) {
		db, err := sql.Open("sqlite3", path)
		require.NoError(t, err)
		_, err = db.Exec("PRAGMA user_version = 99")
		require.NoError(t, err)
		db.Close()
		_, err = Open(ctx, path, Options{})
		require.ErrorIs(t, err, ErrNewerSchema)
		assert.Contains(t, err.Error(), "version 99")
		assert.Contains(t, err.Error(), "newer tapewarden")
	})

	t.Run("a file that is not a catalog is refused", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "catalog.db")
		require.NoError(t, os.WriteFile(bad, []byte("this is not a database, it is a shopping list\n"), 0o600))
		_, err := Open(ctx, bad, Options{})
		require.ErrorIs(t, err, ErrCorrupt)
	})
}

func TestCorruptCatalogFailsIntegrityCheck(t *testing.T) {
	f := newFixture(t)
	for i := range 300 {
		f.add(t, barcodeN("DLY", i), Storage("honcho", "shelf"), "daily")
	}
	path := f.path
	require.NoError(t, f.cat.Close())
	// Fold the WAL into the main file, then damage a page in the middle.
	db, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	db.Close()
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	st, err := fh.Stat()
	require.NoError(t, err)
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	_, err = fh.WriteAt(garbage, st.Size()/2/4096*4096)
	require.NoError(t, err)
	fh.Close()

	_, err = Open(context.Background(), path, Options{})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "restore")
}

func barcodeN(prefix string, i int) string {
	return prefix + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)) + "L8"
}

func TestAddCartridge(t *testing.T) {
	f := newFixture(t)
	c := f.add(t, "DLY001L8", LibrarySlot("honcho", "lib0", 1), "daily")
	assert.Equal(t, "LTO-8", c.MediaType)
	assert.Equal(t, Scratch, c.State)
	assert.Equal(t, "honcho/lib0/slot/1", c.Location.String())

	cln, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "CLN001CU", Location: LibrarySlot("honcho", "lib0", 24)})
	require.NoError(t, err)
	assert.Equal(t, Cleaning, cln.State)
	require.NotNil(t, cln.UsesLeft)
	assert.Equal(t, 50, *cln.UsesLeft)

	// A CLN volume serial without a media id is the universal LTO cleaning
	// cartridge here as in drives and rotation.
	bare, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "CLN123", Location: LibrarySlot("honcho", "lib0", 23)})
	require.NoError(t, err)
	assert.Equal(t, "LTO-CLN", bare.MediaType)
	assert.Equal(t, Cleaning, bare.State)

	dat, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "dat001", Pool: "dat", Location: Storage("honcho", "shelf")})
	require.NoError(t, err)
	assert.Equal(t, "DAT001", dat.Barcode)
	assert.Equal(t, "DDS-4", dat.MediaType)

	events, err := f.cat.Events(f.ctx, EventFilter{Barcode: "DLY001L8"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "added", events[0].Kind)
	assert.Equal(t, "honcho/lib0/slot/1", events[0].To)
	assert.Equal(t, "scratch", events[0].ToState)
	assert.Equal(t, "sato", events[0].Actor)
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", LibrarySlot("honcho", "lib0", 1), "daily")
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "DLY003L8", Storage("annex", "safe"), "daily")
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY002L8"}})
	require.NoError(t, err)
	_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "Yamato", Barcodes: []string{"DLY002L8"}})
	require.NoError(t, err)

	tests := []struct {
		name    string
		op      func() error
		wantErr error
		text    string
	}{
		{"malformed barcode", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY-01", Location: Storage("honcho", "shelf")})
			return err
		}, ErrBadBarcode, "media id such as L8"},
		{"duplicate barcode", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY001L8", Location: Storage("honcho", "shelf")})
			return err
		}, ErrExists, "media show DLY001L8"},
		{"media type contradicts label", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L8", MediaType: "LTO-7", Location: Storage("honcho", "shelf")})
			return err
		}, ErrBadInput, "label says LTO-8"},
		{"pool of another media type", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L7", Pool: "daily", Location: Storage("honcho", "shelf")})
			return err
		}, ErrBadInput, "holds LTO-8"},
		{"unknown pool", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L8", Pool: "weekly", Location: Storage("honcho", "shelf")})
			return err
		}, ErrBadInput, "no pool"},
		{"add into an occupied slot", func() error {
			_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L8", Location: LibrarySlot("honcho", "lib0", 1)})
			return err
		}, ErrNotMovable, "already holds DLY001L8"},
		{"uses left of a data cartridge", func() error {
			return f.cat.SetUsesLeft(f.ctx, admin, "DLY001L8", 0, "the drive rejected it")
		}, ErrBadInput, "DLY001L8 is not a cleaning cartridge"},
		{"uses left out of range", func() error {
			return f.cat.SetUsesLeft(f.ctx, admin, "DLY001L8", -1, "miscounted")
		}, ErrBadInput, "uses left must be between 0 and 1000"},
		{"unknown barcode", func() error {
			_, err := f.cat.Move(f.ctx, admin, "ZZZ999L8", Storage("honcho", "safe"), MoveOptions{})
			return err
		}, ErrNotFound, "media add ZZZ999L8"},
		{"move to an unknown place", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY003L8", Storage("annex", "attic"), MoveOptions{})
			return err
		}, ErrUnknownPlace, "places there: cabinet, safe"},
		{"move to an unknown site", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY003L8", Storage("moon", "crater"), MoveOptions{Force: true, Reason: "x"})
			return err
		}, ErrUnknownPlace, "sites: annex, dc, honcho"},
		{"move to where it already is", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY003L8", Storage("annex", "safe"), MoveOptions{})
			return err
		}, ErrAlreadyThere, "already at annex/safe"},
		{"move to another site without a manifest", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY003L8", Storage("dc", "vault"), MoveOptions{})
			return err
		}, ErrNotMovable, "manifest create --to dc"},
		{"move out of a library slot by hand", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY001L8", Storage("honcho", "safe"), MoveOptions{})
			return err
		}, ErrNotMovable, "library export"},
		{"forced move without a reason", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY001L8", Storage("honcho", "safe"), MoveOptions{Force: true})
			return err
		}, ErrBadInput, "needs a reason"},
		{"move a cartridge in transit", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY002L8", Storage("honcho", "safe"), MoveOptions{})
			return err
		}, ErrNotMovable, "manifest deliver"},
		{"move to a slot beyond the library", func() error {
			_, err := f.cat.Move(f.ctx, admin, "DLY001L8", LibrarySlot("honcho", "lib0", 25), MoveOptions{})
			return err
		}, ErrUnknownPlace, "slot 1-24"},
		{"retire without a reason", func() error {
			_, err := f.cat.Retire(f.ctx, admin, "DLY001L8", " ")
			return err
		}, ErrBadInput, "say why"},
		{"pick up a manifest twice", func() error {
			_, err := f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "Yamato", Barcodes: []string{"DLY002L8"}})
			return err
		}, ErrManifestState, "already picked up by Yamato"},
		{"deliver a cartridge not on the manifest", func() error {
			_, err := f.cat.Deliver(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY002L8", "DLY003L8"}})
			return err
		}, ErrDiscrepancy, "scanned but not on the manifest: DLY003L8"},
		{"unknown manifest", func() error {
			_, err := f.cat.Deliver(f.ctx, admin, "M-19990101-001", Handover{Barcodes: []string{"DLY002L8"}})
			return err
		}, ErrManifestNotFound, "manifest list"},
		{"manifest with a cartridge already travelling", func() error {
			_, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY002L8"}})
			return err
		}, ErrNotMovable, "already in transit"},
		{"manifest from two sites", func() error {
			_, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8", "DLY003L8"}})
			return err
		}, ErrBadInput, "one manifest carries cartridges from one site"},
		{"manifest to where it is", func() error {
			_, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY003L8"}})
			return err
		}, ErrAlreadyThere, "already at annex"},
		{"pickup without a courier", func() error {
			_, err := f.cat.Pickup(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY002L8"}})
			return err
		}, ErrBadInput, "name the courier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := dump(t, f.path)
			err := tt.op()
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.text)
			assert.Equal(t, before, dump(t, f.path), "a refused operation changed the catalog")
		})
	}
}

func TestEveryEventPath(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", LibrarySlot("honcho", "lib0", 1), "daily")
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")

	steps := []struct {
		name string
		op   func() (Event, error)
		want Event
	}{
		{"move within the site", func() (Event, error) {
			return f.cat.Move(f.ctx, operator, "DLY002L8", Storage("honcho", "safe"), MoveOptions{Reason: "end of day"})
		}, Event{Kind: "moved", Barcode: "DLY002L8", From: "honcho/shelf", To: "honcho/safe", Reason: "end of day"}},
		{"library load recorded by the daemon", func() (Event, error) {
			return f.cat.Move(f.ctx, System, "DLY001L8", DriveAt("honcho", "lto0"), MoveOptions{Kind: "loaded"})
		}, Event{Kind: "loaded", Barcode: "DLY001L8", From: "honcho/lib0/slot/1", To: "honcho/drive/lto0"}},
		{"forced move out of a drive", func() (Event, error) {
			return f.cat.Move(f.ctx, operator, "DLY001L8", Storage("honcho", "shelf"), MoveOptions{Force: true, Reason: "robot jammed, taken out by hand"})
		}, Event{Kind: "moved", Barcode: "DLY001L8", From: "honcho/drive/lto0", To: "honcho/shelf", Reason: "robot jammed, taken out by hand"}},
		{"state change", func() (Event, error) {
			return f.cat.SetState(f.ctx, System, "DLY001L8", Active, "generation written")
		}, Event{Kind: "state", Barcode: "DLY001L8", From: "honcho/shelf", To: "honcho/shelf", FromState: "scratch", ToState: "active", Reason: "generation written"}},
		{"retire", func() (Event, error) {
			return f.cat.Retire(f.ctx, admin, "DLY001L8", "TapeAlert 4: media")
		}, Event{Kind: "retired", Barcode: "DLY001L8", From: "honcho/shelf", To: "honcho/shelf", FromState: "active", ToState: "retired", Reason: "TapeAlert 4: media"}},
		{"lost", func() (Event, error) {
			return f.cat.SetState(f.ctx, admin, "DLY002L8", Lost, "not found during audit")
		}, Event{Kind: "lost", Barcode: "DLY002L8", From: "honcho/safe", To: "honcho/safe", FromState: "scratch", ToState: "lost", Reason: "not found during audit"}},
		{"found", func() (Event, error) {
			return f.cat.Found(f.ctx, admin, "DLY002L8", Storage("honcho", "shelf"), "behind the shelf")
		}, Event{Kind: "found", Barcode: "DLY002L8", From: "honcho/safe", To: "honcho/shelf", FromState: "lost", ToState: "scratch", Reason: "behind the shelf"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.clock.Advance(1)
			ev, err := s.op()
			require.NoError(t, err)
			got := Event{Kind: ev.Kind, Barcode: ev.Barcode, From: ev.From, To: ev.To, FromState: ev.FromState, ToState: ev.ToState, Reason: ev.Reason}
			assert.Equal(t, s.want, got)
			stored, err := f.cat.Events(f.ctx, EventFilter{Limit: 1})
			require.NoError(t, err)
			assert.Equal(t, ev, stored[0], "the returned event is the stored one")
			c, err := f.cat.Cartridge(f.ctx, s.want.Barcode)
			require.NoError(t, err)
			assert.Equal(t, s.want.To, c.Location.String(), "the cartridge is where its newest event says")
		})
	}
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
	assert.EqualValues(t, 9, res.Events)

	// A retired cartridge stays retired.
	_, err = f.cat.SetState(f.ctx, admin, "DLY001L8", Active, "")
	assert.ErrorIs(t, err, ErrNotMovable)
}

func TestConcurrentMovesKeepTheChain(t *testing.T) {
	f := newFixture(t)
	for i := range 20 {
		f.add(t, barcodeN("CON", i), Storage("honcho", "shelf"), "daily")
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				place := "safe"
				if j%2 == 1 {
					place = "shelf"
				}
				_, err := f.cat.Move(f.ctx, operator, barcodeN("CON", i), Storage("honcho", place), MoveOptions{})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
	assert.EqualValues(t, 20+100, res.Events)
}
