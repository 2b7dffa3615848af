package metrics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/facts"
)

// desc is a metric description without constant labels.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func unixTime(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// jobsCollector exports each configured job's runs, read from the catalog,
// and whether it is running now. Every configured job has every result
// series from the first scrape, at 0, so an alert never misses a job that
// has not failed yet.
type jobsCollector struct {
	cfg  *config.Config
	live Live
	now  func() time.Time

	runs, lastSuccess, lastFailure, maxAge, lastDuration, lastBytes, bytesTotal, waitTotal, running *prometheus.Desc
}

func newJobsCollector(cfg *config.Config, live Live, now func() time.Time) *jobsCollector {
	return &jobsCollector{
		cfg: cfg, live: live, now: now,
		runs:         desc("tapewarden_job_runs_total", "Runs by job and result (succeeded, failed, missed, cancelled).", "backup_job", "result"),
		lastSuccess:  desc("tapewarden_job_last_success_timestamp_seconds", "When the job's last successful run finished; 0 if never.", "backup_job"),
		lastFailure:  desc("tapewarden_job_last_failure_timestamp_seconds", "When the job's last failed or missed run ended; 0 if never.", "backup_job"),
		maxAge:       desc("tapewarden_job_max_age_seconds", "How old the job's last success may be: its schedule's period plus grace.", "backup_job"),
		lastDuration: desc("tapewarden_job_last_duration_seconds", "How long the job's last finished run took.", "backup_job"),
		lastBytes:    desc("tapewarden_job_last_bytes", "Bytes the job's last finished run wrote.", "backup_job"),
		bytesTotal:   desc("tapewarden_job_bytes_written_total", "Bytes written by the job's runs.", "backup_job"),
		waitTotal:    desc("tapewarden_job_cartridge_wait_seconds_total", "Time the job's runs spent waiting for a cartridge.", "backup_job"),
		running:      desc("tapewarden_job_running", "1 while the job has a run in progress.", "backup_job"),
	}
}

func (c *jobsCollector) name() string { return "jobs" }

func (c *jobsCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.runs, c.lastSuccess, c.lastFailure, c.maxAge, c.lastDuration, c.lastBytes, c.bytesTotal, c.waitTotal, c.running} {
		ch <- d
	}
}

func (c *jobsCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	stats := snap.Jobs
	now := c.now()
	// Runs that ended while the catalog could not record them count now;
	// once recorded they are in the catalog's counts instead.
	for _, u := range c.live.UnrecordedRuns() {
		s := stats[u.Job]
		if s == nil {
			continue
		}
		s.Counts[u.State]++
		if (u.State == media.RunFailed || u.State == media.RunMissed) && u.Finished.After(s.LastFailure) {
			s.LastFailure = u.Finished
		}
	}
	for i := range c.cfg.Jobs {
		j := &c.cfg.Jobs[i]
		s := stats[j.Name]
		if s == nil {
			return fmt.Errorf("the catalog's scrape has no statistics for job %s", j.Name)
		}
		for _, r := range []media.RunState{media.RunSucceeded, media.RunFailed, media.RunMissed, media.RunCancelled} {
			counter(ch, c.runs, float64(s.Counts[r]), j.Name, string(r))
		}
		gauge(ch, c.lastSuccess, unixTime(s.LastSuccess), j.Name)
		gauge(ch, c.lastFailure, unixTime(s.LastFailure), j.Name)
		gauge(ch, c.maxAge, c.cfg.MaxAge(j, now).Seconds(), j.Name)
		dur := 0.0
		if !s.LastRun.StartedAt.IsZero() && !s.LastRun.FinishedAt.IsZero() {
			dur = s.LastRun.FinishedAt.Sub(s.LastRun.StartedAt).Seconds()
		}
		gauge(ch, c.lastDuration, dur, j.Name)
		gauge(ch, c.lastBytes, float64(s.LastRun.Bytes), j.Name)
		counter(ch, c.bytesTotal, float64(s.Bytes), j.Name)
		counter(ch, c.waitTotal, s.WaitSeconds, j.Name)
		running := 0.0
		if c.live.JobRunning(j.Name) {
			running = 1
		}
		gauge(ch, c.running, running, j.Name)
	}
	return nil
}

// promptsCollector exports the prompts waiting for a person.
type promptsCollector struct {
	prompts, oldest *prometheus.Desc
}

func newPromptsCollector() *promptsCollector {
	return &promptsCollector{
		prompts: desc("tapewarden_prompts_pending", "Prompts waiting for a person, by kind.", "kind"),
		oldest:  desc("tapewarden_prompt_oldest_created_timestamp_seconds", "When the oldest open prompt was created; absent when none is open."),
	}
}

func (c *promptsCollector) name() string { return "prompts" }

func (c *promptsCollector) describe(ch chan<- *prometheus.Desc) { ch <- c.prompts; ch <- c.oldest }

func (c *promptsCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	kinds := map[string]int64{"load": 0, "clean": 0, "export": 0, "import": 0, "label": 0, "unknown-data": 0}
	for k, n := range snap.OpenPrompts {
		kinds[k] += n
	}
	oldest := snap.OldestPrompt
	for k, n := range kinds {
		gauge(ch, c.prompts, float64(n), k)
	}
	if !oldest.IsZero() {
		gauge(ch, c.oldest, unixTime(oldest))
	}
	return nil
}

// drivesCollector exports each drive's use from the catalog (cleaning,
// TapeAlerts) and whether it is busy now.
type drivesCollector struct {
	lastCleaned, tapeAlerts, busy *prometheus.Desc
}

func newDrivesCollector() *drivesCollector {
	return &drivesCollector{
		lastCleaned: desc("tapewarden_drive_last_cleaned_timestamp_seconds", "When the drive was last cleaned; 0 if never recorded.", "drive"),
		tapeAlerts:  desc("tapewarden_drive_tapealerts_total", "TapeAlert flags read from the drive, by flag number and severity.", "drive", "flag", "severity"),
		busy:        desc("tapewarden_drive_busy", "1 while the drive is leased by a run, restore, cleaning or library operation.", "drive"),
	}
}

func (c *drivesCollector) name() string { return "drives" }

func (c *drivesCollector) describe(ch chan<- *prometheus.Desc) {
	ch <- c.lastCleaned
	ch <- c.tapeAlerts
	ch <- c.busy
}

func (c *drivesCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	var errs []error
	for _, drv := range r.drives {
		use, ok := snap.Drives[drv.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("the catalog's scrape has no use for drive %s", drv.Name))
			continue
		}
		last := use.LastCleaned
		if drv.LastCleaned.After(last) {
			last = drv.LastCleaned
		}
		gauge(ch, c.lastCleaned, unixTime(last), drv.Name)
		for flag, n := range use.TapeAlerts {
			counter(ch, c.tapeAlerts, float64(n), drv.Name, strconv.Itoa(flag), severityName(flag))
		}
		busy := 0.0
		if drv.Busy {
			busy = 1
		}
		gauge(ch, c.busy, busy, drv.Name)
	}
	return errors.Join(errs...)
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

// rotationCollector exports what rotation judges of the catalog's view:
// the drives' cleaning, the cleaning cartridges and the offsite
// generations. They are judged on the part of rotation's view the scrape
// read (facts.ScrapeView): the cleaning cartridges and those holding a
// generation, which are all these figures depend on.
type rotationCollector struct {
	cfg  *config.Config
	live Live
	now  func() time.Time

	cleaningDue, usableCleaners, usesLeft            *prometheus.Desc
	offsite, offsiteRequired, remote, remoteRequired *prometheus.Desc
}

func newRotationCollector(cfg *config.Config, live Live, now func() time.Time) *rotationCollector {
	return &rotationCollector{
		cfg: cfg, live: live, now: now,
		cleaningDue:     desc("tapewarden_drive_cleaning_due", "Whether the drive needs cleaning: 0 not due, 1 due soon, 2 due now.", "drive"),
		usableCleaners:  desc("tapewarden_cleaning_cartridges_usable", "Cleaning cartridges at the machine room with uses left that fit drives of this type.", "drive_type"),
		usesLeft:        desc("tapewarden_cleaning_cartridge_uses_left", "Uses left on each cleaning cartridge.", "barcode"),
		offsite:         desc("tapewarden_pool_offsite_generations", "Good generations of the pool delivered away from the machine room.", "pool"),
		offsiteRequired: desc("tapewarden_pool_offsite_generations_required", "Good generations the pool's offsite policy keeps away.", "pool"),
		remote:          desc("tapewarden_pool_remote_generations", "Good generations of the pool at a remote site that meets the distance and hazard rule.", "pool"),
		remoteRequired:  desc("tapewarden_pool_remote_generations_required", "Generations the pool must keep at a remote site (0 or 1).", "pool"),
	}
}

func (c *rotationCollector) name() string { return "rotation" }

func (c *rotationCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.cleaningDue, c.usableCleaners, c.usesLeft, c.offsite, c.offsiteRequired, c.remote, c.remoteRequired} {
		ch <- d
	}
}

func (c *rotationCollector) collect(ctx context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	view := facts.ScrapeView(c.cfg, *snap)
	var errs []error
	if cleanings, err := c.live.Cleaning(ctx, view); err != nil {
		errs = append(errs, fmt.Errorf("judge the drives' cleaning: %w", err))
	} else {
		for _, cl := range cleanings {
			v := 0.0
			switch cl.Due {
			case rotation.DueSoon:
				v = 1
			case rotation.DueNow:
				v = 2
			}
			gauge(ch, c.cleaningDue, v, cl.Drive)
		}
	}
	primary := ""
	if p := c.cfg.PrimarySite(); p != nil {
		primary = p.Name
	}
	types := map[string]bool{}
	for _, drv := range c.cfg.Drives {
		types[drv.MediaType] = true
	}
	for t := range types {
		n := 0
		for _, cart := range view.Cartridges {
			if cart.State == rotation.StateCleaning && cart.UsesLeft > 0 && cart.Location.Site == primary && rotation.Cleans(cart.MediaType, t) {
				n++
			}
		}
		gauge(ch, c.usableCleaners, float64(n), t)
	}
	for _, cart := range view.Cartridges {
		if cart.State == rotation.StateCleaning {
			gauge(ch, c.usesLeft, float64(cart.UsesLeft), cart.Barcode)
		}
	}
	now := c.now()
	for _, p := range c.cfg.RotationPools() {
		if p.Offsite == nil {
			continue
		}
		plan, err := rotation.Plan(p, view, nil, now.In(c.cfg.Location))
		if err != nil {
			errs = append(errs, fmt.Errorf("offsite plan of pool %s: %w", p.Name, err))
			continue
		}
		st := plan.Status
		gauge(ch, c.offsite, float64(st.Away), p.Name)
		gauge(ch, c.offsiteRequired, float64(st.Keep), p.Name)
		gauge(ch, c.remote, float64(st.Remote), p.Name)
		req := 0.0
		if st.RemoteSite != "" {
			req = 1
		}
		gauge(ch, c.remoteRequired, req, p.Name)
	}
	return errors.Join(errs...)
}

// drillsCollector exports each system's last passed restore drill.
type drillsCollector struct {
	cfg *config.Config

	drill *prometheus.Desc
}

func newDrillsCollector(cfg *config.Config) *drillsCollector {
	return &drillsCollector{
		cfg:   cfg,
		drill: desc("tapewarden_restore_drill_last_timestamp_seconds", "When the system's last passed restore drill was; 0 if never.", "system"),
	}
}

func (c *drillsCollector) name() string { return "drills" }

func (c *drillsCollector) describe(ch chan<- *prometheus.Desc) { ch <- c.drill }

func (c *drillsCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	drills := snap.Drills
	for _, s := range c.cfg.Systems {
		t := time.Time{}
		if dr, ok := drills[s.Name]; ok && dr.Result == "passed" {
			t = dr.At
		}
		gauge(ch, c.drill, unixTime(t), s.Name)
	}
	return nil
}

// writersCollector exports the drive writers' streaming, kept by the
// engine across runs.
type writersCollector struct {
	live Live

	starved, underruns *prometheus.Desc
}

func newWritersCollector(live Live) *writersCollector {
	return &writersCollector{
		live:      live,
		starved:   desc("tapewarden_writer_starved_seconds_total", "Time the drive's writer waited on an empty buffer while writing a file.", "drive"),
		underruns: desc("tapewarden_writer_underruns_total", "Waits of the drive's writer longer than the underrun threshold.", "drive"),
	}
}

func (c *writersCollector) name() string { return "writers" }

func (c *writersCollector) describe(ch chan<- *prometheus.Desc) { ch <- c.starved; ch <- c.underruns }

func (c *writersCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	for drive, s := range c.live.WriterStats() {
		counter(ch, c.starved, s.Starved.Seconds(), drive)
		counter(ch, c.underruns, float64(s.Underruns), drive)
	}
	return nil
}

// checkCollector exports what the last pre-flight check found: problems
// by job (empty for the daemon as a whole) and kind, every series at 0
// when all is well. Nothing is exported before the first check.
type checkCollector struct {
	cfg  *config.Config
	live Live

	problems *prometheus.Desc
}

// checkKinds are the kinds of problem the pre-flight check reports.
var checkKinds = []string{"source", "catalog-space", "catalog", "drive", "cartridge", "offsite", "cleaning"}

func newCheckCollector(cfg *config.Config, live Live) *checkCollector {
	return &checkCollector{
		cfg: cfg, live: live,
		problems: desc("tapewarden_check_problems",
			"Problems the last pre-flight check found (the daemon's before each night, or 'tapewarden check'), by backup job (empty: the daemon as a whole) and kind.", "backup_job", "kind"),
	}
}

func (c *checkCollector) name() string { return "check" }

func (c *checkCollector) describe(ch chan<- *prometheus.Desc) { ch <- c.problems }

func (c *checkCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	probs, ok := c.live.CheckProblems()
	if !ok {
		return nil
	}
	counts := map[[2]string]int{}
	for _, j := range append([]string{""}, c.cfg.JobNames()...) {
		for _, k := range checkKinds {
			counts[[2]string{j, k}] = 0
		}
	}
	for _, p := range probs {
		counts[[2]string{p.Job, p.Kind}]++
	}
	for key, n := range counts {
		gauge(ch, c.problems, float64(n), key[0], key[1])
	}
	return nil
}

// auditCollector exports the engine's last verification of the audit
// chain (at start and daily); it reads no catalog at the scrape.
type auditCollector struct {
	live Live

	ok, verified, checked *prometheus.Desc
}

func newAuditCollector(live Live) *auditCollector {
	return &auditCollector{
		live:     live,
		ok:       desc("tapewarden_audit_chain_ok", "1 if the daemon's last verification of the audit chain found it intact, 0 if broken (or not yet verified)."),
		verified: desc("tapewarden_audit_verified_event_id", "The ID of the last audit event the daemon verified."),
		checked:  desc("tapewarden_audit_verified_timestamp_seconds", "When the daemon last verified the audit chain; 0 if never."),
	}
}

func (c *auditCollector) name() string { return "audit" }

func (c *auditCollector) describe(ch chan<- *prometheus.Desc) {
	ch <- c.ok
	ch <- c.verified
	ch <- c.checked
}

func (c *auditCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	a := c.live.Audit()
	ok := 0.0
	if a.OK && !a.Checked.IsZero() {
		ok = 1
	}
	gauge(ch, c.ok, ok)
	gauge(ch, c.verified, float64(a.VerifiedID))
	gauge(ch, c.checked, unixTime(a.Checked))
	return nil
}
