package archive

import (
	"sync"
	"time"
)

// Member is one member of a backup stream as Backup.OnMembers reports it,
// for a file index.
type Member struct {
	Seq     int64  // position in the stream, from 0
	Name    string // as stored, directories with a trailing "/"
	Type    byte   // the tar type flag
	Size    int64  // bytes of contents in the stream
	ModTime time.Time
	Offset  int64 // stream offset of its header
	Piece   int   // the piece its header starts in, from 1
}

// maxMemberBatch caps the members of one OnMembers call.
const maxMemberBatch = 4096

// feedEvery is how often the member feed looks at what was written. More
// often costs the producer: on two cores, 50 ms slowed a stream of small
// files by a quarter or more, 500 ms by a few per cent.
const feedEvery = 250 * time.Millisecond

// memberFeed hands the producer's members to Backup.OnMembers once the
// bytes of their headers are on a volume, so that each knows its piece.
// The producer only appends to a slice; the feed's own goroutine finds the
// pieces and calls OnMembers, so a slow index never holds up the tape.
// Members wait at most as long as their bytes sit in the ring.
type memberFeed struct {
	r    *ring // the producer's
	tape *ring // the writer's: r, or the cipher's output
	fn   func([]Member)
	seq  int64 // owned by the producer
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	pending []Member // in stream order
}

func newMemberFeed(r, tape *ring, fn func([]Member)) *memberFeed {
	f := &memberFeed{r: r, tape: tape, fn: fn, stop: make(chan struct{}), done: make(chan struct{})}
	go f.loop()
	return f
}

// add records a member whose header starts at the producer's current
// offset. It is called from the producer goroutine, which alone moves
// produced, so reading it there needs no lock.
func (f *memberFeed) add(name string, typ byte, size int64, mtime time.Time) {
	m := Member{Seq: f.seq, Name: name, Type: typ, Size: size, ModTime: mtime, Offset: f.r.produced + int64(f.r.off)}
	f.seq++
	f.mu.Lock()
	f.pending = append(f.pending, m)
	f.mu.Unlock()
}

// finish delivers what can be placed on a piece and waits for the feed to
// end. After a failed stream the members whose bytes never reached a
// volume are dropped.
func (f *memberFeed) finish() {
	close(f.stop)
	<-f.done
}

func (f *memberFeed) loop() {
	defer close(f.done)
	t := time.NewTicker(feedEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.deliver()
		case <-f.stop:
			f.deliver()
			return
		}
	}
}

// deliver passes on every pending member whose header was written: its
// bytes were accepted by a volume, and the pieces that ended before it are
// all in bounds.
func (f *memberFeed) deliver() {
	r := f.r
	r.mu.Lock()
	// Written bytes are on a volume, and the writer marks a piece's end
	// before it writes past it. (The hasher may run ahead of the writer.)
	done := r.written
	bounds := append([]int64(nil), r.bounds...)
	if f.tape != r {
		// Encrypted: the plaintext offsets are not the tape's. A member
		// is on its way once the cipher took its bytes, on the piece
		// being written then.
		r.mu.Unlock()
		f.tape.mu.Lock()
		bounds = nil
		piece := len(f.tape.bounds) + 1
		f.tape.mu.Unlock()
		for range piece - 1 {
			bounds = append(bounds, -1)
		}
	} else {
		r.mu.Unlock()
	}
	f.mu.Lock()
	n := 0
	for n < len(f.pending) && f.pending[n].Offset < done {
		n++
	}
	if n == 0 {
		f.mu.Unlock()
		return
	}
	// The rest stays where it is: appends go on after it, and the
	// delivered part is not written again.
	ready := f.pending[:n:n]
	f.pending = f.pending[n:]
	f.mu.Unlock()
	piece, b := 1, 0
	for i := range ready {
		for b < len(bounds) && bounds[b] <= ready[i].Offset {
			b++
			piece++
		}
		ready[i].Piece = piece
	}
	for len(ready) > 0 {
		k := min(len(ready), maxMemberBatch)
		f.fn(ready[:k])
		ready = ready[k:]
	}
}
