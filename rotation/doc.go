// Package rotation is tapewarden's pure policy: rotation schemes, generation
// protection, choosing the next cartridge, the offsite plan, cleaning
// due-ness and the lint of a configuration against the backup standard.
//
// Everything here is a function of its arguments. The package does no I/O,
// reads no clock and imports no other tapewarden package: the daemon maps
// catalog rows and configuration to this package's types, passes "now" in,
// and gets decisions with their reasons back, in a deterministic order.
package rotation
