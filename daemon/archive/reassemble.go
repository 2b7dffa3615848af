package archive

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
)

// Reassemble writes the contents of the chunks NAME.000000, NAME.000001,
// ... of a command's output, found in the tar stream, to w, in order:
// what `cat NAME.* > NAME` does after `tar -x`, without touching the disk
// (pipe it into pg_restore, say). name is the SourceName given to the
// backup; a leading "/" is ignored. It returns the number of bytes written.
//
// The chunks must form one run that starts at 000000 with no gap; anything
// else is an error, as is a stream without them. Reassemble reads stream to
// its end, so that a *Reader's checksums cover the whole stream.
func Reassemble(ctx context.Context, stream io.Reader, name string, w io.Writer) (int64, error) {
	want := memberName(name)
	src := ctxReader{ctx: ctx, r: stream}
	tr := tar.NewReader(src)
	var total int64
	next := 0      // the index expected next
	ended := false // the run is over
	buf := make([]byte, 1<<20)
	last := "the start"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return total, fmt.Errorf("read archive after %s: %w", last, err)
		}
		last = h.Name
		member, why := cleanName(h.Name)
		if why != "" || !isRegular(h) {
			continue
		}
		base, idx, ok := splitChunk(member)
		if !ok || base != want {
			if next > 0 {
				ended = true
			}
			continue
		}
		switch {
		case ended:
			return total, fmt.Errorf("archive: %s appears a second time after other members", h.Name)
		case idx != next:
			return total, fmt.Errorf("archive: found %s where %s was expected", h.Name, chunkName(want, next))
		}
		n, err := copyMember(ctx, w, tr, buf, "write", h.Name)
		total += n
		if err != nil {
			return total, err
		}
		next++
	}
	if next == 0 {
		return 0, fmt.Errorf("archive: no chunks of %s in the archive", want)
	}
	if _, err := io.Copy(io.Discard, src); err != nil {
		return total, fmt.Errorf("read past the end of the archive: %w", err)
	}
	return total, nil
}
