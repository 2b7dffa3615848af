package rotation

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// offsitePool is a daily cycle of six keeping two generations at the annex
// and one at the remote data centre.
func offsitePool() Pool {
	p := cyclePool(6)
	p.Offsite = &Offsite{Keep: 2, Site: "annex", RemoteSite: "sendai-dc", TransitDays: 1, LeadDays: 2}
	return p
}

// sixDays are DLY001…DLY006 holding 1…6 April, at the given locations.
func sixDays(locs ...Location) []Cartridge {
	var cs []Cartridge
	for i := 1; i <= 6; i++ {
		loc := slot(i)
		if i <= len(locs) {
			loc = locs[i-1]
		}
		cs = append(cs, cart(fmt.Sprintf("DLY%03dL8", i), "daily", StateActive, loc, daily(i, StatusGood)))
	}
	return cs
}

// nightly returns runs of job at 22:00 on days from..to of April 2025.
func nightly(job, pool string, from, to int) []Run {
	var rs []Run
	for d := from; d <= to; d++ {
		rs = append(rs, Run{Job: job, Pool: pool, Time: at(2025, time.April, d, 22)})
	}
	return rs
}

func TestPlan(t *testing.T) {
	morning := at(2025, time.April, 7, 9)
	runs := nightly("juki-daily", "daily", 7, 14)
	annex, sendai := vault("annex"), vault("sendai-dc")
	type move struct{ barcode, to string }
	gfs := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 3, Weekly: 3, WeeklyOn: "friday"},
		Offsite: &Offsite{Keep: 1, Site: "annex", Levels: []Level{LevelWeekly}}}

	tests := []struct {
		name     string
		pool     Pool
		carts    []Cartridge
		runs     []Run
		now      time.Time
		sends    []move
		recalls  []string
		problems []Code
		status   OffsiteStatus
	}{
		{
			name:    "steady state",
			pool:    offsitePool(),
			carts:   sixDays(annex, annex, sendai, annex, annex, slot(6)),
			runs:    runs,
			now:     morning,
			sends:   []move{{"DLY006L8", "sendai-dc"}},
			recalls: []string{"DLY001L8", "DLY002L8"},
			status:  OffsiteStatus{Keep: 2, Away: 5, RemoteSite: "sendai-dc", Remote: 1, Compliant: true},
		},
		{
			name:     "the last generation away is not recalled",
			pool:     offsitePool(),
			carts:    sixDays(annex),
			runs:     runs,
			now:      morning,
			sends:    []move{{"DLY005L8", "annex"}, {"DLY006L8", "sendai-dc"}},
			problems: []Code{CodeHoldLastOffsite, CodeBelowMinimum, CodeNoRemote},
			status:   OffsiteStatus{Keep: 2, Away: 1, RemoteSite: "sendai-dc"},
		},
		{
			name:     "the last generation at the remote site is not recalled",
			pool:     offsitePool(),
			carts:    sixDays(slot(1), sendai, annex, annex, transit("annex", at(2025, time.April, 8, 9)), slot(6)),
			runs:     runs,
			now:      morning,
			sends:    []move{{"DLY006L8", "sendai-dc"}},
			problems: []Code{CodeHoldLastRemote},
			status:   OffsiteStatus{Keep: 2, Away: 3, InTransit: 1, RemoteSite: "sendai-dc", Remote: 1, Compliant: true},
		},
		{
			name:     "cartridges in transit do not count as away",
			pool:     offsitePool(),
			carts:    sixDays(slot(1), slot(2), slot(3), transit("annex", time.Time{}), transit("sendai-dc", time.Time{})),
			runs:     runs,
			now:      morning,
			sends:    []move{{"DLY006L8", "annex"}},
			problems: []Code{CodeBelowMinimum, CodeNoRemote},
			status:   OffsiteStatus{Keep: 2, InTransit: 2, RemoteSite: "sendai-dc"},
		},
		{
			name: "expired cartridges come back, retired ones for disposal",
			pool: offsitePool(),
			carts: append(sixDays(slot(1), slot(2), annex, annex, sendai, slot(6)),
				cart("DLY000L8", "daily", StateActive, annex, daily(0, StatusGood)),
				cart("DLY009L8", "daily", StateRetired, sendai, Generation{ID: "daily/2025-03-01", Time: at(2025, time.March, 1, 22), Status: StatusGood})),
			now:     morning,
			sends:   []move{{"DLY006L8", "annex"}},
			recalls: []string{"DLY000L8", "DLY009L8"},
			status:  OffsiteStatus{Keep: 2, Away: 5, RemoteSite: "sendai-dc", Remote: 2, Compliant: true},
		},
		{
			name:     "an expired generation that is the last away stays",
			pool:     offsitePool(),
			carts:    append(sixDays(), cart("DLY000L8", "daily", StateActive, annex, daily(0, StatusGood))),
			now:      morning,
			sends:    []move{{"DLY005L8", "annex"}, {"DLY006L8", "sendai-dc"}},
			problems: []Code{CodeHoldLastOffsite, CodeBelowMinimum, CodeNoRemote},
			status:   OffsiteStatus{Keep: 2, Away: 1, RemoteSite: "sendai-dc"},
		},
		{
			name:    "a cartridge on its way out that is needed soon is turned back",
			pool:    offsitePool(),
			carts:   sixDays(transit("annex", time.Time{}), annex, sendai, annex, annex, slot(6)),
			runs:    runs,
			now:     morning,
			sends:   []move{{"DLY006L8", "sendai-dc"}},
			recalls: []string{"DLY001L8", "DLY002L8"},
			status:  OffsiteStatus{Keep: 2, Away: 4, InTransit: 1, RemoteSite: "sendai-dc", Remote: 1, Compliant: true},
		},
		{
			name:  "tonight's generation is not sent before its period ends",
			pool:  offsitePool(),
			carts: append(sixDays(slot(1), annex, sendai, annex, annex, annex), cart("DLY007L8", "daily", StateActive, slot(7), daily(7, StatusGood))),
			runs:  runs,
			now:   at(2025, time.April, 7, 23),
			// DLY002 is written tomorrow night: inside the lead time.
			recalls:  []string{"DLY002L8"},
			problems: []Code{CodeCannotSend},
			status:   OffsiteStatus{Keep: 2, Away: 5, RemoteSite: "sendai-dc", Remote: 1, Compliant: true},
		},
		{
			name:     "a remote site failing the rules is reported",
			pool:     func() Pool { p := offsitePool(); p.Offsite.RemoteSite = "harbour-store"; return p }(),
			carts:    sixDays(annex, annex, vault("harbour-store"), annex, annex, slot(6)),
			runs:     runs,
			now:      morning,
			sends:    []move{{"DLY006L8", "harbour-store"}},
			recalls:  []string{"DLY001L8", "DLY002L8"},
			problems: []Code{CodeRemoteUnqualified, CodeNoRemote},
			status:   OffsiteStatus{Keep: 2, Away: 5, RemoteSite: "harbour-store"},
		},
		{
			name: "only the travelling levels go",
			pool: gfs,
			carts: []Cartridge{
				cart("G1", "gfs", StateActive, shelf(), gen("weekly/2025-04-04", at(2025, time.April, 4, 22), LevelWeekly)),
				cart("G2", "gfs", StateActive, shelf(), gen("daily/2025-04-07", at(2025, time.April, 7, 22), LevelDaily)),
				cart("G3", "gfs", StateActive, shelf(), gen("daily/2025-04-08", at(2025, time.April, 8, 22), LevelDaily)),
			},
			now:      at(2025, time.April, 9, 9),
			sends:    []move{{"G1", "annex"}},
			problems: []Code{CodeBelowMinimum},
			status:   OffsiteStatus{Keep: 1},
		},
		{
			name:     "a remote destination that cannot be fed",
			pool:     offsitePool(),
			carts:    sixDays(annex, annex, annex, annex, annex, annex),
			runs:     runs,
			now:      morning,
			recalls:  []string{"DLY001L8", "DLY002L8"},
			problems: []Code{CodeCannotSend, CodeNoRemote},
			status:   OffsiteStatus{Keep: 2, Away: 6, RemoteSite: "sendai-dc"},
		},
		{
			name:   "no offsite policy",
			pool:   cyclePool(5),
			carts:  fiveDays(),
			now:    morning,
			status: OffsiteStatus{Compliant: true},
		},
	}
	plans := map[string]OffsitePlan{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Plan(tc.pool, View{Sites: testSites, Cartridges: tc.carts}, tc.runs, tc.now)
			require.NoError(t, err)
			plans[tc.name] = plan
			var sends []move
			for _, m := range plan.Sends {
				sends = append(sends, move{m.Barcode, m.To})
			}
			var recalls []string
			for _, m := range plan.Recalls {
				recalls = append(recalls, m.Barcode)
				assert.Equal(t, room, m.To)
			}
			assert.Equal(t, tc.sends, sends, "sends")
			assert.Equal(t, tc.recalls, recalls, "recalls")
			assert.Equal(t, tc.problems, nilIfEmpty(codes(plan.Problems)), "problems")
			assert.Equal(t, tc.status, plan.Status)
		})
	}
	goldenJSON(t, "plan", plans)
}

func TestPlanRejectsBadPools(t *testing.T) {
	_, err := Plan(cyclePool(2), View{}, nil, at(2025, time.April, 1, 9))
	assert.ErrorContains(t, err, `offsite plan for pool "daily": pool "daily": cycle.cartridges: 2 is below`)
	plan, err := Plan(Pool{Name: "scratch", Scheme: SchemeScratch}, View{}, nil, at(2025, time.April, 1, 9))
	require.NoError(t, err)
	assert.True(t, plan.Status.Compliant)
}
