package media

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReconcileLibrary(t *testing.T) {
	f := newFixture(t)
	f.add(t, "AAA001L8", LibrarySlot("honcho", "lib0", 1), "daily")
	f.add(t, "AAA002L8", LibrarySlot("honcho", "lib0", 2), "daily")
	f.add(t, "AAA003L8", LibrarySlot("honcho", "lib0", 3), "daily")
	f.add(t, "AAA004L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA005L8", LibraryMailSlot("honcho", "lib0", 1), "daily")
	f.add(t, "AAA006L8", Storage("honcho", "shelf"), "daily")
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"AAA006L8"}})
	require.NoError(t, err)
	_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "c", Barcodes: []string{"AAA006L8"}})
	require.NoError(t, err)

	// Someone swapped slots 1 and 2 at the front panel, put AAA004 (from
	// the shelf) into the drive, took AAA003 out, emptied the mail slot;
	// an unknown cartridge sits in slot 9; AAA006 (with the courier) is in
	// slot 7.
	seen := []Seen{
		{"AAA001L8", LibrarySlot("honcho", "lib0", 2)},
		{"AAA002L8", LibrarySlot("honcho", "lib0", 1)},
		{"AAA004L8", DriveAt("honcho", "lto0")},
		{"NEW001L8", LibrarySlot("honcho", "lib0", 9)},
		{"AAA006L8", LibrarySlot("honcho", "lib0", 7)},
	}
	res, err := f.cat.ReconcileLibrary(f.ctx, System, "lib0", "honcho", []string{"lto0"}, seen)
	require.NoError(t, err)
	require.Len(t, res.Moved, 3)
	assert.Equal(t, "AAA001L8", res.Moved[0].Barcode)
	assert.Equal(t, "honcho/lib0/slot/2", res.Moved[0].To)
	assert.Equal(t, "AAA004L8", res.Moved[2].Barcode)
	assert.Equal(t, "honcho/shelf", res.Moved[2].From)
	assert.Equal(t, "honcho/drive/lto0", res.Moved[2].To)
	require.Len(t, res.Missing, 1)
	assert.Equal(t, "AAA003L8", res.Missing[0].Barcode)
	require.Len(t, res.TakenFromMailSlot, 1)
	assert.Equal(t, "AAA005L8", res.TakenFromMailSlot[0].Barcode)
	require.Len(t, res.Unknown, 1)
	assert.Equal(t, "NEW001L8", res.Unknown[0].Barcode)
	require.Len(t, res.Conflicts, 1)
	assert.Contains(t, res.Conflicts[0], "in transit on manifest "+m.ID)

	c1, _ := f.cat.Cartridge(f.ctx, "AAA001L8")
	assert.Equal(t, LibrarySlot("honcho", "lib0", 2), c1.Location)
	c3, _ := f.cat.Cartridge(f.ctx, "AAA003L8")
	assert.True(t, c3.MissingSince())
	assert.Equal(t, LibrarySlot("honcho", "lib0", 3), c3.Location, "a missing cartridge keeps its last known place")

	// A second inventory flags nothing new; when AAA003 reappears it is
	// cleared.
	evs, _ := f.cat.Events(f.ctx, EventFilter{Kind: "missing"})
	assert.Len(t, evs, 1)
	seen = append(seen[:4], Seen{"AAA003L8", LibrarySlot("honcho", "lib0", 3)})
	res, err = f.cat.ReconcileLibrary(f.ctx, System, "lib0", "honcho", []string{"lto0"}, seen)
	require.NoError(t, err)
	assert.Empty(t, res.Moved)
	assert.Equal(t, []string{"AAA003L8"}, res.Returned)
	c3, _ = f.cat.Cartridge(f.ctx, "AAA003L8")
	assert.False(t, c3.MissingSince())
	evs, _ = f.cat.Events(f.ctx, EventFilter{Kind: "missing"})
	assert.Len(t, evs, 1)

	v, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK)

	home, err := f.cat.HomeSlot(f.ctx, "AAA004L8", "lib0")
	require.NoError(t, err)
	assert.Equal(t, 0, home, "came from the shelf, not a slot")
}
