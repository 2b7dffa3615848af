package media

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// courierTrip is a manifest of DLY001L8 and DLY002L8 to the annex, with
// MON001L8 known to the catalog but not on it.
func courierTrip(t *testing.T, f *fixture) Manifest {
	t.Helper()
	for _, b := range []string{"DLY001L8", "DLY002L8"} {
		f.add(t, b, Storage("honcho", "shelf"), "daily")
	}
	f.add(t, "MON001L8", Storage("honcho", "safe"), "monthly")
	m, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY001L8", "DLY002L8"}})
	require.NoError(t, err)
	return m
}

func yamadaOn(m string) Actor { return Actor{Name: "yamada [" + m + "]", Role: "courier"} }

func (f *fixture) scan(t *testing.T, m, phase, id, barcode string) CourierScan {
	t.Helper()
	sc, err := f.cat.RecordCourierScan(f.ctx, yamadaOn(m), NewCourierScan{Manifest: m, Phase: phase, ScanID: id, Barcode: barcode, Courier: "yamada"})
	require.NoError(t, err)
	return sc
}

func results(scans []CourierScan) []string {
	var out []string
	for _, sc := range scans {
		out = append(out, sc.ScanID+" "+sc.Barcode+" "+sc.Result)
	}
	return out
}

// A courier's scans are kept in the catalog as scanned, each scan ID
// once, classified against the manifest; a reopened catalog still has
// them; the recorded pick-up closes them and the delivery starts empty.
func TestCourierScansKeptAndClassified(t *testing.T) {
	f := newFixture(t)
	m := courierTrip(t, f)

	sc := f.scan(t, m.ID, PhasePickup, "scan-0001", " dly001l8 ")
	assert.Equal(t, "DLY001L8", sc.Barcode, "normalised")
	assert.Equal(t, ScanExpected, sc.Result)
	again := f.scan(t, m.ID, PhasePickup, "scan-0001", "MON001L8")
	assert.Equal(t, sc, again, "the same scan ID is the first scan, whatever it says now")
	assert.Equal(t, ScanDuplicate, f.scan(t, m.ID, PhasePickup, "scan-0002", "DLY001L8").Result)
	assert.Equal(t, ScanNotOnList, f.scan(t, m.ID, PhasePickup, "scan-0003", "MON001L8").Result)
	assert.Equal(t, ScanUnknown, f.scan(t, m.ID, PhasePickup, "scan-0004", "ZZZ999L8").Result)
	bad := f.scan(t, m.ID, PhasePickup, "scan-0005", "hello!")
	assert.Equal(t, ScanUnreadable, bad.Result)
	assert.Equal(t, "HELLO!", bad.Barcode)
	assert.NotEmpty(t, bad.Detail, "says why it is not a barcode")
	// What acts on a terminal is kept harmless; very long text is cut.
	esc := f.scan(t, m.ID, PhasePickup, "scan-0006", "dly\x1b[2J\xff")
	assert.Equal(t, ScanUnreadable, esc.Result)
	assert.Equal(t, "DLY\uFFFD[2J\uFFFD", esc.Barcode)
	assert.Contains(t, esc.Detail, "control character U+001B")
	long := f.scan(t, m.ID, PhasePickup, "scan-0007", strings.Repeat("x", 300))
	assert.Equal(t, ScanUnreadable, long.Result)
	assert.Equal(t, strings.Repeat("X", 64)+"…", long.Barcode)

	// Refused: nothing recorded, with a reason.
	before := dump(t, f.path)
	for _, n := range []NewCourierScan{
		{Manifest: m.ID, Phase: "drop-off", ScanID: "scan-0009", Barcode: "DLY002L8", Courier: "yamada"},
		{Manifest: m.ID, Phase: PhasePickup, ScanID: "", Barcode: "DLY002L8", Courier: "yamada"},
		{Manifest: m.ID, Phase: PhasePickup, ScanID: "scan-0009", Barcode: "DLY002L8", Courier: ""},
	} {
		_, err := f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), n)
		assert.ErrorIs(t, err, ErrBadInput, "%+v", n)
	}
	_, err := f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), NewCourierScan{Manifest: "M-19990101-001", Phase: PhasePickup, ScanID: "scan-0009", Barcode: "DLY002L8", Courier: "yamada"})
	assert.ErrorIs(t, err, ErrManifestNotFound)
	_, err = f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), NewCourierScan{Manifest: m.ID, Phase: PhaseDelivery, ScanID: "scan-0009", Barcode: "DLY002L8", Courier: "yamada"})
	assert.ErrorIs(t, err, ErrManifestState, "no delivery before the pick-up")
	assert.Equal(t, before, dump(t, f.path))

	// Closing and opening the catalog keeps them, in scan order.
	require.NoError(t, f.cat.Close())
	cat, err := Open(f.ctx, f.path, Options{Now: f.clock.Now, LabelPatterns: datPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	f.cat = cat
	pending, err := f.cat.CourierScans(f.ctx, m.ID, PhasePickup)
	require.NoError(t, err)
	assert.Equal(t, []string{"scan-0001 DLY001L8 expected", "scan-0002 DLY001L8 duplicate", "scan-0003 MON001L8 not-on-manifest",
		"scan-0004 ZZZ999L8 unknown", "scan-0005 HELLO! bad", "scan-0006 DLY\uFFFD[2J\uFFFD bad", "scan-0007 " + strings.Repeat("X", 64) + "… bad"}, results(pending))
	assert.Equal(t, "yamada ["+m.ID+"]", pending[0].ScannedBy)
	assert.Equal(t, "yamada", pending[0].Courier)
	assert.Equal(t, f.clock.Now(), pending[0].ScannedAt)
	none, err := f.cat.CourierScans(f.ctx, m.ID, PhaseDelivery)
	require.NoError(t, err)
	assert.Empty(t, none)

	// The pick-up is recorded: its scans are closed and kept.
	f.clock.Advance(time.Minute)
	_, err = f.cat.Pickup(f.ctx, yamadaOn(m.ID), m.ID, Handover{Courier: "yamada", Barcodes: []string{"DLY001L8"}, AcceptDiscrepancies: true})
	require.NoError(t, err)
	pending, err = f.cat.CourierScans(f.ctx, m.ID, PhasePickup)
	require.NoError(t, err)
	assert.Empty(t, pending)
	_, err = f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "scan-0008", Barcode: "DLY002L8", Courier: "yamada"})
	assert.ErrorIs(t, err, ErrManifestState, "the pick-up is over")

	// The delivery starts empty; a scan ID of the pick-up is a new scan
	// there.
	sc = f.scan(t, m.ID, PhaseDelivery, "scan-0001", "DLY001L8")
	assert.Equal(t, ScanExpected, sc.Result)
	assert.Equal(t, ScanNotOnList, f.scan(t, m.ID, PhaseDelivery, "scan-0010", "DLY002L8").Result, "not carried: left behind at the pick-up")
	pending, err = f.cat.CourierScans(f.ctx, m.ID, PhaseDelivery)
	require.NoError(t, err)
	assert.Equal(t, []string{"scan-0001 DLY001L8 expected", "scan-0010 DLY002L8 not-on-manifest"}, results(pending))

	f.clock.Advance(time.Minute)
	_, err = f.cat.Deliver(f.ctx, yamadaOn(m.ID), m.ID, Handover{Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	history, err := f.cat.CourierScanHistory(f.ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, history, 9, "every scan stays for the audit")
	for _, sc := range history {
		assert.Equal(t, ScansRecorded, sc.Closed, sc.ScanID)
		assert.False(t, sc.ClosedAt.IsZero())
	}
	assert.Equal(t, PhasePickup, history[0].Phase)
	assert.Equal(t, PhaseDelivery, history[8].Phase)
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
}

// A hand-over keeps MaxScansPerHandover scans; one more is refused with
// a reason, and a scan sent again is still answered.
func TestCourierScansCapped(t *testing.T) {
	f := newFixture(t)
	m := courierTrip(t, f)
	tx, err := f.cat.w.BeginTx(f.ctx, nil)
	require.NoError(t, err)
	for i := range MaxScansPerHandover - 1 {
		_, err := tx.ExecContext(f.ctx, `INSERT INTO courier_scans (manifest, phase, scan_id, barcode, result, courier, scanned_by, scanned_at)
			VALUES (?, 'pickup', ?, 'ZZZ999L8', 'unknown', 'yamada', 'yamada', ?)`, m.ID, fmt.Sprintf("filler-%04d", i), timeText(f.clock.Now()))
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())

	assert.Equal(t, ScanExpected, f.scan(t, m.ID, PhasePickup, "last-one", "DLY001L8").Result)
	before := dump(t, f.path)
	_, err = f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "one-too-many", Barcode: "DLY002L8", Courier: "yamada"})
	require.ErrorIs(t, err, ErrBadInput)
	require.ErrorIs(t, err, ErrTooManyScans)
	assert.Contains(t, err.Error(), "2000 scans")
	assert.Equal(t, before, dump(t, f.path))
	assert.Equal(t, ScanExpected, f.scan(t, m.ID, PhasePickup, "last-one", "DLY001L8").Result, "a scan sent again is answered")
}

// courierSession signs a courier in for manifest m with a new code; the
// session is kept under hash.
func (f *fixture) courierSession(t *testing.T, m, courier, hash string) {
	t.Helper()
	cc, err := f.cat.AddCourierCode(f.ctx, operator, CourierCode{Manifest: m, Courier: courier, PINHash: "pin", ExpiresAt: f.clock.Now().Add(72 * time.Hour)}, "code-"+hash)
	require.NoError(t, err)
	require.NoError(t, f.cat.UseCourierCode(f.ctx, cc.ID, hash, Session{Account: courier, Role: "courier", Manifest: m, CreatedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(24 * time.Hour)}))
}

// unusedCode issues a code for m that nobody has used.
func (f *fixture) unusedCode(t *testing.T, m, courier, hash string) {
	t.Helper()
	_, err := f.cat.AddCourierCode(f.ctx, operator, CourierCode{Manifest: m, Courier: courier, PINHash: "pin", ExpiresAt: f.clock.Now().Add(72 * time.Hour)}, hash)
	require.NoError(t, err)
}

func (f *fixture) sessionAlive(t *testing.T, hash string) bool {
	t.Helper()
	_, err := f.cat.SessionByHash(f.ctx, hash)
	if err != nil {
		require.ErrorIs(t, err, ErrAccountNotFound)
	}
	return err == nil
}

// codeValid reports whether a code could still sign someone in: unused
// and not expired.
func (f *fixture) codeValid(t *testing.T, hash string) bool {
	t.Helper()
	cc, err := f.cat.CourierCodeByHash(f.ctx, hash)
	require.NoError(t, err)
	return cc.UsedAt.IsZero() && f.clock.Now().Before(cc.ExpiresAt)
}

// The pick-up leaves the courier signed in for the delivery; the
// delivery ends every session signed in for the manifest and every
// unused code of it, and nothing of other manifests or of staff.
func TestDeliveryEndsCourierAccess(t *testing.T) {
	f := newFixture(t)
	m := courierTrip(t, f)
	f.add(t, "DLY003L8", Storage("honcho", "shelf"), "daily")
	other, err := f.cat.CreateManifest(f.ctx, admin, NewManifest{Destination: "annex", Barcodes: []string{"DLY003L8"}})
	require.NoError(t, err)
	f.courierSession(t, m.ID, "yamada", "phone")
	f.courierSession(t, m.ID, "yamada", "tablet")
	f.unusedCode(t, m.ID, "yamada", "spare-code")
	f.courierSession(t, other.ID, "yamada", "other-trip")
	require.NoError(t, f.cat.AddSession(f.ctx, "staff", Session{Account: "suzuki", Role: "operator", CreatedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(12 * time.Hour)}))

	_, err = f.cat.Pickup(f.ctx, yamadaOn(m.ID), m.ID, Handover{Courier: "yamada", Barcodes: []string{"DLY001L8", "DLY002L8"}})
	require.NoError(t, err)
	for _, s := range []string{"phone", "tablet", "other-trip", "staff"} {
		assert.True(t, f.sessionAlive(t, s), "%s after the pick-up", s)
	}
	assert.True(t, f.codeValid(t, "spare-code"))

	f.clock.Advance(time.Hour)
	_, err = f.cat.Deliver(f.ctx, yamadaOn(m.ID), m.ID, Handover{Barcodes: []string{"DLY001L8", "DLY002L8"}})
	require.NoError(t, err)
	assert.False(t, f.sessionAlive(t, "phone"))
	assert.False(t, f.sessionAlive(t, "tablet"))
	assert.True(t, f.sessionAlive(t, "other-trip"), "another manifest's trip goes on")
	assert.True(t, f.sessionAlive(t, "staff"))
	assert.False(t, f.codeValid(t, "spare-code"), "an unused code of a delivered manifest signs no one in")
	// A code read before the delivery and spent after it opens nothing.
	spare, err := f.cat.CourierCodeByHash(f.ctx, "spare-code")
	require.NoError(t, err)
	err = f.cat.UseCourierCode(f.ctx, spare.ID, "late", Session{Account: "yamada", Role: "courier", Manifest: m.ID, CreatedAt: f.clock.Now(), ExpiresAt: f.clock.Now().Add(24 * time.Hour)})
	require.ErrorIs(t, err, ErrAccountNotFound)
	assert.False(t, f.sessionAlive(t, "late"))
	evs, err := f.cat.Events(f.ctx, EventFilter{Manifest: m.ID, Kind: "courier-code-ended"})
	require.NoError(t, err)
	require.Len(t, evs, 1, "only the unused code is noted")
	assert.Contains(t, evs[0].Reason, "courier yamada, never used, no longer valid: the delivery was recorded")
	res, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, res.OK, res.Problem)
}

// A manifest given to another courier while its pick-up is being
// scanned: the first courier's scans are set aside (kept, closed as
// reassigned), their sessions and unused codes end, and the new courier
// starts from an empty sheet. Assigning the same courier again changes
// nothing of theirs.
func TestReassignedManifestSetsAsideScans(t *testing.T) {
	f := newFixture(t)
	m := courierTrip(t, f)
	_, err := f.cat.AssignCourier(f.ctx, admin, m.ID, "yamada")
	require.NoError(t, err)
	f.courierSession(t, m.ID, "yamada", "yamada-phone")
	f.unusedCode(t, m.ID, "yamada", "yamada-spare")
	f.unusedCode(t, m.ID, "kimura", "kimura-code")
	f.scan(t, m.ID, PhasePickup, "scan-0001", "DLY001L8")
	f.scan(t, m.ID, PhasePickup, "scan-0002", "DLY002L8")

	_, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "kimura")
	require.NoError(t, err)
	pending, err := f.cat.CourierScans(f.ctx, m.ID, PhasePickup)
	require.NoError(t, err)
	assert.Empty(t, pending, "yamada's scans are not kimura's hand-over")
	history, err := f.cat.CourierScanHistory(f.ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, history, 2)
	assert.Equal(t, ScansReassigned, history[0].Closed)
	assert.False(t, f.sessionAlive(t, "yamada-phone"))
	assert.False(t, f.codeValid(t, "yamada-spare"))
	assert.True(t, f.codeValid(t, "kimura-code"))

	kimura := Actor{Name: "kimura [" + m.ID + "]", Role: "courier"}
	sc, err := f.cat.RecordCourierScan(f.ctx, kimura, NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "scan-0003", Barcode: "DLY001L8", Courier: "kimura"})
	require.NoError(t, err)
	assert.Equal(t, ScanExpected, sc.Result, "a first scan for kimura, not a duplicate of yamada's")
	_, err = f.cat.AssignCourier(f.ctx, admin, m.ID, "kimura")
	require.NoError(t, err)
	pending, err = f.cat.CourierScans(f.ctx, m.ID, PhasePickup)
	require.NoError(t, err)
	assert.Equal(t, []string{"scan-0003 DLY001L8 expected"}, results(pending))
	assert.True(t, f.codeValid(t, "kimura-code"))
}

// A cancelled manifest closes its scans as cancelled and ends its
// couriers' sessions.
func TestCancelledManifestClosesScans(t *testing.T) {
	f := newFixture(t)
	m := courierTrip(t, f)
	f.courierSession(t, m.ID, "yamada", "yamada-phone")
	f.scan(t, m.ID, PhasePickup, "scan-0001", "DLY001L8")
	_, err := f.cat.CancelManifest(f.ctx, admin, m.ID, "the courier did not come")
	require.NoError(t, err)
	history, err := f.cat.CourierScanHistory(f.ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, ScansCancelled, history[0].Closed)
	assert.False(t, f.sessionAlive(t, "yamada-phone"))
	_, err = f.cat.RecordCourierScan(f.ctx, yamadaOn(m.ID), NewCourierScan{Manifest: m.ID, Phase: PhasePickup, ScanID: "scan-0002", Barcode: "DLY002L8", Courier: "yamada"})
	assert.ErrorIs(t, err, ErrManifestState)
	assert.True(t, strings.Contains(err.Error(), "cancelled"), err.Error())
}
