package drives

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Cartridge image format (see doc.go for the full description).
const (
	imageMagic       = "TAPEWARDEN VTAPE 1"
	imageHeaderSize  = 4096
	recordHeaderSize = 8
	// MaxBlockSize is the largest block the virtual tape accepts in
	// variable-block mode (what an IBM LTO-8 reports in READ BLOCK LIMITS).
	MaxBlockSize = 8 << 20
)

var (
	tagBlock = [4]byte{'B', 'L', 'K', 0}
	tagMark  = [4]byte{'F', 'M', 'K', 0}
	tagEOD   = [4]byte{'E', 'O', 'D', 0}
)

// CartridgeSpec describes a new virtual cartridge image.
type CartridgeSpec struct {
	Barcode        string // volume tag on the label, e.g. "DAILY1L8"
	MediaType      string // a media type name, e.g. LTO8 or DDSCLN
	WORM           bool   // write once: appending only, never overwriting
	WriteProtected bool   // write-protect tab set
	// Capacity is the usable size in bytes, counting 8 bytes of record
	// header per block and filemark. 0 means the media type's native
	// capacity. Small values let tests force spanning.
	Capacity int64
	// EarlyWarning is how many bytes before Capacity the early-warning zone
	// starts. 0 means 1% of Capacity, at least 64 KiB and at most 1 GiB
	// (never more than half the capacity).
	EarlyWarning int64
	// CleaningUses is the uses left on a cleaning cartridge: 0 means the
	// rated number (50), negative means already expired.
	CleaningUses int
}

// CartridgeInfo is what a cartridge image's header says.
type CartridgeInfo struct {
	Barcode        string
	MediaType      string
	WORM           bool
	WriteProtected bool
	Capacity       int64
	EarlyWarning   int64
	CleaningUses   int   // uses left; meaningful for cleaning cartridges
	Loads          int64 // how many times a drive threaded it
}

// Cleaning reports whether the cartridge is a cleaning cartridge.
func (c CartridgeInfo) Cleaning() bool {
	m, ok := Media(c.MediaType)
	return ok && m.Cleaning
}

func (c CartridgeInfo) marshal() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", imageMagic)
	fmt.Fprintf(&b, "barcode: %s\n", c.Barcode)
	fmt.Fprintf(&b, "media-type: %s\n", c.MediaType)
	fmt.Fprintf(&b, "worm: %s\n", yesNo(c.WORM))
	fmt.Fprintf(&b, "write-protect: %s\n", yesNo(c.WriteProtected))
	fmt.Fprintf(&b, "capacity: %d\n", c.Capacity)
	fmt.Fprintf(&b, "early-warning: %d\n", c.EarlyWarning)
	fmt.Fprintf(&b, "cleaning-uses: %d\n", c.CleaningUses)
	fmt.Fprintf(&b, "loads: %d\n", c.Loads)
	b.WriteString("\n")
	if b.Len() > imageHeaderSize {
		return nil, fmt.Errorf("drives: cartridge header too long (%d bytes)", b.Len())
	}
	out := make([]byte, imageHeaderSize)
	copy(out, b.Bytes())
	return out, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseCartridgeHeader(h []byte) (CartridgeInfo, error) {
	var c CartridgeInfo
	bad := func(format string, args ...any) (CartridgeInfo, error) {
		return CartridgeInfo{}, fmt.Errorf("drives: not a virtual cartridge image: "+format, args...)
	}
	end := bytes.Index(h, []byte("\n\n"))
	if end < 0 {
		return bad("no end of header")
	}
	lines := strings.Split(string(h[:end]), "\n")
	if lines[0] != imageMagic {
		return bad("magic %q", truncate(lines[0], 40))
	}
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			return bad("header line %q", truncate(line, 40))
		}
		seen[k] = true
		var err error
		switch k {
		case "barcode":
			c.Barcode = v
		case "media-type":
			c.MediaType = v
		case "worm":
			c.WORM, err = parseYesNo(v)
		case "write-protect":
			c.WriteProtected, err = parseYesNo(v)
		case "capacity":
			c.Capacity, err = strconv.ParseInt(v, 10, 64)
		case "early-warning":
			c.EarlyWarning, err = strconv.ParseInt(v, 10, 64)
		case "cleaning-uses":
			c.CleaningUses, err = strconv.Atoi(v)
		case "loads":
			c.Loads, err = strconv.ParseInt(v, 10, 64)
		default:
			// Unknown keys are allowed for forward compatibility.
		}
		if err != nil {
			return bad("%s: %v", k, err)
		}
	}
	for _, k := range []string{"barcode", "media-type", "capacity", "early-warning"} {
		if !seen[k] {
			return bad("missing %s", k)
		}
	}
	if _, ok := Media(c.MediaType); !ok {
		return bad("unknown media type %q", c.MediaType)
	}
	if c.Capacity < 0 || c.EarlyWarning < 0 || c.EarlyWarning > c.Capacity {
		return bad("capacity %d, early warning %d", c.Capacity, c.EarlyWarning)
	}
	return c, nil
}

func parseYesNo(s string) (bool, error) {
	switch s {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("want yes or no, got %q", s)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// CreateCartridge writes a new, blank cartridge image at path. It fails if
// the file exists.
func CreateCartridge(path string, spec CartridgeSpec) error {
	m, ok := Media(spec.MediaType)
	if !ok {
		return fmt.Errorf("drives: create cartridge %s: unknown media type %q", path, spec.MediaType)
	}
	if strings.ContainsAny(spec.Barcode, "\n\r") {
		return fmt.Errorf("drives: create cartridge %s: bad barcode %q", path, spec.Barcode)
	}
	info := CartridgeInfo{
		Barcode:        spec.Barcode,
		MediaType:      spec.MediaType,
		WORM:           spec.WORM,
		WriteProtected: spec.WriteProtected,
		Capacity:       spec.Capacity,
		EarlyWarning:   spec.EarlyWarning,
	}
	if info.Capacity <= 0 {
		info.Capacity = m.NativeBytes
	}
	if info.EarlyWarning <= 0 {
		ew := info.Capacity / 100
		ew = max(ew, 64<<10)
		ew = min(ew, 1<<30)
		info.EarlyWarning = min(ew, info.Capacity/2)
	}
	if m.Cleaning {
		switch {
		case spec.CleaningUses == 0:
			info.CleaningUses = m.CleanUses
		case spec.CleaningUses > 0:
			info.CleaningUses = spec.CleaningUses
		}
	}
	hdr, err := info.marshal()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("drives: create cartridge: %w", err)
	}
	if _, err := f.Write(hdr); err != nil {
		_ = f.Close()
		return fmt.Errorf("drives: create cartridge %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("drives: create cartridge %s: %w", path, err)
	}
	return f.Close()
}

// ReadCartridgeInfo reads the header of a cartridge image. It does not
// need the cartridge to be out of a drive.
func ReadCartridgeInfo(path string) (CartridgeInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return CartridgeInfo{}, fmt.Errorf("drives: read cartridge: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	h := make([]byte, imageHeaderSize)
	if _, err := io.ReadFull(f, h); err != nil {
		return CartridgeInfo{}, fmt.Errorf("drives: read cartridge %s: not a virtual cartridge image: %w", path, err)
	}
	info, err := parseCartridgeHeader(h)
	if err != nil {
		return CartridgeInfo{}, fmt.Errorf("%w (%s)", err, path)
	}
	return info, nil
}

// IsCartridgeImage reports whether path is a readable virtual cartridge
// image.
func IsCartridgeImage(path string) bool {
	_, err := ReadCartridgeInfo(path)
	return err == nil
}

// SetWriteProtect slides the write-protect tab of a cartridge that is not in
// a drive. It fails with ErrBusy if a drive holds the cartridge.
func SetWriteProtect(path string, on bool) error {
	return updateCartridge(path, func(c *CartridgeInfo) { c.WriteProtected = on })
}

func updateCartridge(path string, change func(*CartridgeInfo)) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("drives: update cartridge: %w", err)
	}
	// For the error paths; the success path closes with a check.
	defer func() { _ = f.Close() }()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("drives: update cartridge %s: %w", path, err)
	}
	h := make([]byte, imageHeaderSize)
	if _, err := f.ReadAt(h, 0); err != nil {
		return fmt.Errorf("drives: update cartridge %s: %w", path, err)
	}
	info, err := parseCartridgeHeader(h)
	if err != nil {
		return err
	}
	change(&info)
	if h, err = info.marshal(); err != nil {
		return err
	}
	if _, err := f.WriteAt(h, 0); err != nil {
		return fmt.Errorf("drives: update cartridge %s: %w", path, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("drives: update cartridge %s: %w", path, err)
	}
	return nil
}

// record is one entry of the in-memory index of a mounted image.
type record struct {
	off  int64 // file offset of the data (just after the record header)
	n    int   // data length; 0 for filemarks
	mark bool
}

// cartridge is a mounted image: open file, header and index.
type cartridge struct {
	path  string
	f     *os.File
	info  CartridgeInfo
	recs  []record
	marks []int // indices into recs of the filemarks, ascending
	end   int64 // file offset of the end of recorded data
	// fileEnd is the size of the file. Overwriting in the middle does not
	// shrink the file at once (refilling freed pages is slower than
	// overwriting them): an EOD record at end hides the stale tail, and
	// trim cuts it off when the cartridge is unloaded or the handle closed.
	fileEnd int64
}

// mountCartridge opens and locks an image and indexes its records. A
// partial record at the end (a crash during a write) is cut off, like data
// a drive never acknowledged.
func mountCartridge(path string) (*cartridge, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("drives: mount cartridge: %w", err)
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("drives: mount cartridge %s: %w", path, err)
	}
	c := &cartridge{path: path, f: f}
	if err := c.index(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return c, nil
}

func (c *cartridge) index() error {
	h := make([]byte, imageHeaderSize)
	if _, err := c.f.ReadAt(h, 0); err != nil {
		return fmt.Errorf("drives: mount cartridge %s: not a virtual cartridge image: %w", c.path, err)
	}
	info, err := parseCartridgeHeader(h)
	if err != nil {
		return fmt.Errorf("%w (%s)", err, c.path)
	}
	c.info = info
	fi, err := c.f.Stat()
	if err != nil {
		return fmt.Errorf("drives: mount cartridge %s: %w", c.path, err)
	}
	size := fi.Size()
	off := int64(imageHeaderSize)
	br := bufio.NewReaderSize(io.NewSectionReader(c.f, off, size-off), 64<<10)
	var hdr [recordHeaderSize]byte
	for off+recordHeaderSize <= size {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return fmt.Errorf("drives: mount cartridge %s: %w", c.path, err)
		}
		n := int64(binary.LittleEndian.Uint32(hdr[4:]))
		var tag [4]byte
		copy(tag[:], hdr[:4])
		switch {
		case tag == tagEOD || hdr == [recordHeaderSize]byte{}:
			// End of data marker, or a hole left by a crash between the
			// data and header writes of the last record.
			goto cut
		case tag == tagMark && n == 0:
			c.marks = append(c.marks, len(c.recs))
			c.recs = append(c.recs, record{off: off + recordHeaderSize, mark: true})
		case tag == tagBlock && n > 0 && n <= MaxBlockSize:
			if off+recordHeaderSize+n > size {
				goto cut
			}
			c.recs = append(c.recs, record{off: off + recordHeaderSize, n: int(n)})
			if _, err := br.Discard(int(n)); err != nil {
				return fmt.Errorf("drives: mount cartridge %s: %w", c.path, err)
			}
		default:
			return fmt.Errorf("drives: mount cartridge %s: corrupt record header %x at offset %d", c.path, hdr, off)
		}
		off += recordHeaderSize + n
	}
cut:
	c.end = off
	c.fileEnd = off
	if off != size {
		if err := c.f.Truncate(off); err != nil {
			return fmt.Errorf("drives: mount cartridge %s: cut partial record: %w", c.path, err)
		}
	}
	return nil
}

func (c *cartridge) close() error {
	if c == nil || c.f == nil {
		return nil
	}
	err := errors.Join(c.trim(), c.f.Close())
	c.f = nil
	return err
}

// used is how many bytes of the tape are recorded.
func (c *cartridge) used() int64 { return c.end - imageHeaderSize }

// offsetOf is the file offset where record i starts (its header), or the
// end of data.
func (c *cartridge) offsetOf(i int) int64 {
	if i >= len(c.recs) {
		return c.end
	}
	return c.recs[i].off - recordHeaderSize
}

// fileAt returns the file number (filemarks before i) and the block number
// within that file of position i.
func (c *cartridge) fileAt(i int) (file, block int64) {
	k := sort.SearchInts(c.marks, i) // marks before i
	start := 0
	if k > 0 {
		start = c.marks[k-1] + 1
	}
	return int64(k), int64(i - start)
}

// truncateAt discards record i and everything after it. The file keeps
// its size until trim; an EOD record marks the new end at once, so a crash
// never brings the discarded records back.
func (c *cartridge) truncateAt(i int) error {
	if i >= len(c.recs) {
		return nil
	}
	c.end = c.offsetOf(i)
	c.recs = c.recs[:i]
	c.marks = c.marks[:sort.SearchInts(c.marks, i)]
	return c.markEnd(c.end)
}

// markEnd writes an EOD record at off if stale bytes that could be read as
// records follow it.
func (c *cartridge) markEnd(off int64) error {
	if c.fileEnd-off < recordHeaderSize {
		return nil
	}
	var hdr [recordHeaderSize]byte
	copy(hdr[:4], tagEOD[:])
	_, err := c.f.WriteAt(hdr[:], off)
	return err
}

// writeRecords writes records at the end of data: hdr is the first
// record's header and body the rest. Over a stale tail the body and a new
// EOD record go first and the header last, so that a crash leaves either
// the old end or the complete new records.
func (c *cartridge) writeRecords(hdr, body []byte) error {
	newEnd := c.end + int64(len(hdr)+len(body))
	if c.fileEnd-c.end < recordHeaderSize {
		if _, err := c.f.WriteAt(hdr, c.end); err != nil {
			return err
		}
		if _, err := c.f.WriteAt(body, c.end+int64(len(hdr))); err != nil {
			return err
		}
	} else {
		if _, err := c.f.WriteAt(body, c.end+int64(len(hdr))); err != nil {
			return err
		}
		if err := c.markEnd(newEnd); err != nil {
			return err
		}
		if _, err := c.f.WriteAt(hdr, c.end); err != nil {
			return err
		}
	}
	c.fileEnd = max(c.fileEnd, newEnd)
	return nil
}

// trim cuts the file at the end of data.
func (c *cartridge) trim() error {
	if c.fileEnd == c.end {
		return nil
	}
	if err := c.f.Truncate(c.end); err != nil {
		return err
	}
	c.fileEnd = c.end
	return nil
}

// appendBlocks writes p as blocks of size bs (one block if bs is 0).
func (c *cartridge) appendBlocks(p []byte, bs int) error {
	if bs == 0 || bs == len(p) {
		var hdr [recordHeaderSize]byte
		copy(hdr[:4], tagBlock[:])
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(p)))
		if err := c.writeRecords(hdr[:], p); err != nil {
			return err
		}
		c.recs = append(c.recs, record{off: c.end + recordHeaderSize, n: len(p)})
		c.end += recordHeaderSize + int64(len(p))
		return nil
	}
	nrec := len(p) / bs
	buf := make([]byte, 0, len(p)+nrec*recordHeaderSize)
	for i := 0; i < nrec; i++ {
		buf = append(buf, tagBlock[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(bs))
		buf = append(buf, p[i*bs:(i+1)*bs]...)
	}
	if err := c.writeRecords(buf[:recordHeaderSize], buf[recordHeaderSize:]); err != nil {
		return err
	}
	for i := 0; i < nrec; i++ {
		c.recs = append(c.recs, record{off: c.end + recordHeaderSize, n: bs})
		c.end += recordHeaderSize + int64(bs)
	}
	return nil
}

func (c *cartridge) appendMarks(n int) error {
	buf := make([]byte, 0, n*recordHeaderSize)
	for i := 0; i < n; i++ {
		buf = append(buf, tagMark[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, 0)
	}
	if err := c.writeRecords(buf[:recordHeaderSize], buf[recordHeaderSize:]); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		c.end += recordHeaderSize
		c.marks = append(c.marks, len(c.recs))
		c.recs = append(c.recs, record{off: c.end, mark: true})
	}
	return nil
}

func (c *cartridge) writeHeader() error {
	h, err := c.info.marshal()
	if err != nil {
		return err
	}
	_, err = c.f.WriteAt(h, 0)
	return err
}
