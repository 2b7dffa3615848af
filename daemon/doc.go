// Package daemon is the tapewarden service, and wiring only: New opens
// the engine (daemon/engine) and builds the report pages (daemon/report),
// the metrics (daemon/metrics) and the API (daemon/api) on it; Run serves
// the API on its unix socket and the metrics on TCP, runs the engine's
// scheduler, pings systemd's watchdog while the engine is healthy, and
// shuts all of it down in order; Close releases what Run did not.
//
// Locks: Daemon.mu guards the metrics address and the health check; every
// other lock belongs to the package whose state it guards (see
// daemon/engine for the engine's).
//
// Nothing but cmd imports this package; TestImportGraph holds the table
// of which of our packages may import which.
package daemon
