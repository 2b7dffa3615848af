package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/media"
)

// Operation kinds.
const (
	OpRestore     = "restore"
	OpDrill       = "drill"
	OpCatalogCopy = "catalog_copy"
)

// opTable holds the operations in progress.
type opTable struct {
	mu     sync.Mutex // guards active
	active map[int64]*activeOp
}

// activeOp is an operation in progress: its progress and how to stop it.
type activeOp struct {
	id     int64
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu       sync.Mutex // guards progress
	progress media.OperationProgress
}

func (t *opTable) add(a *activeOp) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active == nil {
		t.active = map[int64]*activeOp{}
	}
	t.active[a.id] = a
}

func (t *opTable) remove(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.active, id)
}

func (t *opTable) get(id int64) *activeOp {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.active[id]
}

// opProgressKey carries an operation's progress to the work it runs.
type opProgressKey struct{}

// progressOf is the operation running in ctx, or nil.
func progressOf(ctx context.Context) *activeOp {
	a, _ := ctx.Value(opProgressKey{}).(*activeOp)
	return a
}

// update changes the progress of the operation running in ctx, if any.
func (d *Engine) opProgress(ctx context.Context, change func(p *media.OperationProgress)) {
	a := progressOf(ctx)
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	change(&a.progress)
	a.progress.Updated = d.now()
}

// opStatus records a step of the operation running in ctx: what it does,
// or, for "waiting for ...", what it waits for.
func (d *Engine) opStatus(ctx context.Context, detail string) {
	d.opProgress(ctx, func(p *media.OperationProgress) {
		p.Detail = detail
		p.Waiting = ""
		if strings.HasPrefix(detail, "waiting for") {
			p.Waiting = strings.TrimPrefix(detail, "waiting for ")
		}
	})
}

// opCountReads counts what is read through r as the bytes of the
// operation running in ctx (r itself outside an operation).
func (d *Engine) opCountReads(ctx context.Context, r archive.BlockReader) archive.BlockReader {
	if progressOf(ctx) == nil {
		return r
	}
	return opReads{r: r, count: func(n int) { d.opProgress(ctx, func(p *media.OperationProgress) { p.Bytes += int64(n) }) }}
}

// opReads is a reader that counts.
type opReads struct {
	r     archive.BlockReader
	count func(n int)
}

func (o opReads) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if n > 0 {
		o.count(n)
	}
	return n, err
}

// startOperation records an operation and runs work in the background,
// outside any request; its result and error are recorded when it ends.
func (d *Engine) startOperation(ctx context.Context, n media.NewOperation, work func(ctx context.Context) (any, error)) (media.Operation, error) {
	op, err := d.cat.StartOperation(ctx, n)
	if err != nil {
		return op, err
	}
	opCtx, cancel := context.WithCancelCause(d.runBase)
	a := &activeOp{id: op.ID, cancel: cancel, done: make(chan struct{})}
	opCtx = context.WithValue(opCtx, opProgressKey{}, a)
	d.ops.add(a)
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		defer close(a.done)
		defer d.ops.remove(op.ID)
		defer cancel(nil)
		log := d.log.With("operation", op.ID, "kind", op.Kind)
		log.Info("operation started", "what", op.Summary, "by", op.Actor.Name)
		result, err := work(opCtx)
		state, why := media.OperationSucceeded, ""
		switch cause := context.Cause(opCtx); {
		case err == nil:
		case opCtx.Err() != nil && errors.Is(cause, errDaemonStopping):
			state, why = media.OperationFailed, fmt.Sprintf("the daemon was stopped while the %s was running; start it again (%v)", op.Kind, err)
		case opCtx.Err() != nil:
			state, why = media.OperationCancelled, cause.Error()
		default:
			state, why = media.OperationFailed, err.Error()
		}
		done, ferr := d.cat.FinishOperation(context.WithoutCancel(opCtx), op.ID, state, result, why)
		if ferr != nil {
			log.Error("record the end of the operation", "err", ferr)
			return
		}
		log.Info("operation ended", "state", done.State, "error", done.Error)
	}()
	return op, nil
}

// Operation is one operation, with its progress while it runs.
func (d *Engine) Operation(ctx context.Context, id int64) (media.Operation, error) {
	op, err := d.cat.Operation(ctx, id)
	if err != nil {
		return op, err
	}
	if a := d.ops.get(id); a != nil && !op.State.Finished() {
		a.mu.Lock()
		p := a.progress
		a.mu.Unlock()
		op.Progress = &p
	}
	return op, nil
}

// Operations lists operations, newest first, each running one with its
// progress.
func (d *Engine) Operations(ctx context.Context, f media.OperationFilter) ([]media.Operation, error) {
	list, err := d.cat.Operations(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if a := d.ops.get(list[i].ID); a != nil && !list[i].State.Finished() {
			a.mu.Lock()
			p := a.progress
			a.mu.Unlock()
			list[i].Progress = &p
		}
	}
	return list, nil
}

// ActiveOperations are the operations in progress, oldest first, for the
// status.
func (d *Engine) ActiveOperations(ctx context.Context) ([]media.Operation, error) {
	list, err := d.Operations(ctx, media.OperationFilter{Running: true})
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, err
}

// CancelOperation stops an operation in progress; it ends as cancelled.
func (d *Engine) CancelOperation(ctx context.Context, actor media.Actor, id int64) (media.Operation, error) {
	a := d.ops.get(id)
	if a == nil {
		op, err := d.cat.Operation(ctx, id)
		if err != nil {
			return op, err
		}
		return op, conflict("operation %d has already %s", id, op.State)
	}
	a.cancel(fmt.Errorf("cancelled by %s", actor.Name))
	select {
	case <-a.done:
	case <-ctx.Done():
		return media.Operation{}, ctx.Err()
	}
	return d.cat.Operation(ctx, id)
}

// StartRestore checks a restore request and starts the restore (or the
// restore drill) as an operation; it answers at once.
func (d *Engine) StartRestore(ctx context.Context, actor media.Actor, req RestoreRequest) (media.Operation, error) {
	if req.To == "" {
		return media.Operation{}, invalid("say where to restore to (--to DIR)")
	}
	if fi, err := os.Stat(req.To); err != nil || !fi.IsDir() {
		return media.Operation{}, invalid("restore target %s must be an existing directory", req.To)
	}
	if _, _, err := d.restoreRuns(ctx, req); err != nil {
		return media.Operation{}, err
	}
	kind, what := OpRestore, "restore"
	if req.Drill {
		kind, what = OpDrill, "restore drill"
	}
	of := "system " + req.System
	if req.Job != "" {
		of = "job " + req.Job
	}
	summary := fmt.Sprintf("%s of %s into %s", what, of, req.To)
	// The operation's record keeps the request, never an identity: the
	// catalog travels on tapes and into copies.
	stored := req
	if stored.Identity != "" {
		stored.Identity = "[secret]"
	}
	return d.startOperation(ctx, media.NewOperation{Kind: kind, Actor: actor, Summary: summary, Request: stored},
		func(ctx context.Context) (any, error) {
			res, err := d.Restore(ctx, actor, req)
			// The identity is needed for this restore only: drop it, so
			// that nothing the operation keeps refers to it.
			req.Identity = ""
			if err == nil {
				// Restore fails only when nothing could be restored; an
				// incomplete restore is a failed operation all the same.
				err = res.Err()
			}
			if err != nil && res.Drill != nil {
				err = fmt.Errorf("%w (the failed drill is recorded as drill %d)", err, res.Drill.ID)
			}
			if len(res.Jobs) == 0 && res.Drill == nil {
				return nil, err
			}
			return res, err
		})
}

// StartCatalogCopy writes a consistent copy of the catalog to path as an
// operation, and records it in the audit log.
func (d *Engine) StartCatalogCopy(ctx context.Context, actor media.Actor, path string) (media.Operation, error) {
	if path == "" {
		return media.Operation{}, invalid("say where the copy goes (--to FILE)")
	}
	// Refuse a target the copy may not go to before an operation exists.
	if _, err := d.copyTarget(path); err != nil {
		return media.Operation{}, err
	}
	return d.startOperation(ctx, media.NewOperation{Kind: OpCatalogCopy, Actor: actor, Summary: "catalog copy to " + path, Request: map[string]string{"to": path}},
		func(ctx context.Context) (any, error) {
			d.opStatus(ctx, "copying the catalog to "+path)
			res, err := d.CopyCatalog(ctx, actor, path)
			if err != nil {
				return nil, err
			}
			return res, nil
		})
}
