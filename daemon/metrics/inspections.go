package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// inspectionsCollector exports the physical inspections of the sites:
// when each configured site was last inspected (0 if never) and how
// often it must be, and the findings nobody has resolved yet.
type inspectionsCollector struct {
	cfg *config.Config

	last, every, open, oldest *prometheus.Desc
}

func newInspectionsCollector(cfg *config.Config) *inspectionsCollector {
	return &inspectionsCollector{
		cfg:   cfg,
		last:  desc("tapewarden_site_last_inspection_timestamp_seconds", "When the site's last physical inspection closed; 0 if it was never inspected.", "site"),
		every: desc("tapewarden_site_inspect_every_seconds", "How often the site must be physically inspected (sites[].inspect_every).", "site"),
		open:  desc("tapewarden_inspection_findings_open", "Inspection findings (missing, misplaced, surplus or unknown cartridges) not yet resolved."),
		oldest: desc("tapewarden_inspection_findings_oldest_open_timestamp_seconds",
			"When the oldest unresolved inspection finding was noted; absent when none is open."),
	}
}

func (c *inspectionsCollector) name() string { return "inspections" }

func (c *inspectionsCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.last, c.every, c.open, c.oldest} {
		ch <- d
	}
}

func (c *inspectionsCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	snap, err := r.catalog()
	if err != nil {
		return err
	}
	s := snap.Inspections
	for _, site := range c.cfg.Sites {
		gauge(ch, c.last, unixTime(s.LastBySite[site.Name]), site.Name)
		every := site.InspectEvery.D()
		if every == 0 {
			every = config.DefaultInspectEvery
		}
		gauge(ch, c.every, every.Seconds(), site.Name)
	}
	gauge(ch, c.open, float64(s.OpenFindings))
	if s.OldestOpenFinding != (time.Time{}) {
		gauge(ch, c.oldest, unixTime(s.OldestOpenFinding))
	}
	return nil
}
