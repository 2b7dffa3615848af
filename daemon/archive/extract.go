package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ExtractOptions says what Extract may do beyond writing new files, links
// and directories inside the restore directory.
type ExtractOptions struct {
	// Overwrite allows replacing a file, link or device node that already
	// exists in the restore directory. The old entry is removed first (a
	// symbolic link itself, never what it points to). Existing
	// directories are always merged into; a directory is never replaced.
	Overwrite bool
	// Only restores a subset: members whose name equals an entry or lies
	// below it (like GNU tar's member arguments). A leading "/" is
	// ignored. An entry that matches nothing makes Extract fail.
	Only []string
	// Reassemble joins the chunks NAME.000000, NAME.000001, ... of a
	// command's output into one file NAME, as `cat NAME.* > NAME` would.
	// Only runs of consecutive chunks starting at 000000 are joined; a
	// chunk out of sequence is refused.
	Reassemble bool
	// AllowDevices creates device nodes and FIFOs. It takes effect only
	// when the process runs as root; otherwise they are refused.
	AllowDevices bool
	// NumericOwner restores owners by the numeric ids in the archive. By
	// default, when running as root, a user or group name that exists on
	// this machine is preferred, like GNU tar does.
	NumericOwner bool
	// TolerateRefused makes Extract succeed although members were refused.
	// They are still listed in ExtractResult.Refused.
	TolerateRefused bool
	// Warn, if set, receives each refusal and warning as it happens.
	Warn func(msg string)
}

// ExtractResult describes what Extract did.
type ExtractResult struct {
	Members  int64 // members restored: files, directories, links, devices; a reassembled file counts once
	Bytes    int64 // bytes of file contents written
	Skipped  int64 // members not selected by Only
	Refused  []Refusal
	Warnings []string
	// Unmatched are the Only entries that selected nothing.
	Unmatched []string
}

// ErrNotInArchive is the error Extract returns (wrapped) when an Only
// entry selected nothing; everything else was restored and the stream was
// read to its end.
var ErrNotInArchive = errors.New("not found in the archive")

// Refusal is a member Extract did not restore, and why.
type Refusal struct {
	Name   string // the member's name as stored in the archive
	Reason string
}

// RefusedError is the error Extract returns when members were refused and
// TolerateRefused is not set. Everything else was restored.
type RefusedError struct {
	Refused []Refusal
}

// Error names every refused member with its reason.
func (e *RefusedError) Error() string {
	if len(e.Refused) == 1 {
		return fmt.Sprintf("archive: member %s refused: %s", e.Refused[0].Name, e.Refused[0].Reason)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "archive: %d members refused:", len(e.Refused))
	for i, r := range e.Refused {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " %s (%s)", r.Name, r.Reason)
	}
	return b.String()
}

// Extract restores the tar stream into dir, which must exist. All file
// system access goes through os.Root, so nothing is created, changed or
// overwritten outside dir, whatever the archive holds:
//
//   - members with an absolute name or a ".." component are refused;
//   - symbolic links are created last, after every file, hard link and
//     directory, so no member is written through a link from the archive;
//     os.Root refuses paths that leave dir through links already there;
//   - a hard link must point to a file restored earlier from this same
//     archive;
//   - device nodes and FIFOs are refused unless AllowDevices is set and the
//     process runs as root;
//   - an existing entry is replaced only with Overwrite; otherwise the
//     member is refused, naming it.
//
// Every refused member is reported in ExtractResult.Refused and, unless
// TolerateRefused is set, makes Extract return a *RefusedError after
// restoring everything else. Other errors (a damaged stream, a full disk,
// cancellation) stop Extract at once.
//
// As root, owners are restored (by name where the name exists here, see
// NumericOwner) and setuid, setgid and sticky bits kept; otherwise files
// belong to the caller and those bits are dropped. Permissions and
// modification times are restored, those of directories after their
// contents; symbolic links keep the time of their creation.
//
// After the end-of-archive marker Extract reads stream to its end, so that
// a *Reader's checksums cover the whole stream.
func Extract(ctx context.Context, stream io.Reader, dir string, opts ExtractOptions) (ExtractResult, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return ExtractResult{}, fmt.Errorf("open restore directory: %w", err)
	}
	defer func() { _ = root.Close() }() // a directory handle: nothing to lose
	x := &extractor{
		ctx:     ctx,
		root:    root,
		opts:    opts,
		asRoot:  os.Geteuid() == 0,
		done:    make(map[string]int),
		files:   make(map[string]bool),
		skipped: make(map[string]bool),
		pending: make(map[string]bool),
		users:   make(map[string]int),
		groups:  make(map[string]int),
		buf:     make([]byte, 1<<20),
	}
	x.onlyAt = make(map[string][]int)
	for i, o := range opts.Only {
		name := memberName(o)
		x.only = append(x.only, name)
		x.onlyAt[name] = append(x.onlyAt[name], i)
	}
	x.matched = make([]bool, len(x.only))
	defer func() {
		// After a fatal error a file being reassembled is still open.
		if x.run != nil && x.run.f != nil {
			_ = x.run.f.Close() // the fatal error is the one reported
		}
	}()

	src := ctxReader{ctx: ctx, r: stream}
	err = eachMember(src, func(h *tar.Header, tr io.Reader) error {
		x.seq++
		return x.member(h, tr)
	})
	if err != nil {
		return x.res, err
	}
	if err := x.finish(); err != nil {
		return x.res, err
	}
	if err := drain(src); err != nil {
		return x.res, err
	}
	var errs []error
	var missing []string
	for i, m := range x.matched {
		if !m {
			missing = append(missing, x.only[i])
		}
	}
	if len(missing) > 0 {
		x.res.Unmatched = missing
		errs = append(errs, fmt.Errorf("archive: %w: %s", ErrNotInArchive, strings.Join(missing, ", ")))
	}
	if len(x.res.Refused) > 0 && !opts.TolerateRefused {
		errs = append(errs, &RefusedError{Refused: slices.Clone(x.res.Refused)})
	}
	return x.res, errors.Join(errs...)
}

// eachMember calls fn with each member of the tar stream in src and a
// reader of its contents, up to the end-of-archive marker, and stops at the
// first error.
func eachMember(src io.Reader, fn func(h *tar.Header, tr io.Reader) error) error {
	tr := tar.NewReader(src)
	last := "the start"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive after %s: %w", last, err)
		}
		last = h.Name
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

// drain reads what follows the end-of-archive marker, so that a *Reader's
// checksums cover the whole stream.
func drain(src io.Reader) error {
	if _, err := io.Copy(io.Discard, src); err != nil {
		return fmt.Errorf("read past the end of the archive: %w", err)
	}
	return nil
}

// ctxReader stops reading when ctx ends and marks read errors, so that a
// failing stream is told apart from a failing destination. Wrapped around a
// tar.Reader it marks the tar reader's own errors (a truncated member).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// streamError is an error reading the archive stream.
type streamError struct{ err error }

func (e streamError) Error() string { return e.err.Error() }
func (e streamError) Unwrap() error { return e.err }

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, streamError{fmt.Errorf("restore interrupted: %w", err)}
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = streamError{err}
	}
	return n, err
}

// extractor is the state of one Extract call.
type extractor struct {
	ctx    context.Context // Extract's own, for its lifetime only
	root   *os.Root
	opts   ExtractOptions
	asRoot bool
	only   []string
	onlyAt map[string][]int // the indexes in only of each name
	// matched records which Only entries selected something.
	matched []bool
	res     ExtractResult
	seq     int            // number of the current member
	done    map[string]int // names this Extract created, with the member number
	files   map[string]bool
	skipped map[string]bool // regular files not selected: hard link targets we lack
	pending map[string]bool // symbolic links waiting for the end
	later   []deferred      // symbolic links, and hard links to them
	dirs    []deferred      // directories whose metadata is set at the end
	run     *chunkRun
	buf     []byte
	users   map[string]int // see localID
	groups  map[string]int
}

// deferred is a member acted on at the end.
type deferred struct {
	name string
	h    *tar.Header
	seq  int
}

// chunkRun is a file being reassembled from chunks.
type chunkRun struct {
	base   string
	next   int
	f      *os.File // nil if the run is not restored
	h      *tar.Header
	seq    int
	counts bool // later chunks count as skipped
}

func (x *extractor) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	x.res.Warnings = append(x.res.Warnings, msg)
	if x.opts.Warn != nil {
		x.opts.Warn(msg)
	}
}

func (x *extractor) refuse(name, reason string) {
	x.res.Refused = append(x.res.Refused, Refusal{Name: name, Reason: reason})
	if x.opts.Warn != nil {
		x.opts.Warn(fmt.Sprintf("%s: refused: %s", name, reason))
	}
}

// fail turns an error acting on member name into a refusal, or returns it
// if it must stop the restore: the stream failed, or the disk cannot take
// more.
func (x *extractor) fail(name string, err error) error {
	var se streamError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("read member %s: %w", name, se.err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT),
		errors.Is(err, syscall.EIO), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("restore %s: %w", name, err)
	}
	x.refuse(name, err.Error())
	return nil
}

// cleanName checks a member or link name and returns it relative to the
// restore directory, without "./" or a trailing slash, or the reason it is
// refused.
func cleanName(name string) (string, string) {
	switch {
	case name == "":
		return "", "empty name"
	case strings.HasPrefix(name, "/"):
		return "", "absolute path"
	case strings.ContainsRune(name, 0):
		return "", "name contains a NUL byte"
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return "", `path contains ".."`
		}
	}
	return path.Clean(name), ""
}

// selected reports whether name is to be restored and records which Only
// entries matched.
func (x *extractor) selected(names ...string) bool {
	if len(x.only) == 0 {
		return true
	}
	// A name is selected by an entry equal to it or to one of its
	// parents: look up each, so that thousands of entries (a glob
	// resolved through the file index) cost no more than a few.
	hit := false
	mark := func(o string) {
		for _, i := range x.onlyAt[o] {
			x.matched[i] = true
			hit = true
		}
	}
	mark(".")
	for _, n := range names {
		for p := n; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			mark(p)
		}
	}
	return hit
}

// typeGNUVolumeHeader is GNU tar's volume label member (tar -V), which
// archive/tar has no name for.
const typeGNUVolumeHeader = 'V'

func isRegular(h *tar.Header) bool {
	switch h.Typeflag {
	case tar.TypeReg, '\x00', tar.TypeGNUSparse, tar.TypeCont:
		return true
	}
	return false
}

// member restores one member or schedules it.
func (x *extractor) member(h *tar.Header, tr io.Reader) error {
	switch h.Typeflag {
	case tar.TypeXGlobalHeader:
		return nil // PAX defaults for the members that follow, not a file
	case typeGNUVolumeHeader:
		x.warnf("volume label %q ignored", h.Name)
		return nil
	}
	name, why := cleanName(h.Name)
	if why != "" {
		if err := x.endRun(); err != nil {
			return err
		}
		x.refuse(h.Name, why)
		return nil
	}
	if x.opts.Reassemble && isRegular(h) {
		if base, idx, ok := splitChunk(name); ok {
			return x.chunk(name, base, idx, h, tr)
		}
	}
	if err := x.endRun(); err != nil {
		return err
	}
	if name == "." {
		if h.Typeflag == tar.TypeDir {
			return nil // the restore directory itself
		}
		x.refuse(h.Name, "names the restore directory itself")
		return nil
	}
	if !x.selected(name) {
		x.res.Skipped++
		if isRegular(h) {
			x.skipped[name] = true
		}
		return nil
	}
	switch {
	case isRegular(h):
		return x.file(name, h, tr)
	case h.Typeflag == tar.TypeDir:
		return x.dir(name, h)
	case h.Typeflag == tar.TypeSymlink:
		x.pending[name] = true
		x.later = append(x.later, deferred{name, h, x.seq})
		return nil
	case h.Typeflag == tar.TypeLink:
		return x.link(name, h)
	case h.Typeflag == tar.TypeChar, h.Typeflag == tar.TypeBlock, h.Typeflag == tar.TypeFifo:
		return x.device(name, h)
	default:
		x.refuse(h.Name, fmt.Sprintf("unsupported member type %q", h.Typeflag))
		return nil
	}
}

// prepare makes name's parent directories and clears the way for a new
// non-directory at name. It returns false if the member was refused.
func (x *extractor) prepare(name string, h *tar.Header) (bool, error) {
	if dir := path.Dir(name); dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return false, x.fail(h.Name, err)
		}
	}
	fi, err := x.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, x.fail(h.Name, err)
	}
	if _, ours := x.done[name]; !ours && !x.opts.Overwrite {
		x.refuse(h.Name, "already exists in the restore directory (restore with --overwrite to replace it)")
		return false, nil
	}
	if fi.IsDir() {
		x.refuse(h.Name, "a directory is in the way")
		return false, nil
	}
	if err := x.root.Remove(name); err != nil {
		return false, x.fail(h.Name, err)
	}
	delete(x.files, name)
	return true, nil
}

func (x *extractor) file(name string, h *tar.Header, tr io.Reader) error {
	ok, err := x.prepare(name, h)
	if !ok {
		return err
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return x.fail(h.Name, err)
	}
	err = x.copyTo(f, h, tr)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("restore %s: %w", h.Name, cerr)
	}
	if err != nil {
		return err
	}
	x.done[name], x.files[name] = x.seq, true
	x.res.Members++
	return x.meta(name, h, true)
}

// copyTo copies the contents of member h to f and counts them. After an
// error f is still open: the caller closes it, or Extract does for a file
// being reassembled.
func (x *extractor) copyTo(f *os.File, h *tar.Header, tr io.Reader) error {
	n, err := copyMember(x.ctx, f, tr, x.buf, "restore", h.Name)
	x.res.Bytes += n
	return err
}

// copyMember copies the contents of member name from tr to w through buf.
// Its error tells a failing stream ("read member NAME: ...") from a failing
// destination ("VERB NAME: ...").
func copyMember(ctx context.Context, w io.Writer, tr io.Reader, buf []byte, verb, name string) (int64, error) {
	// Hiding w's ReadFrom makes CopyBuffer use buf.
	n, err := io.CopyBuffer(struct{ io.Writer }{w}, ctxReader{ctx, tr}, buf)
	var se streamError
	switch {
	case err == nil:
		return n, nil
	case errors.As(err, &se):
		return n, fmt.Errorf("read member %s: %w", name, se.err)
	}
	return n, fmt.Errorf("%s %s: %w", verb, name, err)
}

// meta sets owner, mode and modification time of name, which is not a
// symbolic link.
func (x *extractor) meta(name string, h *tar.Header, chmod bool) error {
	if x.asRoot {
		uid, gid := x.owner(h)
		if err := x.root.Lchown(name, uid, gid); err != nil {
			return x.fail(h.Name, err)
		}
	}
	if chmod {
		mode := h.FileInfo().Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if !x.asRoot {
			mode &^= fs.ModeSetuid | fs.ModeSetgid
		}
		if err := x.root.Chmod(name, mode); err != nil {
			return x.fail(h.Name, err)
		}
	}
	if err := x.root.Chtimes(name, time.Time{}, h.ModTime); err != nil {
		return x.fail(h.Name, err)
	}
	return nil
}

func (x *extractor) dir(name string, h *tar.Header) error {
	if dir := path.Dir(name); dir != "." {
		if err := x.root.MkdirAll(dir, 0o755); err != nil {
			return x.fail(h.Name, err)
		}
	}
	fi, err := x.root.Lstat(name)
	switch {
	case err == nil && fi.IsDir():
		// Merge into it.
	case err == nil:
		if ok, err := x.prepare(name, h); !ok {
			return err
		}
		fallthrough
	case errors.Is(err, fs.ErrNotExist):
		// Writable for us until its contents are in; its mode comes last.
		if err := x.root.Mkdir(name, 0o700); err != nil {
			return x.fail(h.Name, err)
		}
	default:
		return x.fail(h.Name, err)
	}
	x.done[name] = x.seq
	x.dirs = append(x.dirs, deferred{name, h, x.seq})
	x.res.Members++
	return nil
}

func (x *extractor) link(name string, h *tar.Header) error {
	target, why := cleanName(h.Linkname)
	switch {
	case why != "":
		x.refuse(h.Name, "hard link target: "+why)
		return nil
	case x.files[target]:
		return x.makeLink(name, target, h)
	case x.pending[target]:
		x.later = append(x.later, deferred{name, h, x.seq})
		return nil
	case x.skipped[target]:
		x.refuse(h.Name, fmt.Sprintf("hard link to %s, which was not selected for restore; select it too", target))
		return nil
	default:
		x.refuse(h.Name, fmt.Sprintf("hard link to %s, which is not a file restored earlier from this archive", target))
		return nil
	}
}

func (x *extractor) makeLink(name, target string, h *tar.Header) error {
	ok, err := x.prepare(name, h)
	if !ok {
		return err
	}
	if err := x.root.Link(target, name); err != nil {
		return x.fail(h.Name, err)
	}
	x.done[name], x.files[name] = x.seq, true
	x.res.Members++
	return nil
}

func (x *extractor) device(name string, h *tar.Header) error {
	switch {
	case !x.opts.AllowDevices:
		x.refuse(h.Name, "device node or FIFO not restored (restore with --allow-devices, by a daemon running as root, to create it)")
		return nil
	case !x.asRoot:
		x.refuse(h.Name, "device node or FIFO not restored: only a daemon running as root can create it")
		return nil
	}
	ok, err := x.prepare(name, h)
	if !ok {
		return err
	}
	if err := mknod(x.root, name, h); err != nil {
		return x.fail(h.Name, err)
	}
	x.done[name] = x.seq
	x.res.Members++
	return x.meta(name, h, true)
}

// finish creates the symbolic links, then sets the directories' owners,
// modes and times, deepest first.
func (x *extractor) finish() error {
	if err := x.endRun(); err != nil {
		return err
	}
	for _, d := range x.later {
		if seq, ok := x.done[d.name]; ok && seq > d.seq {
			continue // a later member of the same name replaced it
		}
		if d.h.Typeflag == tar.TypeLink {
			target, _ := cleanName(d.h.Linkname)
			if err := x.makeLink(d.name, target, d.h); err != nil {
				return err
			}
			continue
		}
		ok, err := x.prepare(d.name, d.h)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := x.root.Symlink(d.h.Linkname, d.name); err != nil {
			if err := x.fail(d.h.Name, err); err != nil {
				return err
			}
			continue
		}
		x.done[d.name] = d.seq
		x.files[d.name] = true
		x.res.Members++
		if x.asRoot {
			uid, gid := x.owner(d.h)
			if err := x.root.Lchown(d.name, uid, gid); err != nil {
				if err := x.fail(d.h.Name, err); err != nil {
					return err
				}
			}
		}
	}
	slices.SortStableFunc(x.dirs, func(a, b deferred) int {
		return strings.Count(b.name, "/") - strings.Count(a.name, "/")
	})
	for _, d := range x.dirs {
		if seq := x.done[d.name]; seq > d.seq {
			continue
		}
		if fi, err := x.root.Lstat(d.name); err != nil || !fi.IsDir() {
			continue
		}
		if err := x.meta(d.name, d.h, true); err != nil {
			return err
		}
	}
	return nil
}

// owner returns the uid and gid to give a member: the local ids of its
// user and group names if they exist here, else the numeric ids.
func (x *extractor) owner(h *tar.Header) (int, int) {
	if x.opts.NumericOwner {
		return h.Uid, h.Gid
	}
	return x.localID("user", h.Uname, h.Uid, x.users, lookupUser),
		x.localID("group", h.Gname, h.Gid, x.groups, lookupGroup)
}

// localID returns the local id of a user or group name, or id if the name
// is empty or does not exist here; it warns once per such name. cache holds
// the names looked up so far, -1 for those unknown here.
func (x *extractor) localID(kind, name string, id int, cache map[string]int, lookup func(string) (string, error)) int {
	if name == "" {
		return id
	}
	local, ok := cache[name]
	if !ok {
		local = -1
		if s, err := lookup(name); err == nil {
			if n, err := strconv.Atoi(s); err == nil {
				local = n
			}
		}
		cache[name] = local
		if local < 0 {
			x.warnf("%s %s does not exist here; restored as id %d", kind, name, id)
		}
	}
	if local < 0 {
		return id
	}
	return local
}

func lookupUser(name string) (string, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return "", err
	}
	return u.Uid, nil
}

func lookupGroup(name string) (string, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return "", err
	}
	return g.Gid, nil
}

// splitChunk splits "NAME.000042" into NAME and 42.
func splitChunk(name string) (string, int, bool) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i != 7 || name[i-1] == '/' {
		return "", 0, false
	}
	n := 0
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		n = n*10 + int(c-'0')
	}
	return name[:i], n, true
}

// chunk handles one chunk when reassembling.
func (x *extractor) chunk(name, base string, idx int, h *tar.Header, tr io.Reader) error {
	if r := x.run; r != nil && r.base == base && r.next == idx {
		r.next++
		if r.f == nil {
			if r.counts {
				x.res.Skipped++
			}
			return nil
		}
		return x.copyTo(r.f, h, tr)
	}
	if err := x.endRun(); err != nil {
		return err
	}
	if idx != 0 {
		x.refuse(h.Name, fmt.Sprintf("chunk of %s without the chunk before it, so it cannot be joined; to keep it, read the tape file with plain tar (mt fsf, then tar -x), which leaves the chunks apart", base))
		return nil
	}
	run := &chunkRun{base: base, next: 1, h: h, seq: x.seq}
	x.run = run
	if !x.selected(base, name) {
		run.counts = true
		x.res.Skipped++
		return nil
	}
	ok, err := x.prepare(base, h)
	if !ok {
		return err
	}
	f, err := x.root.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return x.fail(h.Name, err)
	}
	run.f = f
	return x.copyTo(f, h, tr)
}

// endRun finishes the file being reassembled, if any.
func (x *extractor) endRun() error {
	r := x.run
	x.run = nil
	if r == nil || r.f == nil {
		return nil
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("restore %s: %w", r.base, err)
	}
	x.done[r.base], x.files[r.base] = r.seq, true
	x.res.Members++
	h := *r.h
	h.Name = r.base
	return x.meta(r.base, &h, true)
}
