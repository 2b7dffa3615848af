package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// A run whose end the catalog could not record (its file system full or
// read-only) is not left running: it ends failed in memory at once, with
// the true reason, and is recorded as soon as the catalog takes a write
// again. Until then it is here, and the metrics and status count it.

// unrecorded holds the runs that ended but are not yet in the catalog.
type unrecorded struct {
	mu   sync.Mutex
	runs map[int64]pendingEnd
}

// pendingEnd is a run's end waiting to be recorded.
type pendingEnd struct {
	run media.Run // as it ended, with its state, reason and end time
	res media.RunResult
	err error // why the catalog did not take it the last time
}

// UnrecordedRun is a run that ended while the catalog could not record it.
type UnrecordedRun struct {
	ID       int64          `json:"id"`
	Job      string         `json:"job"`
	State    media.RunState `json:"state"`
	Reason   string         `json:"reason"`
	Finished time.Time      `json:"finished"`
	// Error is why the catalog refused it the last time it was tried.
	Error string `json:"error"`
}

func (u *unrecorded) put(p pendingEnd) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.runs == nil {
		u.runs = map[int64]pendingEnd{}
	}
	u.runs[p.run.ID] = p
}

func (u *unrecorded) get(id int64) (pendingEnd, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.runs[id]
	return p, ok
}

func (u *unrecorded) remove(id int64) {
	u.mu.Lock()
	delete(u.runs, id)
	u.mu.Unlock()
}

func (u *unrecorded) list() []UnrecordedRun {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]UnrecordedRun, 0, len(u.runs))
	for _, p := range u.runs {
		out = append(out, UnrecordedRun{ID: p.run.ID, Job: p.run.Job, State: p.run.State, Reason: p.run.Reason,
			Finished: p.run.FinishedAt, Error: p.err.Error()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// UnrecordedRuns lists the runs that ended while the catalog could not
// record them; each is recorded as soon as the catalog takes a write.
func (d *Engine) UnrecordedRuns() []UnrecordedRun { return d.unrecorded.list() }

// Retry backoff for recording a run's end.
const (
	recordRetryFirst = time.Second
	recordRetryMax   = time.Minute
)

// recordLater is called when the catalog refused a run's end. The run
// ends failed now, in memory, saying why; a background task records it
// with backoff until the catalog takes it or the engine stops.
func (d *Engine) recordLater(run media.Run, res media.RunResult, err error) media.Run {
	if res.State == media.RunSucceeded {
		res.State = media.RunFailed
		res.Reason = "the run wrote its data but the catalog could not record it"
	}
	if res.Reason == "" {
		res.Reason = "the catalog could not record the run"
	}
	if !strings.Contains(res.Reason, err.Error()) {
		res.Reason += fmt.Sprintf(" (recording its end: %v)", err)
	}
	res.Reason += "; what was written does not count as a good generation"
	res.Finished = d.now()
	ended := run
	ended.State, ended.Reason, ended.FinishedAt = res.State, res.Reason, res.Finished
	ended.Bytes, ended.Generation, ended.Level = res.Bytes, res.Generation, res.Level
	d.unrecorded.put(pendingEnd{run: ended, res: res, err: err})
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		d.retryRecord(ended, res)
	}()
	return ended
}

// retryRecord tries to record a run's end until the catalog takes it or
// the engine stops.
func (d *Engine) retryRecord(run media.Run, res media.RunResult) {
	log := d.log.With("run", run.ID, "job", run.Job)
	wait := recordRetryFirst
	for {
		select {
		case <-d.runBase.Done():
			// One last try before the engine closes the catalog.
			if _, err := d.cat.FinishRun(context.Background(), run.ID, res); err == nil {
				d.unrecorded.remove(run.ID)
				log.Warn("the catalog recorded the end of the run as the daemon stopped", "state", run.State, "reason", run.Reason)
				return
			}
			log.Error("the daemon stopped before the catalog could record the end of the run; at the next start it is failed as left unfinished",
				"state", run.State, "reason", run.Reason)
			return
		case <-d.clock.After(wait):
		}
		done, err := d.cat.FinishRun(context.Background(), run.ID, res)
		if err == nil {
			d.unrecorded.remove(run.ID)
			log.Warn("the catalog recorded the end of the run it could not record before", "state", done.State, "reason", done.Reason)
			return
		}
		if errors.Is(err, media.ErrBadInput) {
			// Someone else finished it (it cannot happen twice).
			d.unrecorded.remove(run.ID)
			log.Error("the run's end was recorded otherwise", "err", err)
			return
		}
		d.unrecorded.put(pendingEnd{run: run, res: res, err: err})
		log.Error("the catalog still cannot record the end of the run; retrying", "err", err, "in", wait)
		wait = min(2*wait, recordRetryMax)
	}
}

// Degraded lists what keeps the daemon from doing its work properly
// although it runs: a catalog that cannot be written, runs whose end it
// has not recorded yet, a state directory short of room. Empty when all
// is well.
func (d *Engine) Degraded() []string {
	var out []string
	for _, p := range append(d.catalogSpace(), d.catalogWrites()...) {
		out = append(out, p.Message)
	}
	for _, r := range d.unrecorded.list() {
		out = append(out, fmt.Sprintf("run %d of job %s ended %s at %s but the catalog has not recorded it yet (%s); it is retried until the catalog takes it: %s",
			r.ID, r.Job, r.State, r.Finished.In(d.cfg.Location).Format("2006-01-02 15:04:05"), r.Error, r.Reason))
	}
	return out
}
