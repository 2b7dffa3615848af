// Package archive owns the data path of one backup and one restore,
// independent of any device: it turns files, directory trees and a command's
// output into a plain POSIX tar stream, pushes that stream through a ring
// buffer in fixed-size blocks to a BlockWriter (a tape drive in
// variable-block mode), hashes it with SHA-256 on the way, and continues on
// the next volume when a cartridge is full. On the way back it verifies a
// tape file, joins the pieces of a spanned stream into one reader and
// extracts a tar stream into a directory without letting anything land
// outside it.
//
// The package imports nothing of tapewarden: the job runner in daemon
// connects it to drives through the BlockWriter and BlockReader interfaces
// declared here and through callbacks (IsEndOfMedium, NextVolume,
// NextPiece).
//
// # The stream
//
// Backup.Run writes what `tar -c` would write for the same paths, without
// following symbolic links: directories, regular files, symbolic links, hard
// links (a second name of a file already in the archive becomes a link
// member), device nodes and FIFOs keep their type, mode, owner (numeric and
// by name) and modification time (whole seconds, like GNU tar's default
// format). Sockets are skipped with a warning. Member names lose a leading
// "/" and leading "../" like GNU tar's. Headers are ustar, or PAX where a name
// or size needs it, so GNU tar, bsdtar and Python's tarfile read the stream.
// The stream ends with the two zero blocks of the tar format and nothing
// else: the last tape block may be short, which variable-block mode allows.
//
// A file that vanishes before it is read is skipped with a warning. A file
// that shrinks while being read is padded with zeros to the size in its
// header, a file that grows is cut at that size; both are reported as
// warnings, and the archive stays well-formed. Any other failure to read a
// source ends the backup with an error naming the path.
//
// # Command output in chunks
//
// A source of unknown length (the standard output of pg_dump, say) is stored
// as members NAME.000000, NAME.000001, ... of ChunkSize bytes each (64 MiB by
// default; the last one is shorter, and an empty source gives one empty
// member). A tar header must state the member's size before its data, so
// each chunk is read whole before it is written; this costs ChunkSize bytes
// of memory and keeps the tar plain. Without tapewarden the output comes back
// with
//
//	tar -xf backup.tar && cat NAME.* > NAME
//
// because the six-digit suffixes sort in order. Reassemble and
// ExtractOptions.Reassemble do the same on restore.
//
// # The ring buffer
//
// Between the producer (the tar writer, which reads files straight into the
// ring's slots) and the drive sits a ring of RingSize bytes cut into
// BlockSize slots; each slot becomes one Write, one tape block. The writer
// goroutine starts only when the ring holds StartThreshold of its size or the
// source has ended, and after running dry it waits for the same level again
// (like mbuffer -P 90), so a slow source makes the drive stop now and then
// rather than shoe-shine. A hasher goroutine hashes each slot as soon as it
// is produced, independently of the writer, so reading, hashing and writing
// overlap on different cores, also while the writer waits for the ring to
// refill; a slot is reused once it is both written and hashed. The hasher
// keeps its state at the start of each slot, so that when the writer ends
// a piece behind it, the piece's checksum still covers exactly the bytes
// that reached that piece. Counters expose bytes, blocks, the time the
// writer starved, the underruns and the ring fill for metrics.
//
// # Spanning
//
// When the BlockWriter fails with an error that Backup.IsEndOfMedium accepts
// (drives.ErrEndOfMedium: the first ENOSPC, nothing of the block written),
// the writer waits for the hasher to finish the piece, calls
// Backup.NextVolume with the finished Piece (the runner writes the filemark
// and trailer and changes the cartridge), and writes the same block again to
// the new writer. The concatenation of the pieces is exactly the tar stream;
// Result records each piece's bytes, blocks and SHA-256, and the whole
// stream's.
//
// # Encryption
//
// With Backup.Recipients the producer fills a smaller ring of plaintext
// with its own hasher, and a cipher goroutine writes it through age
// (filippo.io/age, X25519 recipients) into the tape ring, whose writer and
// hasher work as above: the tape holds an age v1 file, which `age -d -i
// KEY | tar -x` reads. Result.SHA256 is then the tar stream's checksum and
// Result.TapeSHA256 and the pieces' checksums those of the bytes on tape,
// so Verify needs no key. A recipient is named by Fingerprint. On the way
// back a Decrypter decrypts in its own goroutine, hashing the plaintext; a
// wrong identity gives ErrWrongIdentity naming the recipients the file was
// written for, a truncated or altered file ErrNotAuthentic, and
// ExtractStaged moves a restore into its target only after the whole
// stream authenticated.
//
// # Restore
//
// Verify re-reads one tape file and hashes it. NewReader joins the pieces of
// a spanned stream into one io.Reader, hashing as it goes. Extract writes a
// tar stream into a directory through os.Root; see ExtractOptions for what it
// refuses and why.
package archive
