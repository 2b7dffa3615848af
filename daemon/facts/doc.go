// Package facts owns what the catalog and the configuration say in
// rotation's terms: the view of every cartridge (View), the runs the job
// schedules plan (PlannedRuns) and the facts the policy check uses
// (Policy). It only reads; the engine, the report pages and the metrics
// all build on it, so they judge the same world the same way.
package facts
