package report

import (
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// defaultCourierTime is when the courier is taken to leave on a day other
// than today, unless the caller gives a time.
const defaultCourierTime = "09:00"

// planMargin is added to the longest offsite lead time when listing the
// planned runs a plan looks at.
const planMargin = 2 * 24 * time.Hour

// planTime turns a day and a time of day, as the API takes them, into the
// moment a plan is made for, in the configured zone. date is YYYY-MM-DD,
// "today" or "tomorrow" (empty: today); at is HH:MM. Today without a time
// is now; another day without one is that day at defaultCourierTime.
// Plans are made from the catalog as it is now, so a day in the past is
// refused.
func (pg *Pages) planTime(date, at string) (time.Time, error) {
	now := pg.now().In(pg.cfg.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, pg.cfg.Location)
	day := today
	switch s := strings.TrimSpace(date); s {
	case "", "today":
	case "tomorrow":
		day = today.AddDate(0, 0, 1)
	default:
		t, err := time.ParseInLocation(time.DateOnly, s, pg.cfg.Location)
		if err != nil {
			return time.Time{}, invalid("date %q: write YYYY-MM-DD (or today, tomorrow)", date)
		}
		day = t
	}
	if day.Before(today) {
		return time.Time{}, invalid("%s is in the past: plans are made from the catalog as it is now; give today (%s) or a later day",
			day.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	if at == "" {
		if day.Equal(today) {
			return now, nil
		}
		at = defaultCourierTime
	}
	hm, err := time.Parse("15:04", strings.TrimSpace(at))
	if err != nil {
		return time.Time{}, invalid("time %q: write HH:MM, e.g. %s", at, defaultCourierTime)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hm.Hour(), hm.Minute(), 0, 0, pg.cfg.Location), nil
}

// projectionNote says what a plan for a later day cannot know, in the
// printer's language.
func (pg *Pages) projectionNote(p *i18n.Printer, at time.Time) string {
	now := pg.now().In(pg.cfg.Location)
	if at.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return ""
	}
	return p.T("plan.note.projection")
}

// leadDays is how many days before it is written an offsite pool recalls
// a cartridge.
func leadDays(o *rotation.Offsite) int {
	if o.LeadDays > 0 {
		return o.LeadDays
	}
	return o.TransitDays + 1
}

// planRunsUntil is how far ahead a plan made at t looks at planned runs:
// the longest lead time of the offsite pools, plus a margin.
func (pg *Pages) planRunsUntil(t time.Time) time.Time {
	lead := 1
	for _, p := range pg.cfg.Pools {
		if p.Offsite != nil {
			lead = max(lead, leadDays(p.Offsite))
		}
	}
	return t.AddDate(0, 0, lead).Add(planMargin)
}

// machineRoom is the name of the primary site.
func (pg *Pages) machineRoom() string {
	if p := pg.cfg.PrimarySite(); p != nil {
		return p.Name
	}
	return ""
}
