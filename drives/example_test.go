package drives_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tapewarden/tapewarden/drives"
)

// A virtual library stocked with labelled cartridges, as the demo and the
// tests use it: load a cartridge, check its label, eject it, put it back,
// and hand it to the courier through the mail slot.
func Example_virtualLibrary() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "vlib")
	defer os.RemoveAll(dir)

	lib, err := drives.NewVirtualLibrary(dir, drives.VirtualLibraryConfig{
		Name: "vlib0", DriveType: drives.LTO8, Drives: 1, Slots: 5, MailSlots: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lib.Close()
	for i, bc := range []string{"DAILY1L8", "DAILY2L8"} {
		l, _ := drives.NewLabel(bc, "daily", drives.LTO8, "0.1.0", time.Now())
		if _, err := lib.AddCartridge(i+1, drives.CartridgeSpec{Barcode: bc, MediaType: drives.LTO8}, &l); err != nil {
			fmt.Println(err)
			return
		}
	}

	inv, _ := lib.Inventory(ctx)
	loc, _ := inv.Find("DAILY2L8")
	_ = drives.CheckLoad(lib.Drive(0).DriveType(), drives.LTO8, true)
	_ = lib.Load(ctx, loc.Number, 0)

	d, _ := lib.Drive(0).Open()
	label, err := drives.VerifyLabel(ctx, d, "DAILY2L8")
	fmt.Println(label.Pool, err)
	_ = d.Unload(ctx) // the drive ejects before the robot takes the cartridge
	_ = d.Close()
	_ = lib.Unload(ctx, 0, loc.Number)

	_ = lib.Transfer(ctx, loc.Number, 6) // slot 6 is the mail slot
	img, _ := lib.TakeFromMailSlot(6)
	fmt.Println(filepath.Base(img))
	// Output:
	// daily <nil>
	// DAILY2L8.vtape
}

// A standalone virtual drive: the operator inserts and ejects cartridges.
func Example_standaloneDrive() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "vtape")
	defer os.RemoveAll(dir)

	img := filepath.Join(dir, "WEEK01L9.vtape")
	l, _ := drives.NewLabel("WEEK01L9", "weekly", drives.LTO9, "0.1.0", time.Now())
	_ = drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "WEEK01L9", MediaType: drives.LTO9}, &l)

	v, _ := drives.NewVirtualTape(filepath.Join(dir, "drive0.json"), drives.VirtualTapeConfig{DriveType: drives.LTO9})
	defer v.Close()
	_ = v.Insert(img)
	d, _ := v.Open()
	st, _ := d.Status(ctx)
	fmt.Println(st.Online, st.BOT)
	_ = d.Close()
	out, _ := v.Eject()
	fmt.Println(filepath.Base(out))

	// The offline commands open a cartridge image directly.
	d, _ = drives.Open(img)
	got, _ := drives.ReadLabel(ctx, d)
	fmt.Println(got.Barcode, got.Pool)
	_ = d.Close()
	// Output:
	// true true
	// WEEK01L9.vtape
	// WEEK01L9 weekly
}
