package engine

import (
	"context"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// auditEvery is how often the engine verifies the audit chain besides at
// start.
const auditEvery = 24 * time.Hour

// AuditState is what the engine's last verification of the audit chain
// found. Checked is zero until the first one.
type AuditState struct {
	Checked time.Time `json:"checked"`
	OK      bool      `json:"ok"`
	// HeadID and HeadHash are the last event verified.
	HeadID   int64  `json:"head_id"`
	HeadHash string `json:"head_hash"`
	// BrokenAt and Problem say where and how the chain is broken.
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// auditWatch keeps the last verification's outcome.
type auditWatch struct {
	mu    sync.Mutex
	state AuditState
}

// VerifyAudit verifies the audit chain now and keeps the outcome for the
// status and the metrics: the whole chain (and every cartridge and run
// against it) when whole is set or the last verification failed,
// otherwise only what came after the last verified event. A broken chain
// is logged as an error; it is an outcome, not a failure of the check,
// which fails only when the catalog cannot be read.
func (d *Engine) VerifyAudit(ctx context.Context, whole bool) (AuditState, error) {
	last := d.AuditState()
	var res media.VerifyResult
	var err error
	if whole || !last.OK || last.Checked.IsZero() {
		res, err = d.cat.Verify(ctx, "")
	} else {
		res, err = d.cat.VerifyFrom(ctx, media.ChainHead{ID: last.HeadID, Hash: last.HeadHash})
	}
	if err != nil {
		d.log.Error("verify the audit chain", "err", err)
		return d.AuditState(), err
	}
	st := auditStateOf(d.now(), res)
	d.audit.mu.Lock()
	d.audit.state = st
	d.audit.mu.Unlock()
	if !st.OK {
		d.log.Error("the audit chain does not verify; the custody records cannot be trusted", "event", st.BrokenAt, "problem", st.Problem)
	}
	return st, nil
}

func auditStateOf(now time.Time, res media.VerifyResult) AuditState {
	st := AuditState{Checked: now, OK: res.OK, HeadID: res.HeadID, HeadHash: res.HeadHash, BrokenAt: res.BrokenAt, Problem: res.Problem}
	if !res.OK && res.BrokenAt > 0 {
		// What verified is the chain before the broken event.
		st.HeadID, st.HeadHash = res.BrokenAt-1, ""
	}
	return st
}

// AuditState is the last verification's outcome.
func (d *Engine) AuditState() AuditState {
	d.audit.mu.Lock()
	defer d.audit.mu.Unlock()
	return d.audit.state
}

// auditDue verifies the chain when the last verification is a day old.
func (d *Engine) auditDue(ctx context.Context) {
	if last := d.AuditState().Checked; last.IsZero() || d.now().Sub(last) >= auditEvery {
		_, _ = d.VerifyAudit(ctx, false) // logs its own failure at ERROR
	}
}
