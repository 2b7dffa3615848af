package archive

import (
	"context"
	"crypto/sha256"
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
// BlockWriter) and hashed, with hashed <= written <= produced. The writer
// writes what is produced; the hasher hashes what is written, so each
// piece's checksum covers exactly the bytes that reached that piece; a slot
// is free again once it is hashed.
type ring struct {
	buf        []byte
	free       func() // releases buf; call when every goroutine has ended
	bs         int    // slot size: one tape block
	n          int    // number of slots
	startBytes int64  // the writer (re)starts when this much waits, or at the end
	underrun   time.Duration
	counters   *Counters

	// Owned by the producer goroutine.
	acquired int64  // slots taken by the producer, the one being filled included
	cur      []byte // slot being filled; nil if none
	off      int    // bytes filled in cur

	mu        sync.Mutex
	prodCond  sync.Cond // producer waits for a free slot
	writeCond sync.Cond // writer waits for data, or for the hasher to end a piece
	hashCond  sync.Cond // hasher waits for written data or a piece end
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

// The producer side. These methods are called from one goroutine only.

// space returns the free part of the slot being filled, taking a free slot
// first if needed; it blocks while the ring is full.
func (r *ring) space() ([]byte, error) {
	if r.cur != nil {
		return r.cur[r.off:], nil
	}
	r.mu.Lock()
	for r.err == nil && r.acquired-r.hashed/int64(r.bs) >= int64(r.n) {
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
	r.hashCond.Signal()
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

// hashLoop is the hasher goroutine: it hashes written bytes slot by slot,
// ends pieces where the writer marked them, and frees slots for the
// producer. The first piece's checksum is the whole stream's state at its
// end, so a stream that fits one cartridge is hashed once; later pieces are
// hashed a second time on their own.
func (r *ring) hashLoop() {
	total := sha256.New()
	piece := total // the first piece's checksum is the stream's so far
	sumOf := func(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if r.err != nil {
			return
		}
		if len(r.sums) < len(r.bounds) && r.bounds[len(r.sums)] == r.hashed {
			r.sums = append(r.sums, sumOf(piece))
			piece = sha256.New()
			r.writeCond.Signal()
			continue
		}
		if r.hashed == r.written {
			if r.wdone {
				r.sums = append(r.sums, sumOf(piece))
				r.sum = sumOf(total)
				return
			}
			r.hashCond.Wait()
			continue
		}
		limit := r.written
		if len(r.sums) < len(r.bounds) {
			limit = min(limit, r.bounds[len(r.sums)])
		}
		seg := r.span(r.hashed, limit)
		end := r.hashed + int64(len(seg))
		r.mu.Unlock()
		total.Write(seg)
		if piece != total {
			piece.Write(seg)
		}
		r.mu.Lock()
		r.hashed = end
		if end%int64(r.bs) == 0 {
			r.prodCond.Signal()
		}
	}
}
