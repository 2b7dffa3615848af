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
	var total int64
	next := 0      // the index expected next
	ended := false // the run is over
	buf := make([]byte, 1<<20)
	err := eachMember(src, func(h *tar.Header, tr io.Reader) error {
		member, why := cleanName(h.Name)
		if why != "" || !isRegular(h) {
			return nil
		}
		base, idx, ok := splitChunk(member)
		if !ok || base != want {
			if next > 0 {
				ended = true
			}
			return nil
		}
		switch {
		case ended:
			return fmt.Errorf("archive: %s appears a second time after other members", h.Name)
		case idx != next:
			return fmt.Errorf("archive: found %s where %s was expected", h.Name, chunkName(want, next))
		}
		n, err := copyMember(ctx, w, tr, buf, "write", h.Name)
		total += n
		next++
		return err
	})
	if err != nil {
		return total, err
	}
	if next == 0 {
		return 0, fmt.Errorf("archive: no chunks of %s in the archive", want)
	}
	return total, drain(src)
}
