package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
)

// Errors of the encrypted data path, for errors.Is.
var (
	// ErrWrongIdentity: none of the identities given can decrypt the file.
	// The error's text names the fingerprints of the recipients the file
	// was written for, when the caller knows them (from the trailer).
	ErrWrongIdentity = errors.New("archive: no identity given can decrypt this file")
	// ErrNotAuthentic: the encrypted stream is truncated or was altered;
	// age's authentication failed. Nothing read after the last
	// authenticated chunk was handed on.
	ErrNotAuthentic = errors.New("archive: the encrypted stream failed authentication (truncated or altered)")
	// ErrBadRecipient: a recipient string is not an age X25519 recipient.
	ErrBadRecipient = errors.New("archive: not an age X25519 recipient")
	// ErrBadIdentity: an identity file holds no usable X25519 identity or
	// is readable by others than its owner.
	ErrBadIdentity = errors.New("archive: unusable identity file")
)

// ParseRecipient parses one age X25519 recipient ("age1..."), the kind
// Debian's age package (1.1) can decrypt for. Surrounding spaces are
// ignored. The error wraps ErrBadRecipient and does not repeat the input
// beyond its first characters.
func ParseRecipient(s string) (*age.X25519Recipient, error) {
	s = strings.TrimSpace(s)
	r, err := age.ParseX25519Recipient(s)
	if err != nil {
		shown := s
		if len(shown) > 12 {
			shown = shown[:12] + "..."
		}
		why := "it should look like age1 followed by 58 letters and digits, as printed by `tapewarden key generate` or `age-keygen -y`"
		if strings.HasPrefix(s, "age1pq") || strings.HasPrefix(s, "AGE-SECRET-KEY-") {
			why = "only X25519 recipients (age1...) are accepted, so that Debian's age can decrypt; never put an identity (AGE-SECRET-KEY-...) in a configuration"
		}
		return nil, fmt.Errorf("%w: %q: %s", ErrBadRecipient, shown, why)
	}
	return r, nil
}

// Fingerprint names a recipient without repeating it: the first 16 hex
// digits of the SHA-256 of its canonical text ("age1..." in lower case).
// Trailers, logs and error messages use it; it is not secret.
func Fingerprint(recipient string) string {
	s := strings.ToLower(strings.TrimSpace(recipient))
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// Identities holds X25519 identities read from identity files, and the
// fingerprints of their recipients. Its String never shows the secrets.
type Identities struct {
	ids          []age.Identity
	Fingerprints []string // of each identity's recipient, in file order
}

// String lists the fingerprints only.
func (i Identities) String() string {
	return "identities with recipient fingerprints " + strings.Join(i.Fingerprints, ", ")
}

// GoString keeps %#v from printing the secrets.
func (i Identities) GoString() string { return "archive.Identities{" + i.String() + "}" }

// LogValue keeps a logger from printing the secrets.
func (i Identities) LogValue() slog.Value { return slog.StringValue(i.String()) }

// Join returns the identities of both, i's first.
func (i Identities) Join(o Identities) Identities {
	return Identities{ids: append(slices.Clip(i.ids), o.ids...), Fingerprints: append(slices.Clip(i.Fingerprints), o.Fingerprints...)}
}

// NewIdentities wraps X25519 identities made in memory (by key generate
// and its tests).
func NewIdentities(ids ...*age.X25519Identity) Identities {
	var out Identities
	for _, id := range ids {
		out.ids = append(out.ids, id)
		out.Fingerprints = append(out.Fingerprints, Fingerprint(id.Recipient().String()))
	}
	return out
}

// ReadIdentityFile reads an age identity file: lines of
// AGE-SECRET-KEY-1..., empty lines and # comments, as age-keygen writes
// it. The file must not be readable or writable by group or others. Errors
// wrap ErrBadIdentity and never quote the file's contents.
func ReadIdentityFile(path string) (Identities, error) {
	text, err := ReadSecretFile(path)
	if err != nil {
		return Identities{}, err
	}
	return ParseIdentities(bytes.NewReader(text), path)
}

// ReadSecretFile reads a key file (at most 1 MiB) after checking that it
// is a regular file that neither group nor others may read or write.
// Errors wrap ErrBadIdentity and never quote the file's contents.
func ReadSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadIdentity, err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadIdentity, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadIdentity, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, readable by others than its owner; run chmod 600 %s (and consider the key exposed)",
			ErrBadIdentity, path, fi.Mode().Perm(), path)
	}
	text, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadIdentity, path, err)
	}
	return text, nil
}

// ParseIdentities reads identities in age's file format from r; name
// labels errors. Only X25519 identities are accepted.
func ParseIdentities(r io.Reader, name string) (Identities, error) {
	parsed, err := age.ParseIdentities(io.LimitReader(r, 1<<20))
	if err != nil {
		// age's messages name the line, never the key.
		return Identities{}, fmt.Errorf("%w: %s: %v", ErrBadIdentity, name, err)
	}
	var out Identities
	for _, id := range parsed {
		x, ok := id.(*age.X25519Identity)
		if !ok {
			return Identities{}, fmt.Errorf("%w: %s: only X25519 identities (AGE-SECRET-KEY-1...) are accepted", ErrBadIdentity, name)
		}
		out.ids = append(out.ids, x)
		out.Fingerprints = append(out.Fingerprints, Fingerprint(x.Recipient().String()))
	}
	return out, nil
}

// parseRecipients parses Backup.Recipients.
func parseRecipients(rs []string) ([]age.Recipient, []string, error) {
	var out []age.Recipient
	var fps []string
	for i, s := range rs {
		r, err := ParseRecipient(s)
		if err != nil {
			return nil, nil, fmt.Errorf("recipient %d: %w", i+1, err)
		}
		fp := Fingerprint(r.String())
		if slices.Contains(fps, fp) {
			return nil, nil, fmt.Errorf("recipient %d: %w: given twice", i+1, ErrBadRecipient)
		}
		out = append(out, r)
		fps = append(fps, fp)
	}
	return out, fps, nil
}

// Decrypter is the decrypt stage of a restore: it reads an age-encrypted
// stream (a *Reader of the pieces, say) and hands on the plaintext tar
// stream, decrypting in its own goroutine a few chunks ahead of the reader
// and computing the plaintext's SHA-256 on the way.
//
// Every byte Read returns was authenticated with its 64 KiB chunk; that
// the stream is complete is known only when Read returns io.EOF, which it
// does only after age authenticated the last chunk. A truncated or altered
// stream gives an error wrapping ErrNotAuthentic where it was detected.
// So a consumer that acts on the plaintext as it comes (Reassemble into
// pg_restore, say) may have acted on a prefix of the stream when the error
// comes; ExtractStaged keeps even that out of the target.
// A Decrypter must be closed; Close stops the goroutine.
type Decrypter struct {
	full  chan decrypted
	free  chan []byte
	stop  chan struct{}
	done  chan struct{}
	cur   decrypted
	off   int
	err   error
	hash  hash.Hash // written by the goroutine; read after io.EOF
	bytes int64
}

type decrypted struct {
	b   []byte
	err error
}

var errDecrypterClosed = errors.New("archive: read from a closed Decrypter")

// decryptChunk is the size of the buffers handed from the goroutine to
// Read; four of them circulate.
const decryptChunk = 1 << 20

// NewDecrypter reads the age header from src and starts decrypting.
// writtenFor are the fingerprints of the recipients the file was written
// for (from the trailer), used in the error if no identity matches; it may
// be empty. The error for a wrong identity wraps ErrWrongIdentity.
func NewDecrypter(src io.Reader, ids Identities, writtenFor []string) (*Decrypter, error) {
	if len(ids.ids) == 0 {
		return nil, fmt.Errorf("%w: no identity given", ErrWrongIdentity)
	}
	pr, err := age.Decrypt(src, ids.ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			written := "recipients not recorded here"
			if len(writtenFor) > 0 {
				written = "recipients with fingerprints " + strings.Join(writtenFor, ", ")
			}
			return nil, fmt.Errorf("%w: it was encrypted to %s; the identities given have recipient fingerprints %s",
				ErrWrongIdentity, written, strings.Join(ids.Fingerprints, ", "))
		}
		return nil, fmt.Errorf("%w: reading the age header: %v (a file written without encryption starts with a tar header instead)", ErrNotAuthentic, err)
	}
	d := &Decrypter{
		full: make(chan decrypted, 4),
		free: make(chan []byte, 4),
		stop: make(chan struct{}),
		done: make(chan struct{}),
		hash: sha256.New(),
	}
	for range 4 {
		d.free <- make([]byte, decryptChunk)
	}
	go d.run(pr)
	return d, nil
}

// run decrypts into free buffers until the end, an error or Close.
func (d *Decrypter) run(pr io.Reader) {
	defer close(d.done)
	for {
		var buf []byte
		select {
		case buf = <-d.free:
		case <-d.stop:
			return
		}
		// Not io.ReadFull: it turns a short end into io.ErrUnexpectedEOF,
		// which is also what age returns for a stream cut at a chunk
		// boundary. Only age's own io.EOF means authenticated to the end.
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var k int
			k, err = pr.Read(buf[n:])
			n += k
		}
		if n > 0 {
			d.hash.Write(buf[:n])
		}
		if err != nil && err != io.EOF {
			err = fmt.Errorf("%w: %v", ErrNotAuthentic, err)
		}
		select {
		case d.full <- decrypted{b: buf[:n], err: err}:
		case <-d.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read returns plaintext.
func (d *Decrypter) Read(p []byte) (int, error) {
	for d.off == len(d.cur.b) {
		if d.cur.err != nil || d.err != nil {
			if d.err == nil {
				d.err = d.cur.err
			}
			return 0, d.err
		}
		if d.cur.b != nil {
			d.free <- d.cur.b[:cap(d.cur.b)]
		}
		select {
		case d.cur = <-d.full:
			d.off = 0
		case <-d.stop:
			d.err = errDecrypterClosed
			return 0, d.err
		}
	}
	n := copy(p, d.cur.b[d.off:])
	d.off += n
	d.bytes += int64(n)
	return n, nil
}

// Bytes is the number of plaintext bytes read so far.
func (d *Decrypter) Bytes() int64 { return d.bytes }

// SHA256 returns the hex SHA-256 of the whole plaintext, once Read has
// returned io.EOF; before that it returns "".
func (d *Decrypter) SHA256() string {
	if d.err != io.EOF {
		return ""
	}
	<-d.done
	return hex.EncodeToString(d.hash.Sum(nil))
}

// Close stops the decrypting goroutine and waits for it.
func (d *Decrypter) Close() error {
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	<-d.done
	return nil
}

// stagingPrefix names the directory ExtractStaged restores into first.
const stagingPrefix = ".tapewarden-restore-"

// ExtractStaged extracts like Extract, but into a new directory
// DIR/.tapewarden-restore-NNNN first, and moves the restored entries into
// dir only once the stream has ended without error: read through a
// Decrypter, that is once age has authenticated the whole stream. After
// any error of the stream the staging directory is removed, so nothing of
// the stream is left in dir.
//
// The move merges the restored tree into dir as Extract would have
// written it: a directory that exists in both is entered; a file that
// exists in dir is replaced only with opts.Overwrite, and otherwise the
// member is refused (listed in the result's Refused with the reason
// Extract gives, and a *RefusedError unless opts.TolerateRefused); a
// directory and a file in each other's way are refused either way.
// Refused members are not left anywhere: the staging directory is removed
// at the end.
func ExtractStaged(ctx context.Context, stream io.Reader, dir string, opts ExtractOptions) (ExtractResult, error) {
	staging, err := os.MkdirTemp(dir, stagingPrefix)
	if err != nil {
		return ExtractResult{}, fmt.Errorf("open restore directory: %w", err)
	}
	inner := opts
	inner.Overwrite = false // the staging directory starts empty
	res, err := Extract(ctx, stream, staging, inner)
	if err != nil {
		if rerr := os.RemoveAll(staging); rerr != nil {
			err = errors.Join(err, fmt.Errorf("archive: remove the unfinished restore in %s by hand: %w", staging, rerr))
		}
		return res, err
	}
	before := len(res.Refused)
	if err := mergeStaged(staging, dir, "", opts.Overwrite, &res); err != nil {
		return res, fmt.Errorf("archive: the restore is complete and authenticated in %s, but moving it into %s failed: %w; move the rest by hand", staging, dir, err)
	}
	if err := os.RemoveAll(staging); err != nil {
		return res, fmt.Errorf("archive: remove %s: %w", staging, err)
	}
	if len(res.Refused) > before && !opts.TolerateRefused {
		return res, &RefusedError{Refused: slices.Clone(res.Refused)}
	}
	return res, nil
}

// mergeStaged moves the entries of staging/rel into dir/rel (see
// ExtractStaged), counting refused members out of res.Members.
func mergeStaged(staging, dir, rel string, overwrite bool, res *ExtractResult) error {
	entries, err := os.ReadDir(filepath.Join(staging, rel))
	if err != nil {
		return err
	}
	refuse := func(name string, isDir bool, reason string) {
		n := int64(1)
		if isDir {
			n = 0
			_ = filepath.WalkDir(filepath.Join(staging, name), func(string, fs.DirEntry, error) error { n++; return nil }) // only counts
		}
		res.Members = max(0, res.Members-n)
		res.Refused = append(res.Refused, Refusal{Name: filepath.ToSlash(name), Reason: reason})
	}
	for _, e := range entries {
		name := filepath.Join(rel, e.Name())
		src, dst := filepath.Join(staging, name), filepath.Join(dir, name)
		fi, err := os.Lstat(dst)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Rename(src, dst); err != nil {
				return err
			}
		case err != nil:
			return err
		case fi.IsDir() && e.IsDir():
			if err := mergeStaged(staging, dir, name, overwrite, res); err != nil {
				return err
			}
		case fi.IsDir():
			refuse(name, false, "a directory is in the way")
		case e.IsDir():
			refuse(name, true, "a file is in the way of this directory")
		case !overwrite:
			refuse(name, false, "already exists in the restore directory (restore with --overwrite to replace it)")
		default:
			if err := os.Rename(src, dst); err != nil {
				return err
			}
		}
	}
	return nil
}

// X25519 returns the identities themselves, for writing a paper key. The
// caller must not log or store them.
func (i Identities) X25519() []*age.X25519Identity {
	out := make([]*age.X25519Identity, 0, len(i.ids))
	for _, id := range i.ids {
		out = append(out, id.(*age.X25519Identity))
	}
	return out
}

// EncryptTo starts an age file on dst encrypted to recipients (age1...,
// as in a pool's recipients:), for the small files written beside the
// data (the catalog file); the data itself goes through Backup's cipher
// stage. It returns the writer, which must be closed to end the file, and
// the recipients' fingerprints for the trailer.
func EncryptTo(dst io.Writer, recipients []string) (io.WriteCloser, []string, error) {
	if len(recipients) == 0 {
		return nil, nil, fmt.Errorf("%w: no recipient given", ErrBadRecipient)
	}
	rs, fps, err := parseRecipients(recipients)
	if err != nil {
		return nil, nil, err
	}
	w, err := age.Encrypt(dst, rs...)
	if err != nil {
		return nil, nil, fmt.Errorf("archive: start age encryption: %w", err)
	}
	return w, fps, nil
}

// Empty says whether no identity is held.
func (i Identities) Empty() bool { return len(i.ids) == 0 }
