package engine

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// allocator hands out exclusive leases on drives. Two runs, or a run and a
// restore, a cleaning or a library operation, never share a drive and its
// cartridge. Waiters are served in arrival order: a released drive goes to
// the oldest waiter that can use it, and a newcomer never jumps the queue
// for a drive an earlier waiter wants.
type allocator struct {
	now     func() time.Time // the daemon's clock, for when a lease began
	mu      sync.Mutex
	holders map[*drive]holder
	waiters []*waiter
}

// leaseKind is what a drive is leased for.
type leaseKind int

const (
	// leaseRun is a backup run writing to the drive.
	leaseRun leaseKind = iota + 1
	// leaseRestore is a restore (or a restore drill) reading from it.
	leaseRestore
	// leaseCleaning is a cleaning of the drive.
	leaseCleaning
	// leaseOperator is a person's request: load, unload, identify, put in
	// or eject a cartridge.
	leaseOperator
	// leaseCheck is the daemon's own brief look at the drive: a status
	// query, the housekeeping's poll, the check after a cleaning by hand.
	leaseCheck
)

// long reports whether a lease of this kind holds the drive for long (a
// run, a restore, a cleaning), so that a person's request is refused at
// once instead of waiting for it.
func (k leaseKind) long() bool {
	return k == leaseRun || k == leaseRestore || k == leaseCleaning
}

// lease is what a drive is held for, and by whom in words for people
// ("run 12 (juki-daily)", "a load requested by tanaka"), in English and
// in Japanese (ja; empty in a test's lease, which then shows its English).
type lease struct {
	kind leaseKind
	who  string
	ja   string
}

// leaseFor is a lease of kind held for what t says.
func leaseFor(kind leaseKind, t bi) lease { return lease{kind: kind, who: t.en, ja: t.ja} }

// text is who holds the lease in both languages.
func (l lease) text() bi {
	if l.ja == "" {
		return bi{en: l.who, ja: l.who}
	}
	return bi{en: l.who, ja: l.ja}
}

type holder struct {
	lease
	since time.Time
}

type waiter struct {
	lease
	drives []*drive
	since  time.Time
	got    chan *drive
}

func newAllocator(now func() time.Time) *allocator {
	return &allocator{now: now, holders: map[*drive]holder{}}
}

// wanted reports whether a queued waiter can use d.
func (a *allocator) wanted(d *drive) bool {
	for _, w := range a.waiters {
		if slices.Contains(w.drives, d) {
			return true
		}
	}
	return false
}

// tryAcquire leases d now or says who holds it.
func (a *allocator) tryAcquire(d *drive, l lease) (func(), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h, busy := a.holders[d]; busy {
		return nil, fmt.Errorf("%w: drive %s is in use by %s since %s", errDriveBusy, d.cfg.Name, h.who, h.since.Format("15:04:05"))
	}
	if a.wanted(d) {
		return nil, fmt.Errorf("%w: drive %s is promised to %s, which is waiting for it", errDriveBusy, d.cfg.Name, a.firstWaiter(d).who)
	}
	a.holders[d] = holder{l, a.now()}
	return func() { a.release(d) }, nil
}

func (a *allocator) firstWaiter(d *drive) lease {
	for _, w := range a.waiters {
		if slices.Contains(w.drives, d) {
			return w.lease
		}
	}
	return lease{}
}

// acquire leases one of candidates, waiting in line if all are busy.
func (a *allocator) acquire(ctx context.Context, l lease, candidates []*drive) (*drive, func(), error) {
	if len(candidates) == 0 {
		return nil, nil, fmt.Errorf("no drive can take the cartridge")
	}
	a.mu.Lock()
	now := a.now()
	for _, d := range candidates {
		if _, busy := a.holders[d]; !busy && !a.wanted(d) {
			a.holders[d] = holder{l, now}
			a.mu.Unlock()
			return d, func() { a.release(d) }, nil
		}
	}
	w := &waiter{lease: l, drives: candidates, since: now, got: make(chan *drive, 1)}
	a.waiters = append(a.waiters, w)
	a.mu.Unlock()
	select {
	case d := <-w.got:
		return d, func() { a.release(d) }, nil
	case <-ctx.Done():
		a.mu.Lock()
		defer a.mu.Unlock()
		a.waiters = slices.DeleteFunc(a.waiters, func(x *waiter) bool { return x == w })
		select {
		case d := <-w.got: // granted just as we gave up: pass it on
			delete(a.holders, d)
			a.grant(d)
		default:
		}
		return nil, nil, ctx.Err()
	}
}

// release frees d or hands it to the oldest waiter that can use it.
func (a *allocator) release(d *drive) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.holders, d)
	a.grant(d)
}

// grant gives a free d to the first waiter wanting it. a.mu is held.
func (a *allocator) grant(d *drive) {
	for i, w := range a.waiters {
		if slices.Contains(w.drives, d) {
			a.waiters = slices.Delete(a.waiters, i, i+1)
			a.holders[d] = holder{w.lease, a.now()}
			w.got <- d
			return
		}
	}
}

// holderOf says what d is leased for and since when; the zero lease when
// it is free.
func (a *allocator) holderOf(d *drive) (lease, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := a.holders[d]
	return h.lease, h.since
}

// Waiting is a queued request for a drive, for `tapewarden status`.
type Waiting struct {
	Who    string    `json:"who"`
	Drives []string  `json:"drives"`
	Since  time.Time `json:"since"`
	// Why names who holds each wanted drive.
	Why string `json:"why"`
	// WhoJa and WhyJa say the same in Japanese, for the console.
	WhoJa string `json:"who_ja,omitempty"`
	WhyJa string `json:"why_ja,omitempty"`
}

// Texts are who waits and why in Japanese (ja) or in English.
func (w Waiting) Texts(ja bool) (who, why string) {
	if ja && w.WhoJa != "" {
		return w.WhoJa, w.WhyJa
	}
	return w.Who, w.Why
}

func (a *allocator) waiting() []Waiting {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Waiting
	for _, w := range a.waiters {
		var names, why, whyJa []string
		for _, d := range w.drives {
			names = append(names, d.cfg.Name)
			var t bi
			if h, ok := a.holders[d]; ok {
				t = tr("lease.held_by", d.cfg.Name, h.text())
			} else if first := a.firstWaiter(d); first.who != w.who {
				t = tr("lease.promised_to", d.cfg.Name, first.text())
			} else {
				continue
			}
			why, whyJa = append(why, t.en), append(whyJa, t.ja)
		}
		sort.Strings(names)
		who := w.text()
		out = append(out, Waiting{Who: who.en, WhoJa: who.ja, Drives: names, Since: w.since, Why: strings.Join(why, "; "), WhyJa: strings.Join(whyJa, "、")})
	}
	return out
}
