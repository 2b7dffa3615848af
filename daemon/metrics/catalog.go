package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// catalogCollector exports what lives in the catalog, read at scrape time.
// It never touches a device. Kernel tape counters are node_exporter's
// tapestats collector's business (node_tape_*) and are not repeated here.
type catalogCollector struct {
	// cat says whether its writes fail; that needs no read.
	cat           writeProblemer
	up            *prometheus.Desc
	writable      *prometheus.Desc
	writeFailing  *prometheus.Desc
	cartridges    *prometheus.Desc
	manifests     *prometheus.Desc
	discrepancies *prometheus.Desc
	oldestTransit *prometheus.Desc
	events        *prometheus.Desc
}

// writeProblemer is what the catalog collector asks of the catalog
// besides the scrape's reading.
type writeProblemer interface {
	WriteProblem() (since time.Time, err error)
}

func newCatalogCollector(cat writeProblemer) *catalogCollector {
	return &catalogCollector{
		cat: cat,
		up: prometheus.NewDesc("tapewarden_catalog_up",
			"1 if the catalog answered this scrape, 0 if it did not.", nil, nil),
		writable: prometheus.NewDesc("tapewarden_catalog_writable",
			"1 if the catalog's last write succeeded, 0 if the database could not store it (file system full or read-only, I/O error).", nil, nil),
		writeFailing: prometheus.NewDesc("tapewarden_catalog_write_failing_since_timestamp_seconds",
			"When the catalog's writes started failing; absent while they succeed.", nil, nil),
		cartridges: prometheus.NewDesc("tapewarden_cartridges",
			"Cartridges by site (in-transit for those with a courier), kind of place, pool and state.",
			[]string{"site", "place_kind", "pool", "state"}, nil),
		manifests: prometheus.NewDesc("tapewarden_manifests",
			"Courier manifests by state; state=\"overdue\" counts those in transit longer than catalog.manifest_overdue.",
			[]string{"state"}, nil),
		discrepancies: prometheus.NewDesc("tapewarden_manifest_discrepancies_open",
			"Custody discrepancies (missing or unexpected cartridges at a hand-over) not yet resolved.", nil, nil),
		oldestTransit: prometheus.NewDesc("tapewarden_manifest_oldest_pickup_timestamp_seconds",
			"When the longest-travelling manifest in transit was picked up; absent when none is.", nil, nil),
		events: prometheus.NewDesc("tapewarden_audit_events",
			"Events in the audit log.", nil, nil),
	}
}

func (c *catalogCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.writable, c.writeFailing, c.cartridges, c.manifests, c.discrepancies, c.oldestTransit, c.events} {
		ch <- d
	}
}

func (c *catalogCollector) name() string { return "catalog" }

func (c *catalogCollector) collect(_ context.Context, r reading, ch chan<- prometheus.Metric) error {
	// Whether the catalog can be written is known without reading it.
	if since, werr := c.cat.WriteProblem(); werr != nil {
		ch <- prometheus.MustNewConstMetric(c.writable, prometheus.GaugeValue, 0)
		ch <- prometheus.MustNewConstMetric(c.writeFailing, prometheus.GaugeValue, float64(since.Unix()))
	} else {
		ch <- prometheus.MustNewConstMetric(c.writable, prometheus.GaugeValue, 1)
	}
	snap, err := r.catalog()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return err
	}
	s := snap.Stats
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, cc := range s.Cartridges {
		ch <- prometheus.MustNewConstMetric(c.cartridges, prometheus.GaugeValue, float64(cc.Count), cc.Site, cc.PlaceKind, cc.Pool, cc.State)
	}
	for state, n := range s.Manifests {
		ch <- prometheus.MustNewConstMetric(c.manifests, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(c.discrepancies, prometheus.GaugeValue, float64(s.OpenDiscrepancies))
	if !s.OldestInTransit.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.oldestTransit, prometheus.GaugeValue, float64(s.OldestInTransit.Unix()))
	}
	ch <- prometheus.MustNewConstMetric(c.events, prometheus.GaugeValue, float64(s.Events))
	return nil
}
