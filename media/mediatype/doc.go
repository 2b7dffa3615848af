// Package mediatype owns what tapewarden knows about kinds of cartridge:
// the media type names (LTO-1 … LTO-10, LTO-7M, DDS-1 … DAT320, the
// cleaning cartridges, and the removable media the catalog tracks without
// driving them), their native capacities and density codes, what an LTO
// barcode label says about its cartridge, which cleaning cartridge cleans
// which drive, and what a drive of one generation can do with a cartridge
// of another.
//
// It is a leaf: pure tables and functions, no I/O, no cgo, and no import of
// another tapewarden package. The drives, media, rotation and daemon
// packages all ask it, so a label such as "CLN123" means the same thing
// everywhere (see ParseLabel). The facts come from
// media-facts.md in the project's reference notes.
package mediatype
