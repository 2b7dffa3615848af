package daemon

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// daemonCollector exports jobs, prompts, drives, cleaning, offsite
// generations and restore drills, read from the catalog and the daemon's
// own state at scrape time. It never touches a device. Counts come from
// the catalog, so they survive restarts; every configured job has every
// result series from the first scrape, at 0, so an alert never misses a
// job that has not failed yet.
type daemonCollector struct {
	d *Daemon

	runs, lastSuccess, lastFailure, maxAge, lastDuration, lastBytes, bytesTotal, waitTotal, running *prometheus.Desc
	prompts, oldestPrompt                                                                           *prometheus.Desc
	cleaningDue, lastCleaned, tapeAlerts, busy, usableCleaners, usesLeft                            *prometheus.Desc
	offsite, offsiteRequired, remote, remoteRequired                                                *prometheus.Desc
	drill                                                                                           *prometheus.Desc
	starved, underruns                                                                              *prometheus.Desc
}

func newDaemonCollector(d *Daemon) *daemonCollector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &daemonCollector{
		d:               d,
		runs:            desc("tapewarden_job_runs_total", "Runs by job and result (succeeded, failed, missed, cancelled).", "job", "result"),
		lastSuccess:     desc("tapewarden_job_last_success_timestamp_seconds", "When the job's last successful run finished; 0 if never.", "job"),
		lastFailure:     desc("tapewarden_job_last_failure_timestamp_seconds", "When the job's last failed or missed run ended; 0 if never.", "job"),
		maxAge:          desc("tapewarden_job_max_age_seconds", "How old the job's last success may be: its schedule's period plus grace.", "job"),
		lastDuration:    desc("tapewarden_job_last_duration_seconds", "How long the job's last finished run took.", "job"),
		lastBytes:       desc("tapewarden_job_last_bytes", "Bytes the job's last finished run wrote.", "job"),
		bytesTotal:      desc("tapewarden_job_bytes_written_total", "Bytes written by the job's runs.", "job"),
		waitTotal:       desc("tapewarden_job_cartridge_wait_seconds_total", "Time the job's runs spent waiting for a cartridge.", "job"),
		running:         desc("tapewarden_job_running", "1 while the job has a run in progress.", "job"),
		prompts:         desc("tapewarden_prompts_pending", "Prompts waiting for a person, by kind.", "kind"),
		oldestPrompt:    desc("tapewarden_prompt_oldest_created_timestamp_seconds", "When the oldest open prompt was created; absent when none is open."),
		cleaningDue:     desc("tapewarden_drive_cleaning_due", "Whether the drive needs cleaning: 0 not due, 1 due soon, 2 due now.", "drive"),
		lastCleaned:     desc("tapewarden_drive_last_cleaned_timestamp_seconds", "When the drive was last cleaned; 0 if never recorded.", "drive"),
		tapeAlerts:      desc("tapewarden_drive_tapealerts_total", "TapeAlert flags read from the drive, by flag number and severity.", "drive", "flag", "severity"),
		busy:            desc("tapewarden_drive_busy", "1 while the drive is leased by a run, restore, cleaning or library operation.", "drive"),
		usableCleaners:  desc("tapewarden_cleaning_cartridges_usable", "Cleaning cartridges at the machine room with uses left that fit drives of this type.", "drive_type"),
		usesLeft:        desc("tapewarden_cleaning_cartridge_uses_left", "Uses left on each cleaning cartridge.", "barcode"),
		offsite:         desc("tapewarden_pool_offsite_generations", "Good generations of the pool delivered away from the machine room.", "pool"),
		offsiteRequired: desc("tapewarden_pool_offsite_generations_required", "Good generations the pool's offsite policy keeps away.", "pool"),
		remote:          desc("tapewarden_pool_remote_generations", "Good generations of the pool at a remote site that meets the distance and hazard rule.", "pool"),
		remoteRequired:  desc("tapewarden_pool_remote_generations_required", "Generations the pool must keep at a remote site (0 or 1).", "pool"),
		drill:           desc("tapewarden_restore_drill_last_timestamp_seconds", "When the system's last passed restore drill was; 0 if never.", "system"),
		starved:         desc("tapewarden_writer_starved_seconds_total", "Time the drive's writer waited on an empty buffer while writing a file.", "drive"),
		underruns:       desc("tapewarden_writer_underruns_total", "Waits of the drive's writer longer than the underrun threshold.", "drive"),
	}
}

func (c *daemonCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.runs, c.lastSuccess, c.lastFailure, c.maxAge, c.lastDuration, c.lastBytes, c.bytesTotal, c.waitTotal, c.running,
		c.prompts, c.oldestPrompt, c.cleaningDue, c.lastCleaned, c.tapeAlerts, c.busy, c.usableCleaners, c.usesLeft,
		c.offsite, c.offsiteRequired, c.remote, c.remoteRequired, c.drill, c.starved, c.underruns} {
		ch <- d
	}
}

func unixTime(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// severityName is the TapeAlert severity as the metrics label says it.
func severityName(flag int) string {
	alerts := drives.TapeAlertFlags(0).With(flag).Alerts()
	if len(alerts) == 0 {
		return "unknown"
	}
	switch alerts[0].Severity {
	case drives.SeverityCritical:
		return "critical"
	case drives.SeverityWarning:
		return "warning"
	case drives.SeverityInformation:
		return "information"
	}
	return "unknown"
}

func (c *daemonCollector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	counter := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
	}
	now := d.now()

	// Jobs.
	if stats, err := d.cat.JobStats(ctx, d.cfg.JobNames()); err == nil {
		for i := range d.cfg.Jobs {
			j := &d.cfg.Jobs[i]
			s := stats[j.Name]
			for _, r := range []media.RunState{media.RunSucceeded, media.RunFailed, media.RunMissed, media.RunCancelled} {
				counter(c.runs, float64(s.Counts[r]), j.Name, string(r))
			}
			gauge(c.lastSuccess, unixTime(s.LastSuccess), j.Name)
			gauge(c.lastFailure, unixTime(s.LastFailure), j.Name)
			gauge(c.maxAge, d.cfg.MaxAge(j, now).Seconds(), j.Name)
			dur := 0.0
			if !s.LastRun.StartedAt.IsZero() && !s.LastRun.FinishedAt.IsZero() {
				dur = s.LastRun.FinishedAt.Sub(s.LastRun.StartedAt).Seconds()
			}
			gauge(c.lastDuration, dur, j.Name)
			gauge(c.lastBytes, float64(s.LastRun.Bytes), j.Name)
			counter(c.bytesTotal, float64(s.Bytes), j.Name)
			counter(c.waitTotal, s.WaitSeconds, j.Name)
			running := 0.0
			if d.runs.byJob(j.Name) != nil {
				running = 1
			}
			gauge(c.running, running, j.Name)
		}
	} else {
		d.log.Error("metrics: job statistics", "err", err)
	}

	// Prompts.
	if open, err := d.cat.Prompts(ctx, false); err == nil {
		kinds := map[string]int{"load": 0, "clean": 0, "export": 0, "import": 0, "label": 0}
		var oldest time.Time
		for _, p := range open {
			kinds[p.Kind]++
			if oldest.IsZero() || p.CreatedAt.Before(oldest) {
				oldest = p.CreatedAt
			}
		}
		for k, n := range kinds {
			gauge(c.prompts, float64(n), k)
		}
		if !oldest.IsZero() {
			gauge(c.oldestPrompt, unixTime(oldest))
		}
	}

	// Drives and cleaning. The catalog's view is read once for the
	// cleaning, the cleaning cartridges and the offsite generations.
	view, viewErr := d.view(ctx)
	if viewErr == nil {
		if cleanings, err := d.cleaningStatus(ctx, view); err == nil {
			for _, cl := range cleanings {
				v := 0.0
				switch cl.Due {
				case rotation.DueSoon:
					v = 1
				case rotation.DueNow:
					v = 2
				}
				gauge(c.cleaningDue, v, cl.Drive)
			}
		}
	}
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		use, err := d.cat.DriveUse(ctx, name)
		if err != nil {
			continue
		}
		last := use.LastCleaned
		if drv.virtual != nil && drv.virtual.State().LastCleaned.After(last) {
			last = drv.virtual.State().LastCleaned
		}
		gauge(c.lastCleaned, unixTime(last), name)
		for flag, n := range use.TapeAlerts {
			counter(c.tapeAlerts, float64(n), name, itoa(flag), severityName(flag))
		}
		busy := 0.0
		if who, _ := drv.holder(); who != "" {
			busy = 1
		}
		gauge(c.busy, busy, name)
	}
	if viewErr == nil {
		primary := ""
		if p := d.cfg.PrimarySite(); p != nil {
			primary = p.Name
		}
		types := map[string]bool{}
		for _, drv := range d.cfg.Drives {
			types[drv.MediaType] = true
		}
		for t := range types {
			n := 0
			for _, cart := range view.Cartridges {
				if cart.State == rotation.StateCleaning && cart.UsesLeft > 0 && cart.Location.Site == primary && rotation.Cleans(cart.MediaType, t) {
					n++
				}
			}
			gauge(c.usableCleaners, float64(n), t)
		}
		for _, cart := range view.Cartridges {
			if cart.State == rotation.StateCleaning {
				gauge(c.usesLeft, float64(cart.UsesLeft), cart.Barcode)
			}
		}
		for _, p := range d.cfg.RotationPools() {
			if p.Offsite == nil {
				continue
			}
			plan, err := rotation.Plan(p, view, nil, now.In(d.cfg.Location))
			if err != nil {
				continue
			}
			st := plan.Status
			gauge(c.offsite, float64(st.Away), p.Name)
			gauge(c.offsiteRequired, float64(st.Keep), p.Name)
			gauge(c.remote, float64(st.Remote), p.Name)
			req := 0.0
			if st.RemoteSite != "" {
				req = 1
			}
			gauge(c.remoteRequired, req, p.Name)
		}
	}

	// Restore drills: the last one that passed.
	if drills, err := d.cat.LastDrills(ctx); err == nil {
		for _, s := range d.cfg.Systems {
			t := time.Time{}
			if dr, ok := drills[s.Name]; ok && dr.Result == "passed" {
				t = dr.At
			}
			gauge(c.drill, unixTime(t), s.Name)
		}
	}

	// The writers' streaming.
	for drive, s := range d.writerSnapshot() {
		counter(c.starved, s.Starved.Seconds(), drive)
		counter(c.underruns, float64(s.Underruns), drive)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
