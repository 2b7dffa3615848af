package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

func withDemoWorld(cfg *config.Config, _ *Options) { cfg.Demo = true }

var tester = media.Actor{Name: "tester", Role: "admin"}

func location(t *testing.T, h *harness, barcode string) string {
	t.Helper()
	c, err := h.d.cat.Cartridge(context.Background(), barcode)
	require.NoError(t, err)
	return c.Location.String()
}

func TestLibraryLoadUnloadRecordsCustody(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	start, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
	require.NoError(t, err)
	var ev media.Event

	ev, err = h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY003L8", Drive: "lto1"})
	require.NoError(t, err)
	assert.Equal(t, "loaded", ev.Kind)
	assert.Equal(t, "honcho/lib0/slot/3", ev.From)
	assert.Equal(t, "honcho/drive/lto1", ev.To)
	assert.Equal(t, "honcho/drive/lto1", location(t, h, "DLY003L8"))
	c, _ := h.d.cat.Cartridge(ctx, "DLY003L8")
	assert.EqualValues(t, 1, c.Mounts)
	di, err := h.d.DriveStatus(ctx, "lto1")
	require.NoError(t, err)
	require.NotNil(t, di.Status)
	assert.True(t, di.Status.Online)
	assert.Equal(t, "DLY003L8", di.Cartridge)

	// Put it back: into its home slot.
	ev, err = h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto1"})
	require.NoError(t, err)
	assert.Equal(t, "unloaded", ev.Kind)
	assert.Equal(t, "honcho/lib0/slot/3", ev.To)

	// Load by slot, then unload to another slot.
	_, err = h.d.Load(ctx, tester, LoadRequest{Slot: 5, Drive: "lto0"})
	require.NoError(t, err)
	ev, err = h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto0", Slot: 20})
	require.NoError(t, err)
	assert.Equal(t, "honcho/lib0/slot/20", location(t, h, "DLY005L8"))

	// Import the cartridge waiting in the mail slot, export another.
	imported, problems, err := h.d.Import(ctx, tester, "")
	require.NoError(t, err)
	assert.Empty(t, problems)
	require.Len(t, imported, 1)
	assert.Equal(t, "SCR005L8", imported[0].Barcode)
	exported, err := h.d.Export(ctx, tester, "lib0", []string{"MON001L8"})
	require.NoError(t, err)
	require.Len(t, exported, 1)
	assert.Equal(t, "honcho/lib0/mailslot/1", location(t, h, "MON001L8"))

	res, err := h.d.cat.Verify(ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK)
	kinds := map[string]int{}
	events, err := h.d.cat.Events(ctx, media.EventFilter{AfterID: start[0].ID, Limit: 1000})
	require.NoError(t, err)
	for _, e := range events {
		kinds[e.Kind]++
	}
	assert.Equal(t, 2, kinds["loaded"])
	assert.Equal(t, 2, kinds["unloaded"])
	assert.Equal(t, 1, kinds["imported"])
	assert.Equal(t, 1, kinds["exported"])
}

func TestLibraryErrorPaths(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	lib := h.d.dev.libs["lib0"]
	// An LTO-6 cartridge, which an LTO-8 drive cannot read.
	_, err := lib.virtual.AddCartridge(22, drives.CartridgeSpec{Barcode: "OLD001L6", MediaType: "LTO-6"}, nil)
	require.NoError(t, err)
	_, err = h.d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: "OLD001L6", Location: media.LibrarySlot("honcho", "lib0", 22)})
	require.NoError(t, err)

	tests := []struct {
		name string
		op   func() error
		want string
		is   error
	}{
		{"incompatible media", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "OLD001L6", Drive: "lto0"})
			return err
		}, "LTO-6 cartridge cannot be read or written in an LTO-8 drive", drives.ErrIncompatibleMedium},
		{"cleaning cartridge as data", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "CLN001CU", Drive: "lto0"})
			return err
		}, "is a cleaning cartridge", nil},
		{"not in the library", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "MON005L8", Drive: "lto0"})
			return err
		}, "MON005L8 is not in library lib0; the catalog places it at pref-dc/vault", nil},
		{"unknown drive", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY001L8", Drive: "lto7"})
			return err
		}, `no drive "lto7" is configured`, nil},
		{"standalone drive", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY001L8", Drive: "dat0"})
			return err
		}, "a person loads it", nil},
		{"empty slot", func() error {
			_, err := h.d.Load(ctx, tester, LoadRequest{Slot: 21, Drive: "lto0"})
			return err
		}, "slot 21 of library lib0 is empty", nil},
		{"unload an empty drive", func() error {
			_, err := h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto0"})
			return err
		}, "drive lto0 is empty", nil},
		{"no medium to identify", func() error {
			_, err := h.d.Identify(ctx, tester, "dat0")
			return err
		}, "drive dat0 is empty", nil},
		{"changer move failure", func() error {
			lib.virtual.FailNextMove(errors.New("robot arm jammed"))
			_, err := h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY001L8", Drive: "lto0"})
			return err
		}, "MOVE MEDIUM Failed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
			require.NoError(t, err)
			err = tt.op()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			after, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
			require.NoError(t, err)
			assert.Equal(t, before, after, "a refused operation recorded an event")
		})
	}
	assert.Equal(t, "honcho/lib0/slot/1", location(t, h, "DLY001L8"), "a failed move left the cartridge where it was")

	t.Run("drive busy", func(t *testing.T) {
		drv := h.d.dev.drives["lto1"]
		// Wait for the drive: the housekeeping may be reading its status.
		_, release, err := h.d.dev.alloc.acquire(ctx, lease{kind: leaseRun, who: "run 7 (juki-daily)"}, []*drive{drv})
		require.NoError(t, err)
		defer release()
		_, err = h.d.Load(ctx, tester, LoadRequest{Barcode: "DLY001L8", Drive: "lto1"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "drive lto1 is in use by run 7 (juki-daily)")
		list := h.d.Drives(ctx)
		assert.Equal(t, "run 7 (juki-daily)", list[1].Busy)
	})
}

func TestInventoryReconcilesAfterManualChanges(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	lib := h.d.dev.libs["lib0"]
	// Someone moved DLY006 to slot 21 at the front panel.
	require.NoError(t, lib.virtual.Transfer(ctx, 6, 21))
	reps, err := h.d.Inventory(ctx, tester, "lib0")
	require.NoError(t, err)
	require.Len(t, reps, 1)
	require.Len(t, reps[0].Catalog.Moved, 1)
	assert.Equal(t, "inventory", reps[0].Catalog.Moved[0].Kind)
	assert.Equal(t, "honcho/lib0/slot/21", location(t, h, "DLY006L8"))
}

// TestInventoryAddsBareCLNAsLTOCleaner: a library that reports only the
// volume serial CLN123 holds the universal LTO cleaning cartridge, which
// the daemon adds as such and offers for cleaning an LTO drive.
func TestInventoryAddsBareCLNAsLTOCleaner(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	lib := h.d.dev.libs["lib0"]
	lib.cfg.AddUnknown = true
	_, err := lib.virtual.AddCartridge(22, drives.CartridgeSpec{Barcode: "CLN123", MediaType: "LTO-CLN", CleaningUses: 50}, nil)
	require.NoError(t, err)
	reps, err := h.d.Inventory(ctx, tester, "lib0")
	require.NoError(t, err)
	require.Len(t, reps, 1)
	assert.Contains(t, reps[0].Added, "CLN123")
	c, err := h.d.cat.Cartridge(ctx, "CLN123")
	require.NoError(t, err)
	assert.Equal(t, "LTO-CLN", c.MediaType)
	assert.Equal(t, media.Cleaning, c.State)
	assert.True(t, rotation.Cleans(c.MediaType, h.d.cfg.Drives[0].MediaType), "CLN123 cleans %s", h.d.cfg.Drives[0].MediaType)
}

func TestVirtualMailSlotAndStandaloneDrive(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	// A person puts DAT002 into the DAT drive; the daemon reads its label.
	ins, err := h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: "DAT002"})
	require.NoError(t, err)
	require.NotNil(t, ins.Event)
	assert.Equal(t, "honcho/drive/dat0", ins.Event.To)
	_, err = h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: "DAT003"})
	assert.Error(t, err, "a full drive takes no second cartridge")
	ev, err := h.d.Eject(ctx, tester, "dat0", EjectRequest{To: "honcho/safe"})
	require.NoError(t, err)
	assert.Equal(t, "honcho/safe", ev.To)

	// A DAT cartridge cannot go into the LTO library's mail slot... it
	// can physically, and the inventory reports it as not loadable.
	res, err := h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "take", Slot: 1})
	require.NoError(t, err)
	assert.Equal(t, "SCR005L8", res.Barcode)
	assert.Contains(t, res.Report.Problems[0], "SCR005L8 was taken out of honcho/lib0/mailslot/1")
	_, err = h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "take", Slot: 1})
	assert.ErrorContains(t, err, "mail slot 1 of library lib0 is empty")
	res, err = h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "insert", Barcode: "SCR005L8"})
	require.NoError(t, err)
	assert.Equal(t, 1, res.MailSlot)
	_, err = h.d.MailSlot(ctx, tester, MailSlotRequest{Action: "insert", Barcode: "DLY001L8"})
	assert.ErrorContains(t, err, "DLY001L8 is in library lib0")
}

// TestUnloadReturnsToTheLibrarysSourceSlot moves a cartridge behind the
// daemon's back (an operator at the library's panel): the library's report
// of the slot it loaded from ("Full (Storage Element 20 Loaded)") decides
// where the cartridge goes back, not the catalog's older idea.
func TestUnloadReturnsToTheLibrarysSourceSlot(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	lib := h.d.dev.libs["lib0"]
	inv, err := lib.virtual.Inventory(ctx)
	require.NoError(t, err)
	s3, _ := inv.Slot(3)
	s20, _ := inv.Slot(20)
	require.True(t, s3.Full)
	require.False(t, s20.Full)
	require.NoError(t, lib.virtual.Transfer(ctx, 3, 20))
	require.NoError(t, lib.virtual.Load(ctx, 20, 1))
	inv, err = lib.virtual.Inventory(ctx)
	require.NoError(t, err)
	de, _ := inv.Drive(1)
	require.Equal(t, 20, de.SourceSlot)

	ev, err := h.d.Unload(ctx, tester, UnloadRequest{Drive: "lto1"})
	require.NoError(t, err)
	assert.Equal(t, "honcho/lib0/slot/20", ev.To)
	inv, err = lib.virtual.Inventory(ctx)
	require.NoError(t, err)
	s20, _ = inv.Slot(20)
	assert.Equal(t, s3.Barcode, s20.Barcode)
}
