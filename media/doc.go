// Package media is the catalog: cartridges, pools, sites and the places
// within them, custody events, courier manifests, job runs and generations,
// and the file index of every run's members. It stores everything in
// SQLite with versioned migrations; every change of a cartridge's location
// or state is an append-only, hash-chained custody event recorded in the
// same transaction as the change itself, and every run's end is an event
// too. Verify checks the chain and replays it against the rows, so a row
// changed outside the program is named. Each catalog has an identity (a
// UUID) that tapes carry. Text from people is checked at the catalog
// (CheckText): no control characters, bounded lengths. Scrape reads what
// the metrics need without reading every cartridge.
package media
