package rotation

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// townHall is a small town hall's tape setup on the morning of 1 April
// 2025: a daily rotation of six with two generations away and one at the
// remote data centre, a new grandfather-father-son pool for the tax
// system whose weeklies and monthlies go to the data centre, a release
// pool, and scratch.
func townHall() ([]Pool, View, []Run) {
	pools := []Pool{
		{Name: "daily", Scheme: SchemeCycle, MediaType: "LTO-8", Cycle: &Cycle{Cartridges: 6},
			Offsite: &Offsite{Keep: 2, Site: "annex", RemoteSite: "sendai-dc", TransitDays: 1, LeadDays: 2}},
		{Name: "zei", Scheme: SchemeGFS, MediaType: "LTO-8",
			GFS:     &GFS{Daily: 4, Weekly: 4, Monthly: 3, WeeklyOn: "friday", MonthlyOn: "last-business-day", Holidays: []string{"2025-04-29"}},
			Offsite: &Offsite{Keep: 1, Site: "sendai-dc", Levels: []Level{LevelWeekly, LevelMonthly}, TransitDays: 1}},
		{Name: "sys", Scheme: SchemeRelease, MediaType: "LTO-8", Release: &Release{Keep: 2}},
		{Name: "scratch", Scheme: SchemeScratch},
	}
	mar := func(d int) Generation {
		t := time.Date(2025, time.March, d, 22, 0, 0, 0, jst)
		return Generation{ID: "daily/" + date(t), Time: t, Level: LevelDaily, Status: StatusGood}
	}
	carts := []Cartridge{
		cart("DLY001L8", "daily", StateActive, slot(1), mar(26)),
		cart("DLY002L8", "daily", StateActive, transit(room, time.Time{}), mar(27)),
		cart("DLY003L8", "daily", StateActive, vault("annex"), mar(28)),
		cart("DLY004L8", "daily", StateActive, vault("sendai-dc"), mar(29)),
		cart("DLY005L8", "daily", StateActive, transit("annex", at(2025, time.April, 1, 9)), mar(30)),
		cart("DLY006L8", "daily", StateActive, inDrive(), mar(31)),
		cart("SYS001L8", "sys", StateActive, shelf(), Generation{ID: "release/2025-01-20", Time: at(2025, time.January, 20, 10), Level: LevelRelease, Status: StatusGood}),
		cart("SYS002L8", "sys", StateActive, shelf(), Generation{ID: "release/2025-03-03", Time: at(2025, time.March, 3, 10), Level: LevelRelease, Status: StatusGood}),
		cleaner("CLN001CU", "LTO-CLN", 30, slot(20)),
	}
	for i := 1; i <= 14; i++ {
		carts = append(carts, scratchCart(fmt.Sprintf("SCR%03dL8", i), slot(30+i)))
	}
	var runs []Run
	for d := 1; d <= 30; d++ {
		day := at(2025, time.April, d, 0)
		runs = append(runs,
			Run{Job: "juki-daily", Pool: "daily", Time: day.Add(22 * time.Hour)},
			Run{Job: "web-daily", Pool: "daily", Time: day.Add(22*time.Hour + 30*time.Minute)})
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday && date(day) != "2025-04-29" {
			runs = append(runs, Run{Job: "zei-gfs", Pool: "zei", Time: day.Add(23 * time.Hour)})
		}
	}
	runs = append(runs, Run{Job: "juki-release", Pool: "sys", Time: at(2025, time.April, 18, 10)})
	return pools, View{Sites: testSites, Cartridges: carts}, runs
}

func TestCalendarMonth(t *testing.T) {
	pools, view, runs := townHall()
	s, err := Calendar(pools, view, runs, at(2025, time.April, 1, 9), 30)
	require.NoError(t, err)
	golden(t, "calendar-april", []byte(s.Text()))

	require.Len(t, s.Calendar, 30)
	first := s.Calendar[0]
	assert.Equal(t, "2025-04-01", first.Date)
	assert.Equal(t, "Tue", first.Weekday)
	for _, d := range s.Calendar {
		for _, w := range d.Writes {
			assert.Nil(t, w.Problem, "%s %s: %v", d.Date, w.Job, w.Problem)
		}
	}
	// The new tax pool grows from scratch as its generations need: four
	// dailies, four Friday weeklies and the monthly of 30 April, which
	// overwrote the fifth daily.
	zei := 0
	for _, r := range s.Generations {
		if r.Pool == "zei" {
			zei++
		}
	}
	assert.Equal(t, 9, zei)
}

func TestCalendarWeekJSON(t *testing.T) {
	pools, view, runs := townHall()
	s, err := Calendar(pools, view, runs, at(2025, time.April, 1, 9), 7)
	require.NoError(t, err)
	goldenJSON(t, "calendar-week", s)
}

func TestCalendarShowsProblems(t *testing.T) {
	// A pool without an offsite policy whose next cartridge sits at the
	// annex: every run says what to do instead of writing.
	pool := cyclePool(5)
	carts := fiveDays()
	carts[0].Location = vault("annex")
	runs := []Run{
		{Job: "juki", Pool: "daily", Time: at(2025, time.April, 5, 22)}, // before from: ignored
		{Job: "juki", Pool: "daily", Time: at(2025, time.April, 6, 22)},
	}
	s, err := Calendar([]Pool{pool}, View{Sites: testSites, Cartridges: carts}, runs, at(2025, time.April, 6, 9), 1)
	require.NoError(t, err)
	require.Len(t, s.Calendar[0].Writes, 1)
	w := s.Calendar[0].Writes[0]
	require.NotNil(t, w.Problem)
	assert.Equal(t, CodeRecallNeeded, w.Problem.Code)
	assert.Equal(t, "daily/2025-04-06", w.Generation)
	golden(t, "calendar-problem", []byte(s.Text()))
}

func TestCalendarRejects(t *testing.T) {
	pools, view, runs := townHall()
	from := at(2025, time.April, 1, 9)
	_, err := Calendar(pools, view, runs, from, 0)
	assert.ErrorContains(t, err, "calendar: 0 days: project at least one")

	_, err = Calendar(pools[:1], view, runs, from, 7)
	assert.ErrorContains(t, err, `run of job "zei-gfs": pool "zei" is not among the pools`)

	bad := append(pools, Pool{Name: "tiny", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 3}})
	_, err = Calendar(bad, view, append(runs, Run{Job: "x", Pool: "scratch", Time: from}), from, 7)
	assert.ErrorContains(t, err, `pool "tiny": cycle.cartridges: 3 is below`)
	assert.ErrorContains(t, err, `run of job "x": pool "scratch" is a scratch pool`)
}
