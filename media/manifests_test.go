package media

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestManifestHappyPath(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", LibraryMailSlot("honcho", "lib0", 1), "daily")
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")

	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY002L8", "dly001l8"}, Note: "weekly run"})
	require.NoError(t, err)
	assert.Equal(t, "M-20261128-001", m.ID)
	assert.Equal(t, ManifestOpen, m.State)
	assert.Equal(t, "honcho", m.Origin)
	assert.Equal(t, []ManifestItem{{Barcode: "DLY001L8", Status: "listed"}, {Barcode: "DLY002L8", Status: "listed"}}, m.Items)

	f.clock.Advance(time.Hour)
	m, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "Yamato Suzuki", Barcodes: []string{"DLY001L8", "DLY002L8", "DLY001L8"}})
	require.NoError(t, err)
	assert.Equal(t, ManifestInTransit, m.State)
	assert.Equal(t, "Yamato Suzuki", m.Courier)
	assert.False(t, m.Overdue)
	c, err := f.cat.Cartridge(f.ctx, "DLY001L8")
	require.NoError(t, err)
	assert.Equal(t, Transit(m.ID), c.Location)

	ev, err := f.cat.Events(f.ctx, EventFilter{Barcode: "DLY001L8", Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, "picked-up", ev[0].Kind)
	assert.Equal(t, "Yamato Suzuki", ev[0].Actor)
	assert.Equal(t, "courier", ev[0].Role)
	assert.Equal(t, "honcho/lib0/mailslot/1", ev[0].From)
	assert.Contains(t, ev[0].Reason, "logged by sato (admin)")

	f.clock.Advance(25 * time.Hour)
	m, err = f.cat.Manifest(f.ctx, m.ID)
	require.NoError(t, err)
	assert.True(t, m.Overdue, "in transit for 25 hours")
	stats, err := f.cat.Stats(f.ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 1, stats.Manifests["overdue"])
	assert.EqualValues(t, 1, stats.Manifests["in-transit"])

	m, err = f.cat.Deliver(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY002L8", "DLY001L8"}})
	require.NoError(t, err)
	assert.Equal(t, ManifestDelivered, m.State)
	assert.Equal(t, "vault", m.DestinationPlace, "the safest place at the destination")
	assert.False(t, m.Overdue)
	for _, b := range []string{"DLY001L8", "DLY002L8"} {
		c, err := f.cat.Cartridge(f.ctx, b)
		require.NoError(t, err)
		assert.Equal(t, Storage("dc", "vault"), c.Location)
	}
	_, err = f.cat.Deliver(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY002L8"}})
	assert.ErrorIs(t, err, ErrManifestState)
}

func TestManifestDiscrepancies(t *testing.T) {
	f := newFixture(t)
	for _, b := range []string{"DLY001L8", "DLY002L8", "DLY003L8", "DLY004L8"} {
		f.add(t, b, Storage("honcho", "shelf"), "daily")
	}
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Place: "safe", Barcodes: []string{"DLY001L8", "DLY002L8", "DLY003L8"}})
	require.NoError(t, err)

	// The courier has DLY001, DLY002 and DLY004 (not listed); DLY003 is
	// not handed over. Without confirmation nothing happens.
	handover := Handover{Courier: "Sagawa", Barcodes: []string{"DLY001L8", "DLY002L8", "DLY004L8"}}
	before := dump(t, f.path)
	_, err = f.cat.Pickup(f.ctx, admin, m.ID, handover)
	require.ErrorIs(t, err, ErrDiscrepancy)
	assert.Contains(t, err.Error(), "listed but not scanned: DLY003L8")
	assert.Contains(t, err.Error(), "scanned but not on the manifest: DLY004L8")
	assert.Equal(t, before, dump(t, f.path))

	handover.AcceptDiscrepancies = true
	m, err = f.cat.Pickup(f.ctx, admin, m.ID, handover)
	require.NoError(t, err)
	require.Len(t, m.Discrepancies, 2)
	assert.Equal(t, "DLY003L8", m.Discrepancies[0].Barcode)
	assert.Equal(t, "missing", m.Discrepancies[0].Kind)
	assert.Equal(t, "pickup", m.Discrepancies[0].Phase)
	assert.Equal(t, "DLY004L8", m.Discrepancies[1].Barcode)
	assert.Equal(t, "not-on-manifest", m.Discrepancies[1].Kind)
	assert.Equal(t, 2, m.OpenDiscrepancies())
	c3, _ := f.cat.Cartridge(f.ctx, "DLY003L8")
	assert.Equal(t, Storage("honcho", "shelf"), c3.Location, "a cartridge not handed over stays where it was")
	c4, _ := f.cat.Cartridge(f.ctx, "DLY004L8")
	assert.Equal(t, Storage("honcho", "shelf"), c4.Location, "a cartridge not on the manifest is not moved by it")

	// At delivery DLY002 is missing too; an unknown barcode turns up.
	m, err = f.cat.Deliver(f.ctx, admin, m.ID, Handover{Barcodes: []string{"DLY001L8", "XYZ999L8"}, AcceptDiscrepancies: true})
	require.NoError(t, err)
	assert.Equal(t, ManifestDeliveredWithDisc, m.State)
	assert.Equal(t, 4, m.OpenDiscrepancies())
	c1, _ := f.cat.Cartridge(f.ctx, "DLY001L8")
	assert.Equal(t, Storage("annex", "safe"), c1.Location, "filed at the manifest's place")
	c2, _ := f.cat.Cartridge(f.ctx, "DLY002L8")
	assert.Equal(t, Transit(m.ID), c2.Location, "a cartridge missing at delivery stays in transit until resolved")

	// Resolve each: DLY003 was found on the shelf all along, DLY004 went
	// to the annex by mistake, DLY002 is lost, XYZ999 is unknown.
	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "DLY003L8", Resolution{Found: &Location{Kind: InStorage, Site: "honcho", Place: "shelf"}, Note: "never left the shelf"})
	require.NoError(t, err)
	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "DLY004L8", Resolution{Found: &Location{Kind: InStorage, Site: "annex", Place: "cabinet"}, Note: "travelled along"})
	require.NoError(t, err)
	c4, _ = f.cat.Cartridge(f.ctx, "DLY004L8")
	assert.Equal(t, Storage("annex", "cabinet"), c4.Location)

	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "DLY002L8", Resolution{Lost: true})
	require.ErrorIs(t, err, ErrBadInput, "lost needs a note")
	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "DLY002L8", Resolution{Lost: true, Note: "searched the van and both sites"})
	require.NoError(t, err)
	c2, _ = f.cat.Cartridge(f.ctx, "DLY002L8")
	assert.Equal(t, Lost, c2.State)
	assert.Equal(t, Transit(m.ID), c2.Location, "lost where it was last known")

	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "XYZ999L8", Resolution{Found: &Location{Kind: InStorage, Site: "annex", Place: "safe"}, Note: "x"})
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "media add XYZ999L8")
	m, err = f.cat.Resolve(f.ctx, admin, m.ID, "XYZ999L8", Resolution{Lost: true, Note: "label misread by the scanner"})
	require.NoError(t, err)
	assert.Equal(t, 0, m.OpenDiscrepancies())

	_, err = f.cat.Resolve(f.ctx, admin, m.ID, "DLY001L8", Resolution{Lost: true, Note: "x"})
	assert.ErrorIs(t, err, ErrBadInput, "no open discrepancy")

	// The lost cartridge turns up later.
	_, err = f.cat.Found(f.ctx, admin, "DLY002L8", Storage("annex", "cabinet"), "under the courier's seat")
	require.NoError(t, err)
	c2, _ = f.cat.Cartridge(f.ctx, "DLY002L8")
	assert.Equal(t, Scratch, c2.State)
	assert.Equal(t, Storage("annex", "cabinet"), c2.Location)

	kinds := map[string]int{}
	evs, err := f.cat.Events(f.ctx, EventFilter{Manifest: m.ID, Limit: 1000})
	require.NoError(t, err)
	for _, e := range evs {
		kinds[e.Kind]++
	}
	assert.Equal(t, map[string]int{"manifest-created": 1, "picked-up": 2, "discrepancy": 4, "delivered": 1, "found": 1, "lost": 1, "discrepancy-resolved": 4}, kinds)
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
}

func TestCancelManifest(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	m, err = f.cat.CancelManifest(f.ctx, admin, m.ID, "courier did not come")
	require.NoError(t, err)
	assert.Equal(t, ManifestCancelled, m.State)
	_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "x", Barcodes: []string{"DLY001L8"}})
	assert.ErrorIs(t, err, ErrManifestState)
	// The cartridge can go on a new manifest.
	m2, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	assert.Equal(t, "M-20261128-002", m2.ID)
	list, err := f.cat.Manifests(f.ctx, ManifestFilter{Active: true})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, m2.ID, list[0].ID)
}

func TestPickupRefusesCartridgeInsideTheLibrary(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", LibrarySlot("honcho", "lib0", 3), "daily")
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "dc", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	before := dump(t, f.path)
	_, err = f.cat.Pickup(f.ctx, admin, m.ID, Handover{Courier: "x", Barcodes: []string{"DLY001L8"}})
	require.ErrorIs(t, err, ErrNotMovable)
	assert.Contains(t, err.Error(), "library export DLY001L8")
	assert.Equal(t, before, dump(t, f.path))
}

func TestRecordAboutACartridgeShowsInItsHistory(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", LibrarySlot("honcho", "lib0", 3), "daily")
	_, err := f.cat.RecordAbout(f.ctx, admin, "labelled", "dly001l8", "DLY001L8 labelled in lto0")
	require.NoError(t, err)
	evs, err := f.cat.Events(f.ctx, EventFilter{Barcode: "DLY001L8", Kind: "labelled"})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, "DLY001L8", evs[0].Barcode)
	before := dump(t, f.path)
	_, err = f.cat.RecordAbout(f.ctx, admin, "labelled", "NOPE99L8", "x")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, before, dump(t, f.path))
}

func TestAssignCourierAndReasons(t *testing.T) {
	f := newFixture(t)
	for _, b := range []string{"DLY001L8", "DLY002L8"} {
		f.add(t, b, Storage("honcho", "shelf"), "daily")
	}
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY001L8", "DLY002L8"}})
	require.NoError(t, err)

	before := dump(t, f.path)
	_, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "  ")
	require.ErrorIs(t, err, ErrBadInput)
	_, err = f.cat.AssignCourier(f.ctx, admin, "M-19990101-001", "sato")
	require.ErrorIs(t, err, ErrManifestNotFound)
	assert.Equal(t, before, dump(t, f.path), "a refused assignment changes nothing")

	m, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "sato")
	require.NoError(t, err)
	assert.Equal(t, "sato", m.Courier)
	m, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "tanaka")
	require.NoError(t, err)
	assert.Equal(t, "tanaka", m.Courier)

	// The pick-up names no courier: the assigned one carries it. The
	// missing cartridge's reason goes into the audit chain.
	m, err = f.cat.Pickup(f.ctx, Actor{Name: "tanaka", Role: "courier"}, m.ID, Handover{Barcodes: []string{"DLY001L8"},
		AcceptDiscrepancies: true, Reasons: map[string]string{"DLY002L8": "not in the safe when I came"}})
	require.NoError(t, err)
	assert.Equal(t, ManifestInTransit, m.State)
	assert.Equal(t, "tanaka", m.Courier)
	evs, err := f.cat.Events(f.ctx, EventFilter{Manifest: m.ID, Kind: "discrepancy"})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, "DLY002L8", evs[0].Barcode)
	assert.Contains(t, evs[0].Reason, "reason given: not in the safe when I came")
	evs, err = f.cat.Events(f.ctx, EventFilter{Manifest: m.ID, Kind: "manifest-courier"})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Contains(t, evs[0].Reason, "courier tanaka will carry it instead of sato")

	_, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "sato")
	require.ErrorIs(t, err, ErrManifestState, "no reassignment once picked up")
}
