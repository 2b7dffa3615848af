package archive

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ring is the buffer between the producer (the tar writer), the writer
// goroutine that owns the BlockWriter, and the hasher goroutine.
//
// The stream is cut into slots of bs bytes; slot k of the stream lives at
// buf[(k%n)*bs:]. Every slot but the last is full, so a stream offset names
// its slot by division. Three positions, in stream bytes, move forward under
// mu: produced (published by the producer), written (accepted by a
// BlockWriter) and hashed, with written <= produced and hashed <= produced.
// The writer and the hasher both work on what is produced, independently,
// so hashing overlaps the producer's reads and the writer's waits; a slot is
// free again once it is both written and hashed.
//
// A piece ends where the writer met the end of the medium, which the hasher
// may already have passed. So that each piece's checksum still covers
// exactly the bytes that reached that piece, the hasher keeps the state of
// the piece's hash at the start of every slot it hashed and not yet freed,
// and finishes a piece from the state at the start of the slot in which it
// ended.
type ring struct {
	buf        []byte
	free       func() // releases buf; call when every goroutine has ended
	bs         int    // slot size: one tape block
	n          int    // number of slots
	startBytes int64  // the writer (re)starts when this much waits, or at the end
	underrun   time.Duration
	counters   *Counters
	hashing    bool // a hasher runs; without one, written slots are free

	// Owned by the producer goroutine.
	acquired int64  // slots taken by the producer, the one being filled included
	cur      []byte // slot being filled; nil if none
	off      int    // bytes filled in cur

	// Owned by the hasher goroutine: the piece hash's state at the start of
	// each slot, or where a piece began within it.
	marks []hashMark

	mu        sync.Mutex
	prodCond  sync.Cond // producer waits for a free slot
	writeCond sync.Cond // writer waits for data, or for the hasher to end a piece
	hashCond  sync.Cond // hasher waits for data, a piece end or the writer's end
	produced  int64
	closed    bool // the producer has finished: produced is the stream length
	written   int64
	hashed    int64
	bounds    []int64  // stream offsets where finished pieces end, set by the writer
	sums      []string // checksums of finished pieces, set by the hasher
	sum       string   // checksum of the whole stream, set by the hasher at the end
	wdone     bool     // the writer has written everything
	err       error    // the first failure; everyone stops

	aborted atomic.Bool // err != nil, readable without mu
}

func newRing(blockSize, ringSize int, threshold float64, underrun time.Duration, c *Counters) *ring {
	n := ringSize / blockSize
	start := int64(float64(n)*threshold + 0.999999)
	start = min(max(start, 1), int64(n))
	buf, free := bigBuffer(n * blockSize)
	r := &ring{
		buf:        buf,
		free:       free,
		bs:         blockSize,
		n:          n,
		startBytes: start * int64(blockSize),
		underrun:   underrun,
		counters:   c,
		marks:      make([]hashMark, n),
		hashing:    true,
	}
	r.prodCond.L = &r.mu
	r.writeCond.L = &r.mu
	r.hashCond.L = &r.mu
	c.ringSize.Store(int64(n * blockSize))
	return r
}

// pageSize is the alignment of the ring: st transfers straight from an
// aligned user buffer (direct I/O) and copies through its own buffer
// otherwise.
const pageSize = 4096

// alignedBuffer returns size bytes starting on a page boundary.
func alignedBuffer(size int) []byte {
	b := make([]byte, size+pageSize)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (pageSize - 1))
	if off != 0 {
		off = pageSize - off
	}
	return b[off : off+size : off+size]
}

// fail stops the ring with err unless it has already failed.
func (r *ring) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
		r.aborted.Store(true)
	}
	r.prodCond.Broadcast()
	r.writeCond.Broadcast()
	r.hashCond.Broadcast()
	r.mu.Unlock()
}

// failure returns the error the ring stopped with, or nil.
func (r *ring) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// freed returns the stream offset up to which slots are free again. The
// caller holds mu.
func (r *ring) freed() int64 {
	if !r.hashing {
		return r.written
	}
	return min(r.hashed, r.written)
}

// The producer side. These methods are called from one goroutine only.

// space returns the free part of the slot being filled, taking a free slot
// first if needed; it blocks while the ring is full.
func (r *ring) space() ([]byte, error) {
	if r.cur != nil {
		return r.cur[r.off:], nil
	}
	r.mu.Lock()
	for r.err == nil && r.acquired-r.freed()/int64(r.bs) >= int64(r.n) {
		r.prodCond.Wait()
	}
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	i := int(r.acquired % int64(r.n))
	r.acquired++
	r.cur, r.off = r.buf[i*r.bs:(i+1)*r.bs], 0
	return r.cur, nil
}

// fill records that k bytes of the slice returned by space were filled and
// publishes the slot when it is full.
func (r *ring) fill(k int) {
	r.off += k
	if r.off == r.bs {
		r.publish(r.bs)
	}
}

func (r *ring) publish(k int) {
	r.cur, r.off = nil, 0
	r.mu.Lock()
	r.produced += int64(k)
	r.counters.fill.Store(r.produced - r.written)
	r.writeCond.Signal()
	r.hashCond.Signal()
	r.mu.Unlock()
}

// Write copies p into the ring. It fails only when the ring has stopped.
func (r *ring) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		s, err := r.space()
		if err != nil {
			return done, err
		}
		k := copy(s, p[done:])
		r.fill(k)
		done += k
	}
	return done, nil
}

// zero appends n zero bytes.
func (r *ring) zero(n int64) error {
	for n > 0 {
		s, err := r.space()
		if err != nil {
			return err
		}
		if int64(len(s)) > n {
			s = s[:n]
		}
		clear(s)
		r.fill(len(s))
		n -= int64(len(s))
	}
	return nil
}

// readFrom reads up to n bytes from src straight into the ring's slots, one
// slot's free space per Read. It returns the bytes read and io.EOF if src
// ended first, the source's error if it failed, or the ring's failure if it
// stopped.
func (r *ring) readFrom(src io.Reader, n int64) (int64, error) {
	var done int64
	idle := 0
	for done < n {
		s, err := r.space()
		if err != nil {
			return done, err
		}
		if int64(len(s)) > n-done {
			s = s[:n-done]
		}
		k, err := src.Read(s)
		if k > 0 {
			r.fill(k)
			done += int64(k)
			idle = 0
		}
		switch {
		case err != nil:
			return done, err
		case k == 0:
			if idle++; idle > 100 {
				return done, io.ErrNoProgress
			}
		}
	}
	return done, nil
}

// close publishes the last, possibly short, slot and marks the end of the
// stream.
func (r *ring) close() {
	if r.off > 0 {
		r.publish(r.off)
	}
	r.mu.Lock()
	r.closed = true
	r.writeCond.Signal()
	r.hashCond.Signal()
	r.mu.Unlock()
}

// The writer side.

// writerState is the writer goroutine's own bookkeeping.
type writerState struct {
	running bool // writing; false before the start and after running dry
	started bool // has written a block
}

// next waits until the writer may write and returns the unwritten rest of
// the next slot and its stream offset. It returns ok == false when the
// stream is fully written or the ring stopped.
func (r *ring) next(st *writerState) (seg []byte, off int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var since time.Time
	for {
		if r.err != nil {
			return nil, 0, false
		}
		avail := r.produced - r.written
		if avail > 0 && (st.running || r.closed || avail >= r.startBytes) {
			break
		}
		if avail == 0 && r.closed {
			return nil, 0, false
		}
		if since.IsZero() {
			since = time.Now()
			st.running = false
		}
		r.writeCond.Wait()
	}
	if !since.IsZero() && st.started {
		d := time.Since(since)
		r.counters.starved.Add(int64(d))
		if d > r.underrun {
			r.counters.underruns.Add(1)
		}
	}
	st.running = true
	return r.span(r.written, r.produced), r.written, true
}

// span returns the stream's bytes from off up to limit or to the end of
// off's slot, whichever comes first. The caller holds mu.
func (r *ring) span(off, limit int64) []byte {
	bs := int64(r.bs)
	slot := off / bs
	end := min((slot+1)*bs, limit)
	base := slot % int64(r.n) * bs
	return r.buf[base+off-slot*bs : base+end-slot*bs]
}

// advance records that k more bytes reached the current BlockWriter.
func (r *ring) advance(k int) {
	r.mu.Lock()
	r.written += int64(k)
	r.counters.fill.Store(r.produced - r.written)
	if r.written%int64(r.bs) == 0 {
		r.prodCond.Signal()
	}
	r.mu.Unlock()
	r.counters.bytes.Add(int64(k))
	r.counters.blocks.Add(1)
}

// endPiece marks the current piece as ending at what was written so far and
// waits for the hasher to finish its checksum.
func (r *ring) endPiece() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bounds = append(r.bounds, r.written)
	r.hashCond.Signal()
	for r.err == nil && len(r.sums) < len(r.bounds) {
		r.writeCond.Wait()
	}
	if r.err != nil {
		return "", r.err
	}
	return r.sums[len(r.bounds)-1], nil
}

// finishWriting tells the hasher that everything was written.
func (r *ring) finishWriting() {
	r.mu.Lock()
	r.wdone = true
	r.hashCond.Signal()
	r.mu.Unlock()
}

// writeConfig is what the writer goroutine needs besides the ring.
type writeConfig struct {
	isEOM      func(error) bool
	nextVolume func(ctx context.Context, done Piece) (BlockWriter, error)
	latency    func(time.Duration)
}

// pieceCount is the writer's account of one piece.
type pieceCount struct{ bytes, blocks int64 }

// writeLoop is the writer goroutine: it owns the BlockWriter (and those
// NextVolume returns) and writes one slot per Write. It returns the byte and
// block counts of each piece it wrote to.
func (r *ring) writeLoop(ctx context.Context, w BlockWriter, cfg writeConfig) []pieceCount {
	pieces := []pieceCount{{}}
	var st writerState
	for {
		seg, off, ok := r.next(&st)
		if !ok {
			break
		}
		block := off / int64(r.bs)
		for len(seg) > 0 {
			var began time.Time
			if cfg.latency != nil {
				began = time.Now()
			}
			k, err := w.Write(seg)
			if cfg.latency != nil {
				cfg.latency(time.Since(began))
			}
			k = min(max(k, 0), len(seg))
			if k > 0 {
				st.started = true
				r.advance(k)
				cur := &pieces[len(pieces)-1]
				cur.bytes += int64(k)
				cur.blocks++
				seg = seg[k:]
			}
			if err == nil && len(seg) > 0 {
				err = io.ErrShortWrite
			}
			if err == nil {
				break
			}
			if cfg.isEOM == nil || !cfg.isEOM(err) {
				r.fail(fmt.Errorf("write block %d: %w", block, err))
				return pieces
			}
			// End of medium: what was accepted is on this piece; the rest of
			// the block goes to the next one.
			idx := len(pieces)
			if cfg.nextVolume == nil {
				r.fail(fmt.Errorf("write block %d: %w (no next volume to continue on)", block, err))
				return pieces
			}
			if pieces[idx-1].bytes == 0 && idx > 1 {
				r.fail(fmt.Errorf("write block %d: %w at the start of piece %d", block, err, idx))
				return pieces
			}
			sum, herr := r.endPiece()
			if herr != nil {
				return pieces
			}
			done := Piece{Index: idx, Bytes: pieces[idx-1].bytes, Blocks: pieces[idx-1].blocks, SHA256: sum}
			nw, nerr := cfg.nextVolume(ctx, done)
			if nerr == nil && nw == nil {
				nerr = errors.New("no writer returned")
			}
			if nerr != nil {
				r.fail(fmt.Errorf("next volume for piece %d: %w", idx+1, nerr))
				return pieces
			}
			w = nw
			pieces = append(pieces, pieceCount{})
		}
	}
	r.finishWriting()
	return pieces
}

// The hasher side.

// hashLoop is the hasher goroutine: it hashes produced bytes slot by slot,
// ahead of the writer or behind it, ends pieces where the writer marked
// them, and frees slots for the producer. The first piece's checksum is the
// whole stream's state at its end, so a stream that fits one cartridge is
// hashed once; later pieces are hashed a second time on their own.
func (r *ring) hashLoop() {
	total := sha256.New()
	piece := total // the first piece's checksum is the stream's so far
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if r.err != nil {
			return
		}
		if len(r.sums) < len(r.bounds) {
			end := r.bounds[len(r.sums)]
			if r.hashed >= end {
				// The writer ended a piece at or behind the hasher.
				hashed := r.hashed
				r.mu.Unlock()
				sum, next, err := r.endPieceAt(piece, end, hashed)
				r.mu.Lock()
				if err != nil {
					r.setErr(fmt.Errorf("archive: checksum of piece %d: %w", len(r.sums)+1, err))
					return
				}
				r.sums = append(r.sums, sum)
				piece = next
				r.writeCond.Signal()
				continue
			}
		}
		if r.hashed == r.produced {
			if r.wdone {
				r.sums = append(r.sums, sumOf(piece))
				r.sum = sumOf(total)
				return
			}
			r.hashCond.Wait()
			continue
		}
		from, to := r.hashed, r.produced
		if len(r.sums) < len(r.bounds) {
			to = min(to, r.bounds[len(r.sums)]) // no need to hash it twice
		}
		r.mu.Unlock()
		r.hashRange(total, piece, from, to)
		r.mu.Lock()
		r.hashed = to
		r.prodCond.Signal()
	}
}

func sumOf(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// hashRange hashes the stream's bytes from..to into total and, if it is a
// different hash, piece, keeping piece's state at the start of each slot.
// The bytes must be produced and not freed.
func (r *ring) hashRange(total, piece hash.Hash, from, to int64) {
	bs := int64(r.bs)
	for from < to {
		if from%bs == 0 {
			r.mark(from, piece)
		}
		seg := r.span(from, to)
		total.Write(seg)
		if piece != total {
			piece.Write(seg)
		}
		from += int64(len(seg))
	}
}

// hashMark is a piece hash's state at a stream offset.
type hashMark struct {
	off   int64
	state []byte // nil if it could not be saved
}

// mark keeps h's state at stream offset off, for off's slot.
func (r *ring) mark(off int64, h hash.Hash) {
	m := &r.marks[off/int64(r.bs)%int64(r.n)]
	state, err := h.(encoding.BinaryAppender).AppendBinary(m.state[:0])
	if err != nil {
		state = nil // endPieceAt reports it if it is ever needed
	}
	m.off, m.state = off, state
}

// endPieceAt returns the checksum of the piece that ends at stream offset
// end, the hasher having reached hashed >= end, and the hash of the next
// piece over end..hashed.
func (r *ring) endPieceAt(piece hash.Hash, end, hashed int64) (string, hash.Hash, error) {
	next := sha256.New()
	if end == hashed {
		r.mark(end, next) // the next piece may end in this slot too
		return sumOf(piece), next, nil
	}
	bs := int64(r.bs)
	m := r.marks[end/bs%int64(r.n)]
	if m.state == nil || m.off > end || m.off/bs != end/bs {
		return "", nil, errors.New("no saved hash state")
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(m.state); err != nil {
		return "", nil, err
	}
	for from := m.off; from < end; {
		seg := r.span(from, end)
		h.Write(seg)
		from += int64(len(seg))
	}
	// The bytes from end on belong to the next piece; its marks replace
	// those of the piece just ended, in case it ends within them too.
	r.mark(end, next)
	r.hashRange(nopHash{}, next, end, hashed)
	return sumOf(h), next, nil
}

// nopHash stands for the stream's hash where it must not be written again.
type nopHash struct{ hash.Hash }

func (nopHash) Write(p []byte) (int, error) { return len(p), nil }

// setErr records err as the ring's failure. The caller holds mu.
func (r *ring) setErr(err error) {
	if r.err == nil {
		r.err = err
		r.aborted.Store(true)
	}
	r.prodCond.Broadcast()
	r.writeCond.Broadcast()
	r.hashCond.Broadcast()
}
