package rotation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Period is one rotation period of a pool: every run of the pool's jobs
// whose time falls in [Start, End) belongs to the same generation, of level
// Level. Key identifies the generation within the pool, for example
// "daily/2025-04-03" or "weekly/2025-04-04"; the daemon uses it as the
// generation's ID.
type Period struct {
	Level Level     `json:"level"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Key   string    `json:"key"`
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// holds reports whether g is the period's generation: recorded under its
// Key, or begun within it.
func (p Period) holds(g Generation) bool { return g.ID == p.Key || p.Contains(g.Time) }

var cycleLevels = map[string]Level{"": LevelDaily, "day": LevelDaily, "week": LevelWeekly, "month": LevelMonthly}

func cycleLevel(every string) Level {
	if l, ok := cycleLevels[every]; ok {
		return l
	}
	return LevelDaily
}

// PeriodOf returns the period a run of the pool at time t belongs to, with
// calendar dates taken in t's location. Cycle pools have periods of a day,
// a week (from Monday) or a month; grandfather-father-son pools a day whose
// level is its promotion; release pools a day. Scratch pools have no
// periods and an invalid pool gives an error.
func PeriodOf(pool Pool, t time.Time) (Period, error) {
	if err := pool.Validate(); err != nil {
		return Period{}, fmt.Errorf("period of pool %q: %w", pool.Name, err)
	}
	return pool.period(t)
}

// period is PeriodOf for a pool known to be valid.
func (pool Pool) period(t time.Time) (Period, error) {
	day := dayStart(t)
	p := Period{Start: day, End: day.AddDate(0, 0, 1)}
	switch pool.Scheme {
	case SchemeCycle:
		p.Level = cycleLevel(pool.Cycle.Every)
		switch p.Level {
		case LevelWeekly:
			back := (int(day.Weekday()) + 6) % 7 // days since Monday
			p.Start = day.AddDate(0, 0, -back)
			p.End = p.Start.AddDate(0, 0, 7)
		case LevelMonthly:
			p.Start = day.AddDate(0, 0, 1-day.Day())
			p.End = p.Start.AddDate(0, 1, 0)
		}
	case SchemeGFS:
		p.Level = pool.GFS.level(day)
	case SchemeRelease:
		p.Level = LevelRelease
	default:
		return Period{}, fmt.Errorf("period of pool %q: a %s pool is never written", pool.Name, pool.Scheme)
	}
	p.Key = string(p.Level) + "/" + date(p.Start)
	return p, nil
}

// level returns the level of a run on day (midnight, in its location).
func (g GFS) level(day time.Time) Level {
	if g.Yearly > 0 && g.isYearly(day) {
		return LevelYearly
	}
	if g.Monthly > 0 {
		if md, err := parseMonthDay(g.MonthlyOn); err == nil && g.onMonthDay(day, md) {
			return LevelMonthly
		}
	}
	if g.Weekly > 0 {
		if wd, err := parseWeekday(g.WeeklyOn); err == nil && day.Weekday() == wd {
			return LevelWeekly
		}
	}
	return LevelDaily
}

func (g GFS) isYearly(day time.Time) bool {
	y, err := parseYearDay(g.YearlyOn)
	if err != nil || day.Month() != y.month {
		return false
	}
	if y.day == 0 {
		md, err := parseMonthDay(g.MonthlyOn)
		return err == nil && g.onMonthDay(day, md)
	}
	last := daysIn(day)
	return day.Day() == min(y.day, last)
}

// monthDay is a rule choosing one day of each month.
type monthDay struct {
	rule string // "first-business-day", "last-business-day", "last-day" or "day"
	day  int    // for rule "day"
}

func parseMonthDay(s string) (monthDay, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "first-business-day", "last-business-day", "last-day":
		return monthDay{rule: s}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 31 {
		return monthDay{}, fmt.Errorf("%q is not a day of the month (use first-business-day, last-business-day, last-day or 1 … 31)", s)
	}
	return monthDay{rule: "day", day: n}, nil
}

// onMonthDay reports whether day is the day md picks in its month.
func (g GFS) onMonthDay(day time.Time, md monthDay) bool {
	first := day.AddDate(0, 0, 1-day.Day())
	last := first.AddDate(0, 0, daysIn(day)-1)
	switch md.rule {
	case "last-day":
		return day.Day() == last.Day()
	case "day":
		return day.Day() == min(md.day, last.Day())
	case "first-business-day":
		for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
			if g.businessDay(d) {
				return d.Day() == day.Day()
			}
		}
	case "last-business-day":
		for d := last; d.Month() == last.Month(); d = d.AddDate(0, 0, -1) {
			if g.businessDay(d) {
				return d.Day() == day.Day()
			}
		}
	}
	return false
}

// businessDay reports whether day is a weekday and not a holiday.
func (g GFS) businessDay(day time.Time) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !slices.Contains(g.Holidays, date(day))
}

// daysIn returns the number of days in t's month.
func daysIn(t time.Time) int {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	return first.AddDate(0, 1, -1).Day()
}

// weekdays maps "friday" and "fri" to time.Friday, and so on.
var weekdays = func() map[string]time.Weekday {
	m := map[string]time.Weekday{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		m[name] = d
		m[name[:3]] = d
	}
	return m
}()

func parseWeekday(s string) (time.Weekday, error) {
	if d, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not a weekday (use monday … sunday)", s)
}

// yearDay is the yearly promotion date; day 0 means the month's monthly
// promotion day.
type yearDay struct {
	month time.Month
	day   int
}

func parseYearDay(s string) (yearDay, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a month and day MM-DD (e.g. 03-31) or a month MM", s)
	m, d, hasDay := strings.Cut(s, "-")
	month, err := strconv.Atoi(m)
	if err != nil || month < 1 || month > 12 {
		return yearDay{}, bad
	}
	if !hasDay {
		return yearDay{month: time.Month(month)}, nil
	}
	day, err := strconv.Atoi(d)
	limit := time.Date(2024, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() // 2024 is a leap year
	if err != nil || day < 1 || day > limit {
		return yearDay{}, bad
	}
	return yearDay{month: time.Month(month), day: day}, nil
}
