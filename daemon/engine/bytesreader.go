package engine

import "io"

// bytesReader counts what it reads from a command's output.
type bytesReader struct {
	r io.Reader
	n int64
}

func (b *bytesReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}
