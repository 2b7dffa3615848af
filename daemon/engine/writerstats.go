package engine

import (
	"sync"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// writerStats keeps each drive's streaming counters across runs, for the
// starved-writer and underrun metrics.
type writerStats struct {
	mu       sync.Mutex
	counters map[string]*archive.Counters
}

func (d *Engine) writerCounters(drive string) *archive.Counters {
	d.writerStats.mu.Lock()
	defer d.writerStats.mu.Unlock()
	if d.writerStats.counters == nil {
		d.writerStats.counters = map[string]*archive.Counters{}
	}
	c, ok := d.writerStats.counters[drive]
	if !ok {
		c = &archive.Counters{}
		d.writerStats.counters[drive] = c
	}
	return c
}

// writerSnapshot returns each drive's streaming counters.
func (d *Engine) writerSnapshot() map[string]archive.Stats {
	d.writerStats.mu.Lock()
	defer d.writerStats.mu.Unlock()
	out := map[string]archive.Stats{}
	for k, c := range d.writerStats.counters {
		out[k] = c.Snapshot()
	}
	return out
}
