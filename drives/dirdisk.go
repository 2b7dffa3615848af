package drives

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// DiskDir is the directory on a removable disk that holds its tape files.
const DiskDir = "tapewarden"

const (
	blocksMagic  = "tapewarden-blocks 1"
	blocksExt    = "blocks"
	partExt      = "part"
	diskTempPref = ".tmp-"
	// diskReserve is the free space a directory drive leaves on a disk
	// beyond its early warning, for the file system's own blocks.
	diskReserve = 1 << 20
)

// dirRec is one block or filemark of a mounted disk, as a tape record.
type dirRec struct {
	mark bool
	n    int   // block length
	file int   // tape file the block belongs to
	off  int64 // offset of the block in its data file
	at   int64 // data bytes recorded before this record
}

// dirFile is one tape file on a disk: a committed data file (complete, or
// unterminated, ".part"), or the one being written under a temporary name.
type dirFile struct {
	name    string   // name in the directory; the temporary name while pending
	f       *os.File // open lazily for reads; read-write while pending
	size    int64
	pending bool
}

// dirRun is a run of records of one kind: blocks of one size, contiguous
// in one data file, or a single filemark. A disk of millions of blocks is
// a few runs per tape file in memory.
type dirRun struct {
	start int // index of the first record
	count int
	n     int // block length; 0 for a filemark
	mark  bool
	file  int
	off   int64 // offset of the first block in its data file
	at    int64 // data bytes recorded before the first record
}

// sizeRun is count blocks of size bytes, a line of a block list.
type sizeRun struct{ size, count int }

// dirDisk is a mounted disk: its tape files indexed as records.
type dirDisk struct {
	disk  Disk
	root  string // disk.Root/tapewarden
	lockf *os.File
	runs  []dirRun
	nrecs int
	marks []int // indices of the filemark records, ascending
	files []*dirFile
	data  int64 // bytes of all blocks

	capLimit int64 // configured capacity; 0 = the disk's free space
	ewLimit  int64 // configured early warning; 0 = derived
	capacity int64
	early    int64
}

// mountDisk indexes the tape files of a disk. Temporary files a crash
// left behind are removed; they never counted as written.
func mountDisk(d Disk, capacity, early int64) (*dirDisk, error) {
	c := &dirDisk{disk: d, root: filepath.Join(d.Root, DiskDir), capLimit: capacity, ewLimit: early}
	if !d.ReadOnly {
		f, err := os.OpenFile(filepath.Join(d.Root, ".tapewarden.lock"), os.O_RDWR|os.O_CREATE, 0o644)
		switch {
		case err == nil:
			if err := lockFile(f); err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("disk at %s: %w", d.Root, err)
			}
			c.lockf = f
		case errors.Is(err, syscall.EROFS):
			c.disk.ReadOnly = true
		default:
			return nil, fmt.Errorf("disk at %s: %w", d.Root, err)
		}
	}
	if err := c.index(); err != nil {
		_ = c.close()
		return nil, err
	}
	c.refreshCapacity()
	return c, nil
}

type diskEntry struct {
	data   string
	blocks bool
}

func (c *dirDisk) index() error {
	ents, err := os.ReadDir(c.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a blank disk
	}
	if err != nil {
		return fmt.Errorf("disk at %s: %w", c.disk.Root, err)
	}
	groups := map[int]*diskEntry{}
	highest := -1
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, diskTempPref) {
			if !c.disk.ReadOnly {
				_ = os.Remove(filepath.Join(c.root, name)) // a crash's leftover, never part of the tape
			}
			continue
		}
		num, ext, ok := parseDiskName(name)
		if !ok {
			return fmt.Errorf("disk at %s: %s was not written by tapewarden; move it out of %s", c.disk.Root, name, c.root)
		}
		g := groups[num]
		if g == nil {
			g = &diskEntry{}
			groups[num] = g
		}
		if ext == blocksExt {
			g.blocks = true
		} else if g.data != "" {
			return fmt.Errorf("disk at %s: tape file %d is there twice (%s and %s)", c.disk.Root, num, g.data, name)
		} else {
			g.data = name
		}
		highest = max(highest, num)
	}
	for n := 0; n <= highest; n++ {
		g := groups[n]
		if g == nil || g.data == "" {
			if g != nil && n == highest && !c.disk.ReadOnly {
				// The block list of a file a crash kept from being renamed.
				_ = os.Remove(filepath.Join(c.root, diskName(n, blocksExt)))
				break
			}
			return fmt.Errorf("disk at %s: tape file %d is missing but later ones exist; the disk was changed outside tapewarden", c.disk.Root, n)
		}
		if !g.blocks {
			return fmt.Errorf("disk at %s: %s has no block list (%s); it was not written by tapewarden", c.disk.Root, g.data, diskName(n, blocksExt))
		}
		sizes, err := readBlockList(filepath.Join(c.root, diskName(n, blocksExt)))
		if err != nil {
			return fmt.Errorf("disk at %s: tape file %d: %w", c.disk.Root, n, err)
		}
		fi, err := os.Stat(filepath.Join(c.root, g.data))
		if err != nil {
			return fmt.Errorf("disk at %s: %w", c.disk.Root, err)
		}
		var total int64
		for _, s := range sizes {
			total += int64(s.size) * int64(s.count)
		}
		if total != fi.Size() {
			return fmt.Errorf("disk at %s: %s holds %d bytes, its block list says %d; the disk was changed outside tapewarden", c.disk.Root, g.data, fi.Size(), total)
		}
		part := strings.HasSuffix(g.data, "."+partExt)
		if part && n != highest {
			return fmt.Errorf("disk at %s: %s is unterminated but not the last tape file", c.disk.Root, g.data)
		}
		c.files = append(c.files, &dirFile{name: g.data, size: fi.Size()})
		var off int64
		for _, s := range sizes {
			c.addRun(dirRun{count: s.count, n: s.size, file: n, off: off, at: c.data})
			off += int64(s.size) * int64(s.count)
			c.data += int64(s.size) * int64(s.count)
		}
		if !part {
			c.marks = append(c.marks, c.nrecs)
			c.addRun(dirRun{count: 1, mark: true, file: n, at: c.data})
		}
	}
	return nil
}

// parseDiskName splits "000012.tar" into 12 and "tar".
func parseDiskName(name string) (int, string, bool) {
	num, ext, ok := strings.Cut(name, ".")
	if !ok || len(num) != 6 || ext == "" || strings.Contains(ext, ".") {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, ext, true
}

func diskName(n int, ext string) string { return fmt.Sprintf("%06d.%s", n, ext) }

// readBlockList reads a block list: the magic line, then "SIZE COUNT"
// lines, one per run of equal blocks.
func readBlockList(path string) ([]sizeRun, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) == 0 || lines[0] != blocksMagic {
		return nil, fmt.Errorf("%s is not a block list", filepath.Base(path))
	}
	var out []sizeRun
	for i, l := range lines[1:] {
		a, b, ok := strings.Cut(l, " ")
		size, err1 := strconv.Atoi(a)
		count, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || size <= 0 || size > MaxBlockSize || count <= 0 || count > 1<<40 {
			return nil, fmt.Errorf("%s line %d: %q is not SIZE COUNT", filepath.Base(path), i+2, l)
		}
		out = append(out, sizeRun{size, count})
	}
	return out, nil
}

func blockList(sizes []sizeRun) []byte {
	var b bytes.Buffer
	b.WriteString(blocksMagic + "\n")
	for _, r := range sizes {
		fmt.Fprintf(&b, "%d %d\n", r.size, r.count)
	}
	return b.Bytes()
}

// addRun appends records, joining a run of equal blocks that continues
// the last one.
func (c *dirDisk) addRun(r dirRun) {
	r.start = c.nrecs
	c.nrecs += r.count
	if k := len(c.runs) - 1; k >= 0 && !r.mark {
		l := &c.runs[k]
		if !l.mark && l.file == r.file && l.n == r.n && l.off+int64(l.count*l.n) == r.off {
			l.count += r.count
			return
		}
	}
	c.runs = append(c.runs, r)
}

// runOf returns the index of the run holding record i (i < nrecs).
func (c *dirDisk) runOf(i int) int {
	return sort.Search(len(c.runs), func(k int) bool { return c.runs[k].start+c.runs[k].count > i })
}

// rec returns record i (i < nrecs).
func (c *dirDisk) rec(i int) dirRec {
	r := c.runs[c.runOf(i)]
	j := int64(i-r.start) * int64(r.n)
	return dirRec{mark: r.mark, n: r.n, file: r.file, off: r.off + j, at: r.at + j}
}

// lastIsMark reports whether the last record is a filemark (or there is
// none).
func (c *dirDisk) lastIsMark() bool {
	return len(c.runs) == 0 || c.runs[len(c.runs)-1].mark
}

func (c *dirDisk) close() error {
	var errs []error
	for _, f := range c.files {
		if f.f != nil {
			errs = append(errs, f.f.Close())
			f.f = nil
		}
	}
	if c.lockf != nil {
		errs = append(errs, c.lockf.Close())
		c.lockf = nil
	}
	return errors.Join(errs...)
}

// refreshCapacity sets the capacity to the configured one or to what the
// disk can still take, whichever is smaller, and the early warning.
func (c *dirDisk) refreshCapacity() {
	capacity := c.capLimit
	if free, ok := freeBytes(c.disk.Root); ok {
		fit := c.data + free - diskReserve
		if capacity <= 0 || fit < capacity {
			capacity = max(fit, c.data)
		}
	}
	if capacity <= 0 {
		capacity = 1 << 62
	}
	ew := c.ewLimit
	if ew <= 0 {
		ew = min(max(capacity/100, 64<<10), 1<<30)
	}
	c.capacity, c.early = capacity, min(ew, capacity/2)
}

func (c *dirDisk) used() int64 { return c.data }

func (c *dirDisk) offsetOf(i int) int64 {
	if i >= c.nrecs {
		return c.data
	}
	return c.rec(i).at
}

// fileAt returns the tape file and block number of record i.
func (c *dirDisk) fileAt(i int) (file, block int64) {
	k := sort.SearchInts(c.marks, i)
	if k == 0 {
		return 0, int64(i)
	}
	return int64(k), int64(i - c.marks[k-1] - 1)
}

// reader returns the open data file of tape file n.
func (c *dirDisk) reader(n int) (*os.File, error) {
	df := c.files[n]
	if df.f == nil {
		f, err := os.Open(filepath.Join(c.root, df.name))
		if err != nil {
			return nil, err
		}
		df.f = f
	}
	return df.f, nil
}

func (c *dirDisk) readAt(r dirRec, p []byte, skip int) error {
	f, err := c.reader(r.file)
	if err != nil {
		return err
	}
	_, err = f.ReadAt(p, r.off+int64(skip))
	return err
}

func (c *dirDisk) syncDir() error {
	d, err := os.Open(c.root)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// truncateAt discards record i and everything after it: later files are
// removed, last first; the file holding record i goes back to a temporary
// name and is cut, so that it never looks complete while it is rewritten.
func (c *dirDisk) truncateAt(i int) error {
	if i >= c.nrecs {
		return nil
	}
	r := c.rec(i)
	for n := len(c.files) - 1; n > r.file; n-- {
		if err := c.removeFile(n); err != nil {
			return err
		}
	}
	off := r.off
	if r.mark {
		off = c.files[r.file].size
	}
	if err := c.reopen(r.file); err != nil {
		return err
	}
	df := c.files[r.file]
	if err := df.f.Truncate(off); err != nil {
		return err
	}
	df.size = off
	k := c.runOf(i)
	if i == c.runs[k].start {
		c.runs = c.runs[:k]
	} else {
		c.runs[k].count = i - c.runs[k].start
		c.runs = c.runs[:k+1]
	}
	c.nrecs = i
	c.marks = c.marks[:sort.SearchInts(c.marks, i)]
	c.data = r.at
	return c.syncDir()
}

// removeFile deletes tape file n, the last one: its data first, then its
// block list.
func (c *dirDisk) removeFile(n int) error {
	df := c.files[n]
	if df.f != nil {
		_ = df.f.Close() // being deleted
		df.f = nil
	}
	if err := os.Remove(filepath.Join(c.root, df.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !df.pending {
		if err := os.Remove(filepath.Join(c.root, diskName(n, blocksExt))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	c.files = c.files[:n]
	return nil
}

// reopen makes committed tape file n (the last) pending again: it goes
// back to a temporary name, its block list is removed.
func (c *dirDisk) reopen(n int) error {
	df := c.files[n]
	if df.pending {
		return nil
	}
	tmp := filepath.Join(c.root, fmt.Sprintf("%s%06d-reopened", diskTempPref, n))
	if err := os.Rename(filepath.Join(c.root, df.name), tmp); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(c.root, diskName(n, blocksExt))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if df.f != nil {
		_ = df.f.Close() // reopened read-write below
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		df.f = nil
		return err
	}
	df.f, df.name, df.pending = f, filepath.Base(tmp), true
	return nil
}

// current returns the file blocks are appended to: the last one if it is
// pending or unterminated, else a new temporary file.
func (c *dirDisk) current() (*dirFile, error) {
	n := len(c.marks)
	if n < len(c.files) {
		return c.files[n], c.reopen(n)
	}
	if err := os.MkdirAll(c.root, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(c.root, fmt.Sprintf("%s%06d-*", diskTempPref, n))
	if err != nil {
		return nil, err
	}
	df := &dirFile{name: filepath.Base(f.Name()), f: f, pending: true}
	c.files = append(c.files, df)
	return df, nil
}

// appendBlocks writes p as one block (bs 0) or blocks of bs bytes. A
// full file system gives ErrEndOfMedium with nothing of p kept.
func (c *dirDisk) appendBlocks(p []byte, bs int) error {
	df, err := c.current()
	if err != nil {
		return err
	}
	if _, err := df.f.WriteAt(p, df.size); err != nil {
		_ = df.f.Truncate(df.size) // what did not fit is not written
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return detail(ErrEndOfMedium, "the disk is full: %v", err)
		}
		return err
	}
	n := len(p)
	if bs > 0 {
		n = bs
	}
	c.addRun(dirRun{count: len(p) / n, n: n, file: len(c.files) - 1, off: df.size, at: c.data})
	c.data += int64(len(p))
	df.size += int64(len(p))
	return nil
}

// appendMarks ends tape files: the one being written (or an empty one)
// becomes a complete file under its own name.
func (c *dirDisk) appendMarks(n int) error {
	for range n {
		file := len(c.marks)
		if file == len(c.files) {
			if _, err := c.current(); err != nil {
				return err
			}
		}
		if err := c.commit(file, false); err != nil {
			return err
		}
		c.marks = append(c.marks, c.nrecs)
		c.addRun(dirRun{count: 1, mark: true, file: file, at: c.data})
	}
	return nil
}

// finish keeps the blocks of a file left without a filemark as an
// unterminated file ("NNNNNN.part"), or drops an empty pending file.
func (c *dirDisk) finish() error {
	n := len(c.marks)
	if n >= len(c.files) || !c.files[n].pending {
		return nil
	}
	if c.lastIsMark() {
		err := c.removeFile(n)
		return errors.Join(err, c.syncDir())
	}
	return c.commit(n, true)
}

// commit gives pending file n its own name: data synced, block list
// written (temporary file, sync, rename), data renamed, directory synced.
// A crash at any point leaves either a temporary file, which the next
// mount removes, or a complete file with its block list.
func (c *dirDisk) commit(n int, part bool) error {
	df := c.files[n]
	if err := df.f.Sync(); err != nil {
		return err
	}
	var sizes []sizeRun
	var first *dirRec
	k := len(c.runs)
	for k > 0 && c.runs[k-1].file == n && !c.runs[k-1].mark {
		k--
	}
	for _, r := range c.runs[k:] {
		if len(sizes) > 0 && sizes[len(sizes)-1].size == r.n {
			sizes[len(sizes)-1].count += r.count
		} else {
			sizes = append(sizes, sizeRun{r.n, r.count})
		}
	}
	if k < len(c.runs) {
		r := c.rec(c.runs[k].start)
		first = &r
	}
	ext := partExt
	if !part {
		ext = "data"
		if first != nil {
			head := make([]byte, min(first.n, maxLabelBlock))
			if err := c.readAt(*first, head, 0); err != nil {
				return err
			}
			ext = sniffKind(n, head)
		} else {
			ext = "empty"
		}
	}
	if err := writeFileAtomic(filepath.Join(c.root, diskName(n, blocksExt)), blockList(sizes)); err != nil {
		return err
	}
	name := diskName(n, ext)
	if err := os.Rename(filepath.Join(c.root, df.name), filepath.Join(c.root, name)); err != nil {
		return err
	}
	if err := c.syncDir(); err != nil {
		return err
	}
	df.name, df.pending = name, false
	c.refreshCapacity()
	return nil
}

// sniffKind names what a tape file holds from its first block, for the
// file name: label, tar, trailer, age, or data.
func sniffKind(n int, head []byte) string {
	switch {
	case n == 0 && bytes.HasPrefix(head, []byte(LabelMagic+"\n")):
		return "label"
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "tar"
	case bytes.HasPrefix(head, []byte("age-encryption.org/")):
		return "age"
	}
	if _, err := ParseTrailer(head); err == nil {
		return "trailer"
	}
	return "data"
}
