package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// producer writes the tar stream into the ring. It runs on Run's goroutine.
//
// Headers are encoded by archive/tar; file contents are read straight into
// the ring's slots, so a file's bytes are copied once, by the kernel.
type producer struct {
	r          *ring
	warn       func(string)
	warnings   []string
	members    int64
	links      map[fileID]string // first member name of each multiply-linked file
	hdr        bytes.Buffer
	chunk      int64
	chunkBuf   []byte
	chunkFree  func()
	sourceTime time.Time
	hook       func(stage, fsPath string) // for tests: "listed", "opened"
	feed       *memberFeed                // nil without Backup.OnMembers
}

func (p *producer) at(stage, fsPath string) {
	if p.hook != nil {
		p.hook(stage, fsPath)
	}
}

func (p *producer) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.warnings = append(p.warnings, msg)
	if p.warn != nil {
		p.warn(msg)
	}
}

// free releases the chunk buffer.
func (p *producer) free() {
	if p.chunkFree != nil {
		p.chunkFree()
		p.chunkBuf, p.chunkFree = nil, nil
	}
}

// run writes the whole stream: the paths, the source, the end-of-archive
// marker.
func (p *producer) run(paths []string, src io.Reader, srcName string) error {
	for _, fsPath := range paths {
		fi, err := os.Lstat(fsPath)
		if err != nil {
			return fmt.Errorf("stat %s: %w", fsPath, err)
		}
		if err := p.add(fsPath, memberName(fsPath), fi); err != nil {
			return err
		}
	}
	if src != nil {
		if err := p.addSource(src, srcName); err != nil {
			return err
		}
	}
	// End of archive: two zero blocks. GNU tar also pads to its record
	// size; tape blocks make that unnecessary.
	return p.r.zero(2 * 512)
}

// memberName turns a path into a member name the way GNU tar does: slashes,
// no leading "/" or "../", "." for the current directory.
func memberName(fsPath string) string {
	s := filepath.ToSlash(filepath.Clean(fsPath))
	for {
		switch {
		case strings.HasPrefix(s, "/"):
			s = s[1:]
		case s == "..":
			s = ""
		case strings.HasPrefix(s, "../"):
			s = s[3:]
		default:
			if s == "" {
				return "."
			}
			return s
		}
	}
}

// vanished reports whether err means that a file went away while the
// backup ran.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// add writes the member for fi, found at fsPath, and for a directory
// everything below it.
func (p *producer) add(fsPath, name string, fi fs.FileInfo) error {
	if p.r.aborted.Load() {
		return p.r.failure()
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		return p.addFile(fsPath, name, fi)
	case mode.IsDir():
		return p.addDir(fsPath, name, fi)
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(fsPath)
		if vanished(err) {
			p.warnf("%s: file vanished before it was read; skipped", fsPath)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read link %s: %w", fsPath, err)
		}
		return p.writeHeader(fsPath, name, fi, target)
	case mode&fs.ModeSocket != 0:
		p.warnf("%s: socket ignored", fsPath)
		return nil
	case mode&(fs.ModeDevice|fs.ModeNamedPipe) != 0:
		return p.writeHeader(fsPath, name, fi, "")
	default:
		p.warnf("%s: file type %v not supported; skipped", fsPath, mode.Type())
		return nil
	}
}

func (p *producer) addDir(fsPath, name string, fi fs.FileInfo) error {
	hdrName := name
	if name == "." {
		hdrName = "./"
	}
	if err := p.writeHeader(fsPath, hdrName, fi, ""); err != nil {
		return err
	}
	entries, err := os.ReadDir(fsPath)
	if vanished(err) {
		p.warnf("%s: directory vanished before it was read; its contents are not in the archive", fsPath)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read directory %s: %w", fsPath, err)
	}
	for _, e := range entries {
		child := filepath.Join(fsPath, e.Name())
		p.at("listed", child)
		cfi, err := e.Info()
		if vanished(err) {
			p.warnf("%s: file vanished before it was read; skipped", child)
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", child, err)
		}
		if err := p.add(child, path.Join(name, e.Name()), cfi); err != nil {
			return err
		}
	}
	return nil
}

// addFile writes a regular file: a link member if an earlier member is the
// same file, otherwise a header with the size found when the file was
// opened and exactly that many bytes.
func (p *producer) addFile(fsPath, name string, fi fs.FileInfo) error {
	id, nlink := identity(fi)
	if nlink > 1 {
		if first, ok := p.links[id]; ok {
			h, err := header(fsPath, name, fi, "")
			if err != nil {
				return err
			}
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			return p.writeRaw(fsPath, h)
		}
	}
	f, err := openFile(fsPath)
	if vanished(err) {
		p.warnf("%s: file vanished before it was read; skipped", fsPath)
		return nil
	}
	if errors.Is(err, syscall.ELOOP) {
		p.warnf("%s: replaced by a symbolic link before it was read; skipped", fsPath)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", fsPath, err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", fsPath, err)
	}
	if !st.Mode().IsRegular() {
		p.warnf("%s: no longer a regular file when it was read; skipped", fsPath)
		return nil
	}
	if sid, _ := identity(st); nlink > 1 && sid == id {
		if p.links == nil {
			p.links = make(map[fileID]string)
		}
		p.links[id] = name
	}
	size := st.Size()
	if err := p.writeHeader(fsPath, name, st, ""); err != nil {
		return err
	}
	p.at("opened", fsPath)
	n, err := p.r.readFrom(f, size)
	if err != nil && err != io.EOF {
		return fmt.Errorf("read %s: %w", fsPath, err)
	}
	if n < size {
		if err := p.r.zero(size - n); err != nil {
			return err
		}
		p.warnf("%s: file shrank by %d bytes while being read; padded with zeros to %d bytes", fsPath, size-n, size)
	} else if after, err := f.Stat(); err == nil {
		switch {
		case after.Size() > size:
			p.warnf("%s: file grew by %d bytes while being read; archived its first %d bytes", fsPath, after.Size()-size, size)
		case !after.ModTime().Equal(st.ModTime()):
			p.warnf("%s: file changed as we read it", fsPath)
		}
	}
	return p.r.zero(padding(size))
}

// padding is the number of zero bytes that complete a member of size bytes
// to whole 512-byte tar blocks.
func padding(size int64) int64 { return -size & 511 }

// writeHeader writes the header for fi under name.
func (p *producer) writeHeader(fsPath, name string, fi fs.FileInfo, link string) error {
	h, err := header(fsPath, name, fi, link)
	if err != nil {
		return err
	}
	return p.writeRaw(fsPath, h)
}

// header builds the header for fi under name: type, mode, owner ids and
// names, device numbers, modification time.
func header(fsPath, name string, fi fs.FileInfo, link string) (*tar.Header, error) {
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return nil, fmt.Errorf("header for %s: %w", fsPath, err)
	}
	h.Name = name
	if fi.IsDir() && !strings.HasSuffix(name, "/") {
		h.Name += "/"
	}
	// GNU tar's default format keeps whole seconds, cut rather than rounded.
	h.ModTime = fi.ModTime().Truncate(time.Second)
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	return h, nil
}

// writeRaw encodes h with archive/tar and copies it into the ring. The
// contents, if any, follow through the ring directly.
func (p *producer) writeRaw(fsPath string, h *tar.Header) error {
	p.hdr.Reset()
	if err := tar.NewWriter(&p.hdr).WriteHeader(h); err != nil {
		return fmt.Errorf("header for %s: %w", fsPath, err)
	}
	if p.feed != nil {
		p.feed.add(h.Name, h.Typeflag, h.Size, h.ModTime)
	}
	if _, err := p.r.Write(p.hdr.Bytes()); err != nil {
		return err
	}
	p.members++
	return nil
}

// sourceFile is an opened source file: an *os.File, or on Unix a
// descriptor read without the runtime's poller (see rawFile).
type sourceFile interface {
	io.Reader
	Stat() (fs.FileInfo, error)
	Close() error
}

// chunkName is the member name of chunk i of a source.
func chunkName(name string, i int) string { return fmt.Sprintf("%s.%06d", name, i) }

// addSource stores src as chunks. Each chunk is read whole before its
// header is written, because the header states its size.
func (p *producer) addSource(src io.Reader, srcName string) error {
	name := memberName(srcName)
	if name == "." {
		return fmt.Errorf("archive: source name %q names no file", srcName)
	}
	if p.chunkBuf == nil {
		p.chunkBuf, p.chunkFree = bigBuffer(int(p.chunk))
	}
	for i := 0; ; i++ {
		n, err := io.ReadFull(src, p.chunkBuf)
		last := false
		switch {
		case err == io.EOF && i > 0:
			return nil
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			last = true
		case err != nil:
			return fmt.Errorf("read %s: %w", srcName, err)
		}
		if i >= maxChunks {
			return fmt.Errorf("read %s: more than %d chunks of %d bytes; raise the chunk size", srcName, maxChunks, p.chunk)
		}
		h := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     chunkName(name, i),
			Size:     int64(n),
			Mode:     0o600,
			Uid:      os.Getuid(),
			Gid:      os.Getgid(),
			ModTime:  p.sourceTime.Truncate(time.Second),
		}
		if err := p.writeRaw(srcName, h); err != nil {
			return err
		}
		if _, err := p.r.Write(p.chunkBuf[:n]); err != nil {
			return err
		}
		if err := p.r.zero(padding(int64(n))); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
}
