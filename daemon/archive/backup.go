package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/age"
)

// BlockWriter is where archive blocks go: a tape drive in variable-block
// mode, one Write per tape block. drives.Drive satisfies it.
//
// Write must not retain p. A Write that stores nothing and returns an error
// the caller's IsEndOfMedium accepts ends the current piece; any other error
// ends the backup.
type BlockWriter interface {
	Write(p []byte) (int, error)
}

// BlockReader reads one tape block per call; it returns 0, nil at a
// filemark. drives.Drive satisfies it. Readers of plain files may return
// io.EOF instead; it is taken as the end of the tape file.
type BlockReader interface {
	Read(p []byte) (int, error)
}

// Defaults for the zero values of Backup's fields.
const (
	DefaultBlockSize         = 256 << 10
	DefaultRingSize          = 64 << 20
	DefaultStartThreshold    = 0.9
	DefaultUnderrunThreshold = 100 * time.Millisecond
	DefaultChunkSize         = 64 << 20
)

// maxChunkSize bounds ChunkSize: Run holds a chunk in memory.
const maxChunkSize = 1 << 32

// maxChunks is how many NAME.NNNNNN members six digits can number.
const maxChunks = 1_000_000

// Backup describes one backup stream: what goes into the tar and how it is
// written. The zero value of each tuning field selects its default. A Backup
// may be reused for several runs, one at a time.
type Backup struct {
	// Paths are files and directory trees archived like `tar -c` would,
	// in order, without following symbolic links.
	Paths []string
	// Source, if set, is read to its end after Paths and stored as members
	// SourceName.000000, SourceName.000001, ... of ChunkSize bytes each.
	// Run returns only after a Read has returned; give it a command's
	// output started with exec.CommandContext so that cancelling ends it.
	Source io.Reader
	// SourceName is the member name of Source without the chunk suffix,
	// for example "juki/pg_dump.sql". Required with Source.
	SourceName string
	// SourceModTime is the modification time of Source's members; the
	// zero value means the start of Run.
	SourceModTime time.Time

	// BlockSize is the size of each Write, a multiple of 512; the last
	// block of the stream may be shorter. Default 256 KiB.
	BlockSize int
	// RingSize is the size of the ring buffer, rounded down to whole
	// blocks and at least two blocks. Default 64 MiB.
	RingSize int
	// StartThreshold is the fill level, above 0 and at most 1, at which
	// the writer starts and restarts after the ring ran dry. Default 0.9.
	StartThreshold float64
	// UnderrunThreshold is how long the writer must wait for data for the
	// wait to count as an underrun. Default 100 ms.
	UnderrunThreshold time.Duration
	// ChunkSize is the size of Source's members. Run holds one chunk in
	// memory besides the ring. Default 64 MiB.
	ChunkSize int64

	// IsEndOfMedium tells whether a Write error means the cartridge is
	// full (errors.Is(err, drives.ErrEndOfMedium)). Nil means never.
	IsEndOfMedium func(error) bool
	// NextVolume is called from the writer goroutine after a Write failed
	// with end of medium. done describes the finished piece, its checksum
	// complete. NextVolume finishes that tape file (filemark, trailer),
	// changes the cartridge and returns the writer for piece
	// done.Index+1, on which the failed block is written again. An error
	// ends the backup. Nil means a full cartridge ends the backup.
	NextVolume func(ctx context.Context, done Piece) (BlockWriter, error)
	// Warn, if set, receives each warning as it happens, from Run's
	// goroutine. Warnings are also in Result.Warnings.
	Warn func(msg string)
	// Counters, if set, is updated while Run works so that metrics can
	// read it concurrently.
	Counters *Counters
	// WriteLatency, if set, is called from the writer goroutine with the
	// duration of each Write to a BlockWriter (for a histogram of write()
	// latency). It must return quickly: the drive waits meanwhile.
	WriteLatency func(time.Duration)

	// OnMembers, if set, receives the stream's members in order, in
	// batches, each with the piece its header starts in, for a file
	// index. It is called from a goroutine of its own, shortly after the
	// members' bytes reached a volume, and never after Run returned; a
	// slow OnMembers does not slow the stream. After a failure the
	// members that never reached a volume are not reported. With
	// Recipients a member is reported once the cipher took its bytes,
	// with the piece being written then: at a change of cartridge it may
	// name the piece before the one it starts in.
	OnMembers func([]Member)
	// Recipients, if set, encrypt the stream with age to each of these
	// X25519 recipients ("age1..."): the bytes on tape are then
	// age(tar), which `age -d -i KEY | tar -x` reads back. Only public
	// keys are needed to write. Parse them with ParseRecipient first to
	// report a bad one where it was configured; Run refuses one too.
	Recipients []string
	// SkipPlaintextSHA256, with Recipients, leaves out the checksum of the
	// tar stream (Result.SHA256 stays empty) and keeps only that of the
	// bytes on tape. age authenticates every 64 KiB of the plaintext, so
	// a restore that decrypts without error and reads a tape file whose
	// checksum matches gets the plaintext that was encrypted; the second
	// SHA-256 pass costs as much CPU as the cipher and more, and checks
	// only our own hand-off from the tar writer to the cipher.
	SkipPlaintextSHA256 bool

	hook func(stage, fsPath string) // for tests, see producer.hook
}

// Piece is the part of the stream written to one volume.
type Piece struct {
	Index  int    // 1 for the first volume
	Bytes  int64  // bytes of the stream on this volume (age file if encrypted)
	Blocks int64  // Write calls that stored data on it
	SHA256 string // hex SHA-256 of those bytes
}

// Result describes a finished backup stream.
//
// Without encryption the tar stream is what is on tape, and TapeBytes and
// TapeSHA256 equal Bytes and SHA256. With Backup.Recipients, Bytes and
// SHA256 describe the tar stream (what a restore checks after decrypting)
// and TapeBytes, TapeSHA256 and Pieces the age file on tape (what Verify
// checks without a key).
type Result struct {
	Bytes      int64  // length of the tar stream
	SHA256     string // hex SHA-256 of the whole tar stream; empty after a failure or with SkipPlaintextSHA256
	TapeBytes  int64  // length of the bytes written to tape
	TapeSHA256 string // hex SHA-256 of the bytes written to tape; empty after a failure
	// Encryption is "age" if the stream was encrypted, else "".
	Encryption string
	// RecipientFingerprints names the recipients (see Fingerprint), in
	// the order of Backup.Recipients.
	RecipientFingerprints []string
	Pieces                []Piece
	Members               int64 // tar members written: files, directories, links, devices, chunks
	Warnings              []string
	Stats                 Stats
}

// Stats is a snapshot of a backup's counters.
type Stats struct {
	Bytes     int64         // bytes written to block writers
	Blocks    int64         // Write calls that stored data
	Starved   time.Duration // writer waiting for data after its first block
	Underruns int64         // such waits longer than UnderrunThreshold
	RingFill  int64         // bytes in the ring waiting for the writer
	RingSize  int64         // the ring's size in bytes
}

// Counters holds a running backup's counters. Run updates it; any goroutine
// may call Snapshot at any time. A Counters keeps counting across runs.
type Counters struct {
	bytes, blocks, starved, underruns, fill, ringSize atomic.Int64
}

// Snapshot returns the current values.
func (c *Counters) Snapshot() Stats {
	return Stats{
		Bytes:     c.bytes.Load(),
		Blocks:    c.blocks.Load(),
		Starved:   time.Duration(c.starved.Load()),
		Underruns: c.underruns.Load(),
		RingFill:  c.fill.Load(),
		RingSize:  c.ringSize.Load(),
	}
}

// settings is a Backup with its defaults applied and checked.
type settings struct {
	blockSize, ringSize int
	threshold           float64
	underrun            time.Duration
	chunk               int64
}

func (b *Backup) settings() (settings, error) {
	s := settings{
		blockSize: orDefault(b.BlockSize, DefaultBlockSize),
		ringSize:  orDefault(b.RingSize, DefaultRingSize),
		threshold: orDefault(b.StartThreshold, DefaultStartThreshold),
		underrun:  orDefault(b.UnderrunThreshold, DefaultUnderrunThreshold),
		chunk:     orDefault(b.ChunkSize, DefaultChunkSize),
	}
	switch {
	case len(b.Paths) == 0 && b.Source == nil:
		return s, errors.New("archive: nothing to back up: no paths and no source")
	case b.Source != nil && b.SourceName == "":
		return s, errors.New("archive: a source needs a SourceName")
	case s.blockSize < 0 || s.blockSize%512 != 0:
		return s, fmt.Errorf("archive: block size %d is not a positive multiple of 512", b.BlockSize)
	case s.ringSize < 2*s.blockSize:
		return s, fmt.Errorf("archive: ring size %d is smaller than two %d-byte blocks", s.ringSize, s.blockSize)
	case s.threshold < 0 || s.threshold > 1:
		return s, fmt.Errorf("archive: start threshold %g is not within (0, 1]", b.StartThreshold)
	case s.underrun < 0:
		return s, fmt.Errorf("archive: negative underrun threshold %v", b.UnderrunThreshold)
	case s.chunk < 0 || s.chunk > maxChunkSize:
		return s, fmt.Errorf("archive: chunk size %d is not within (0, %d]: a chunk is held in memory", b.ChunkSize, int64(maxChunkSize))
	}
	return s, nil
}

// orDefault returns v, or def if v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Run writes the backup stream to w and, after end of medium, to the
// writers NextVolume returns. It returns when the stream is complete or has
// failed; every goroutine it started has ended by then.
//
// The error names the stage that failed: "read PATH: ...", "open PATH:
// ...", "write block N: ..." (N counts blocks of the whole stream from 0),
// "next volume for piece N: ...", or "backup interrupted: ..." wrapping the
// context's error. Files that vanish or change while being read are
// warnings, not errors. On failure the Result counts what reached the
// writers, without checksums.
//
// Run is not safe for concurrent use on one Backup.
func (b *Backup) Run(ctx context.Context, w BlockWriter) (Result, error) {
	s, err := b.settings()
	if err != nil {
		return Result{}, err
	}
	var recipients []age.Recipient
	var fingerprints []string
	if len(b.Recipients) > 0 {
		if recipients, fingerprints, err = parseRecipients(b.Recipients); err != nil {
			return Result{}, fmt.Errorf("archive: %w", err)
		}
	}
	// A run already cancelled writes nothing. (Once started, the watcher
	// below stops it; if the stream completes first, it counts.)
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("backup interrupted: %w", context.Cause(ctx))
	}
	counters := b.Counters
	if counters == nil {
		counters = new(Counters)
	}
	r := newRing(s.blockSize, s.ringSize, s.threshold, s.underrun, counters)
	// Deferred first, so it runs last: after the goroutines are joined.
	defer r.free()
	before := counters.Snapshot()

	// With encryption the producer fills a second, smaller ring of
	// plaintext; the cipher stage drains it without waiting for a fill
	// level and is the producer of the tape ring.
	src := r
	var plainCounters Counters
	if recipients != nil {
		src = newRing(s.blockSize, max(plainRingSize, 2*s.blockSize), 0, s.underrun, &plainCounters)
		src.hashing = !b.SkipPlaintextSHA256
		defer src.free()
	}

	var work, watch sync.WaitGroup
	var pieces []pieceCount
	work.Go(func() {
		pieces = r.writeLoop(ctx, w, writeConfig{isEOM: b.IsEndOfMedium, nextVolume: b.NextVolume, latency: b.WriteLatency})
	})
	work.Go(r.hashLoop)
	if src != r {
		if src.hashing {
			work.Go(src.hashLoop)
		}
		work.Go(func() { encryptStage(ctx, src, r, recipients) })
	}
	finished := make(chan struct{})
	watch.Go(func() {
		select {
		case <-ctx.Done():
			err := fmt.Errorf("backup interrupted: %w", context.Cause(ctx))
			r.fail(err)
			src.fail(err)
		case <-finished:
		}
	})

	p := &producer{r: src, warn: b.Warn, chunk: s.chunk, sourceTime: b.SourceModTime, hook: b.hook}
	defer p.free()
	if b.OnMembers != nil {
		p.feed = newMemberFeed(src, r, b.OnMembers)
	}
	if p.sourceTime.IsZero() {
		p.sourceTime = time.Now()
	}
	if perr := p.run(b.Paths, b.Source, b.SourceName); perr != nil {
		// If the ring stopped, perr is (or wraps) that failure, which
		// fail keeps as the first.
		src.fail(perr)
	} else {
		src.close()
	}
	work.Wait()
	if p.feed != nil {
		p.feed.finish()
	}
	// A cancellation from here on comes too late to matter. The tape
	// ring's failure comes first: the cipher stage passes the plaintext
	// ring's on to it, and a failed drive stops the plaintext ring.
	ferr := r.failure()
	if ferr == nil {
		ferr = src.failure()
	}
	close(finished)
	watch.Wait()

	res := Result{Members: p.members, Warnings: p.warnings, RecipientFingerprints: fingerprints}
	after := counters.Snapshot()
	res.Stats = Stats{
		Bytes:     after.Bytes - before.Bytes,
		Blocks:    after.Blocks - before.Blocks,
		Starved:   after.Starved - before.Starved,
		Underruns: after.Underruns - before.Underruns,
		RingFill:  after.RingFill,
		RingSize:  after.RingSize,
	}
	res.Bytes = res.Stats.Bytes
	res.TapeBytes = res.Stats.Bytes
	if src != r {
		res.Encryption = "age"
		res.Bytes = plainCounters.Snapshot().Bytes
	}
	for i, pc := range pieces {
		piece := Piece{Index: i + 1, Bytes: pc.bytes, Blocks: pc.blocks}
		if ferr == nil {
			piece.SHA256 = r.sums[i]
		}
		res.Pieces = append(res.Pieces, piece)
	}
	if ferr != nil {
		return res, ferr
	}
	res.SHA256 = src.sum
	res.TapeSHA256 = r.sum
	return res, nil
}

// plainRingSize is the size of the plaintext ring in front of the cipher
// stage. It only has to smooth the hand-off between the producer and the
// cipher; the tape ring behind the cipher keeps the drive streaming.
const plainRingSize = 8 << 20

// encryptStage is the cipher goroutine: it writes what the producer put in
// plain through age to the tape ring, as that ring's producer, and closes
// the tape ring at the end. A failure on either side stops both.
func encryptStage(ctx context.Context, plain, tape *ring, recipients []age.Recipient) {
	aw, err := age.Encrypt(tape, recipients...)
	if err != nil {
		err = fmt.Errorf("archive: start age encryption: %w", err)
		tape.fail(err)
		plain.fail(err)
		return
	}
	plain.writeLoop(ctx, aw, writeConfig{})
	if err := plain.failure(); err != nil {
		// The tape ring's own failure, if it has one, stays the first.
		tape.fail(err)
		return
	}
	if err := aw.Close(); err != nil {
		tape.fail(err)
		return
	}
	tape.close()
}
