package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// Pre-flight: what can be found wrong before the tape moves. A run checks
// its own job before it takes a drive or runs its pre-command; `tapewarden
// check` and the daemon, before each night, check every job and the rest
// of what a night needs.

// Kinds of problem the pre-flight check reports.
const (
	CheckSource       = "source"        // a source path is missing or unreadable
	CheckCatalogSpace = "catalog-space" // the state directory is (nearly) full
	CheckCatalog      = "catalog"       // the catalog cannot be written
	CheckDrive        = "drive"         // a drive is missing or does not answer
	CheckCartridge    = "cartridge"     // no writable cartridge for the pool
	CheckOffsite      = "offsite"       // the next run's cartridge is not on site
	CheckCleaning     = "cleaning"      // a drive has no usable cleaning cartridge
)

// CheckKinds lists every kind of problem, in a stable order.
var CheckKinds = []string{CheckSource, CheckCatalogSpace, CheckCatalog, CheckDrive, CheckCartridge, CheckOffsite, CheckCleaning}

// CheckProblem is one thing the pre-flight check found wrong.
type CheckProblem struct {
	// Job is the job it concerns; empty for the daemon as a whole.
	Job     string `json:"job,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// MessageJa is Message in Japanese, for the prompt that tells a
	// person what the check found.
	MessageJa string `json:"message_ja,omitempty"`
}

func (p CheckProblem) String() string { return p.text().en }

// text is the problem, with its job, in both languages.
func (p CheckProblem) text() bi {
	msg := bi{en: p.Message, ja: p.MessageJa}
	if msg.ja == "" {
		msg.ja = msg.en
	}
	if p.Job == "" {
		return msg
	}
	return tr("check.job", p.Job, msg)
}

// problem is a finding of the check, said in both languages.
func problem(job, kind string, msg bi) CheckProblem {
	return CheckProblem{Job: job, Kind: kind, Message: msg.en, MessageJa: msg.ja}
}

// at is a time of the check's findings: as English writes it in layout,
// and as Japanese writes it, both in the configured zone.
func (d *Engine) at(t time.Time, layout string) bi {
	return bi{en: t.In(d.cfg.Location).Format(layout), ja: i18n.NewPrinter(i18n.Japanese, d.cfg.Location).DateTime(t)}
}

// CheckedJob is one job's part of a check.
type CheckedJob struct {
	Job  string `json:"job"`
	Pool string `json:"pool"`
	// Next is the job's next scheduled slot; zero for a job without a
	// schedule.
	Next time.Time `json:"next,omitzero"`
	// Cartridge is what rotation would write at the next slot (or now).
	Cartridge string `json:"cartridge,omitempty"`
	// Where is where that cartridge is.
	Where    string         `json:"where,omitempty"`
	Problems []CheckProblem `json:"problems"`
}

// CheckReport is the verdict of a pre-flight check.
type CheckReport struct {
	At   time.Time    `json:"at"`
	OK   bool         `json:"ok"`
	Jobs []CheckedJob `json:"jobs"`
	// General are the problems that concern no one job: catalog space,
	// drives, cleaning cartridges.
	General []CheckProblem `json:"general"`
	// Checked says what was looked at, for the readable verdict.
	Checked []string `json:"checked"`
}

// Problems lists every problem of the report, general ones first.
func (r CheckReport) Problems() []CheckProblem {
	out := slices.Clone(r.General)
	for _, j := range r.Jobs {
		out = append(out, j.Problems...)
	}
	return out
}

// stateFree returns the bytes available to the daemon on the state
// directory's file system.
func (d *Engine) stateFree() (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(d.cfg.StateDir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", d.cfg.StateDir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// catalogSpace reports whether the catalog has room for its writes.
func (d *Engine) catalogSpace() []CheckProblem {
	free, err := d.stateFree()
	if err != nil {
		return []CheckProblem{problem("", CheckCatalogSpace, tr("check.space_unknown", errText(err)))}
	}
	need := uint64(d.cfg.Catalog.MinFreeMB) << 20
	if free < need {
		return []CheckProblem{problem("", CheckCatalogSpace, tr("check.space_low", d.cfg.StateDir, mib(free), d.cfg.Catalog.MinFreeMB))}
	}
	return nil
}

// catalogWrites reports a catalog whose last write failed for want of
// storage. A run does not check it: its own first write tells.
func (d *Engine) catalogWrites() []CheckProblem {
	if since, werr := d.cat.WriteProblem(); werr != nil {
		return []CheckProblem{problem("", CheckCatalog, tr("check.catalog_write", d.at(since, "2006-01-02 15:04:05"), errText(werr)))}
	}
	return nil
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// checkSources reports the job's source paths that do not exist or cannot
// be read, and a source command that cannot be found.
func checkSources(job *config.JobConfig) []CheckProblem {
	var out []CheckProblem
	bad := func(id string, args ...any) {
		out = append(out, problem(job.Name, CheckSource, tr(id, args...)))
	}
	for _, p := range job.Source.Paths {
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			bad("check.source_missing", p)
			continue
		} else if err != nil {
			bad("check.source_stat", p, errText(err))
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			if _, err := os.Stat(p); err != nil {
				bad("check.source_dangling", p, errText(err))
				continue
			}
		}
		f, err := os.Open(p)
		if err != nil {
			bad("check.source_unreadable", p, errText(err))
			continue
		}
		if fi.IsDir() {
			if _, err := f.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
				bad("check.source_unlistable", p, errText(err))
			}
		}
		_ = f.Close() // read-only probe: nothing to lose
	}
	if len(job.Source.Command) > 0 {
		if _, err := exec.LookPath(job.Source.Command[0]); err != nil {
			bad("check.source_command", job.Source.Command[0], errText(err))
		}
	}
	return out
}

// candidateDrives are the drives a job's run may write with.
func (d *Engine) candidateDrives(job *config.JobConfig, pool rotation.Pool) []*drive {
	var out []*drive
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		if len(job.Drives) > 0 && !slices.Contains(job.Drives, name) {
			continue
		}
		if pool.MediaType != "" && drives.CheckLoad(drv.cfg.MediaType, pool.MediaType, true) != nil {
			continue
		}
		out = append(out, drv)
	}
	return out
}

// checkDrivesPlausible reports a job that has no drive it could write
// with, or whose drives' device nodes are missing, without taking any.
func (d *Engine) checkDrivesPlausible(job *config.JobConfig, pool rotation.Pool) []CheckProblem {
	cands := d.candidateDrives(job, pool)
	if len(cands) == 0 {
		return []CheckProblem{problem(job.Name, CheckDrive, tr("check.no_drive_for_pool", pool.Name))}
	}
	var missing []bi
	for _, drv := range cands {
		if drv.virtual == nil && drv.path != "" {
			if _, err := os.Stat(drv.path); err != nil {
				missing = append(missing, tr("check.drive_absent", drv.cfg.Name, errText(err)))
			}
		}
	}
	if len(missing) == len(cands) {
		return []CheckProblem{problem(job.Name, CheckDrive, tr("check.drives_absent", join(missing, "; ", "、")))}
	}
	return nil
}

// checkCartridge asks rotation what a run of the job at `at` would write,
// and reports when nothing can be written or the cartridge is not at a
// site with a drive the job may use.
func (d *Engine) checkCartridge(ctx context.Context, job *config.JobConfig, pool rotation.Pool, view rotation.View, at time.Time) (rotation.Choice, []CheckProblem) {
	choice, err := rotation.NextCartridge(pool, view, at.In(d.cfg.Location))
	if err != nil {
		var nc *rotation.NoCartridgeError
		msg := errText(err)
		if errors.As(err, &nc) {
			var msgs []bi
			for _, r := range nc.Reasons {
				msgs = append(msgs, reasonText(r))
			}
			msg = join(msgs, "; ", "。")
		}
		kind := CheckCartridge
		if strings.Contains(msg.en, "recall it") || strings.Contains(msg.en, "transit") {
			kind = CheckOffsite
		}
		return choice, []CheckProblem{problem(job.Name, kind, tr("check.no_cartridge", pool.Name, d.at(at, "2006-01-02 15:04"), msg))}
	}
	if choice.Location.Kind == rotation.PlaceKind(media.InTransit) {
		return choice, []CheckProblem{problem(job.Name, CheckOffsite, tr("check.in_transit", choice.Barcode, d.at(at, "2006-01-02 15:04"), whereText(choice.Location)))}
	}
	var sites []string
	for _, drv := range d.candidateDrives(job, pool) {
		if !slices.Contains(sites, drv.cfg.Site) {
			sites = append(sites, drv.cfg.Site)
		}
	}
	if len(sites) > 0 && choice.Location.Site != "" && !slices.Contains(sites, choice.Location.Site) {
		return choice, []CheckProblem{problem(job.Name, CheckOffsite, tr("check.not_at_drives", choice.Barcode, d.at(at, "2006-01-02 15:04"), whereText(choice.Location),
			join(asBi(sites), " or ", " または ")))}
	}
	return choice, nil
}

// preflightRun is the check a run makes of its own job before it takes a
// drive or runs its pre-command. It touches no device.
func (d *Engine) preflightRun(ctx context.Context, job *config.JobConfig, pool rotation.Pool) []CheckProblem {
	out := checkSources(job)
	for _, p := range d.catalogSpace() {
		p.Job = job.Name
		out = append(out, p)
	}
	return append(out, d.checkDrivesPlausible(job, pool)...)
}

// Check runs the pre-flight check of the named jobs (every job when none
// is named) and of what every night needs: drives that answer, cleaning
// cartridges, room for the catalog, and for each job a writable cartridge
// at its next slot that is at the machine room. It touches only idle
// drives, each for a moment.
func (d *Engine) Check(ctx context.Context, names []string) (CheckReport, error) {
	for _, n := range names {
		if d.cfg.Job(n) == nil {
			return CheckReport{}, notFound("no job %q is configured (jobs: %s)", n, strings.Join(d.cfg.JobNames(), ", "))
		}
	}
	if len(names) == 0 {
		names = d.cfg.JobNames()
	}
	now := d.now().In(d.cfg.Location)
	rep := CheckReport{At: now, Jobs: []CheckedJob{}, General: []CheckProblem{}}
	rep.General = append(rep.General, d.catalogSpace()...)
	rep.General = append(rep.General, d.catalogWrites()...)
	rep.Checked = append(rep.Checked, "room for the catalog in "+d.cfg.StateDir)

	// Drives reachable: every idle drive is asked for its status.
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		if p := d.checkDriveAnswers(ctx, drv); p != nil {
			rep.General = append(rep.General, *p)
		}
	}
	rep.Checked = append(rep.Checked, fmt.Sprintf("%s answer", rotation.Plural(len(d.dev.order), "drive")))

	view, err := d.view(ctx)
	if err != nil {
		return rep, fmt.Errorf("read the catalog's view for the check: %w", err)
	}
	// Cleaning cartridges for every drive with a cleaning policy.
	cleaners := 0
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		if drv.cfg.Cleaning == nil {
			continue
		}
		cleaners++
		if p := d.checkCleaner(ctx, drv, view); p != nil {
			rep.General = append(rep.General, *p)
		}
	}
	rep.Checked = append(rep.Checked, "a cleaning cartridge for "+rotation.Plural(cleaners, "drive"))

	for _, name := range names {
		job := d.cfg.Job(name)
		cj := CheckedJob{Job: job.Name, Pool: job.Pool, Problems: []CheckProblem{}}
		pool, ok := d.cfg.RotationPoolByName(job.Pool)
		if !ok {
			cj.Problems = append(cj.Problems, problem(job.Name, CheckCartridge, tr("check.pool_missing", job.Pool)))
			rep.Jobs = append(rep.Jobs, cj)
			continue
		}
		cj.Problems = append(cj.Problems, checkSources(job)...)
		cj.Problems = append(cj.Problems, d.checkDrivesPlausible(job, pool)...)
		at := now
		if job.Schedule != "" {
			if s, err := config.ParseSchedule(job.Schedule); err == nil {
				cj.Next = s.Next(now)
				at = cj.Next
			}
		}
		choice, probs := d.checkCartridge(ctx, job, pool, view, at)
		cj.Problems = append(cj.Problems, probs...)
		if choice.Barcode != "" {
			cj.Cartridge, cj.Where = choice.Barcode, choice.Location.String()
		}
		rep.Jobs = append(rep.Jobs, cj)
	}
	rep.Checked = append(rep.Checked, "sources, drives and the next cartridge of "+rotation.Plural(len(names), "job"))
	rep.OK = len(rep.Problems()) == 0
	if len(names) == len(d.cfg.Jobs) {
		d.lastCheck.set(rep)
	}
	return rep, nil
}

// checkState is the last full check, for the metrics.
type checkState struct {
	mu  sync.Mutex
	rep CheckReport
	ok  bool
}

func (c *checkState) set(rep CheckReport) {
	c.mu.Lock()
	c.rep, c.ok = rep, true
	c.mu.Unlock()
}

// LastCheck is the last check of every job (by the daemon before a night,
// or by `tapewarden check`); ok is false before the first.
func (d *Engine) LastCheck() (CheckReport, bool) {
	d.lastCheck.mu.Lock()
	defer d.lastCheck.mu.Unlock()
	return d.lastCheck.rep, d.lastCheck.ok
}

// nightGap is how far apart two scheduled slots must be to belong to two
// nights: the check runs before a slot when no check ran for a slot in
// the nightGap before it.
const nightGap = 12 * time.Hour

// nextNight returns the first scheduled slot of the next night not yet
// checked (after checked, the first slot of the last checked night), or
// zero when no job is scheduled.
func nextNight(jobs []*jobSchedule, checked time.Time) time.Time {
	var first time.Time
	for _, js := range jobs {
		t := js.next
		if t.IsZero() {
			continue
		}
		if !checked.IsZero() && t.Before(checked.Add(nightGap)) {
			t = js.sch.Next(checked.Add(nightGap).Add(-time.Second))
		}
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// nightCheck is the check the daemon runs before a night: a prompt for a
// person when something is wrong (replacing the last one), and the last
// one closed when all is well again.
func (d *Engine) nightCheck(ctx context.Context, night time.Time) {
	rep, err := d.Check(ctx, nil)
	if err != nil {
		d.log.Error("the pre-flight check before tonight's runs failed", "err", err)
		return
	}
	open, _ := d.cat.Prompts(ctx, false)
	for _, p := range open {
		if p.Kind == "check" {
			// Housekeeping has no caller to fail: log and go on.
			if _, err := d.cat.ClosePrompt(ctx, media.System, p.ID, media.PromptSuperseded, notePreflightReplaced.text()); err != nil {
				d.log.Error("close the previous pre-flight prompt", "prompt", p.ID, "err", err)
			}
		}
	}
	probs := rep.Problems()
	if len(probs) == 0 {
		d.log.Info("pre-flight check before tonight's runs: all is ready", "first_run", night)
		return
	}
	var lines []bi
	for _, p := range probs {
		lines = append(lines, p.text())
	}
	d.log.Error("pre-flight check before tonight's runs found problems", "first_run", night, "problems", len(probs), "first", lines[0].en)
	when := d.at(night, "2006-01-02 15:04 -07:00")
	count := tr("prompt.check.problems", len(probs))
	if len(probs) == 1 {
		count = tr("prompt.check.problem")
	}
	if _, err := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "check"},
		tr("prompt.check.action", when, count, join(lines, "; ", "。")), tr("prompt.check.why"))); err != nil {
		d.log.Error("open the pre-flight check's prompt", "err", err)
	}
}

// checkCleaner reports a drive for which no usable cleaning cartridge is
// at hand, should it ask to be cleaned tonight.
func (d *Engine) checkCleaner(ctx context.Context, drv *drive, view rotation.View) *CheckProblem {
	h, err := d.driveHistory(ctx, drv)
	if err != nil {
		p := problem("", CheckCleaning, tr("check.cleaner_history", drv.cfg.Name, errText(err)))
		return &p
	}
	h.CleanRequested = true // were it to ask tonight
	c := rotation.CleaningDue(rotation.Drive{Name: drv.cfg.Name, Type: drv.cfg.MediaType, Cleaning: drv.cfg.Cleaning}, h, view, d.now().In(d.cfg.Location))
	if c.Cleaner != "" {
		return nil
	}
	for _, r := range c.Reasons {
		if r.Code == rotation.CodeNoCleaner {
			p := problem("", CheckCleaning, reasonText(r))
			return &p
		}
	}
	p := problem("", CheckCleaning, tr("check.no_cleaner", drv.cfg.Name))
	return &p
}

// checkDriveAnswers asks an idle drive for its status; a drive in use
// answers by being used.
func (d *Engine) checkDriveAnswers(ctx context.Context, drv *drive) *CheckProblem {
	release, err := drv.tryAcquire(leaseFor(leaseCheck, tr("lease.preflight")))
	if err != nil {
		return nil
	}
	defer release()
	h, err := drv.open()
	if err != nil {
		p := problem("", CheckDrive, tr("check.drive_open", drv.cfg.Name, drv.path, errText(err)))
		return &p
	}
	defer func() { _ = h.Close() }() // status only: nothing written to lose
	if _, err := h.Status(ctx); err != nil && !errors.Is(err, drives.ErrNoMedium) {
		p := problem("", CheckDrive, tr("check.drive_silent", drv.cfg.Name, errText(err)))
		return &p
	}
	return nil
}
