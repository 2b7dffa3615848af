// Package metrics owns the daemon's Prometheus metrics: one collector per
// data source (the catalog, the jobs, the prompts, the drives, rotation's
// judgement of the catalog, the restore drills, the writers, the last
// pre-flight check), read at
// scrape time, node_exporter style. Each reports
// tapewarden_scrape_collector_success{collector=...}; a collector that
// fails says 0 there and its error goes to the log, never nowhere.
//
// The catalog is read once per scrape, in one read transaction
// (media.Catalog.Scrape: counts kept by triggers, aggregates, and only the
// cartridges rotation's figures depend on), and shared by the collectors;
// when it does not answer, each collector that reads it says 0 and the
// error is logged once. BenchmarkGather measures a whole scrape on a
// catalog of 100,000 cartridges and 1,000,000 events.
//
// It never touches a device and never imports the engine: what it needs of
// the engine's state in memory (busy drives, running jobs, the writers'
// counters, runs the catalog has not recorded yet, the last check's
// problems) it reads through the small Live interface it declares.
package metrics
