package rotation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeriodOf(t *testing.T) {
	gfs := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{
		Daily: 4, Weekly: 4, Monthly: 12, Yearly: 5,
		WeeklyOn: "Friday", MonthlyOn: "last-business-day", YearlyOn: "03",
	}}
	firstBiz := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{
		Daily: 4, Monthly: 12, MonthlyOn: "first-business-day",
		Holidays: []string{"2025-01-01", "2025-01-02", "2025-01-03"},
	}}
	day31 := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 4, Monthly: 3, MonthlyOn: "31", Yearly: 1, YearlyOn: "02-29"}}
	lastDay31 := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 4, Monthly: 3, MonthlyOn: "31"}}
	lastDay := Pool{Name: "gfs", Scheme: SchemeGFS, GFS: &GFS{Daily: 4, Weekly: 0, WeeklyOn: "fri", Monthly: 3, MonthlyOn: "last-day"}}
	weekly := Pool{Name: "w", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 5, Every: "week"}}
	monthly := Pool{Name: "m", Scheme: SchemeCycle, Cycle: &Cycle{Cartridges: 5, Every: "month"}}
	release := Pool{Name: "sys", Scheme: SchemeRelease, Release: &Release{Keep: 3}}

	tests := []struct {
		name  string
		pool  Pool
		t     time.Time
		key   string
		start time.Time
		end   time.Time
	}{
		{"cycle day", cyclePool(5), at(2025, time.April, 3, 23), "daily/2025-04-03", at(2025, time.April, 3, 0), at(2025, time.April, 4, 0)},
		{"cycle day in the time's own zone", cyclePool(5), time.Date(2025, time.April, 3, 16, 0, 0, 0, time.UTC), "daily/2025-04-03",
			time.Date(2025, time.April, 3, 0, 0, 0, 0, time.UTC), time.Date(2025, time.April, 4, 0, 0, 0, 0, time.UTC)},
		{"cycle day, same instant in JST", cyclePool(5), time.Date(2025, time.April, 3, 16, 0, 0, 0, time.UTC).In(jst), "daily/2025-04-04", at(2025, time.April, 4, 0), at(2025, time.April, 5, 0)},
		{"cycle week from Monday", weekly, at(2025, time.April, 3, 22), "weekly/2025-03-31", at(2025, time.March, 31, 0), at(2025, time.April, 7, 0)},
		{"cycle week on Sunday", weekly, at(2025, time.April, 6, 22), "weekly/2025-03-31", at(2025, time.March, 31, 0), at(2025, time.April, 7, 0)},
		{"cycle month", monthly, at(2025, time.February, 28, 22), "monthly/2025-02-01", at(2025, time.February, 1, 0), at(2025, time.March, 1, 0)},
		{"gfs weekday", gfs, at(2025, time.April, 3, 22), "daily/2025-04-03", at(2025, time.April, 3, 0), at(2025, time.April, 4, 0)},
		{"gfs friday promotes to weekly", gfs, at(2025, time.April, 4, 22), "weekly/2025-04-04", at(2025, time.April, 4, 0), at(2025, time.April, 5, 0)},
		{"gfs last business day promotes to monthly", gfs, at(2025, time.April, 30, 22), "monthly/2025-04-30", at(2025, time.April, 30, 0), at(2025, time.May, 1, 0)},
		{"gfs monthly beats weekly on a friday", gfs, at(2025, time.May, 30, 22), "monthly/2025-05-30", at(2025, time.May, 30, 0), at(2025, time.May, 31, 0)},
		{"gfs saturday after it is daily", gfs, at(2025, time.May, 31, 22), "daily/2025-05-31", at(2025, time.May, 31, 0), at(2025, time.June, 1, 0)},
		{"gfs march's monthly day is yearly", gfs, at(2025, time.March, 31, 22), "yearly/2025-03-31", at(2025, time.March, 31, 0), at(2025, time.April, 1, 0)},
		{"gfs first business day skips holidays and the weekend", firstBiz, at(2025, time.January, 6, 22), "monthly/2025-01-06", at(2025, time.January, 6, 0), at(2025, time.January, 7, 0)},
		{"gfs holiday is not the first business day", firstBiz, at(2025, time.January, 2, 22), "daily/2025-01-02", at(2025, time.January, 2, 0), at(2025, time.January, 3, 0)},
		{"gfs first business day of a plain month", firstBiz, at(2025, time.February, 3, 1), "monthly/2025-02-03", at(2025, time.February, 3, 0), at(2025, time.February, 4, 0)},
		{"gfs day 31 in february is the 28th", lastDay31, at(2025, time.February, 28, 22), "monthly/2025-02-28", at(2025, time.February, 28, 0), at(2025, time.March, 1, 0)},
		{"gfs 29 february in a common year is the 28th", day31, at(2025, time.February, 28, 23), "yearly/2025-02-28", at(2025, time.February, 28, 0), at(2025, time.March, 1, 0)},
		{"gfs day 31 in january", day31, at(2025, time.January, 31, 22), "monthly/2025-01-31", at(2025, time.January, 31, 0), at(2025, time.February, 1, 0)},
		{"gfs 29 february in a leap year is yearly", day31, at(2028, time.February, 29, 22), "yearly/2028-02-29", at(2028, time.February, 29, 0), at(2028, time.March, 1, 0)},
		{"gfs 28 february in a leap year is daily", day31, at(2028, time.February, 28, 22), "daily/2028-02-28", at(2028, time.February, 28, 0), at(2028, time.February, 29, 0)},
		{"gfs last day", lastDay, at(2025, time.June, 30, 22), "monthly/2025-06-30", at(2025, time.June, 30, 0), at(2025, time.July, 1, 0)},
		{"gfs unused weekly level stays daily", lastDay, at(2025, time.June, 27, 22), "daily/2025-06-27", at(2025, time.June, 27, 0), at(2025, time.June, 28, 0)},
		{"release day", release, at(2025, time.April, 18, 10), "release/2025-04-18", at(2025, time.April, 18, 0), at(2025, time.April, 19, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PeriodOf(tc.pool, tc.t)
			require.NoError(t, err)
			assert.Equal(t, tc.key, p.Key)
			assert.True(t, tc.start.Equal(p.Start), "start %s, want %s", p.Start, tc.start)
			assert.True(t, tc.end.Equal(p.End), "end %s, want %s", p.End, tc.end)
			assert.True(t, p.Contains(tc.t))
			assert.False(t, p.Contains(p.End))
		})
	}
}

func TestPeriodOfRejects(t *testing.T) {
	_, err := PeriodOf(Pool{Name: "scratch", Scheme: SchemeScratch}, at(2025, time.April, 1, 0))
	assert.ErrorContains(t, err, "a scratch pool is never written")
	_, err = PeriodOf(Pool{Name: "x", Scheme: SchemeGFS, GFS: &GFS{Daily: 5, Weekly: 2, WeeklyOn: "someday"}}, at(2025, time.April, 1, 0))
	assert.ErrorContains(t, err, `pool "x": gfs.weekly_on: "someday" is not a weekday`)
}
