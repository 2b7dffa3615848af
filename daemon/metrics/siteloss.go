package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SiteLossDrill is the newest site-loss drill, as the engine knows it.
type SiteLossDrill struct {
	// At is when it ran; zero when there has been none.
	At     time.Time
	Passed bool
	// AllBack is how long every system took to come back; zero when not
	// every system did.
	AllBack time.Duration
}

// siteLossCollector exports the newest site-loss drill; it reads no
// catalog at the scrape.
type siteLossCollector struct {
	live Live

	at, passed, allBack *prometheus.Desc
}

func newSiteLossCollector(live Live) *siteLossCollector {
	return &siteLossCollector{
		live:    live,
		at:      desc("tapewarden_siteloss_drill_last_timestamp_seconds", "When the last site-loss drill ran ('tapewarden drill site-loss'); 0 if never."),
		passed:  desc("tapewarden_siteloss_drill_last_success", "1 if the last site-loss drill brought every system back matching the catalog, 0 if it failed or there has been none."),
		allBack: desc("tapewarden_siteloss_drill_last_all_back_seconds", "How long the last site-loss drill took to bring every system back; absent when it did not."),
	}
}

func (c *siteLossCollector) name() string { return "siteloss_drill" }

func (c *siteLossCollector) describe(ch chan<- *prometheus.Desc) {
	ch <- c.at
	ch <- c.passed
	ch <- c.allBack
}

func (c *siteLossCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	d := c.live.SiteLossDrill()
	passed := 0.0
	if d.Passed && !d.At.IsZero() {
		passed = 1
	}
	gauge(ch, c.at, unixTime(d.At))
	gauge(ch, c.passed, passed)
	if d.AllBack > 0 {
		gauge(ch, c.allBack, d.AllBack.Seconds())
	}
	return nil
}
