package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CatalogCopies is the state of the daemon's scheduled copies of the
// catalog (catalog.copies).
type CatalogCopies struct {
	// Enabled is set when scheduled copies are configured.
	Enabled bool
	// Newest is when the newest copy was made; zero if none exists.
	Newest time.Time
	// Kept is how many copies the copies directory holds.
	Kept int
	// Sending is set when a send command is configured.
	Sending bool
	// Sent is when the newest sent copy was sent; zero if none was.
	Sent time.Time
	// SendFailed is set when the last send failed.
	SendFailed bool
	// MaxAge is the configured limit for both ages.
	MaxAge time.Duration
}

// copiesCollector exports the ages of the newest copy of the catalog and
// of the newest copy sent off the machine; it reads no catalog.
type copiesCollector struct {
	live    Live
	now     func() time.Time
	started time.Time

	age, sentAge, limit, kept, sendOK *prometheus.Desc
}

func newCopiesCollector(live Live, now func() time.Time, started time.Time) *copiesCollector {
	return &copiesCollector{
		live: live, now: now, started: started,
		age:     desc("tapewarden_catalog_copy_age_seconds", "Age of the newest scheduled copy of the catalog; without any, the time since the daemon started. Absent when catalog.copies is not configured."),
		sentAge: desc("tapewarden_catalog_copy_sent_age_seconds", "Age of the newest copy of the catalog sent off the machine (catalog.copies.send); without any, the time since the daemon started. Absent when no send command is configured."),
		limit:   desc("tapewarden_catalog_copy_age_limit_seconds", "catalog.copies.max_age: the age after which the newest copy, or the newest sent copy, is too old."),
		kept:    desc("tapewarden_catalog_copies", "How many scheduled copies of the catalog the copies directory holds."),
		sendOK:  desc("tapewarden_catalog_copy_send_success", "1 if the last run of the send command succeeded (or none ran yet), 0 if it failed (the status and the log say why)."),
	}
}

func (c *copiesCollector) name() string { return "catalog_copies" }

func (c *copiesCollector) describe(ch chan<- *prometheus.Desc) {
	ch <- c.age
	ch <- c.sentAge
	ch <- c.limit
	ch <- c.kept
	ch <- c.sendOK
}

func (c *copiesCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	cc := c.live.CatalogCopies()
	if !cc.Enabled {
		return nil
	}
	now := c.now()
	age := func(t time.Time) float64 {
		if t.IsZero() {
			t = c.started
		}
		return max(now.Sub(t).Seconds(), 0)
	}
	gauge(ch, c.age, age(cc.Newest))
	gauge(ch, c.limit, cc.MaxAge.Seconds())
	gauge(ch, c.kept, float64(cc.Kept))
	if cc.Sending {
		gauge(ch, c.sentAge, age(cc.Sent))
		ok := 1.0
		if cc.SendFailed {
			ok = 0
		}
		gauge(ch, c.sendOK, ok)
	}
	return nil
}
