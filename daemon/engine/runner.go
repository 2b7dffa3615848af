package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// activeRun is a run this daemon is executing.
type activeRun struct {
	id     int64
	job    string
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu     sync.Mutex
	state  media.RunState
	detail bi
	log    *runLog
}

func (a *activeRun) set(state media.RunState, detail bi) {
	a.mu.Lock()
	if state != "" {
		a.state = state
	}
	a.detail = detail
	a.mu.Unlock()
}

// note adds a line to the run's log, once it has one.
func (a *activeRun) note(format string, args ...any) {
	a.mu.Lock()
	l := a.log
	a.mu.Unlock()
	if l != nil {
		l.printf(format, args...)
	}
}

// ActiveRun is a run in progress, for `tapewarden status`.
type ActiveRun struct {
	ID     int64          `json:"id"`
	Job    string         `json:"job"`
	State  media.RunState `json:"state"`
	Detail string         `json:"detail"`
	// DetailJa says the same as Detail in Japanese, for the console.
	DetailJa string `json:"detail_ja,omitempty"`
}

// DetailText is what the run is doing in Japanese (ja) or in English.
func (r ActiveRun) DetailText(ja bool) string {
	if ja && r.DetailJa != "" {
		return r.DetailJa
	}
	return r.Detail
}

// runTable holds the active runs.
type runTable struct {
	mu     sync.Mutex
	active map[int64]*activeRun
	// changed is set when a run starts or ends: the scheduled copies of
	// the catalog follow it.
	changed bool
}

func (t *runTable) add(a *activeRun) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active == nil {
		t.active = map[int64]*activeRun{}
	}
	t.active[a.id] = a
	t.changed = true
}

func (t *runTable) remove(id int64) {
	t.mu.Lock()
	delete(t.active, id)
	t.changed = true
	t.mu.Unlock()
}

// activity says whether runs are in progress, and whether one started or
// ended since takeChanged was last called.
func (t *runTable) activity() (active, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.active) > 0, t.changed || len(t.active) > 0
}

// takeChanged forgets the runs that started or ended until now.
func (t *runTable) takeChanged() {
	t.mu.Lock()
	t.changed = false
	t.mu.Unlock()
}

func (t *runTable) byJob(job string) *activeRun {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range t.active {
		if a.job == job {
			return a
		}
	}
	return nil
}

func (t *runTable) get(id int64) *activeRun {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.active[id]
}

func (t *runTable) list() []ActiveRun {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []ActiveRun
	for _, a := range t.active {
		a.mu.Lock()
		out = append(out, ActiveRun{ID: a.id, Job: a.job, State: a.state, Detail: a.detail.en, DetailJa: a.detail.ja})
		a.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// liveLog returns the log of a run in progress, or "".
func (t *runTable) liveLog(id int64) string {
	a := t.get(id)
	if a == nil {
		return ""
	}
	a.mu.Lock()
	l := a.log
	a.mu.Unlock()
	if l == nil {
		return ""
	}
	return l.String()
}

// errRunActive says a job already has a run in progress.
var errRunActive = errors.New("daemon: the job is already running")

// StartRun queues a run of a job and starts executing it in the
// background. It returns once the run is recorded.
func (d *Engine) StartRun(ctx context.Context, job, trigger string, scheduledFor time.Time) (media.Run, error) {
	jc := d.cfg.Job(job)
	if jc == nil {
		return media.Run{}, notFound("no job %q is configured (jobs: %s)", job, strings.Join(d.cfg.JobNames(), ", "))
	}
	if a := d.runs.byJob(job); a != nil {
		return media.Run{}, conflict("%w: job %s has run %d in progress; wait for it or cancel it ('tapewarden run cancel %d')", errRunActive, job, a.id, a.id)
	}
	run, err := d.cat.QueueRun(ctx, media.NewRun{Job: jc.Name, System: jc.System, Pool: jc.Pool, Trigger: trigger, ScheduledFor: scheduledFor})
	if err != nil {
		return run, err
	}
	runCtx, cancel := context.WithCancelCause(d.runBase)
	a := &activeRun{id: run.ID, job: jc.Name, cancel: cancel, done: make(chan struct{}), state: media.RunQueued}
	d.runs.add(a)
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		defer cancel(nil)
		d.execute(runCtx, a, jc, run)
	}()
	return run, nil
}

// CancelRun stops a run in progress; it ends as cancelled.
func (d *Engine) CancelRun(ctx context.Context, actor media.Actor, id int64) (media.Run, error) {
	a := d.runs.get(id)
	if a == nil {
		r, err := d.cat.Run(ctx, id)
		if err != nil {
			return r, err
		}
		return r, conflict("run %d has already ended (%s); only a queued or running run can be cancelled", id, r.State)
	}
	a.cancel(fmt.Errorf("cancelled by %s", actor.Name))
	select {
	case <-a.done:
	case <-ctx.Done():
		return media.Run{}, ctx.Err()
	}
	return d.cat.Run(ctx, id)
}

// WaitRun waits until a run has finished. A run whose end the catalog
// could not record yet is returned as it ended.
func (d *Engine) WaitRun(ctx context.Context, id int64) (media.Run, error) {
	if a := d.runs.get(id); a != nil {
		select {
		case <-a.done:
		case <-ctx.Done():
			return media.Run{}, ctx.Err()
		}
	}
	return d.RunOf(ctx, id)
}

// RunOf reads one run from the catalog, or as it ended when the catalog
// could not record its end yet.
func (d *Engine) RunOf(ctx context.Context, id int64) (media.Run, error) {
	if p, ok := d.unrecorded.get(id); ok {
		return p.run, nil
	}
	return d.cat.Run(ctx, id)
}

// execute runs a job and records how it ended.
func (d *Engine) execute(ctx context.Context, a *activeRun, job *config.JobConfig, run media.Run) {
	defer close(a.done)
	defer d.runs.remove(run.ID)
	log := &runLog{now: d.now, persist: func(line string) {
		if err := d.cat.UpdateRun(context.WithoutCancel(ctx), run.ID, media.RunUpdate{Log: line}); err != nil {
			d.log.Error("store the run log", "run", run.ID, "err", err)
		}
	}}
	a.mu.Lock()
	a.log = log
	a.mu.Unlock()
	rlog := d.log.With("run", run.ID, "job", job.Name)
	rlog.Info("run started", "trigger", run.Trigger)
	res := d.runJob(ctx, a, job, run, log)
	if res.State == media.RunFailed && errors.Is(context.Cause(ctx), errDaemonStopping) {
		res.Reason = "the daemon was stopped during the run (" + res.Reason + ")"
	} else if res.State == media.RunFailed && ctx.Err() != nil && context.Cause(ctx) != nil {
		res.State = media.RunCancelled
		res.Reason = context.Cause(ctx).Error()
	}
	log.mu.Lock()
	log.persist = nil // the log is stored line by line
	log.mu.Unlock()
	done, err := d.cat.FinishRun(context.WithoutCancel(ctx), run.ID, res)
	if err != nil {
		// Never leave the run running: it ends failed now, in memory, and
		// is recorded as soon as the catalog takes a write again.
		ended := d.recordLater(run, res, err)
		a.set(ended.State, bi{en: ended.Reason, ja: ended.Reason})
		rlog.Error("run failed; the catalog could not record its end and will be retried", "reason", ended.Reason, "err", err)
		return
	}
	if done.State == media.RunSucceeded {
		rlog.Info("run succeeded", "bytes", done.Bytes, "generation", done.Generation, "pieces", len(res.Pieces))
	} else {
		rlog.Error("run "+string(done.State), "reason", done.Reason)
	}
}

// errDaemonStopping is the cause given to runs when the daemon stops.
var errDaemonStopping = errors.New("the daemon is stopping")

// runJob does the work of one run and says how it ended.
func (d *Engine) runJob(ctx context.Context, a *activeRun, job *config.JobConfig, run media.Run, log *runLog) (res media.RunResult) {
	fail := func(format string, args ...any) media.RunResult {
		res.State = media.RunFailed
		res.Reason = fmt.Sprintf(format, args...)
		log.printf("FAILED: %s", res.Reason)
		return res
	}
	l := leaseFor(leaseRun, tr("lease.run", run.ID, job.Name))
	status := func(state media.RunState, detail bi) {
		a.set(state, detail)
		if state != "" {
			if err := d.cat.UpdateRun(context.WithoutCancel(ctx), run.ID, media.RunUpdate{State: state}); err != nil {
				d.log.Error("record run state", "run", run.ID, "err", err)
			}
		}
		if detail.en != "" {
			log.printf("%s", detail.en)
		}
	}
	pool, ok := d.cfg.RotationPoolByName(job.Pool)
	if !ok {
		return fail("pool %s is not configured", job.Pool)
	}
	// Pre-flight: what can be known wrong now fails the run before it
	// takes a drive, loads a cartridge or runs its pre-command.
	if probs := d.preflightRun(ctx, job, pool); len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = p.Message
		}
		return fail("pre-flight check: %s; no cartridge was loaded, no pre-command was run and nothing was written", strings.Join(msgs, "; "))
	}
	// One run of a pool at a time: the next run's choice must see what
	// this one wrote (runs of one night append to one cartridge), or two
	// runs would choose the same cartridge and the second would overwrite
	// the first.
	unlockPool, err := d.lockPool(ctx, job.Pool, func() {
		status(media.RunWaiting, tr("run.detail.wait_pool", job.Pool))
	})
	if err != nil {
		return fail("waiting for pool %s: %v", job.Pool, err)
	}
	defer unlockPool()
	status(media.RunWaiting, tr("run.detail.choosing", job.Pool))
	choice, err := d.choose(ctx, pool, nil)
	if err != nil {
		return fail("%v", err)
	}
	for _, w := range choice.Warnings {
		log.printf("warning: %s", w.Message)
	}
	log.printf("rotation chose %s for generation %s: %s", choice.Barcode, choice.Period.Key, choice.Reasons[0].Message)
	res.Generation, res.Level, res.GenerationStart = choice.Period.Key, string(choice.Period.Level), d.now()
	if err := d.cat.UpdateRun(ctx, run.ID, media.RunUpdate{Generation: choice.Period.Key, Level: string(choice.Period.Level)}); err != nil {
		return fail("record the generation: %v", err)
	}
	why := tr("prompt.why.run", run.ID, job.Name, choice.Period.Key)
	m, err := d.obtain(ctx, obtainRequest{lease: l, barcode: choice.Barcode, write: true, drives: job.Drives, run: run.ID, why: why,
		status: func(detail bi) { status("", detail) }})
	if err != nil {
		return fail("get %s into a drive: %v", choice.Barcode, err)
	}
	defer m.release()
	if err := d.cat.UpdateRun(ctx, run.ID, media.RunUpdate{Drive: m.drv.cfg.Name, WaitSeconds: m.waited.Seconds(), Started: true}); err != nil {
		return fail("record that run %d started in drive %s: %v", run.ID, m.drv.cfg.Name, err)
	}
	log.printf("%s is in drive %s (waited %s)", choice.Barcode, m.drv.cfg.Name, rotation.HumanDuration(m.waited))

	// Pre- and post-commands: post runs whatever happened once pre ran.
	cmdEnv := d.jobCommandEnv(job, map[string]string{"JOB": job.Name, "RUN": fmt.Sprint(run.ID), "POOL": job.Pool,
		"GENERATION": choice.Period.Key, "BARCODE": choice.Barcode, "DRIVE": m.drv.cfg.Name})
	if len(job.PreCommand) > 0 {
		if err := runCommand(ctx, "pre-command", job.PreCommand, cmdEnv, job.CommandTimeout.D(), log); err != nil {
			res = fail("%v; nothing was written to tape", err)
			if perr := runCommand(context.WithoutCancel(ctx), "post-command", job.PostCommand, cmdEnv, job.CommandTimeout.D(), log); perr != nil {
				res.Reason += "; " + perr.Error()
			}
			return res
		}
	}
	defer func() {
		if len(job.PostCommand) > 0 {
			if err := runCommand(context.WithoutCancel(ctx), "post-command", job.PostCommand, cmdEnv, job.CommandTimeout.D(), log); err != nil {
				if res.State == media.RunSucceeded {
					res.State = media.RunFailed
					res.Reason = err.Error() + " (the backup itself was written and verified)"
				} else {
					res.Reason += "; " + err.Error()
				}
			}
		}
	}()

	w := &tapeWriter{d: d, job: job, run: run, log: log, status: status, pool: pool, lease: l, why: why, cmdEnv: cmdEnv}
	return w.write(ctx, m, choice)
}

// lockPool waits until no other run holds the pool, then holds it;
// waiting is called when the pool is busy, before the wait.
func (d *Engine) lockPool(ctx context.Context, pool string, waiting func()) (func(), error) {
	d.mu.Lock()
	if d.poolLocks == nil {
		d.poolLocks = map[string]chan struct{}{}
	}
	ch, ok := d.poolLocks[pool]
	if !ok {
		ch = make(chan struct{}, 1)
		d.poolLocks[pool] = ch
	}
	d.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	default:
	}
	waiting()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// choose asks rotation for the pool's next cartridge, leaving out
// cartridges in exclude (those this run has already filled).
func (d *Engine) choose(ctx context.Context, pool rotation.Pool, exclude []string) (rotation.Choice, error) {
	view, err := d.view(ctx)
	if err != nil {
		return rotation.Choice{}, err
	}
	if len(exclude) > 0 {
		kept := view.Cartridges[:0]
		for _, c := range view.Cartridges {
			if !slices.Contains(exclude, c.Barcode) {
				kept = append(kept, c)
			}
		}
		view.Cartridges = kept
	}
	choice, err := rotation.NextCartridge(pool, view, d.now().In(d.cfg.Location))
	if err != nil {
		var nc *rotation.NoCartridgeError
		if errors.As(err, &nc) {
			var msgs []string
			for _, r := range nc.Reasons {
				msgs = append(msgs, r.Message)
			}
			return choice, fmt.Errorf("no cartridge of pool %s can be written: %s", pool.Name, strings.Join(msgs, "; "))
		}
		return choice, err
	}
	return choice, nil
}

// tapeWriter writes one run's stream, piece by piece.
type tapeWriter struct {
	d      *Engine
	job    *config.JobConfig
	run    media.Run
	log    *runLog
	status func(media.RunState, bi)
	pool   rotation.Pool
	lease  lease
	why    bi
	// cmdEnv is the source command's environment.
	cmdEnv commandEnv

	generation, level string
	// recipients are the fingerprints of the pool's age recipients when
	// its data files are encrypted.
	recipients []string

	m       *mount
	h       drives.Drive
	barcode string
	file    int64        // tape file number of the current piece's data
	index   *memberIndex // nil when the file index is off
	pieces  []media.Piece
	full    []string
	start   time.Time
}

// position readies the cartridge in w.m for writing: block size, label
// check against the catalog, then right after the catalog's last good
// piece, confirmed by reading its trailer (append), or to file 1 once the
// tape holds nothing the catalog does not know (overwrite; the
// cartridge's earlier pieces are marked gone first).
func (w *tapeWriter) position(ctx context.Context, choice rotation.Choice) error {
	d := w.d
	h, err := w.m.drv.open()
	if err != nil {
		return fmt.Errorf("open drive %s: %w", w.m.drv.cfg.Name, err)
	}
	w.h, w.barcode = h, choice.Barcode
	if err := h.SetBlockSize(ctx, 0); err != nil {
		return err
	}
	// The label is read again right before the first write: a mismatch
	// stops the run before a byte is written.
	label, err := drives.VerifyLabel(ctx, h, choice.Barcode)
	if err != nil {
		return fmt.Errorf("check the label of %s in %s: %w", choice.Barcode, w.m.drv.cfg.Name, err)
	}
	st, err := h.Status(ctx)
	if err != nil {
		return err
	}
	if st.WriteProtected {
		return fmt.Errorf("%s is write-protected (or read-only in drive %s); nothing was written", choice.Barcode, w.m.drv.cfg.Name)
	}
	if choice.Append {
		if uuid, err := d.cat.LabelUUID(ctx, choice.Barcode); err == nil && uuid != "" && uuid != label.UUID {
			return fmt.Errorf("the label of %s in %s has UUID %s but the catalog recorded %s: it is not the cartridge the catalog knows; nothing was written", choice.Barcode, w.m.drv.cfg.Name, label.UUID, uuid)
		}
		return w.positionAppend(ctx, label)
	}
	released, err := d.cat.TapeDataReleased(ctx, choice.Barcode)
	if err != nil {
		return err
	}
	if released.IsZero() {
		if err := w.checkTapeData(ctx, label); err != nil {
			return err
		}
	} else {
		w.log.printf("what %s held was released for overwriting at %s ('tapewarden media erase')", choice.Barcode, released.In(d.cfg.Location).Format(time.DateTime))
	}
	if choice.FromScratch != "" || label.Pool != w.pool.Name || !released.IsZero() {
		if err := d.cat.TakeIntoPool(ctx, choice.Barcode, w.pool.Name, fmt.Sprintf("taken from pool %s by run %d", label.Pool, w.run.ID)); err != nil {
			return err
		}
		if err := d.cat.MarkOverwritten(ctx, media.System, choice.Barcode, 0, w.run.ID); err != nil {
			return err
		}
		nl, err := drives.NewLabel(choice.Barcode, w.pool.Name, label.MediaType, config.Version, d.now())
		if err != nil {
			return err
		}
		d.stampLabel(ctx, &nl)
		if err := drives.WriteLabel(ctx, h, nl, true); err != nil {
			return fmt.Errorf("relabel %s for pool %s: %w", choice.Barcode, w.pool.Name, err)
		}
		if err := d.cat.SetLabelUUID(ctx, choice.Barcode, nl.UUID); err != nil {
			return err
		}
		if !released.IsZero() {
			if err := d.cat.ClearRelease(ctx, choice.Barcode); err != nil {
				return err
			}
		}
		w.log.printf("relabelled %s for pool %s", choice.Barcode, w.pool.Name)
	} else if err := d.cat.MarkOverwritten(ctx, media.System, choice.Barcode, 1, w.run.ID); err != nil {
		return err
	}
	if err := h.Rewind(ctx); err != nil {
		return err
	}
	if err := h.SpaceFiles(ctx, 1); err != nil {
		return fmt.Errorf("space past the label of %s: %w", choice.Barcode, err)
	}
	w.file = 1
	if len(choice.Overwrites) == 0 {
		w.log.printf("writing %s from tape file 1 (nothing was written on it before)", choice.Barcode)
	} else {
		w.log.printf("writing %s from tape file 1, over %s", choice.Barcode, strings.Join(choice.Overwrites, ", "))
	}
	return nil
}

// write streams the job's data, spanning cartridges as they fill.
func (w *tapeWriter) write(ctx context.Context, m *mount, choice rotation.Choice) (res media.RunResult) {
	d := w.d
	w.m, w.start = m, d.now()
	w.generation, w.level = choice.Period.Key, string(choice.Period.Level)
	res.Generation, res.Level, res.GenerationStart = choice.Period.Key, string(choice.Period.Level), d.now()
	fail := func(format string, args ...any) media.RunResult {
		res.State = media.RunFailed
		res.Reason = fmt.Sprintf(format, args...)
		res.Pieces, res.Full = w.pieces, w.full
		w.log.printf("FAILED: %s", res.Reason)
		return res
	}
	defer func() {
		if w.h != nil {
			if err := w.h.Close(); err != nil {
				d.log.Error("close the drive after a run; the tape may lack its last filemark", "run", w.run.ID, "err", err)
			}
		}
	}()
	if err := w.position(ctx, choice); err != nil {
		return fail("%v", err)
	}
	w.status(media.RunWriting, tr("run.detail.writing", w.barcode, w.m.drv.cfg.Name))

	blockSize := w.m.drv.cfg.BlockSize
	if w.job.BlockSize > 0 {
		blockSize = w.job.BlockSize
	}
	if err := drives.CheckBlockSize(w.h, blockSize); err != nil {
		return fail("%v", err)
	}
	b := &archive.Backup{
		Paths:         w.job.Source.Paths,
		BlockSize:     blockSize,
		IsEndOfMedium: func(err error) bool { return errors.Is(err, drives.ErrEndOfMedium) },
		NextVolume:    w.nextVolume,
		Warn:          func(msg string) { w.log.printf("warning: %s", msg) },
		Counters:      d.writerCounters(w.m.drv.cfg.Name),
	}
	if pc := d.cfg.Pool(w.pool.Name); pc != nil && pc.Encrypted() {
		b.Recipients = pc.RecipientStrings()
		w.recipients = nil
		for _, r := range b.Recipients {
			w.recipients = append(w.recipients, archive.Fingerprint(r))
		}
		w.log.printf("encrypting with age to %s", strings.Join(w.recipients, ", "))
	}

	if !d.noFileIndex {
		// The file index: each member as it reaches the tape, in batches.
		w.index = newMemberIndex(ctx, d.cat, w.run.ID, w.log)
		w.index.pieceAt(1, w.file)
		b.OnMembers = w.index.add
	}
	var src *sourceCommand
	if len(w.job.Source.Command) > 0 {
		var out *bytesReader
		var err error
		src, out, err = startSource(ctx, w.job.Source.Command, w.cmdEnv, w.log)
		if err != nil {
			return fail("%v", err)
		}
		b.Source, b.SourceName, b.SourceModTime = out, w.job.Source.Name, d.now()
	}
	result, err := b.Run(ctx, w.h)
	if src != nil {
		if err != nil {
			_ = src.cmd.Process.Kill() // the run already failed; it may have exited by itself
		}
		if werr := src.wait(w.log); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		// Terminate what was written so the tape stays readable up to here.
		// A run that failed while changing cartridges has no handle: the
		// full cartridge was finished and put away.
		if w.h != nil {
			if err := w.h.WriteFilemarks(context.WithoutCancel(ctx), 1); err != nil {
				d.log.Error("terminate what a failed run wrote; the tape may not read past its last filemark", "run", w.run.ID, "err", err)
			}
		}
		// Record the piece cut short, unless it is the one nextVolume had
		// already finished and recorded.
		if n := len(result.Pieces); n > 0 && result.Pieces[n-1].Index > len(w.pieces) {
			last := result.Pieces[n-1]
			w.pieces = append(w.pieces, media.Piece{Piece: last.Index, Barcode: w.barcode, File: w.file, Bytes: last.Bytes})
		}
		return fail("%v; what was written does not count as a good generation", err)
	}
	last := result.Pieces[len(result.Pieces)-1]
	if err := w.finishPiece(ctx, last, false, result); err != nil {
		return fail("%v", err)
	}
	res.State = media.RunSucceeded
	res.Bytes, res.SHA256, res.Files = result.Bytes, result.SHA256, result.Members
	res.Pieces, res.Full = w.pieces, w.full
	w.log.printf("wrote %s in %s, %s, SHA-256 %s", rotation.Plural(int(result.Bytes), "byte"), rotation.Plural(len(w.pieces), "piece"), rotation.Plural(int(result.Members), "member"), result.SHA256)
	if result.Encryption != "" {
		res.Encryption, res.Recipients = result.Encryption, result.RecipientFingerprints
		res.TapeBytes, res.TapeSHA256 = result.TapeBytes, result.TapeSHA256
		w.log.printf("encrypted with age: %d bytes on tape, SHA-256 %s", result.TapeBytes, result.TapeSHA256)
	}

	if w.index != nil {
		if n, all := w.index.count(); all {
			w.log.printf("file index: %d members", n)
		}
	}
	for _, warn := range result.Warnings {
		w.log.printf("warning: %s", warn)
	}
	w.writeCatalogFile(ctx)
	w.afterRun(ctx)
	return res
}

// finishPiece ends the data file of a piece, writes its trailer and, if
// the job verifies, reads it back and compares.
func (w *tapeWriter) finishPiece(ctx context.Context, p archive.Piece, continued bool, total archive.Result) error {
	d := w.d
	if err := w.h.WriteFilemarks(ctx, 1); err != nil {
		return fmt.Errorf("end tape file %d on %s: %w", w.file, w.barcode, err)
	}
	t := drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: w.job.Name, RunID: fmt.Sprint(w.run.ID),
		System: w.job.System, Pool: w.pool.Name, Bytes: p.Bytes, SHA256: p.SHA256, Piece: p.Index, Continued: continued,
		Barcode: w.barcode, DataFile: w.file, Start: w.start.UTC(), End: d.now().UTC(), TapewardenVersion: config.Version}
	t.Generation, t.Level = w.generation, w.level
	d.stampTrailer(ctx, &t)
	if !continued {
		t.TotalBytes, t.TotalSHA256 = total.Bytes, total.SHA256
	}
	if len(w.recipients) > 0 {
		// The piece's and the totals' checksums are of the bytes on tape,
		// so verify needs no key; the tar stream's are kept beside them.
		t.Encryption, t.Recipients = "age", w.recipients
		if !continued {
			t.TotalBytes, t.TotalSHA256 = total.TapeBytes, total.TapeSHA256
			t.PlainBytes, t.PlainSHA256 = total.Bytes, total.SHA256
		}
	}
	err := drives.WriteTrailer(ctx, w.h, t)
	if errors.Is(err, drives.ErrEndOfMedium) {
		// In the early-warning zone writes alternate: try once more.
		err = drives.WriteTrailer(ctx, w.h, t)
	}
	if err != nil {
		return fmt.Errorf("write the trailer of piece %d on %s: %w", p.Index, w.barcode, err)
	}
	piece := media.Piece{Piece: p.Index, Barcode: w.barcode, File: w.file, Bytes: p.Bytes, SHA256: p.SHA256, Complete: true}
	if w.job.Verify == "checksum" {
		w.status(media.RunVerifying, tr("run.detail.verifying", p.Index, w.barcode, w.file))
		if err := w.verify(ctx, piece); err != nil {
			return err
		}
		w.status(media.RunWriting, bi{})
	}
	w.pieces = append(w.pieces, piece)
	return nil
}

// verify re-reads a piece's data file and compares size and SHA-256.
func (w *tapeWriter) verify(ctx context.Context, p media.Piece) error {
	if err := w.h.Rewind(ctx); err != nil {
		return fmt.Errorf("verify %s: rewind: %w", p.Barcode, err)
	}
	if err := w.h.SpaceFiles(ctx, int(p.File)); err != nil {
		return fmt.Errorf("verify %s: space to file %d: %w", p.Barcode, p.File, err)
	}
	blockSize := w.m.drv.cfg.BlockSize
	if w.job.BlockSize > 0 {
		blockSize = w.job.BlockSize
	}
	bufSize, err := drives.ReadBufferSize(w.h, blockSize)
	if err != nil {
		return fmt.Errorf("verify %s file %d: %w", p.Barcode, p.File, err)
	}
	n, sum, err := archive.Verify(ctx, w.h, bufSize)
	if err != nil {
		return fmt.Errorf("verify %s file %d: %w", p.Barcode, p.File, err)
	}
	if n != p.Bytes || sum != p.SHA256 {
		return fmt.Errorf("verify %s file %d: read back %d bytes with SHA-256 %s, wrote %d bytes with %s", p.Barcode, p.File, n, sum, p.Bytes, p.SHA256)
	}
	w.log.printf("verified piece %d on %s: %d bytes, SHA-256 matches", p.Piece, p.Barcode, n)
	// Leave the tape after the trailer, ready for the next job to append.
	return w.h.SpaceFiles(ctx, 1)
}

// nextVolume is called when the cartridge is full: it finishes the piece,
// puts the cartridge away and gets the pool's next cartridge in.
func (w *tapeWriter) nextVolume(ctx context.Context, done archive.Piece) (archive.BlockWriter, error) {
	d := w.d
	w.log.printf("%s is full after %d bytes (piece %d)", w.barcode, done.Bytes, done.Index)
	if err := w.finishPiece(ctx, done, true, archive.Result{}); err != nil {
		return nil, err
	}
	w.full = append(w.full, w.barcode)
	var used []string
	for _, p := range w.pieces {
		used = append(used, p.Barcode)
	}
	choice, err := d.choose(ctx, w.pool, used)
	if err != nil {
		return nil, fmt.Errorf("continue on another cartridge: %w", err)
	}
	w.log.printf("continuing on %s: %s", choice.Barcode, choice.Reasons[0].Message)
	cerr := w.h.Close()
	w.h = nil
	if cerr != nil {
		return nil, fmt.Errorf("finish the full cartridge: %w", cerr)
	}
	drv := w.m.drv
	w.status(media.RunWaiting, tr("run.detail.changing", w.barcode, choice.Barcode))
	// Put the full cartridge away; the run keeps its drive.
	if err := d.putAway(ctx, drv); err != nil {
		return nil, err
	}
	req := obtainRequest{lease: w.lease, barcode: choice.Barcode, write: true, run: w.run.ID, why: tr("prompt.why.piece", w.why, done.Index+1),
		status: func(detail bi) { w.status("", detail) }}
	start := d.now()
	if err := d.bringInto(ctx, req, drv); err != nil {
		return nil, fmt.Errorf("get %s into %s: %w", choice.Barcode, drv.cfg.Name, err)
	}
	if err := d.cat.UpdateRun(ctx, w.run.ID, media.RunUpdate{WaitSeconds: d.now().Sub(start).Seconds()}); err != nil {
		return nil, fmt.Errorf("record run %d's wait for %s: %w", w.run.ID, drv.cfg.Name, err)
	}
	if err := w.position(ctx, choice); err != nil {
		return nil, err
	}
	if w.index != nil {
		w.index.pieceAt(done.Index+1, w.file)
	}
	w.status(media.RunWriting, tr("run.detail.writing_piece", w.barcode, drv.cfg.Name, done.Index+1))
	return w.h, nil
}

// afterRun puts the cartridge where it should be once the run is done: to
// the mail slot, with a prompt for the person, when today's offsite plan
// sends it away; back to its slot otherwise. A standalone drive keeps it
// unless it leaves.
func (w *tapeWriter) afterRun(ctx context.Context) {
	d := w.d
	if err := w.h.Close(); err != nil {
		d.log.Error("close the drive after a run; the tape may lack its last filemark", "run", w.run.ID, "barcode", w.barcode, "err", err)
	}
	w.h = nil
	barcode, drv := w.barcode, w.m.drv
	var written int64
	for _, p := range w.pieces {
		if p.Barcode == barcode {
			written += p.Bytes
		}
	}
	if _, err := d.cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: drv.cfg.Name, Kind: "mount", Barcode: barcode, Bytes: written,
		Detail: fmt.Sprintf("run %d of job %s", w.run.ID, w.job.Name)}); err != nil {
		d.log.Error("record drive use", "drive", drv.cfg.Name, "err", err)
	}
	sends := d.sendsToday(ctx, w.pool.Name)
	if dest, leaving := sends[barcode]; leaving {
		if drv.lib != nil && drv.lib.cfg.MailSlots > 0 {
			ev, err := d.unloadLeased(ctx, media.System, drv, 0, true)
			if err == nil {
				d.openPromptLogged(ctx, withTexts(media.Prompt{Kind: "export", Barcode: barcode, Run: w.run.ID, Place: ev.To},
					tr("prompt.export.plan_slot", barcode, placeOf(ev.To), dest), tr("prompt.export.plan_why", dest)))
				w.log.printf("%s is in the mail slot for the courier to %s", barcode, dest)
				return
			}
			d.log.Warn("could not export for the courier; putting it back", "barcode", barcode, "err", err)
		} else if drv.lib == nil {
			d.ejectForPerson(ctx, drv)
			d.openPromptLogged(ctx, withTexts(media.Prompt{Kind: "export", Barcode: barcode, Drive: drv.cfg.Name, Run: w.run.ID, Place: media.DriveAt(drv.cfg.Site, drv.cfg.Name).String()},
				tr("prompt.export.plan_drive", barcode, drv.cfg.Name, dest), tr("prompt.export.plan_drive_why", dest, drv.cfg.Name)))
			return
		}
	}
	if drv.lib != nil {
		if _, err := d.unloadLeased(ctx, media.System, drv, 0, false); err != nil {
			d.log.Error("put the cartridge back after the run", "barcode", barcode, "err", err)
		}
	}
}

// sendsToday returns the cartridges of a pool that today's offsite plan
// sends away, with their destinations.
func (d *Engine) sendsToday(ctx context.Context, pool string) map[string]string {
	out := map[string]string{}
	rp, ok := d.cfg.RotationPoolByName(pool)
	if !ok || rp.Offsite == nil {
		return out
	}
	view, err := d.view(ctx)
	if err != nil {
		return out
	}
	now := d.now().In(d.cfg.Location)
	plan, err := rotation.Plan(rp, view, d.plannedRuns(now, now.AddDate(0, 0, 14)), now)
	if err != nil {
		return out
	}
	for _, s := range plan.Sends {
		out[s.Barcode] = s.To
	}
	return out
}
