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
// ("run 12 (juki-daily)", "a load requested by tanaka").
type lease struct {
	kind leaseKind
	who  string
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
		return nil, fmt.Errorf("%w: drive %s is promised to %s, which is waiting for it", errDriveBusy, d.cfg.Name, a.firstWaiter(d))
	}
	a.holders[d] = holder{l, a.now()}
	return func() { a.release(d) }, nil
}

func (a *allocator) firstWaiter(d *drive) string {
	for _, w := range a.waiters {
		if slices.Contains(w.drives, d) {
			return w.who
		}
	}
	return ""
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
}

func (a *allocator) waiting() []Waiting {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Waiting
	for _, w := range a.waiters {
		var names, why []string
		for _, d := range w.drives {
			names = append(names, d.cfg.Name)
			if h, ok := a.holders[d]; ok {
				why = append(why, fmt.Sprintf("%s is held by %s", d.cfg.Name, h.who))
			} else if first := a.firstWaiter(d); first != w.who {
				why = append(why, fmt.Sprintf("%s is promised to %s", d.cfg.Name, first))
			}
		}
		sort.Strings(names)
		out = append(out, Waiting{Who: w.who, Drives: names, Since: w.since, Why: strings.Join(why, "; ")})
	}
	return out
}
