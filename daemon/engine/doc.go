// Package engine owns everything tapewarden does with cartridges, drives
// and libraries: the drive leases and their waiting line, the devices,
// obtaining a cartridge for a run or a restore (from the library or from a
// person), library and drive operations, cleaning, prompts, runs, restores,
// the scheduler and the housekeeping.
//
// Work that can outlive a request (a restore, a restore drill, a catalog
// copy) is an operation (operations.go): StartRestore and StartCatalogCopy
// check the request, record the operation in the catalog and run the work
// in the background, reporting its progress; Operation, Operations and
// CancelOperation follow and stop it.
//
// It knows nothing of HTTP. Its operations fail with the catalog's and the
// devices' errors, or with one of its own kinds: ErrNotFound, ErrConflict,
// ErrBusy, ErrInvalid (errors.go); the API decides what those mean to a
// client. A lease carries its kind (a run, a restore, a cleaning, a
// person's request, a brief check) besides the words shown to people.
//
// Locks, and what each guards:
//
//   - Engine.mu: the scheduler's heartbeat (lastBeat), the drives being
//     cleaned (cleaning) and the per-pool write locks (poolLocks).
//   - allocator.mu: the drive leases and the requests waiting for one.
//   - drive.mu: a drive's last status read and whether its holder waits
//     for a person's hands.
//   - library.mu: a library's multi-step operations (inventory, then
//     move), held for the whole operation; the brief locks (allocator.mu,
//     drive.mu) may be taken under it, never the reverse, and no drive
//     lease is waited for while it is held.
//   - runTable.mu: the runs in progress; activeRun.mu: one run's state,
//     detail and log (taken under runTable.mu when the runs are listed).
//   - opTable.mu: the operations in progress; activeOp.mu: one
//     operation's progress (never taken under opTable.mu).
//   - promptWaiters.mu: who waits for which prompt's answer.
//   - writerStats.mu: the writers' streaming counters.
//   - unrecorded.mu: the runs that ended while the catalog could not
//     record them (unrecorded.go), until it does.
//   - checkState.mu: the last pre-flight check of every job
//     (preflight.go), for the metrics.
//
// Besides these, runLog.mu guards a run's log and offsetClock.mu the demo
// clock's offset. Apart from library.mu and runTable.mu as said, no lock
// is held while another is taken.
package engine
