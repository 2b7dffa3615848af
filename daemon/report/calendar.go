package report

import (
	"context"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/rotation"
)

// maxCalendarDays bounds a projection: a year.
const maxCalendarDays = 366

// CalendarRequest asks for a projected tape schedule.
type CalendarRequest struct {
	// Pool is one pool, or "all" (or empty) for every pool.
	Pool string
	// From and At are the first day and the courier's time of day, as
	// planTime takes them.
	From, At string
	Days     int
}

// Calendar projects the tape schedule day by day with rotation.Calendar:
// from the catalog as it is now, with the runs the job schedules plan, the
// courier leaving each day at the time of day of the first. For one pool
// only its own runs are projected (other pools drawing on the same scratch
// pool are not).
func (pg *Pages) Calendar(ctx context.Context, req CalendarRequest) (rotation.Schedule, error) {
	if req.Days < 1 || req.Days > maxCalendarDays {
		return rotation.Schedule{}, invalid("days %d: project 1 to %d days", req.Days, maxCalendarDays)
	}
	from, err := pg.planTime(req.From, req.At)
	if err != nil {
		return rotation.Schedule{}, err
	}
	pools := pg.cfg.RotationPools()
	if name := req.Pool; name != "" && name != "all" {
		p, ok := pg.cfg.RotationPoolByName(name)
		if !ok {
			var names []string
			for _, p := range pg.cfg.Pools {
				names = append(names, p.Name)
			}
			return rotation.Schedule{}, notFound("no pool %q is configured (pools: %s, or all)", name, strings.Join(names, ", "))
		}
		if p.Scheme == rotation.SchemeScratch {
			return rotation.Schedule{}, invalid("pool %s is a scratch pool: it has no schedule of its own; its cartridges appear where other pools take them (--pool all)", name)
		}
		pools = []rotation.Pool{p}
	}
	view, err := pg.view(ctx)
	if err != nil {
		return rotation.Schedule{}, err
	}
	runs := pg.runsOf(pools, from, pg.planRunsUntil(from.AddDate(0, 0, req.Days)))
	return rotation.Calendar(pools, view, runs, from, req.Days)
}

// runsOf lists the planned runs between from and to of the given pools.
func (pg *Pages) runsOf(pools []rotation.Pool, from, to time.Time) []rotation.Run {
	want := map[string]bool{}
	for _, p := range pools {
		want[p.Name] = true
	}
	var out []rotation.Run
	for _, r := range pg.plannedRuns(from, to) {
		if want[r.Pool] {
			out = append(out, r)
		}
	}
	return out
}
