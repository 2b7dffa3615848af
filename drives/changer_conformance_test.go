package drives

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changerHarness gives the changer suite a changer with at least one empty
// drive, two full storage slots and one empty storage slot. eject makes
// drive n eject its cartridge (Drive.Unload) so the robot can take it.
type changerHarness struct {
	changer Changer
	eject   func(t *testing.T, drive int)
}

func TestChangerConformanceVirtual(t *testing.T) {
	lib, err := NewVirtualLibrary(t.TempDir(), VirtualLibraryConfig{DriveType: LTO8, Drives: 2, Slots: 6, MailSlots: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lib.Close() })
	for i, bc := range []string{"CONF01L8", "CONF02L8", "CONF03L7"} {
		_, err := lib.AddCartridge(i+1, CartridgeSpec{Barcode: bc, MediaType: LTO8}, nil)
		require.NoError(t, err)
	}
	runChangerConformance(t, changerHarness{changer: lib, eject: func(t *testing.T, drive int) {
		d, err := lib.Drive(drive).Open()
		require.NoError(t, err)
		defer d.Close()
		require.NoError(t, d.Unload(context.Background()))
	}})
}

// TestChangerConformanceDevice runs the changer suite on the library named
// by TAPEWARDEN_TEST_CHANGER (an sg node for mtx). It moves cartridges and
// puts them back. Drive 0 is used; if TAPEWARDEN_TEST_DEVICE names that
// drive's nst node it is used to eject before unloading.
func TestChangerConformanceDevice(t *testing.T) {
	dev := os.Getenv("TAPEWARDEN_TEST_CHANGER")
	if dev == "" {
		t.Skip("TAPEWARDEN_TEST_CHANGER is not set: set it to a changer's sg node (e.g. /dev/tape/by-id/…-changer) with drive 0 empty, two full and one empty slot to run the changer suite on real hardware")
	}
	c := NewMTXChanger(dev, WithMTXRetry(6, 5*time.Second))
	runChangerConformance(t, changerHarness{changer: c, eject: func(t *testing.T, drive int) {
		tape := os.Getenv("TAPEWARDEN_TEST_DEVICE")
		if tape == "" || drive != 0 {
			return
		}
		d, err := Open(tape)
		require.NoError(t, err)
		defer d.Close()
		require.NoError(t, d.Unload(context.Background()))
	}})
}

func runChangerConformance(t *testing.T, h changerHarness) {
	ctx := context.Background()
	c := h.changer
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, inv.Drives)
	require.NotEmpty(t, inv.Slots)

	t.Run("mtx numbering", func(t *testing.T) {
		for i, d := range inv.Drives {
			assert.Equal(t, i, d.Number, "drives count from 0")
		}
		ie := false
		for i, s := range inv.Slots {
			assert.Equal(t, i+1, s.Number, "slots count from 1")
			if ie {
				assert.True(t, s.ImportExport, "import/export slots come last")
			}
			ie = ie || s.ImportExport
		}
	})

	drive := -1
	for _, d := range inv.Drives {
		if !d.Full {
			drive = d.Number
			break
		}
	}
	var full, empty []int
	for _, s := range inv.Slots {
		switch {
		case s.ImportExport:
		case s.Full:
			full = append(full, s.Number)
		default:
			empty = append(empty, s.Number)
		}
	}
	if drive < 0 || len(full) < 2 || len(empty) < 1 {
		t.Skipf("need an empty drive, two full and one empty storage slot; have drive %d, full %v, empty %v", drive, full, empty)
	}
	a, b, e := full[0], full[1], empty[0]
	slotA, _ := inv.Slot(a)

	t.Run("load and unload", func(t *testing.T) {
		require.NoError(t, c.Load(ctx, a, drive))
		inv, err := c.Inventory(ctx)
		require.NoError(t, err)
		d, _ := inv.Drive(drive)
		assert.True(t, d.Full)
		assert.Equal(t, slotA.Barcode, d.Barcode)
		s, _ := inv.Slot(a)
		assert.False(t, s.Full)
		if slotA.Barcode != "" {
			loc, ok := inv.Find(slotA.Barcode)
			require.True(t, ok)
			assert.Equal(t, Location{InDrive: true, Number: drive}, loc)
		}

		// mtx checks the drive before the source: loading from an empty
		// slot into a full drive reports the full drive
		// (mtx-err-load-into-full-drive.txt).
		err = c.Load(ctx, a, drive)
		assert.ErrorIs(t, err, ErrDriveFull, "load from an empty slot into a full drive")
		assert.Contains(t, err.Error(), fmt.Sprintf("Drive %d Full (Storage Element %d loaded)", drive, a), "mtx names the loaded cartridge's source slot")
		err = c.Load(ctx, b, drive)
		assert.ErrorIs(t, err, ErrDriveFull, "load into a full drive")
		assert.ErrorIs(t, err, ErrDestinationFull)

		h.eject(t, drive)
		err = c.Unload(ctx, drive, b)
		assert.ErrorIs(t, err, ErrDestinationFull, "unload to a full slot")
		require.NoError(t, c.Unload(ctx, drive, a))
		err = c.Unload(ctx, drive, a)
		assert.ErrorIs(t, err, ErrDriveEmpty, "unload an empty drive")
		assert.ErrorIs(t, err, ErrSourceEmpty)
		err = c.Load(ctx, e, drive)
		assert.ErrorIs(t, err, ErrSourceEmpty, "load from an empty slot into an empty drive")
		assert.NotErrorIs(t, err, ErrDriveEmpty)
		inv, err = c.Inventory(ctx)
		require.NoError(t, err)
		s, _ = inv.Slot(a)
		assert.True(t, s.Full)
		assert.Equal(t, slotA.Barcode, s.Barcode)
	})

	t.Run("transfer between slots", func(t *testing.T) {
		require.NoError(t, c.Transfer(ctx, a, e))
		assert.ErrorIs(t, c.Transfer(ctx, a, e), ErrSourceEmpty)
		assert.ErrorIs(t, c.Transfer(ctx, e, b), ErrDestinationFull)
		err := c.Transfer(ctx, e, len(inv.Slots)+50)
		assert.ErrorIs(t, err, ErrNoSuchElement, "a destination the library does not have (mtx: Invalid destination)")
		require.NoError(t, c.Transfer(ctx, e, a))
		inv, err := c.Inventory(ctx)
		require.NoError(t, err)
		s, _ := inv.Slot(a)
		assert.Equal(t, slotA.Barcode, s.Barcode)
	})

	t.Run("through the mail slot", func(t *testing.T) {
		var mail []int
		for _, s := range inv.Slots {
			if s.ImportExport && !s.Full {
				mail = append(mail, s.Number)
			}
		}
		if len(mail) == 0 {
			t.Skip("no empty import/export slot")
		}
		require.NoError(t, c.Transfer(ctx, a, mail[0]))
		inv, err := c.Inventory(ctx)
		require.NoError(t, err)
		s, _ := inv.Slot(mail[0])
		assert.True(t, s.Full)
		assert.True(t, s.ImportExport)
		require.NoError(t, c.Transfer(ctx, mail[0], a))
	})

	t.Run("out of range elements", func(t *testing.T) {
		assert.ErrorIs(t, c.Load(ctx, len(inv.Slots)+1, drive), ErrNoSuchElement)
		assert.ErrorIs(t, c.Load(ctx, a, len(inv.Drives)), ErrNoSuchElement)
	})
}

func TestVirtualLibrary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := VirtualLibraryConfig{Name: "/dev/sg9", DriveType: LTO8, Drives: 1, Slots: 4, MailSlots: 1}
	lib, err := NewVirtualLibrary(dir, cfg)
	require.NoError(t, err)
	defer func() { _ = lib.Close() }()

	_, err = NewVirtualLibrary(dir, cfg)
	assert.ErrorIs(t, err, ErrBusy, "one opener at a time")

	label, err := NewLabel("DAILY1L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	img, err := lib.AddCartridge(1, CartridgeSpec{Barcode: "DAILY1L8", MediaType: LTO8}, &label)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "cartridges", "DAILY1L8.vtape"), img)
	_, err = lib.AddCartridge(2, CartridgeSpec{Barcode: "CLN001L1", MediaType: LTOCLN}, nil)
	require.NoError(t, err)
	_, err = lib.AddCartridge(1, CartridgeSpec{Barcode: "OTHER1L8", MediaType: LTO8}, nil)
	assert.ErrorIs(t, err, ErrDestinationFull)

	t.Run("load puts the image into the drive", func(t *testing.T) {
		require.NoError(t, lib.Load(ctx, 1, 0))
		d, err := lib.Drive(0).Open()
		require.NoError(t, err)
		defer d.Close()
		got, err := VerifyLabel(ctx, d, "DAILY1L8")
		require.NoError(t, err)
		assert.Equal(t, label, got)

		err = lib.Unload(ctx, 0, 1)
		assert.ErrorIs(t, err, ErrDriveNotEjected)
		assert.EqualError(t, err, "drives: changer /dev/sg9: unload 1 0: Drive needs offline before move (sense ASC/ASCQ 3A/00)")
		require.NoError(t, d.Unload(ctx))
		require.NoError(t, lib.Unload(ctx, 0, 1))
		_, err = d.Status(ctx)
		require.NoError(t, err)
		_, err = d.Read(make([]byte, 10))
		assert.ErrorIs(t, err, ErrNoMedium)
	})

	t.Run("errors read like mtx", func(t *testing.T) {
		err := lib.Load(ctx, 3, 0)
		assert.EqualError(t, err, "drives: changer /dev/sg9: load 3 0: Source Element Address 1002 is Empty")
		require.NoError(t, lib.Load(ctx, 1, 0))
		err = lib.Load(ctx, 2, 0)
		assert.EqualError(t, err, "drives: changer /dev/sg9: load 2 0: Drive 0 Full (Storage Element 1 loaded)")
		err = lib.Transfer(ctx, 2, 9)
		assert.EqualError(t, err, "drives: changer /dev/sg9: transfer 2 9: Invalid destination")
		assert.ErrorIs(t, err, ErrNoSuchElement)
		err = lib.Load(ctx, 3, 0)
		assert.EqualError(t, err, "drives: changer /dev/sg9: load 3 0: Drive 0 Full (Storage Element 1 loaded)", "the full drive before the empty source")
		err = lib.Transfer(ctx, 1, 2)
		assert.EqualError(t, err, "drives: changer /dev/sg9: transfer 1 2: Source Element Address 1000 is Empty")
		require.NoError(t, lib.Transfer(ctx, 2, 3))
		require.NoError(t, lib.Transfer(ctx, 3, 2))
		err = lib.Load(ctx, 2, 3)
		assert.ErrorIs(t, err, ErrNoSuchElement)
		out := FormatMTXStatus(mustInventory(t, lib))
		assert.Equal(t, "  Storage Changer /dev/sg9:1 Drives, 5 Slots ( 1 Import/Export )\n"+
			"Data Transfer Element 0:Full (Storage Element 1 Loaded):VolumeTag = DAILY1L8\n"+
			"      Storage Element 1:Empty\n"+
			"      Storage Element 2:Full :VolumeTag=CLN001L1\n"+
			"      Storage Element 3:Empty\n"+
			"      Storage Element 4:Empty\n"+
			"      Storage Element 5 IMPORT/EXPORT:Empty\n", out)
		d, err := lib.Drive(0).Open()
		require.NoError(t, err)
		require.NoError(t, d.Unload(ctx))
		require.NoError(t, d.Close())
		require.NoError(t, lib.Unload(ctx, 0, 1))
	})

	t.Run("injected move failure", func(t *testing.T) {
		lib.FailNextMove(nil)
		err := lib.Transfer(ctx, 1, 3)
		assert.ErrorIs(t, err, ErrChangerFailed)
		require.NoError(t, lib.Transfer(ctx, 1, 3))
		require.NoError(t, lib.Transfer(ctx, 3, 1))
	})

	t.Run("operator uses the mail slot", func(t *testing.T) {
		require.NoError(t, lib.Transfer(ctx, 1, 5))
		p, err := lib.TakeFromMailSlot(5)
		require.NoError(t, err)
		assert.Equal(t, img, p)
		_, err = lib.TakeFromMailSlot(5)
		assert.ErrorIs(t, err, ErrSourceEmpty)
		_, err = lib.TakeFromMailSlot(1)
		assert.ErrorIs(t, err, ErrNoSuchElement)
		inv := mustInventory(t, lib)
		_, ok := inv.Find("DAILY1L8")
		assert.False(t, ok, "cartridge left the library")

		slot, err := lib.InsertIntoMailSlot(0, p)
		require.NoError(t, err)
		assert.Equal(t, 5, slot)
		_, err = lib.InsertIntoMailSlot(0, p)
		assert.Error(t, err, "already inside")
		require.NoError(t, lib.Transfer(ctx, 5, 1))
	})

	t.Run("cleaning cartridge through the robot", func(t *testing.T) {
		lib.Drive(0).RequestCleaning(false)
		require.NoError(t, lib.Load(ctx, 2, 0))
		st := lib.Drive(0).State()
		assert.False(t, st.CleaningRequested)
		assert.False(t, st.Loaded, "cleaning cartridge ejected")
		require.NoError(t, lib.Unload(ctx, 0, 2))
		info, err := ReadCartridgeInfo(filepath.Join(dir, "cartridges", "CLN001L1.vtape"))
		require.NoError(t, err)
		assert.Equal(t, 49, info.CleaningUses)
	})

	t.Run("state survives a restart", func(t *testing.T) {
		require.NoError(t, lib.Load(ctx, 1, 0))
		before := mustInventory(t, lib)
		require.NoError(t, lib.Close())
		lib, err = NewVirtualLibrary(dir, VirtualLibraryConfig{})
		require.NoError(t, err)
		assert.Equal(t, before, mustInventory(t, lib))
		d, err := lib.Drive(0).Open()
		require.NoError(t, err)
		defer d.Close()
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.Online)
		_, err = NewVirtualLibrary(dir, VirtualLibraryConfig{Drives: 3})
		assert.Error(t, err, "layout mismatch")
	})
}

func TestVirtualLibraryWithoutBarcodeReader(t *testing.T) {
	lib, err := NewVirtualLibrary(t.TempDir(), VirtualLibraryConfig{DriveType: DAT160, Drives: 1, Slots: 2, NoBarcodeReader: true})
	require.NoError(t, err)
	defer lib.Close()
	_, err = lib.AddCartridge(1, CartridgeSpec{Barcode: "DAT001", MediaType: DAT160}, nil)
	require.NoError(t, err)
	inv := mustInventory(t, lib)
	assert.True(t, inv.Slots[0].Full)
	assert.Empty(t, inv.Slots[0].Barcode)
	assert.False(t, inv.HasBarcodes())

	_, err = lib.AddCartridge(2, CartridgeSpec{Barcode: "LTO001L6", MediaType: LTO6}, nil)
	require.NoError(t, err)
	require.NoError(t, lib.Load(context.Background(), 2, 0), "the robot moves it; the drive rejects it")
	flags, err := func() (TapeAlertFlags, error) {
		d, err := lib.Drive(0).Open()
		require.NoError(t, err)
		defer d.Close()
		return d.(TapeAlertReader).ReadTapeAlerts(context.Background())
	}()
	require.NoError(t, err)
	assert.True(t, flags.Has(AlertUnsupportedFormat))
	require.NoError(t, lib.Unload(context.Background(), 0, 2))

	lib.RaiseChangerAlert(16)
	ca, err := lib.ReadChangerAlerts(context.Background())
	require.NoError(t, err)
	assert.True(t, ca.NeedsOperator())
	ca, err = lib.ReadChangerAlerts(context.Background())
	require.NoError(t, err)
	assert.True(t, ca.Has(16), "reading the library's page does not clear it (sg_logs-tapealert-changer-flag16*.txt)")
	lib.ClearChangerAlert(16)
	ca, err = lib.ReadChangerAlerts(context.Background())
	require.NoError(t, err)
	assert.Zero(t, ca, "the door was closed")
}

func mustInventory(t *testing.T, c Changer) Inventory {
	t.Helper()
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	return inv
}
