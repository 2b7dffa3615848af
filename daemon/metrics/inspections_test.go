package metrics

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// An inspection of the annex with one missing cartridge, closed at the
// catalog clock's 2026-11-28 09:00 UTC (1795856400): the annex's last
// inspection is when it closed, the other sites say 0 (never), and the
// finding stays open, with its age, until someone resolves it.
func TestInspectionMetrics(t *testing.T) {
	cfg, cat, now := setup(t)
	ctx := context.Background()
	op := media.Actor{Name: "tanaka", Role: "operator"}
	cfg.Sites[0].InspectEvery = 0 // an unset period reads as the default
	for _, b := range []string{"INS001L8", "INS002L8"} {
		_, err := cat.AddCartridge(ctx, op, media.NewCartridge{Barcode: b, Pool: "daily", Location: media.Storage("hill-annex", "cabinet")})
		require.NoError(t, err)
	}
	in, err := cat.StartInspection(ctx, op, "hill-annex", "")
	require.NoError(t, err)
	_, err = cat.ScanInspection(ctx, op, in.ID, "cabinet", []string{"INS001L8"})
	require.NoError(t, err)
	_, err = cat.CloseInspection(ctx, op, in.ID, false)
	require.NoError(t, err)
	reg := NewRegistry(cfg, cat, &fakeLive{}, Options{Started: now})

	const head = `
# HELP tapewarden_site_last_inspection_timestamp_seconds When the site's last physical inspection closed; 0 if it was never inspected.
# TYPE tapewarden_site_last_inspection_timestamp_seconds gauge
tapewarden_site_last_inspection_timestamp_seconds{site="hill-annex"} 1.7958564e+09
tapewarden_site_last_inspection_timestamp_seconds{site="honcho"} 0
tapewarden_site_last_inspection_timestamp_seconds{site="pref-dc"} 0
# HELP tapewarden_site_inspect_every_seconds How often the site must be physically inspected (sites[].inspect_every).
# TYPE tapewarden_site_inspect_every_seconds gauge
tapewarden_site_inspect_every_seconds{site="hill-annex"} 7.776e+06
tapewarden_site_inspect_every_seconds{site="honcho"} 7.776e+06
tapewarden_site_inspect_every_seconds{site="pref-dc"} 7.776e+06
`
	names := []string{"tapewarden_site_last_inspection_timestamp_seconds", "tapewarden_site_inspect_every_seconds",
		"tapewarden_inspection_findings_open", "tapewarden_inspection_findings_oldest_open_timestamp_seconds"}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(head+`
# HELP tapewarden_inspection_findings_open Inspection findings (missing, misplaced, surplus or unknown cartridges) not yet resolved.
# TYPE tapewarden_inspection_findings_open gauge
tapewarden_inspection_findings_open 1
# HELP tapewarden_inspection_findings_oldest_open_timestamp_seconds When the oldest unresolved inspection finding was noted; absent when none is open.
# TYPE tapewarden_inspection_findings_oldest_open_timestamp_seconds gauge
tapewarden_inspection_findings_oldest_open_timestamp_seconds 1.7958564e+09
`), names...))

	_, err = cat.ResolveFinding(ctx, op, in.ID, "INS002L8", media.Resolution{Lost: true, Note: "searched the annex"})
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(head+`
# HELP tapewarden_inspection_findings_open Inspection findings (missing, misplaced, surplus or unknown cartridges) not yet resolved.
# TYPE tapewarden_inspection_findings_open gauge
tapewarden_inspection_findings_open 0
`), names...))
}
