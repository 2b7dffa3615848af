package engine

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// JobInfo is a configured job with its latest run.
type JobInfo struct {
	Name     string     `json:"name"`
	System   string     `json:"system,omitempty"`
	Pool     string     `json:"pool"`
	Schedule string     `json:"schedule,omitempty"`
	Next     time.Time  `json:"next,omitzero"`
	Verify   string     `json:"verify"`
	Running  *ActiveRun `json:"running,omitempty"`
	LastRun  *media.Run `json:"last_run,omitempty"`
}

// Jobs lists the configured jobs.
func (d *Engine) Jobs(ctx context.Context) ([]JobInfo, error) {
	stats, err := d.cat.JobStats(ctx, d.cfg.JobNames())
	if err != nil {
		return nil, err
	}
	active := map[string]ActiveRun{}
	for _, a := range d.runs.list() {
		active[a.Job] = a
	}
	out := []JobInfo{}
	now := d.now().In(d.cfg.Location)
	for _, j := range d.cfg.Jobs {
		ji := JobInfo{Name: j.Name, System: j.System, Pool: j.Pool, Schedule: j.Schedule, Verify: j.Verify}
		if j.Schedule != "" {
			if s, err := config.ParseSchedule(j.Schedule); err == nil {
				ji.Next = s.Next(now)
			}
		}
		if a, ok := active[j.Name]; ok {
			ji.Running = &a
		}
		if st := stats[j.Name]; st != nil && st.LastRun.ID != 0 {
			lr := st.LastRun
			ji.LastRun = &lr
		}
		out = append(out, ji)
	}
	return out, nil
}
