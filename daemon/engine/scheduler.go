package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// maxMissedRecords bounds how many missed slots are recorded one by one
// for a job after a long outage; the rest are summed up in the last one.
const maxMissedRecords = 200

// jobSchedule is a job's parsed schedule and the next slot to fire.
type jobSchedule struct {
	job  *config.JobConfig
	sch  cron.Schedule
	next time.Time
}

// catchUp runs at start-up: for each scheduled job, the slots that passed
// while the daemon was down are recorded as missed, except the newest one
// when it is within the catch-up window, which is started now. Nothing is
// silently skipped. It returns each job's schedule with its next slot.
func (d *Engine) catchUp(ctx context.Context) []*jobSchedule {
	now := d.now().In(d.cfg.Location)
	stats, err := d.cat.JobStats(ctx, d.cfg.JobNames())
	if err != nil {
		d.log.Error("read job history for the scheduler", "err", err)
		stats = nil
	}
	var out []*jobSchedule
	for i := range d.cfg.Jobs {
		j := &d.cfg.Jobs[i]
		if j.Schedule == "" {
			continue
		}
		sch, err := config.ParseSchedule(j.Schedule)
		if err != nil {
			continue
		}
		js := &jobSchedule{job: j, sch: sch}
		out = append(out, js)
		var last time.Time
		if s := stats[j.Name]; s != nil {
			last = s.LastScheduled
		}
		if last.IsZero() {
			// Never scheduled before: nothing can have been missed.
			js.next = sch.Next(now)
			continue
		}
		var slots []time.Time
		for t := sch.Next(last.In(d.cfg.Location)); !t.IsZero() && !t.After(now); t = sch.Next(t) {
			slots = append(slots, t)
			if len(slots) > 100000 {
				break
			}
		}
		js.next = sch.Next(now)
		if len(slots) == 0 {
			continue
		}
		newest := slots[len(slots)-1]
		catchUp := now.Sub(newest) <= d.cfg.Scheduler.CatchUp.D()
		missed := slots
		if catchUp {
			missed = slots[:len(slots)-1]
		}
		for k, t := range missed {
			reason := fmt.Sprintf("the daemon was not running at %s", t.Format("2006-01-02 15:04"))
			if !catchUp && k == len(missed)-1 {
				reason += fmt.Sprintf(", and when it started at %s the catch-up window (%s) had passed", now.Format("2006-01-02 15:04"), d.cfg.Scheduler.CatchUp.D())
			}
			if len(missed) > maxMissedRecords && k < len(missed)-maxMissedRecords {
				continue
			}
			if len(missed) > maxMissedRecords && k == len(missed)-maxMissedRecords {
				reason += fmt.Sprintf(" (and %d earlier slots since %s)", len(missed)-maxMissedRecords, missed[0].Format("2006-01-02 15:04"))
			}
			if _, err := d.cat.RecordMissed(ctx, media.NewRun{Job: j.Name, System: j.System, Pool: j.Pool, Trigger: "schedule", ScheduledFor: t}, reason); err != nil {
				d.log.Error("record a missed run", "job", j.Name, "err", err)
			}
		}
		if len(missed) > 0 {
			d.log.Error("scheduled runs were missed while the daemon was down", "job", j.Name, "missed", len(missed), "first", missed[0], "last", missed[len(missed)-1])
		}
		if catchUp {
			d.log.Warn("starting a missed run now (within the catch-up window)", "job", j.Name, "slot", newest)
			d.fire(ctx, j, newest, "catch-up")
		}
	}
	return out
}

// fire starts a scheduled run. A slot that finds its job already running
// (a manual run waiting for a person, a long run of the slot before) is
// recorded as covered by that run: it is neither missed nor a failure.
// A slot whose run cannot start for any other reason is recorded as missed.
func (d *Engine) fire(ctx context.Context, j *config.JobConfig, slot time.Time, trigger string) {
	if a := d.runs.byJob(j.Name); a != nil {
		if err := d.cat.RecordCoalesced(ctx, a.id, slot); err == nil {
			d.log.Info("scheduled slot found the job running; the run in progress covers it", "job", j.Name, "slot", slot, "run", a.id)
			a.note("the scheduled slot at %s found this run in progress and is covered by it", slot.In(d.cfg.Location).Format("2006-01-02 15:04"))
			return
		} else if !errors.Is(err, media.ErrRunNotFound) {
			d.log.Error("record a slot covered by a run in progress", "job", j.Name, "run", a.id, "err", err)
			return
		}
	}
	if _, err := d.StartRun(ctx, j.Name, trigger, slot); err != nil {
		reason := fmt.Sprintf("the scheduled run at %s could not start: %v", slot.Format("2006-01-02 15:04"), err)
		d.log.Error("scheduled run not started", "job", j.Name, "err", err)
		if _, rerr := d.cat.RecordMissed(ctx, media.NewRun{Job: j.Name, System: j.System, Pool: j.Pool, Trigger: trigger, ScheduledFor: slot}, reason); rerr != nil {
			d.log.Error("record a missed run", "job", j.Name, "err", rerr)
		}
	}
}

// schedule fires jobs at their slots until ctx ends, and runs the
// maintenance work (prompt reminders, drive checks, cleaning) every
// maintenance interval. Time is the daemon's clock.
func (d *Engine) schedule(ctx context.Context, jobs []*jobSchedule) {
	nextMaint := d.now()
	var checked time.Time // the first slot of the last night checked
	for {
		now := d.now()
		var night time.Time
		if !d.noNightCheck {
			night = nextNight(jobs, checked)
		}
		checkAt := night.Add(-d.cfg.Scheduler.CheckBefore.D())
		if !night.IsZero() && !now.Before(checkAt) {
			checked = night
			d.bg.Add(1)
			go func(night time.Time) {
				defer d.bg.Done()
				d.nightCheck(ctx, night)
			}(night)
			night = nextNight(jobs, checked)
			checkAt = night.Add(-d.cfg.Scheduler.CheckBefore.D())
		}
		if !now.Before(nextMaint) {
			d.maintain(ctx)
			nextMaint = now.Add(d.maintEvery)
		}
		sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].next.Before(jobs[b].next) })
		for _, js := range jobs {
			if js.next.IsZero() || js.next.After(now) {
				continue
			}
			slot := js.next
			js.next = js.sch.Next(now.In(d.cfg.Location))
			d.fire(ctx, js.job, slot, "schedule")
		}
		wake := nextMaint
		if !night.IsZero() && checkAt.Before(wake) {
			wake = checkAt
		}
		for _, js := range jobs {
			if !js.next.IsZero() && js.next.Before(wake) {
				wake = js.next
			}
		}
		d.heartbeat()
		select {
		case <-ctx.Done():
			return
		case <-d.clock.At(wake):
		}
	}
}
