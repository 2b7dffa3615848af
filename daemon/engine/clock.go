package engine

import (
	"sync"
	"time"
)

// Clock is the daemon's time. The scheduler, prompt reminders, runs and
// the catalog all read it, so tests and simulations can run weeks of
// schedule in seconds.
type Clock interface {
	Now() time.Time
	// After delivers the clock's time once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
	// At delivers the clock's time once it has reached t.
	At(t time.Time) <-chan time.Time
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (realClock) At(t time.Time) <-chan time.Time        { return time.After(time.Until(t)) }

// funcClock is a clock given as a function; its After waits in real time.
type funcClock func() time.Time

func (f funcClock) Now() time.Time                         { return f() }
func (f funcClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (f funcClock) At(t time.Time) <-chan time.Time        { return time.After(t.Sub(f())) }

// offsetClock is a clock shifted from the wall clock; the demo writes
// "yesterday's" generations with it before it starts.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) set(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}

func (c *offsetClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (c *offsetClock) At(t time.Time) <-chan time.Time        { return time.After(t.Sub(c.Now())) }

// TimeLayout is how a time is written for people: in the configured zone,
// with its offset, to the minute.
const TimeLayout = "2006-01-02 15:04 -07:00"

// when writes t for people: in the configured zone, with its offset.
func (d *Engine) when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(d.cfg.Location).Format(TimeLayout)
}
