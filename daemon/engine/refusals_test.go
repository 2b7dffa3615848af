package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/media"
)

// snapshot is everything a refused request must leave as it was: every
// row of every catalog table, and what the library and its drives hold.
func snapshot(t *testing.T, h *harness) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+h.cfg.CatalogPath()+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var b strings.Builder
	tables, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	require.NoError(t, err)
	var names []string
	for tables.Next() {
		var n string
		require.NoError(t, tables.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, tables.Err())
	tables.Close()
	for _, n := range names {
		// Some tables have no rowid: the rows are sorted as text instead.
		rows, err := db.Query(fmt.Sprintf("SELECT * FROM %q", n))
		require.NoError(t, err)
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			lines = append(lines, fmt.Sprintf("%s %v\n", n, vals))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Strings(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	inv, err := h.d.dev.libs["lib0"].changer.Inventory(context.Background())
	require.NoError(t, err)
	fmt.Fprintf(&b, "library %+v\n", inv)
	return b.String()
}

// TestRefusalsChangeNothing runs every refusal of the library, drive and
// catalog operations on a catalog that disagrees with the library (it
// places a cartridge in a slot the library has empty, so any inventory
// would record it missing) and checks that each leaves the catalog and the
// library exactly as they were.
func TestRefusalsChangeNothing(t *testing.T) {
	h := startDaemon(t, withDemoWorld, func(_ *config.Config, o *Options) { o.NoSchedule = true })
	ctx := context.Background()
	_, err := h.d.cat.AddCartridge(ctx, media.System, media.NewCartridge{Barcode: "GHO001L8", Pool: "daily", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	_, err = h.d.cat.Move(ctx, media.System, "GHO001L8", media.LibrarySlot("honcho", "lib0", 20), media.MoveOptions{Force: true, Reason: "the test's discrepancy"})
	require.NoError(t, err)
	// A drive holds a cartridge, for the refusals that need a full one.
	_, err = h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY002L8", Drive: "lto1"})
	require.NoError(t, err)

	refusals := []struct {
		name string
		do   func() error
		text string
	}{
		{"export with one unknown barcode", func() error {
			_, err := h.d.Export(ctx, tester, "", []string{"DLY003L8", "NOPE99L8"})
			return err
		}, "NOPE99L8 is not in library lib0"},
		{"export with a malformed barcode last", func() error {
			_, err := h.d.Export(ctx, tester, "", []string{"DLY003L8", "no good"})
			return err
		}, ""},
		{"export of a cartridge in a drive", func() error {
			_, err := h.d.Export(ctx, tester, "", []string{"DLY003L8", "DLY002L8"})
			return err
		}, "unload it first"},
		{"export of more than the free mail slots", func() error {
			_, err := h.d.Export(ctx, tester, "", []string{"DLY003L8", "DLY004L8", "SCR001L8"})
			return err
		}, "too few"},
		{"export of the catalog's ghost", func() error {
			_, err := h.d.Export(ctx, tester, "", []string{"GHO001L8"})
			return err
		}, "the catalog places it at honcho/lib0/slot/20"},
		{"import from an unknown library", func() error {
			_, _, err := h.d.Import(ctx, tester, "lib9")
			return err
		}, ""},
		{"load of a cartridge not in the library", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "GHO001L8", Drive: "lto0"})
			return err
		}, "not in library lib0"},
		{"load into a full drive", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY003L8", Drive: "lto1"})
			return err
		}, "already holds"},
		{"load from an empty slot", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Slot: 20, Drive: "lto0"})
			return err
		}, "is empty"},
		{"load of a cleaning cartridge", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "CLN001CU", Drive: "lto0"})
			return err
		}, "cleaning cartridge"},
		{"unload of an empty drive", func() error {
			_, err := h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto0"})
			return err
		}, "is empty"},
		{"unload into a full slot", func() error {
			_, err := h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto1", Slot: 1})
			return err
		}, "is full"},
		{"transfer from an empty slot", func() error {
			_, err := h.d.Transfer(ctx, tester, TransferRequest{From: "20", To: "21"})
			return err
		}, "is empty"},
		{"transfer into a full slot", func() error {
			_, err := h.d.Transfer(ctx, tester, TransferRequest{From: "1", To: "3"})
			return err
		}, "is full"},
		{"transfer to a slot that does not exist", func() error {
			_, err := h.d.Transfer(ctx, tester, TransferRequest{From: "1", To: "99"})
			return err
		}, "storage slots 1-24"},
		{"mail slot take from an empty one", func() error {
			_, err := h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "take", Slot: 2})
			return err
		}, "is empty"},
		{"mail slot insert of a cartridge in the library", func() error {
			_, err := h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "insert", Barcode: "DLY003L8"})
			return err
		}, "not in anyone's hands"},
		{"mail slot insert into a slot that does not exist", func() error {
			_, err := h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "insert", Barcode: "DAT002", Slot: 7})
			return err
		}, "mail slots 1-2"},
		{"move to where it is", func() error {
			_, err := h.d.cat.Move(ctx, tester, "DAT002", media.Storage("honcho", "shelf"), media.MoveOptions{})
			return err
		}, "already at"},
		{"add of a barcode the catalog has", func() error {
			_, err := h.d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: "DLY003L8", Location: media.Storage("honcho", "shelf")})
			return err
		}, "already in the catalog"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			before := snapshot(t, h)
			err := r.do()
			require.Error(t, err)
			if r.text != "" {
				assert.Contains(t, err.Error(), r.text)
			}
			assert.Equal(t, before, snapshot(t, h), "the refusal changed the catalog or the library")
		})
	}
}
