package daemon

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// fourNights starts the demo world on nightly schedules and runs the
// resident registry's backup on the nights of 1 to 4 April 2025, leaving
// the clock on the morning of the 5th: the daily pool holds four good
// generations, none of them away yet, and the two monthly cartridges at
// the remote data centre hold nothing.
func fourNights(t *testing.T) (*harness, *stillClock) {
	t.Helper()
	clock := &stillClock{now: jst(2025, 4, 1, 20, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock))
	for day := 1; day <= 4; day++ {
		runJobAt(t, h, clock, "juki-daily", jst(2025, 4, day, 22, 0))
	}
	clock.Set(jst(2025, 4, 5, 9, 0))
	return h, clock
}

func poolPlan(t *testing.T, p report.CourierPlan, pool string) report.PoolPlan {
	t.Helper()
	for _, pp := range p.Pools {
		if pp.Pool == pool {
			return pp
		}
	}
	t.Fatalf("no plan for pool %s in %+v", pool, p)
	return report.PoolPlan{}
}

func barcodesOf(moves []report.CourierMove) []string {
	out := []string{}
	for _, m := range moves {
		out = append(out, m.Barcode)
	}
	return out
}

func TestCourierPlanSendsAndRecalls(t *testing.T) {
	h, _ := fourNights(t)
	var p report.CourierPlan
	h.ok("GET", "/v1/courier/plan", nil, &p)
	policyGoldenJSON(t, "courier-plan.golden.json", p)
	assert.Equal(t, "en", p.Language, "the configured language")
	assert.Equal(t, "2025-04-05", p.Date)
	assert.Equal(t, "Sat", p.Weekday)
	assert.Equal(t, "honcho", p.Site)
	assert.Empty(t, p.Note, "today's plan needs no caveat")
	assert.True(t, p.RunsUntil.After(p.Departs.AddDate(0, 0, 2)), "the monthly pool recalls two days ahead")

	daily := poolPlan(t, p, "daily")
	assert.Equal(t, rotation.OffsiteStatus{Keep: 1}, daily.Status)
	require.Len(t, daily.Sends, 1)
	send := daily.Sends[0]
	assert.Equal(t, "DLY004L8", send.Barcode, "the newest good generation goes")
	assert.Equal(t, "hill-annex", send.To)
	assert.Equal(t, []string{"daily/2025-04-04"}, send.Generations)
	assert.Equal(t, rotation.CodeSend, send.Reason.Code)
	assert.Equal(t, "honcho/lib0/slot/4", send.Location)
	assert.Empty(t, send.Manifest)
	assert.Empty(t, daily.Recalls)

	monthly := poolPlan(t, p, "monthly")
	assert.Equal(t, "pref-dc", monthly.Status.RemoteSite)
	assert.False(t, monthly.Status.Compliant)
	assert.Equal(t, []string{"MON005L8", "MON006L8"}, barcodesOf(monthly.Recalls))
	for _, m := range monthly.Recalls {
		assert.Equal(t, "honcho", m.To)
		assert.Equal(t, "pref-dc/vault", m.Location)
		assert.Equal(t, rotation.CodeRecallExpired, m.Reason.Code)
	}
	var codes []rotation.Code
	for _, r := range monthly.Problems {
		codes = append(codes, r.Code)
	}
	assert.Contains(t, codes, rotation.CodeNoRemote)

	// A cartridge already on a manifest says which.
	ctx := context.Background()
	m, err := h.d.Catalog().CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"DLY004L8"}})
	require.NoError(t, err)
	h.ok("GET", "/v1/courier/plan", nil, &p)
	send = poolPlan(t, p, "daily").Sends[0]
	assert.Equal(t, m.ID, send.Manifest)
	assert.Equal(t, media.ManifestOpen, send.ManifestState)
	assert.Equal(t, "hill-annex", send.ManifestDestination)

	// Another day: the courier leaves at 09:00 unless told; the plan says
	// it is made from today's catalog.
	h.ok("GET", "/v1/courier/plan?date=2025-04-07", nil, &p)
	assert.Equal(t, jst(2025, 4, 7, 9, 0), p.Departs.In(tokyoZone))
	assert.NotEmpty(t, p.Note)
	h.ok("GET", "/v1/courier/plan?date=tomorrow&at=14:30", nil, &p)
	assert.Equal(t, jst(2025, 4, 6, 14, 30), p.Departs.In(tokyoZone))

	for _, bad := range []struct{ query, says string }{
		{"date=2025-04-04", "in the past"},
		{"date=04/06/2025", "YYYY-MM-DD"},
		{"at=25:00", "HH:MM"},
		{"lang=fr", `lang \"fr\": tapewarden writes en (English) and ja (Japanese)`},
	} {
		status, body := h.call("GET", "/v1/courier/plan?"+bad.query, nil)
		assert.Equal(t, http.StatusBadRequest, status, bad.query)
		assert.Contains(t, string(body), bad.says, bad.query)
	}
}

func TestCourierPlanInJapanese(t *testing.T) {
	h, _ := fourNights(t)
	var en, ja report.CourierPlan
	h.ok("GET", "/v1/courier/plan", nil, &en)
	h.ok("GET", "/v1/courier/plan?lang=ja", nil, &ja)
	policyGoldenJSON(t, "courier-plan.ja.golden.json", ja)
	assert.Equal(t, "ja", ja.Language)
	assert.Equal(t, en.Date, ja.Date)
	assert.Equal(t, en.Weekday, ja.Weekday, "the weekday is a code")

	daily := poolPlan(t, ja, "daily")
	assert.Equal(t, "hill-annex に 1 世代を遠隔地保管、搬送日数 0日、1日前に返却を手配", daily.Policy)
	monthly := poolPlan(t, ja, "monthly")
	assert.Contains(t, monthly.Policy, "pref-dc に 2 世代を遠隔地保管")
	// The same moves, the same codes and places; only the words differ.
	require.Len(t, daily.Sends, 1)
	assert.Equal(t, poolPlan(t, en, "daily").Sends[0].Location, daily.Sends[0].Location)
	assert.Equal(t, poolPlan(t, en, "daily").Sends[0].Reason.Code, daily.Sends[0].Reason.Code)
	assert.Equal(t, barcodesOf(poolPlan(t, en, "monthly").Recalls), barcodesOf(monthly.Recalls))

	// A later day's plan says in Japanese what it cannot know.
	h.ok("GET", "/v1/courier/plan?date=2025-04-07&lang=ja", nil, &ja)
	assert.Contains(t, ja.Note, "現在のカタログに基づく計画です")
	assert.Contains(t, ja.Note, "'tapewarden rotation calendar'", "commands stay as they are")
}

// A manifest made from the offsite plan is noted in the configured
// language, the note the person gave kept as it is.
func TestManifestsFromPlanNotedInTheConfiguredLanguage(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 1, 20, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock), func(cfg *config.Config, _ *Options) { cfg.Language = "ja" })
	for day := 1; day <= 4; day++ {
		runJobAt(t, h, clock, "juki-daily", jst(2025, 4, day, 22, 0))
	}
	clock.Set(jst(2025, 4, 5, 9, 0))
	var res report.FromPlanResult
	h.ok("POST", "/v1/manifests/from-plan", report.FromPlanRequest{Note: "火曜便"}, &res)
	require.NotEmpty(t, res.Created)
	for _, m := range res.Created {
		assert.Equal(t, "2025年4月5日(土) の遠隔地保管計画から作成：火曜便", m.Note)
	}
}

func TestManifestsFromPlan(t *testing.T) {
	h, _ := fourNights(t)
	var res report.FromPlanResult
	h.ok("POST", "/v1/manifests/from-plan", report.FromPlanRequest{Note: "Tuesday run"}, &res)
	require.Len(t, res.Created, 2)
	out, back := res.Created[0], res.Created[1]
	assert.Equal(t, []string{"honcho", "hill-annex"}, []string{out.Origin, out.Destination})
	assert.Equal(t, []media.ManifestItem{{Barcode: "DLY004L8", Status: "listed", Handling: media.Handling{Confidentiality: 2, Integrity: 2}}}, out.Items)
	assert.Equal(t, []string{"pref-dc", "honcho"}, []string{back.Origin, back.Destination})
	assert.Equal(t, []media.ManifestItem{{Barcode: "MON005L8", Status: "listed"}, {Barcode: "MON006L8", Status: "listed"}}, back.Items)
	for _, m := range res.Created {
		assert.Equal(t, media.ManifestOpen, m.State)
		assert.Equal(t, "from the offsite plan of 2025-04-05: Tuesday run", m.Note)
	}
	assert.Empty(t, res.Skipped)
	require.Len(t, res.Reminders, 1)
	assert.Contains(t, res.Reminders[0], "DLY004L8 is in library lib0 slot 4: the daemon moves it to a mail slot within a minute")
	assert.NotContains(t, res.Reminders[0], "library export", "the daemon exports it itself: the operator is not told to")

	// Again: everything is on a manifest already, nothing new.
	h.ok("POST", "/v1/manifests/from-plan", report.FromPlanRequest{}, &res)
	assert.Empty(t, res.Created)
	assert.Equal(t, []string{"DLY004L8", "MON005L8", "MON006L8"}, []string{res.Skipped[0].Barcode, res.Skipped[1].Barcode, res.Skipped[2].Barcode})
	assert.Contains(t, res.Skipped[0].Reason, "already on manifest "+out.ID)

	// A cancelled manifest no longer counts.
	ctx := context.Background()
	_, err := h.d.Catalog().CancelManifest(ctx, tester, out.ID, "courier not coming today")
	require.NoError(t, err)
	h.ok("POST", "/v1/manifests/from-plan", report.FromPlanRequest{}, &res)
	require.Len(t, res.Created, 1)
	assert.Equal(t, "hill-annex", res.Created[0].Destination)
	assert.Len(t, res.Skipped, 2)
}

func TestManifestsFromAnEmptyPlanAreRefused(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 5, 9, 0)}
	h := startDaemon(t, withClock(clock)) // no cartridges at all
	status, body := h.call("POST", "/v1/manifests/from-plan", report.FromPlanRequest{})
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, string(body), "sends and recalls nothing; no manifest was created")
	list, err := h.d.Catalog().Manifests(context.Background(), media.ManifestFilter{})
	require.NoError(t, err)
	assert.Empty(t, list)
}

// failingMaker is the catalog, except that the catalog changes just before
// manifest number failCreate is created (the cartridge loseBefore is
// reported lost) and cancelling fails from cancel number failCancel on.
type failingMaker struct {
	cat                    *media.Catalog
	failCreate, failCancel int
	loseBefore             string
	creates, cancels       int
}

func (m *failingMaker) CreateManifest(ctx context.Context, actor media.Actor, n media.NewManifest) (media.Manifest, error) {
	m.creates++
	if m.creates == m.failCreate {
		if _, err := m.cat.SetState(ctx, tester, m.loseBefore, media.Lost, "dropped in the car park"); err != nil {
			return media.Manifest{}, err
		}
	}
	return m.cat.CreateManifest(ctx, actor, n)
}

func (m *failingMaker) CancelManifest(ctx context.Context, actor media.Actor, id, reason string) (media.Manifest, error) {
	m.cancels++
	if m.failCancel > 0 && m.cancels >= m.failCancel {
		return media.Manifest{}, errors.New("disk full")
	}
	return m.cat.CancelManifest(ctx, actor, id, reason)
}

func TestManifestsFromPlanAreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	active := func(t *testing.T, h *harness) []media.Manifest {
		t.Helper()
		list, err := h.d.Catalog().Manifests(ctx, media.ManifestFilter{Active: true})
		require.NoError(t, err)
		return list
	}

	t.Run("the first manifest is refused", func(t *testing.T) {
		h, _ := fourNights(t)
		mk := &failingMaker{cat: h.d.Catalog(), failCreate: 1, loseBefore: "DLY004L8"}
		_, err := pagesWith(h, mk).ManifestsFromPlan(ctx, tester, report.FromPlanRequest{})
		require.ErrorIs(t, err, media.ErrNotMovable)
		assert.Contains(t, err.Error(), "DLY004L8 is reported lost")
		assert.Contains(t, err.Error(), "no manifest was created")
		assert.Empty(t, active(t, h))
	})

	t.Run("the second manifest is refused: the first is withdrawn", func(t *testing.T) {
		h, _ := fourNights(t)
		mk := &failingMaker{cat: h.d.Catalog(), failCreate: 2, loseBefore: "MON006L8"}
		_, err := pagesWith(h, mk).ManifestsFromPlan(ctx, tester, report.FromPlanRequest{})
		require.ErrorIs(t, err, media.ErrNotMovable)
		assert.Contains(t, err.Error(), "create the manifest from pref-dc to honcho (MON005L8 MON006L8)")
		assert.Contains(t, err.Error(), "were cancelled, so nothing is left open")
		assert.Empty(t, active(t, h))
		all, err := h.d.Catalog().Manifests(ctx, media.ManifestFilter{})
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, media.ManifestCancelled, all[0].State)
		events, err := h.d.Catalog().Events(ctx, media.EventFilter{Manifest: all[0].ID, Kind: "manifest-cancelled"})
		require.NoError(t, err)
		require.Len(t, events, 1)
		assert.Contains(t, events[0].Reason, "withdrawn: made from the offsite plan together with a manifest the catalog refused")
	})

	t.Run("withdrawing fails too: the error names what is left open", func(t *testing.T) {
		h, _ := fourNights(t)
		mk := &failingMaker{cat: h.d.Catalog(), failCreate: 2, loseBefore: "MON005L8", failCancel: 1}
		_, err := pagesWith(h, mk).ManifestsFromPlan(ctx, tester, report.FromPlanRequest{})
		require.Error(t, err)
		left := active(t, h)
		require.Len(t, left, 1)
		assert.Contains(t, err.Error(), "manifests "+left[0].ID+" could not be withdrawn: cancel them")
	})

}

// TestCourierRounds runs a fortnight of nights and mornings: each night
// the registry and the family register are backed up, each morning the
// courier takes the day's plan, and what comes back goes into the
// library. The daily pool reaches its policy and keeps it; the plan sends
// every day, and brings cartridges back once nothing on them is kept.
func TestCourierRounds(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 1, 9, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock))
	ctx := context.Background()
	recalls := map[rotation.Code]int{}
	for day := 1; day <= 12; day++ {
		clock.Set(jst(2025, 4, day, 9, 0))
		p, err := h.d.report.CourierPlan(ctx, i18n.English, "", "")
		require.NoError(t, err)
		daily := poolPlan(t, p, "daily")
		if day >= 3 {
			assert.True(t, daily.Status.Compliant, "day %d: %+v", day, daily.Status)
		}
		if day >= 2 {
			assert.Len(t, daily.Sends, 1, "day %d: yesterday's generation goes", day)
		}
		for _, m := range daily.Recalls {
			recalls[m.Reason.Code]++
		}
		if len(p.Moves()) > 0 {
			res := courierTrip(t, h, clock, jst(2025, 4, day, 9, 0))
			for _, m := range res.Created {
				if m.Destination == "honcho" {
					for _, it := range m.Items {
						fileInLibrary(t, h, it.Barcode)
					}
				}
			}
		}
		runJobAt(t, h, clock, "juki-daily", jst(2025, 4, day, 22, 0))
		runJobAt(t, h, clock, "koseki-daily", jst(2025, 4, day, 22, 30))
	}
	assert.Positive(t, recalls[rotation.CodeRecallDue]+recalls[rotation.CodeRecallExpired], "the daily pool's cartridges come back to be written again: %v", recalls)
}

// pagesWith is the daemon's report pages with manifests made by mk.
func pagesWith(h *harness, mk report.ManifestMaker) *report.Pages {
	return report.New(h.cfg, h.d.Catalog(), report.Options{Now: h.d.eng.Now, Manifests: mk})
}
