// Package rotation is tapewarden's pure policy: rotation schemes, generation
// protection, choosing the next cartridge, the offsite plan, cleaning
// due-ness and the lint of a configuration against the backup standard.
//
// Everything here is a function of its arguments. The package does no I/O,
// reads no clock and imports no other tapewarden package: the daemon maps
// catalog rows and configuration to this package's types, passes "now" in,
// and gets decisions with their reasons back, in a deterministic order.
// Calendar dates are taken in the location of the times passed in; the
// daemon passes times in the site's configured zone.
//
// A reason's message is English; beside it the reason keeps a message key
// and the values the sentence names (Reason.Key, Reason.Args), so that the
// daemon's catalogue can tell the same reason in Japanese. Every reason is
// made by one constructor, which writes the English from the same values.
//
// # Generations
//
// A generation is what a pool received in one rotation period, on one or
// more cartridges: for a daily pool, that day's runs of every job writing to
// it. PeriodOf says which period, and so which generation and level, a run
// belongs to; the daemon groups runs with it and records the period's Key
// and Level with the generation. The first run of a period writes a
// cartridge from its start; later runs of the same period append to it, and
// a full cartridge makes the generation continue on another (spanning).
//
// # Schemes
//
// cycle: Cycle.Cartridges cartridges written in turn, one generation per
// day, week or month. The newest Cartridges-1 good generations are
// retained, so after each good run the pool holds Cartridges good
// generations and a failed run still leaves Cartridges-1. The standard asks
// for at least five (最低でも5巻回し, 第2節 3(2)イ(ア)b); fewer is a
// configuration error unless the pool records a Waiver with a reason, which
// Check reports.
//
// gfs: grandfather-father-son. Each day's runs form one generation whose
// level is the highest promotion the day earns: yearly (GFS.YearlyOn, a
// month and day, or a month's monthly day), monthly (GFS.MonthlyOn: first
// or last business day, last day, or day N), weekly (GFS.WeeklyOn, a
// weekday), else daily. Each level retains its own count of good
// generations. Cartridges are shared between levels: the level belongs to
// the generation, not the cartridge; a site wanting physically separate
// sets uses separate pools. The rotation needs the sum of the counts plus
// one cartridge, and that sum plus one must reach five like a cycle.
//
// release: a system backup at each release; the runs of one day form the
// generation of that release, and the last Release.Keep good releases are
// retained.
//
// scratch: holds labelled, blank cartridges and is never written. When a
// pool has no cartridge it may overwrite, NextCartridge takes one from the
// pool's scratch pool: silently while the pool is still growing to the size
// its rotation needs, with a warning when a retired or damaged cartridge
// must be replaced or when every cartridge is protected (the pool then
// grows by one).
//
// # Protection, failures and partial generations
//
// A cartridge may be overwritten only when no generation on it is
// protected (Retain). For each level, the newest good generations up to the
// retained count are protected. Only good generations count: a failed
// night never pushes out the last good one, because it does not move the
// count.
//
// A partial generation (some jobs of the period succeeded, others failed
// or did not run; see Grade) is not counted as good toward the retained
// count, but it is protected for as long as a good generation of the same
// date would be: while fewer good generations of its level than the
// retained count are newer than it. It holds the only copy of the jobs that
// succeeded that day, so it must not go before its time; yet counting it
// would let a night where the most important job failed push out a complete
// generation. The price is that a partial night keeps one more cartridge
// busy for a full rotation, which a pool at its minimum size meets by
// taking a scratch cartridge (with a warning). A failed generation is never
// counted or protected. A good generation on a damaged or lost cartridge
// is treated as partial: its data cannot be relied on, so it is kept but
// not counted.
//
// # Offsite
//
// Plan keeps at least Offsite.Keep of the newest good generations of the
// travelling levels away from the machine room, sends one to the remote
// destination whenever none there will stay beyond the coming lead and
// transit time, and recalls what the coming runs will write within the lead
// time and what has expired at a vault. A generation counts as away only
// when all its cartridges have been delivered: cartridges in transit do not
// count (couriers can be late). The last good generation away, and the last
// at the remote site, are never recalled before a newer one has arrived.
// A remote site counts when it is of kind remote-site, at least
// Offsite.MinDistanceKM (default 30 km, 表-30) from the machine room, and
// shares no hazard note with it.
//
// # Cleaning
//
// CleaningDue honours a drive's own requests (TapeAlert 20, 21 and the
// cleaning-requested bit) always, and its policy's intervals; LTO drives
// should be cleaned only on request. LTO-CLN cleaning cartridges clean any
// LTO drive, DDS-CLN any DDS or DAT drive (media/mediatype decides which).
//
// # Check
//
// Check lints the configuration and the catalog's facts against the
// standard; each finding names its rule, the section of the standard, the
// subject and what to do. HasErrors tells whether the CLI should fail.
package rotation
