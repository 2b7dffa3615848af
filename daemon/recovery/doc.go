// Package recovery is what survives the loss of the machine room: the
// catalog file every cartridge carries after its night's last data file
// (a copy of the catalog, the configuration, the audit chain's head and a
// manifest), the rebuild of a catalog from cartridges alone, and restores
// that need no catalog at all, only the labels, trailers and catalog files
// on the tapes.
//
// It works on drives.Drive, so a virtual cartridge image, a standalone
// drive loaded by hand and a library's drive read alike. It never needs
// the daemon: the offline commands 'tapewarden catalog rebuild' and
// 'tapewarden restore --from-tape' call it, and the engine calls
// WriteCatalogFile at the end of each cartridge's night.
package recovery
