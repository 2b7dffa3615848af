package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// DefaultReadBufferSize is the buffer Verify and NewReader use when given
// none: large enough for any block Backup writes by default. A tape block
// larger than the buffer fails to read (ENOMEM from st).
const DefaultReadBufferSize = 1 << 20

// Verify reads one tape file from r, block by block up to its filemark (a
// 0-byte read, or io.EOF), and returns its length and hex SHA-256. For a
// spanned backup the caller verifies each piece and compares it with
// Result.Pieces. bufSize must be at least the largest block; 0 means
// DefaultReadBufferSize. Errors name the block that failed.
func Verify(ctx context.Context, r BlockReader, bufSize int) (int64, string, error) {
	if bufSize <= 0 {
		bufSize = DefaultReadBufferSize
	}
	buf := make([]byte, bufSize)
	h := sha256.New()
	var total, block int64
	for ; ; block++ {
		if err := ctx.Err(); err != nil {
			return total, "", fmt.Errorf("verify interrupted at block %d: %w", block, err)
		}
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			total += int64(n)
		}
		if err == io.EOF || (n == 0 && err == nil) {
			return total, hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return total, "", fmt.Errorf("read block %d: %w", block, err)
		}
	}
}

// NextPieceFunc returns a BlockReader positioned at the start of piece n of
// a stream (1 for the first), for example by loading the cartridge that
// holds it and spacing to its tape file. It returns io.EOF if there is no
// piece n.
type NextPieceFunc func(ctx context.Context, n int) (BlockReader, error)

// Reader joins the pieces of a backup stream into one io.Reader of the tar
// stream and computes SHA-256 of each piece and of the whole as it reads.
//
// A Reader is for one goroutine. Its checksums cover the bytes read so far;
// they describe the whole stream once Read has returned io.EOF.
type Reader struct {
	// ctx bounds the calls to next. io.Reader's Read takes no context, so
	// the Reader keeps the one it was made with (an exception to passing
	// contexts, like http.Request's).
	ctx  context.Context
	next NextPieceFunc

	cur    BlockReader
	n      int // number of the current piece; 0 before the first
	block  int64
	buf    []byte
	r, w   int
	total  hash.Hash
	piece  hash.Hash // total during the first piece, whose sum is the stream's so far
	pbytes int64
	bytes  int64
	pieces []Piece
	err    error
}

// NewReader returns a Reader that asks next for piece 1, reads it to its
// filemark, asks for piece 2, and so on until next returns io.EOF. bufSize
// must be at least the largest block; 0 means DefaultReadBufferSize.
func NewReader(ctx context.Context, next NextPieceFunc, bufSize int) *Reader {
	if bufSize <= 0 {
		bufSize = DefaultReadBufferSize
	}
	total := sha256.New()
	return &Reader{ctx: ctx, next: next, buf: make([]byte, bufSize), total: total, piece: total}
}

// Read reads the stream. Errors name the piece and block that failed.
func (r *Reader) Read(p []byte) (int, error) {
	for r.r == r.w {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.fill()
	}
	n := copy(p, r.buf[r.r:r.w])
	r.r += n
	return n, nil
}

// fill reads the next block into buf, moving on to the next piece at a
// filemark.
func (r *Reader) fill() error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("restore interrupted: %w", err)
	}
	if r.cur == nil {
		br, err := r.next(r.ctx, r.n+1)
		if err == io.EOF {
			if r.n == 0 {
				return errors.New("archive: the stream has no first piece")
			}
			return io.EOF
		}
		if err == nil && br == nil {
			err = errors.New("no reader returned")
		}
		if err != nil {
			return fmt.Errorf("load piece %d: %w", r.n+1, err)
		}
		r.cur, r.n, r.block, r.pbytes = br, r.n+1, 0, 0
		if r.n > 1 {
			r.piece = sha256.New()
		}
	}
	n, err := r.cur.Read(r.buf)
	if n > 0 {
		b := r.buf[:n]
		r.total.Write(b)
		if r.piece != r.total {
			r.piece.Write(b)
		}
		r.r, r.w = 0, n
		r.bytes += int64(n)
		r.pbytes += int64(n)
		r.block++
	}
	switch {
	case err == io.EOF || (n == 0 && err == nil):
		r.pieces = append(r.pieces, Piece{Index: r.n, Bytes: r.pbytes, Blocks: r.block, SHA256: hex.EncodeToString(r.piece.Sum(nil))})
		r.cur = nil
		return nil
	case err != nil:
		return fmt.Errorf("read piece %d block %d: %w", r.n, r.block, err)
	}
	return nil
}

// Pieces returns the pieces read to their filemark so far.
func (r *Reader) Pieces() []Piece { return append([]Piece(nil), r.pieces...) }

// Bytes returns the number of stream bytes read so far.
func (r *Reader) Bytes() int64 { return r.bytes }

// SHA256 returns the hex SHA-256 of the stream bytes read so far.
func (r *Reader) SHA256() string { return hex.EncodeToString(r.total.Sum(nil)) }
