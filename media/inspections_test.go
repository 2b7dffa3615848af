package media

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cartridgeRows renders the cartridges table, to show that closing an
// inspection moves nothing.
func cartridgeRows(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT barcode, state, loc_kind, loc_site, loc_place, loc_slot FROM cartridges ORDER BY barcode")
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var bc, state, kind string
		var site sql.NullString
		var place string
		var slot sql.NullInt64
		require.NoError(t, rows.Scan(&bc, &state, &kind, &site, &place, &slot))
		fmt.Fprintf(&b, "%s %s %s %s %s %d\n", bc, state, kind, site.String, place, slot.Int64)
	}
	return b.String()
}

func TestInspectionEveryKindOfDifference(t *testing.T) {
	f := newFixture(t)
	f.add(t, "HON001L8", Storage("honcho", "shelf"), "daily") // present
	f.add(t, "HON002L8", Storage("honcho", "shelf"), "daily") // missing
	f.add(t, "HON003L8", Storage("honcho", "shelf"), "daily") // misplaced: in the safe
	f.add(t, "LIB001L8", LibrarySlot("honcho", "lib0", 1), "daily")
	f.add(t, "ANX001L8", Storage("annex", "cabinet"), "daily") // surplus: the catalog has it at the annex
	f.add(t, "LST001L8", Storage("honcho", "safe"), "daily")
	_, err := f.cat.SetState(f.ctx, admin, "LST001L8", Lost, "not found after the move")
	require.NoError(t, err)

	in, err := f.cat.StartInspection(f.ctx, operator, "honcho", "")
	require.NoError(t, err)
	assert.Equal(t, "I-20261128-001", in.ID)
	assert.Equal(t, InspectionOpen, in.State)

	_, err = f.cat.StartInspection(f.ctx, operator, "honcho", "shelf")
	require.ErrorIs(t, err, ErrInspectionState, "one open inspection per site")
	_, err = f.cat.StartInspection(f.ctx, operator, "nowhere", "")
	require.ErrorIs(t, err, ErrUnknownPlace)

	before := dump(t, f.path)
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "", []string{"HON001L8"})
	require.ErrorIs(t, err, ErrBadInput, "a whole-site inspection needs the place of each scan")
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "attic", []string{"HON001L8"})
	require.ErrorIs(t, err, ErrUnknownPlace)
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "shelf", []string{"HON001L8", "bad barcode!"})
	require.Error(t, err)
	_, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.ErrorIs(t, err, ErrInspectionState, "nothing scanned yet")
	assert.Equal(t, before, dump(t, f.path), "refused calls change nothing")

	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "shelf", []string{"hon001l8", "ANX001L8", "ZZZ999L8", "HON001L8"})
	require.NoError(t, err)
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "shelf", []string{"HON003L8"})
	require.NoError(t, err)
	// Seen again in the safe: the later place counts.
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "safe", []string{"HON003L8"})
	require.NoError(t, err)
	in, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "lib0", []string{"LIB001L8"})
	require.NoError(t, err)
	require.Len(t, in.Scans, 5)

	cartsBefore := cartridgeRows(t, f.path)
	f.clock.Advance(time.Hour)
	in, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.NoError(t, err)
	assert.Equal(t, cartsBefore, cartridgeRows(t, f.path), "closing moves no cartridge")
	assert.Equal(t, InspectionClosed, in.State)
	assert.Equal(t, "tanaka", in.ClosedBy)
	assert.Equal(t, 4, in.Expected, "HON001-003 and LIB001; the lost one is not expected")
	assert.Equal(t, []string{"HON001L8", "LIB001L8"}, in.Present)
	type got struct{ barcode, kind, expected, seen string }
	var findings []got
	for _, fd := range in.Findings {
		findings = append(findings, got{fd.Barcode, fd.Kind, fd.Expected, fd.Seen})
		assert.Empty(t, fd.Resolution)
	}
	assert.Equal(t, []got{
		{"ANX001L8", FindingSurplus, "annex/cabinet", "honcho/shelf"},
		{"HON002L8", FindingMissing, "honcho/shelf", ""},
		{"HON003L8", FindingMisplaced, "honcho/shelf", "honcho/safe"},
		{"ZZZ999L8", FindingUnknown, "", "honcho/shelf"},
	}, findings)
	head, err := f.cat.ChainHead(f.ctx)
	require.NoError(t, err)
	require.NotNil(t, in.Chain)
	assert.Equal(t, head, *in.Chain, "the report carries the chain head that includes its closing")
	ev, err := f.cat.Events(f.ctx, EventFilter{Barcode: "HON002L8", Kind: "inspection-finding"})
	require.NoError(t, err)
	require.Len(t, ev, 1)
	assert.Contains(t, ev[0].Reason, "missing")

	stats, err := f.cat.InspectionStats(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(4), stats.OpenFindings)
	assert.Equal(t, f.clock.Now(), stats.OldestOpenFinding.UTC())
	assert.Equal(t, f.clock.Now(), stats.LastBySite["honcho"].UTC())
	_, ok := stats.LastBySite["annex"]
	assert.False(t, ok)

	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "shelf", []string{"HON001L8"})
	require.ErrorIs(t, err, ErrInspectionState)
	_, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.ErrorIs(t, err, ErrInspectionState)

	// Resolving: a person decides, finding by finding.
	safe := Storage("honcho", "safe")
	shelf := Storage("honcho", "shelf")
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "HON001L8", Resolution{Found: &shelf})
	require.ErrorIs(t, err, ErrBadInput, "no finding for a present cartridge")
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "HON002L8", Resolution{Lost: true})
	require.ErrorIs(t, err, ErrBadInput, "lost needs a note")
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "ZZZ999L8", Resolution{Found: &shelf})
	require.ErrorIs(t, err, ErrNotFound, "an unknown cartridge is added first")

	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "HON003L8", Resolution{Found: &safe, Note: "filed in the safe by mistake, left there"})
	require.NoError(t, err)
	c, err := f.cat.Cartridge(f.ctx, "HON003L8")
	require.NoError(t, err)
	assert.Equal(t, safe, c.Location)

	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "ANX001L8", Resolution{Found: &shelf, Note: "came back without a manifest"})
	require.NoError(t, err)
	c, err = f.cat.Cartridge(f.ctx, "ANX001L8")
	require.NoError(t, err)
	assert.Equal(t, shelf, c.Location)

	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "HON002L8", Resolution{Lost: true, Note: "searched both buildings"})
	require.NoError(t, err)
	c, err = f.cat.Cartridge(f.ctx, "HON002L8")
	require.NoError(t, err)
	assert.Equal(t, Lost, c.State)

	in, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "ZZZ999L8", Resolution{Lost: true, Note: "a visitor's tape, returned"})
	require.NoError(t, err)
	res := map[string]string{}
	for _, fd := range in.Findings {
		res[fd.Barcode] = fd.Resolution
	}
	assert.Equal(t, map[string]string{"ANX001L8": "moved", "HON002L8": "lost", "HON003L8": "moved", "ZZZ999L8": "lost"}, res)
	assert.Equal(t, 0, in.OpenFindings())
	_, err = f.cat.ResolveFinding(f.ctx, admin, in.ID, "HON003L8", Resolution{Found: &safe})
	require.ErrorIs(t, err, ErrBadInput, "already resolved")

	moved, err := f.cat.Events(f.ctx, EventFilter{Barcode: "HON003L8", Kind: "moved"})
	require.NoError(t, err)
	require.Len(t, moved, 1)
	assert.Equal(t, "honcho/shelf", moved[0].From)
	assert.Equal(t, "honcho/safe", moved[0].To)
	assert.Contains(t, moved[0].Reason, in.ID)

	list, err := f.cat.Inspections(f.ctx, InspectionFilter{Site: "honcho"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	stats, err = f.cat.InspectionStats(f.ctx)
	require.NoError(t, err)
	assert.Zero(t, stats.OpenFindings)
	assert.True(t, stats.OldestOpenFinding.IsZero())

	v, err := f.cat.Verify(f.ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK, "the audit chain holds")
}

func TestInspectionOfOnePlace(t *testing.T) {
	f := newFixture(t)
	f.add(t, "HON001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "HON002L8", Storage("honcho", "safe"), "daily") // out of scope, not missing
	in, err := f.cat.StartInspection(f.ctx, operator, "honcho", "shelf")
	require.NoError(t, err)
	_, err = f.cat.ScanInspection(f.ctx, operator, in.ID, "", []string{"HON001L8"})
	require.NoError(t, err)
	in, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.NoError(t, err)
	assert.Equal(t, 1, in.Expected)
	assert.Empty(t, in.Findings)
	assert.Equal(t, []string{"HON001L8"}, in.Present)

	// An empty place closes only when the inspector says it is empty.
	in, err = f.cat.StartInspection(f.ctx, operator, "honcho", "safe")
	require.NoError(t, err)
	_, err = f.cat.CloseInspection(f.ctx, operator, in.ID, false)
	require.ErrorIs(t, err, ErrInspectionState)
	in, err = f.cat.CloseInspection(f.ctx, operator, in.ID, true)
	require.NoError(t, err)
	require.Len(t, in.Findings, 1)
	assert.Equal(t, FindingMissing, in.Findings[0].Kind)
}
