// Package drives is device access and nothing else: the Drive and Changer
// interfaces, the Linux st backend, the mtx changer backend, the virtual
// tape and virtual library used by the demo and the tests, the on-tape
// format, media compatibility and TapeAlert decoding.
//
// # Drives
//
// Open opens a Linux st no-rewind node (/dev/nstN, /dev/tape/by-id/…-nst), a
// virtual cartridge image or a virtual drive state file, and returns a Drive.
// Drives behave like st: Read returns one block, 0 bytes at a filemark, two
// 0-byte reads in a row at end of data and ErrEndOfData (an ErrIO) after
// that; the first ENOSPC on write (ErrEndOfMedium) is the early warning.
// A read of block 0 of a factory-blank cartridge fails with an error
// matching ErrBlankTape and ErrIO (st reports a plain EIO; the sense key
// through the sg node says BLANK CHECK). Optional capabilities are found by
// type assertion: Positioner (MTIOCPOS / MTSEEK), TapeAlertReader (LOG
// SENSE page 2Eh), ImmediateFilemarkWriter (MTWEOFI), LimitsReporter (block
// limits and the adapter's transfer limit). Size read buffers with
// ReadBufferSize: a buffer larger than the drive or adapter carries fails
// even for a small block. Errors are *OpError values wrapping the
// package's sentinels.
//
// A DirectoryDrive writes the same tape files to a mounted removable disk
// (RDX, USB disk, optical disc), one file per tape file in the directory
// DiskDir; see its documentation for the layout. It finds the disk with a
// DiskFinder: MountFinder by file system label or UUID (udev's
// /dev/disk/by-label and by-uuid links, /proc/self/mountinfo, an optional
// mount command), or DirFinder, a plain directory standing for the mounted
// disk (tests, the demo). It implements Positioner, ImmediateFilemarkWriter
// and LimitsReporter, not TapeAlertReader.
//
// # Changers
//
// Changer is implemented by MTXChanger (runs the mtx program) and
// VirtualLibrary. Numbering follows mtx: drives from 0, slots from 1,
// import/export slots after the storage slots and counted among them.
//
// # On tape
//
// File 0 is a one-block plain-text volume label (Label); each backup is one
// tape file holding a POSIX tar stream followed by a one-block JSON trailer
// file (Trailer). `mt fsf N` and `tar -x` are enough to get data back.
//
// # Virtual cartridge image format
//
// A virtual cartridge is one regular file, conventionally named
// BARCODE.vtape:
//
//	offset 0     header: 4096 bytes
//	offset 4096  records, back to back, up to the end of the file
//
// The header is ASCII text: the line "TAPEWARDEN VTAPE 1", then "key: value"
// lines, then an empty line; the rest of the 4096 bytes are zero. Keys:
//
//	barcode        the volume tag a library reports
//	media-type     a media type name (LTO-8, LTO-CLN, DAT160, …)
//	worm           yes|no
//	write-protect  yes|no (the write-protect tab)
//	capacity       usable bytes of tape, counting record headers
//	early-warning  bytes before capacity where early warning starts
//	cleaning-uses  uses left on a cleaning cartridge
//	loads          how many times a drive threaded the cartridge
//
// Readers ignore keys they do not know. Each record is an 8-byte header
// followed by its data:
//
//	bytes 0-3  tag: "BLK\x00" for a data block, "FMK\x00" for a filemark,
//	           "EOD\x00" for the end of recorded data
//	bytes 4-7  data length, unsigned 32-bit little-endian (0 for a filemark
//	           and for EOD; 1 … 8 MiB for a block)
//	bytes 8-   the block's data, not padded
//
// Recorded data end at the first EOD record or at the end of the file,
// whichever comes first. Writing in the middle of the tape makes that point
// the end of data, as a real drive makes everything after a write
// unreadable: while the cartridge stays loaded the file keeps its size and
// an EOD record hides the old tail (overwriting pages is faster than
// refilling freed ones); the file is cut at the end of data when the
// cartridge is unloaded or the drive handle closed. A record cut short by a
// crash is discarded when the image is next loaded. To read tape file N
// without tapewarden, walk the records counting "FMK" records, stop at
// "EOD" or end of file, and concatenate the "BLK" data of file N.
//
// The virtual drive indexes the records in memory when the cartridge is
// loaded and then reads and writes with pread/pwrite, so it runs at memory
// speed on tmpfs. Data writes are not fsynced (the image is a test and demo
// device); header changes are written in place, and drive and library state
// files are replaced atomically (temporary file, fsync, rename, fsync of the
// directory).
package drives
