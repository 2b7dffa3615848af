// Package media is the catalog: cartridges, pools, sites and the places
// within them, custody events, courier manifests, job runs and generations.
// It stores everything in SQLite with versioned migrations; every change of
// a cartridge's location or state is an append-only, hash-chained custody
// event recorded in the same transaction as the change itself.
package media
