package recovery

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// The members of a catalog file, a tar stream in its own tape file:
//
//	manifest.json     what the file holds (Manifest)
//	tapewarden.yaml   the running configuration, when it has a file
//	catalog.db.gz     a consistent copy of the catalog, gzip-compressed
//
// A person with nothing but mt, dd, tar and gunzip can read it:
//
//	mt -f /dev/nst0 rewind; mt -f /dev/nst0 fsf FILE
//	dd if=/dev/nst0 bs=1M | tar -x
//	gunzip catalog.db.gz
//
// In a pool with encryption: age the whole tar stream is an age file to
// the pool's recipients (EncryptCatalogFile), and the pipe gets
// `age -d -i key.txt` before tar.
const (
	ManifestName = "manifest.json"
	ConfigName   = "tapewarden.yaml"
	CatalogName  = "catalog.db.gz"

	// ManifestFormat identifies a catalog file's manifest.
	ManifestFormat  = "tapewarden-catalog-file"
	ManifestVersion = 1

	// defaultBlockSize is the block size of a catalog file written to a
	// drive in variable-block mode with no block size configured.
	defaultBlockSize = 256 << 10
)

// Errors of the catalog file.
var (
	// ErrBadCatalogFile says a catalog file is damaged or not one.
	ErrBadCatalogFile = errors.New("recovery: not a readable catalog file")
	// ErrCatalogFileEncrypted says a catalog file is encrypted and no
	// identity given opens it; the error names its recipients.
	ErrCatalogFileEncrypted = errors.New("recovery: the catalog file is encrypted")
)

// Manifest describes a catalog file.
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Catalog is the identity of the catalog copied, ChainHead the audit
	// chain's head in the copy.
	Catalog   media.Identity  `json:"catalog"`
	ChainHead media.ChainHead `json:"chain_head"`
	// SchemaVersion is the copy's schema.
	SchemaVersion int       `json:"schema_version"`
	WrittenAt     time.Time `json:"written_at"`
	// Barcode, Pool, Generation and Run say where and by whom it was
	// written.
	Barcode           string `json:"barcode"`
	Pool              string `json:"pool"`
	Generation        string `json:"generation,omitempty"`
	Run               int64  `json:"run,omitempty"`
	TapewardenVersion string `json:"tapewarden_version"`
	// ConfigFile is where the configuration was read from; the demo's is
	// embedded.
	ConfigFile string `json:"config_file,omitempty"`
	// Systems lists each system's restore priority and jobs, so that a
	// restore without a configuration knows the order.
	Systems []SystemInfo `json:"systems"`
	// Members are the tar members after the manifest, with their sizes and
	// SHA-256.
	Members []Member `json:"members"`
	// CatalogBytes is the size of the uncompressed copy.
	CatalogBytes int64 `json:"catalog_bytes"`
}

// SystemInfo is one system of the configuration.
type SystemInfo struct {
	Name            string   `json:"name"`
	Title           string   `json:"title,omitempty"`
	RestorePriority int      `json:"restore_priority"`
	Jobs            []string `json:"jobs"`
}

// Member is one tar member of a catalog file.
type Member struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Systems returns the configuration's systems in restore order: priority
// 1 first, systems without a priority last, then by name.
func Systems(cfg *config.Config) []SystemInfo {
	var out []SystemInfo
	for _, s := range cfg.Systems {
		si := SystemInfo{Name: s.Name, Title: s.Title, RestorePriority: s.RestorePriority}
		for _, j := range cfg.Jobs {
			if j.System == s.Name {
				si.Jobs = append(si.Jobs, j.Name)
			}
		}
		out = append(out, si)
	}
	SortSystems(out)
	return out
}

// SortSystems puts systems in restore order.
func SortSystems(s []SystemInfo) {
	sort.SliceStable(s, func(i, j int) bool {
		pi, pj := s[i].RestorePriority, s[j].RestorePriority
		if (pi > 0) != (pj > 0) {
			return pi > 0
		}
		if pi != pj {
			return pi < pj
		}
		return s[i].Name < s[j].Name
	})
}

// ConfigText returns the configuration's text to carry on tape: the
// embedded demo, or the file it was read from (nil if that is gone).
func ConfigText(cfg *config.Config) []byte {
	if cfg.Demo {
		return config.DemoYAML()
	}
	if cfg.File == "" {
		return nil
	}
	b, err := os.ReadFile(cfg.File)
	if err != nil {
		return nil
	}
	return b
}

// Built is a catalog file made on disk, ready to be written to tape.
type Built struct {
	Path     string
	Bytes    int64
	Manifest Manifest
	// Encryption is "age" when the file is encrypted (EncryptCatalogFile),
	// and Recipients the fingerprints of its recipients.
	Encryption string
	Recipients []string
}

// Remove deletes the file.
func (b Built) Remove() { _ = os.Remove(b.Path) } // a temporary file; nothing to lose

// BuildCatalogFile makes a catalog file in dir (beside the catalog, where
// there is room for its copy): a consistent copy of cat, compressed, with
// the configuration's text and a manifest. m gives where it goes (barcode,
// pool, generation, run, version, config file, systems); the rest is
// filled in.
func BuildCatalogFile(ctx context.Context, cat *media.Catalog, configText []byte, m Manifest, dir string) (Built, error) {
	id, err := cat.Identity(ctx)
	if err != nil {
		return Built{}, err
	}
	copyPath := filepath.Join(dir, fmt.Sprintf(".tape-catalog-%d.db", time.Now().UnixNano()))
	defer func() { _ = os.Remove(copyPath) }() // a temporary copy
	res, err := cat.CopyTo(ctx, copyPath)
	if err != nil {
		return Built{}, fmt.Errorf("copy the catalog for the tape: %w", err)
	}
	if !res.OK {
		return Built{}, fmt.Errorf("the catalog's copy for the tape fails its audit check (%s); no catalog file written", res.Problem)
	}
	m.Format, m.Version = ManifestFormat, ManifestVersion
	m.Catalog, m.ChainHead = id, media.ChainHead{ID: res.HeadID, Hash: res.HeadHash}
	m.SchemaVersion = media.SchemaVersion()
	if m.WrittenAt.IsZero() {
		m.WrittenAt = time.Now().UTC()
	}
	// Compress the copy into a temporary file, hashing it.
	gzPath := copyPath + ".gz"
	defer func() { _ = os.Remove(gzPath) }() // a temporary file
	in, err := os.Open(copyPath)
	if err != nil {
		return Built{}, err
	}
	defer func() { _ = in.Close() }() // read only
	gzf, err := os.Create(gzPath)
	if err != nil {
		return Built{}, err
	}
	defer func() { _ = gzf.Close() }() // written, hashed and read back by name; then removed
	h := sha256.New()
	// The fastest level: the copy is mostly hashes and names, which
	// compress well enough at it, and the night waits for it.
	zw, _ := gzip.NewWriterLevel(io.MultiWriter(gzf, h), gzip.BestSpeed)
	n, err := io.Copy(zw, ctxReader{ctx, in})
	if err != nil {
		return Built{}, fmt.Errorf("compress the catalog's copy: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Built{}, err
	}
	m.CatalogBytes = n
	gzInfo, err := gzf.Stat()
	if err != nil {
		return Built{}, err
	}
	if configText != nil {
		m.Members = append(m.Members, Member{Name: ConfigName, Bytes: int64(len(configText)), SHA256: sum(configText)})
	}
	m.Members = append(m.Members, Member{Name: CatalogName, Bytes: gzInfo.Size(), SHA256: hex.EncodeToString(h.Sum(nil))})
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Built{}, err
	}
	mj = append(mj, '\n')

	outPath := copyPath + ".tar"
	out, err := os.Create(outPath)
	if err != nil {
		return Built{}, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = out.Close()        // failed already: the file goes
			_ = os.Remove(outPath) // a temporary file; nothing to lose
		}
	}()
	tw := tar.NewWriter(out)
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.WrittenAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	if err := add(ManifestName, int64(len(mj)), bytes.NewReader(mj)); err != nil {
		return Built{}, err
	}
	if configText != nil {
		if err := add(ConfigName, int64(len(configText)), bytes.NewReader(configText)); err != nil {
			return Built{}, err
		}
	}
	if _, err := gzf.Seek(0, io.SeekStart); err != nil {
		return Built{}, err
	}
	if err := add(CatalogName, gzInfo.Size(), gzf); err != nil {
		return Built{}, err
	}
	if err := tw.Close(); err != nil {
		return Built{}, err
	}
	fi, err := out.Stat()
	if err != nil {
		return Built{}, err
	}
	if err := out.Close(); err != nil {
		return Built{}, err
	}
	ok = true
	return Built{Path: outPath, Bytes: fi.Size(), Manifest: m}, nil
}

// EncryptCatalogFile encrypts a built catalog file with age to the
// pool's recipients (age1...), as the pool's data files are: the catalog
// locates every cartridge and names every file, so it must not travel in
// the clear where the data does not. The plaintext file is removed; the
// returned Built is the encrypted one. On error b is left as it was.
func EncryptCatalogFile(b Built, recipients []string) (Built, error) {
	in, err := os.Open(b.Path)
	if err != nil {
		return b, err
	}
	defer func() { _ = in.Close() }() // read only
	outPath := b.Path + ".age"
	out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return b, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = out.Close()        // failed already: the file goes
			_ = os.Remove(outPath) // a temporary file; nothing to lose
		}
	}()
	w, fps, err := archive.EncryptTo(out, recipients)
	if err != nil {
		return b, err
	}
	if _, err := io.Copy(w, in); err != nil {
		return b, fmt.Errorf("encrypt the catalog file: %w", err)
	}
	if err := w.Close(); err != nil {
		return b, fmt.Errorf("encrypt the catalog file: %w", err)
	}
	fi, err := out.Stat()
	if err != nil {
		return b, err
	}
	if err := out.Close(); err != nil {
		return b, err
	}
	ok = true
	b.Remove()
	b.Path, b.Bytes, b.Encryption, b.Recipients = outPath, fi.Size(), "age", fps
	return b, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// WriteCatalogFile writes a built catalog file to the drive at its
// position (the start of a new tape file, after the night's last trailer)
// in blocks of blockSize bytes (the last padded with zeros, which tar
// ignores; an encrypted file's last block is short instead, as age allows
// nothing after its last chunk), ends the file, and writes its trailer:
// kind catalog, the file's size and SHA-256, the catalog's identity and
// chain head, and the encryption and recipients of an encrypted file. t
// gives the trailer's run, pool, generation, barcode, data file and start;
// the rest is filled in. It returns the trailer written.
func WriteCatalogFile(ctx context.Context, d drives.Drive, b Built, blockSize int, t drives.Trailer) (drives.Trailer, error) {
	if blockSize <= 0 {
		blockSize = defaultBlockSize
	}
	f, err := os.Open(b.Path)
	if err != nil {
		return t, err
	}
	defer func() { _ = f.Close() }() // read only
	h := sha256.New()
	buf := make([]byte, blockSize)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return t, err
		}
		n, rerr := io.ReadFull(f, buf)
		if n == 0 {
			break
		}
		block := buf
		if b.Encryption != "" {
			block = buf[:n]
		} else {
			clear(buf[n:])
		}
		h.Write(block)
		if _, err := d.Write(block); err != nil {
			return t, fmt.Errorf("write the catalog file: %w", err)
		}
		total += int64(len(block))
		if rerr != nil {
			break
		}
	}
	if err := d.WriteFilemarks(ctx, 1); err != nil {
		return t, fmt.Errorf("end the catalog file: %w", err)
	}
	t.Format, t.Version, t.Kind, t.Job, t.Piece, t.Continued = drives.TrailerFormat, drives.TrailerVersion, drives.TrailerKindCatalog, "", 1, false
	t.Bytes, t.SHA256 = total, hex.EncodeToString(h.Sum(nil))
	t.TotalBytes, t.TotalSHA256 = 0, ""
	t.CatalogUUID, t.ChainHeadID, t.ChainHeadHash = b.Manifest.Catalog.UUID, b.Manifest.ChainHead.ID, b.Manifest.ChainHead.Hash
	t.Encryption, t.Recipients, t.PlainBytes, t.PlainSHA256 = b.Encryption, b.Recipients, 0, ""
	if t.End.IsZero() || t.End.Before(t.Start) {
		t.End = t.Start
	}
	if err := drives.WriteTrailer(ctx, d, t); err != nil {
		return t, fmt.Errorf("write the catalog file's trailer: %w", err)
	}
	return t, nil
}

// CatalogFile is a catalog file read back from tape.
type CatalogFile struct {
	Manifest Manifest
	// Config is the configuration's text, if it was carried.
	Config []byte
	// CatalogPath is where the uncompressed copy was written.
	CatalogPath string
	// Bytes and SHA256 are of the tape file as read.
	Bytes  int64
	SHA256 string
}

// ReadCatalogFile reads the catalog file that t's trailer follows: it
// spaces to t.DataFile from the beginning, reads the file to its filemark,
// checks its size and SHA-256 against t and the members against the
// manifest, and writes the uncompressed catalog copy to dest. Any
// mismatch fails with ErrBadCatalogFile and leaves no file at dest. An
// encrypted catalog file needs ReadCatalogFileWith and an identity.
func ReadCatalogFile(ctx context.Context, d drives.Drive, t drives.Trailer, dest string) (CatalogFile, error) {
	return ReadCatalogFileWith(ctx, d, t, dest, archive.Identities{})
}

// encryptedCatalogError is the error for an encrypted catalog file that
// ids cannot open: it names the fingerprints of the recipients the file
// was encrypted to, and wraps ErrCatalogFileEncrypted (and cause, when
// identities were given and did not match). The caller names the file.
func encryptedCatalogError(t drives.Trailer, ids archive.Identities, cause error) error {
	msg := fmt.Sprintf("recovery: the catalog file is encrypted with age to the recipients with fingerprints %s", strings.Join(t.Recipients, ", "))
	if ids.Empty() {
		msg += ": give --identity FILE with the identity of one of them to read it"
	} else {
		msg += fmt.Sprintf(", and the identities given have recipient fingerprints %s", strings.Join(ids.Fingerprints, ", "))
	}
	return encryptedError{msg: msg, cause: cause}
}

// encryptedError words ErrCatalogFileEncrypted once, with its details.
type encryptedError struct {
	msg   string
	cause error
}

func (e encryptedError) Error() string { return e.msg }

func (e encryptedError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrCatalogFileEncrypted}
	}
	return []error{ErrCatalogFileEncrypted, e.cause}
}

// ReadCatalogFileWith is ReadCatalogFile with identities for an encrypted
// catalog file (none are needed for one in the clear). An encrypted file
// that ids do not open fails with ErrCatalogFileEncrypted, naming the
// recipients it was written for, without reading past its age header.
func ReadCatalogFileWith(ctx context.Context, d drives.Drive, t drives.Trailer, dest string, ids archive.Identities) (cf CatalogFile, err error) {
	if !t.IsCatalog() {
		return cf, fmt.Errorf("%w: the trailer in file %d of %s is not a catalog file's", ErrBadCatalogFile, t.DataFile+1, t.Barcode)
	}
	if t.Encryption != "" && ids.Empty() {
		return cf, encryptedCatalogError(t, ids, nil)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(dest) // a half-written copy; the read error is the one to report
		}
	}()
	src, bufSize, err := readTapeFile(ctx, d, t.DataFile)
	if err != nil {
		return cf, fmt.Errorf("the catalog file (tape file %d) of %s: %w", t.DataFile, t.Barcode, err)
	}
	h := sha256.New()
	fileReader := &fileReader{r: src, h: h}
	// tar reads in small pieces; the drive wants a whole block per read.
	br := bufio.NewReaderSize(fileReader, bufSize)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: the catalog file in tape file %d of %s: %s", ErrBadCatalogFile, t.DataFile, t.Barcode, fmt.Sprintf(format, args...))
	}
	var plain io.Reader = br
	var dec *archive.Decrypter
	if t.Encryption != "" {
		dec, err = archive.NewDecrypter(br, ids, t.Recipients)
		if errors.Is(err, archive.ErrWrongIdentity) {
			return cf, encryptedCatalogError(t, ids, err)
		}
		if err != nil {
			return cf, bad("%v", err)
		}
		defer func() { _ = dec.Close() }() // stops the decrypting goroutine; always nil
		plain = bufio.NewReaderSize(dec, 64<<10)
	}
	tr := tar.NewReader(plain)
	want := map[string]Member{}
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cf, bad("%v", err)
		}
		if i == 0 {
			if hdr.Name != ManifestName || hdr.Size > 16<<20 {
				return cf, bad("it does not start with %s", ManifestName)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				return cf, bad("%v", err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			if err := dec.Decode(&cf.Manifest); err != nil {
				return cf, bad("manifest: %v", err)
			}
			if cf.Manifest.Format != ManifestFormat || cf.Manifest.Version != ManifestVersion {
				return cf, bad("manifest format %q version %d", cf.Manifest.Format, cf.Manifest.Version)
			}
			for _, m := range cf.Manifest.Members {
				want[m.Name] = m
			}
			continue
		}
		m, ok := want[hdr.Name]
		if !ok || hdr.Size != m.Bytes {
			return cf, bad("member %s is not in the manifest", hdr.Name)
		}
		delete(want, hdr.Name)
		mh := sha256.New()
		switch hdr.Name {
		case ConfigName:
			b, err := io.ReadAll(io.TeeReader(tr, mh))
			if err != nil {
				return cf, bad("%v", err)
			}
			cf.Config = b
		case CatalogName:
			if err := gunzipTo(ctx, io.TeeReader(tr, mh), dest); err != nil {
				return cf, bad("%s: %v", CatalogName, err)
			}
			cf.CatalogPath = dest
		default:
			return cf, bad("unexpected member %s", hdr.Name)
		}
		if got := hex.EncodeToString(mh.Sum(nil)); got != m.SHA256 {
			return cf, bad("member %s has SHA-256 %s, the manifest says %s", hdr.Name, got, m.SHA256)
		}
	}
	if len(want) > 0 || cf.CatalogPath == "" {
		return cf, bad("members missing")
	}
	// Read the padding to the filemark, so the checksum covers the file;
	// an encrypted file is read to its end through age, which
	// authenticates it, and must have nothing after.
	if _, err := io.Copy(io.Discard, plain); err != nil {
		return cf, bad("%v", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return cf, bad("%v", err)
	}
	cf.Bytes, cf.SHA256 = fileReader.n, hex.EncodeToString(h.Sum(nil))
	if cf.Bytes != t.Bytes || cf.SHA256 != t.SHA256 {
		return cf, bad("read %d bytes with SHA-256 %s; its trailer says %d bytes with %s", cf.Bytes, cf.SHA256, t.Bytes, t.SHA256)
	}
	if cf.Manifest.Catalog.UUID != t.CatalogUUID || cf.Manifest.ChainHead.Hash != t.ChainHeadHash || cf.Manifest.ChainHead.ID != t.ChainHeadID {
		return cf, bad("its manifest names catalog %s head %d, its trailer catalog %s head %d", cf.Manifest.Catalog.UUID, cf.Manifest.ChainHead.ID, t.CatalogUUID, t.ChainHeadID)
	}
	return cf, nil
}

// fileReader reads one tape file to its filemark, hashing what it reads.
type fileReader struct {
	r    io.Reader
	h    io.Writer
	n    int64
	done bool
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n, err := f.r.Read(p)
	_, _ = f.h.Write(p[:n]) // a hash.Hash never returns an error
	f.n += int64(n)
	if n == 0 && err == nil {
		f.done = true // the filemark
		return 0, io.EOF
	}
	if errors.Is(err, drives.ErrEndOfData) {
		f.done = true
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func gunzipTo(ctx context.Context, r io.Reader, dest string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, ctxReader{ctx, zr}); err != nil {
		_ = f.Close() // the copy failed already; that error is the one to report
		return err
	}
	if err := zr.Close(); err != nil {
		_ = f.Close() // the copy failed already; that error is the one to report
		return err
	}
	return f.Close()
}
