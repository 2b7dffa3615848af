package drives

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// LabelMagic is the first line of a tapewarden volume label.
const LabelMagic = "TAPEWARDEN VOLUME LABEL 1"

// maxLabelBlock bounds the label block and the trailer block.
const maxLabelBlock = 64 << 10

// Label is the volume label in tape file 0: one block of plain text,
//
//	TAPEWARDEN VOLUME LABEL 1
//	barcode: DAILY03L8
//	pool: daily
//	media-type: LTO-8
//	label-time: 2026-11-28T01:00:00Z
//	label-uuid: 0b6f3c9e-2f0a-4c1e-9d8b-5a7e6f1c2d3b
//	tapewarden-version: 0.1.0
//	catalog-uuid: 5d0c3a1e-7b2f-4e61-a3c4-9f8e7d6c5b4a
//	chain-head: 1234 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// with exactly these keys in this order, each line ending in a newline.
// The last two lines are optional (labels written before them have six
// lines): they name the catalog that wrote the label and the audit
// chain's head at the time, so that a tape proves which catalog wrote it
// and which events existed then.
type Label struct {
	Barcode   string    `json:"barcode"`
	Pool      string    `json:"pool"`
	MediaType string    `json:"media_type"`
	LabelTime time.Time `json:"label_time"` // UTC, second precision
	UUID      string    `json:"uuid"`       // random (version 4) UUID, lower case
	Version   string    `json:"version"`    // tapewarden version that wrote the label
	// CatalogUUID is the identity of the catalog that wrote the label;
	// empty on older labels.
	CatalogUUID string `json:"catalog_uuid,omitempty"`
	// ChainHeadID and ChainHeadHash are the audit chain's head when the
	// label was written (with CatalogUUID).
	ChainHeadID   int64  `json:"chain_head_id,omitempty"`
	ChainHeadHash string `json:"chain_head_hash,omitempty"`
}

var (
	reBarcode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	rePool    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	reUUID    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reVersion = regexp.MustCompile(`^[A-Za-z0-9.+_-]{1,64}$`)
	reSHA256  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// NewLabel makes a label with a fresh random UUID and the label time now
// (truncated to the second, in UTC).
func NewLabel(barcode, pool, mediaType, version string, now time.Time) (Label, error) {
	id, err := NewUUID()
	if err != nil {
		return Label{}, err
	}
	l := Label{Barcode: barcode, Pool: pool, MediaType: mediaType, LabelTime: now.UTC().Truncate(time.Second), UUID: id, Version: version}
	return l, l.Validate()
}

// NewUUID returns a random version 4 UUID from crypto/rand.
func NewUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("drives: new UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// Validate checks every field; errors match ErrBadLabel.
func (l Label) Validate() error {
	switch {
	case !reBarcode.MatchString(l.Barcode):
		return detail(ErrBadLabel, "barcode %q", truncate(l.Barcode, 40))
	case !rePool.MatchString(l.Pool):
		return detail(ErrBadLabel, "pool %q", truncate(l.Pool, 70))
	case !isDataMedia(l.MediaType):
		return detail(ErrBadLabel, "media type %q", truncate(l.MediaType, 20))
	case l.LabelTime.IsZero() || l.LabelTime.Location() != time.UTC || !l.LabelTime.Equal(l.LabelTime.Truncate(time.Second)):
		return detail(ErrBadLabel, "label time %v is not a whole second in UTC", l.LabelTime)
	case l.LabelTime.Year() < 1970 || l.LabelTime.Year() > 9999:
		return detail(ErrBadLabel, "label time %v out of range", l.LabelTime)
	case !reUUID.MatchString(l.UUID):
		return detail(ErrBadLabel, "label UUID %q", truncate(l.UUID, 40))
	case !reVersion.MatchString(l.Version):
		return detail(ErrBadLabel, "tapewarden version %q", truncate(l.Version, 70))
	case l.CatalogUUID == "" && (l.ChainHeadID != 0 || l.ChainHeadHash != ""):
		return detail(ErrBadLabel, "a chain head without the catalog's UUID")
	case l.CatalogUUID != "" && !reUUID.MatchString(l.CatalogUUID):
		return detail(ErrBadLabel, "catalog UUID %q", truncate(l.CatalogUUID, 40))
	case l.CatalogUUID != "" && (l.ChainHeadID < 0 || !reSHA256.MatchString(l.ChainHeadHash)):
		return detail(ErrBadLabel, "chain head %d %q", l.ChainHeadID, truncate(l.ChainHeadHash, 70))
	}
	return nil
}

// isDataMedia accepts tape and removable disk types that hold data.
func isDataMedia(name string) bool {
	m, ok := mediatype.Lookup(name)
	return ok && !m.Cleaning && (m.Tape() || m.Disk())
}

// MarshalBinary renders the label block.
func (l Label) MarshalBinary() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nbarcode: %s\npool: %s\nmedia-type: %s\nlabel-time: %s\nlabel-uuid: %s\ntapewarden-version: %s\n",
		LabelMagic, l.Barcode, l.Pool, l.MediaType, l.LabelTime.Format(time.RFC3339), l.UUID, l.Version)
	if l.CatalogUUID != "" {
		fmt.Fprintf(&b, "catalog-uuid: %s\nchain-head: %d %s\n", l.CatalogUUID, l.ChainHeadID, l.ChainHeadHash)
	}
	return b.Bytes(), nil
}

var labelKeys = []string{"barcode", "pool", "media-type", "label-time", "label-uuid", "tapewarden-version", "catalog-uuid", "chain-head"}

// labelRequired is how many of labelKeys every label has.
const labelRequired = 6

// ParseLabel parses a label block strictly: the magic line, then exactly
// the six keys in order, optionally followed by both catalog keys, nothing
// else. Anything else fails with an error
// matching ErrBadLabel. A block that does not start with the magic line is
// not a tapewarden label at all and fails with ErrNotLabelled.
func ParseLabel(block []byte) (Label, error) {
	if !bytes.HasPrefix(block, []byte(LabelMagic+"\n")) {
		return Label{}, ErrNotLabelled
	}
	if len(block) > maxLabelBlock {
		return Label{}, detail(ErrBadLabel, "%d-byte label block", len(block))
	}
	s := string(block)
	if !strings.HasSuffix(s, "\n") {
		return Label{}, detail(ErrBadLabel, "no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")[1:]
	if len(lines) != labelRequired && len(lines) != len(labelKeys) {
		return Label{}, detail(ErrBadLabel, "%d lines after the magic line, want %d or %d", len(lines), labelRequired, len(labelKeys))
	}
	vals := make([]string, len(labelKeys))
	for i, line := range lines {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k != labelKeys[i] {
			return Label{}, detail(ErrBadLabel, "line %d: want %q", i+2, labelKeys[i]+": …")
		}
		vals[i] = v
	}
	t, err := time.Parse(time.RFC3339, vals[3])
	if err != nil || !strings.HasSuffix(vals[3], "Z") {
		return Label{}, detail(ErrBadLabel, "label time %q is not RFC 3339 UTC", truncate(vals[3], 40))
	}
	l := Label{Barcode: vals[0], Pool: vals[1], MediaType: vals[2], LabelTime: t.UTC(), UUID: vals[4], Version: vals[5], CatalogUUID: vals[6]}
	if len(lines) == len(labelKeys) {
		id, hash, ok := strings.Cut(vals[7], " ")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return Label{}, detail(ErrBadLabel, "chain head %q: want the event ID and its hash", truncate(vals[7], 90))
		}
		l.ChainHeadID, l.ChainHeadHash = n, hash
		if l.CatalogUUID == "" {
			return Label{}, detail(ErrBadLabel, "empty catalog UUID")
		}
	}
	if err := l.Validate(); err != nil {
		return Label{}, err
	}
	// Canonical form only: re-rendering must give the same bytes.
	if out, _ := l.MarshalBinary(); !bytes.Equal(out, block) {
		return Label{}, detail(ErrBadLabel, "not in canonical form")
	}
	return l, nil
}

// ReadLabel rewinds, reads block 0 in variable-block mode and rewinds again.
// It returns the label, or an error matching ErrBlankTape (nothing written),
// ErrNotLabelled (foreign data: the tape starts with a filemark, a large
// block or anything but the label magic), ErrBadLabel (a corrupt tapewarden
// label) or the drive's error (ErrNoMedium, ErrIO, ...).
func ReadLabel(ctx context.Context, d Drive) (Label, error) {
	if err := d.Rewind(ctx); err != nil {
		return Label{}, err
	}
	if err := d.SetBlockSize(ctx, 0); err != nil {
		return Label{}, err
	}
	buf := make([]byte, maxLabelBlock)
	n, rerr := d.Read(buf)
	l, err := classifyLabelBlock(buf[:n], rerr)
	if err != nil && !errors.Is(err, ErrBlankTape) && !errors.Is(err, ErrNotLabelled) && !errors.Is(err, ErrBadLabel) {
		return Label{}, err
	}
	if rwErr := d.Rewind(ctx); rwErr != nil {
		return Label{}, rwErr
	}
	if err != nil {
		var oe *OpError
		if !errors.As(err, &oe) {
			err = &OpError{Drive: d.Name(), Op: "read-label", Err: err}
		}
		return Label{}, err
	}
	return l, nil
}

func classifyLabelBlock(block []byte, readErr error) (Label, error) {
	switch {
	case errors.Is(readErr, ErrBlankTape), errors.Is(readErr, ErrEndOfData):
		return Label{}, ErrBlankTape
	case errors.Is(readErr, ErrBufferTooSmall):
		return Label{}, detail(ErrNotLabelled, "first block is larger than a label")
	case readErr != nil:
		return Label{}, readErr
	case len(block) == 0:
		return Label{}, detail(ErrNotLabelled, "tape starts with a filemark")
	}
	l, err := ParseLabel(block)
	if errors.Is(err, ErrNotLabelled) {
		return Label{}, detail(ErrNotLabelled, "foreign data in block 0")
	}
	return l, err
}

// WriteLabel writes l as file 0 (one block and a filemark) and rewinds.
// Writing at the beginning makes everything after it unreadable, so unless
// force is true it refuses a cartridge that already carries a tapewarden
// label (ErrAlreadyLabelled, naming it), a corrupt label or foreign data
// (ErrNotBlank). A write-protected cartridge fails with ErrWriteProtected
// before anything is written.
func WriteLabel(ctx context.Context, d Drive, l Label, force bool) error {
	block, err := l.MarshalBinary()
	if err != nil {
		return err
	}
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	if !st.Online {
		return &OpError{Drive: d.Name(), Op: "label", Err: ErrNoMedium}
	}
	if st.WriteProtected {
		return &OpError{Drive: d.Name(), Op: "label", Err: ErrWriteProtected}
	}
	old, err := ReadLabel(ctx, d)
	switch {
	case err == nil:
		if !force {
			return &OpError{Drive: d.Name(), Op: "label", Err: fmt.Errorf("%w: cartridge carries label %s (pool %s, labelled %s, UUID %s)",
				ErrAlreadyLabelled, old.Barcode, old.Pool, old.LabelTime.Format(time.RFC3339), old.UUID)}
		}
	case errors.Is(err, ErrBlankTape):
	case errors.Is(err, ErrNotLabelled), errors.Is(err, ErrBadLabel):
		if !force {
			return &OpError{Drive: d.Name(), Op: "label", Err: fmt.Errorf("%w: %v", ErrNotBlank, err)}
		}
	default:
		return err
	}
	if _, err := d.Write(block); err != nil {
		return err
	}
	if err := d.WriteFilemarks(ctx, 1); err != nil {
		return err
	}
	return d.Rewind(ctx)
}

// CheckBarcode returns nil if the label names the expected cartridge (the
// barcode the library reports or the operator was asked to load), else an
// error matching ErrWrongBarcode that names both.
func CheckBarcode(l Label, expected string) error {
	want := strings.TrimSpace(expected)
	if l.Barcode == want {
		return nil
	}
	return fmt.Errorf("%w: the tape's label says %s, expected %s", ErrWrongBarcode, l.Barcode, want)
}

// VerifyLabel reads the label and checks it names the expected barcode.
func VerifyLabel(ctx context.Context, d Drive, expected string) (Label, error) {
	l, err := ReadLabel(ctx, d)
	if err != nil {
		return Label{}, err
	}
	if err := CheckBarcode(l, expected); err != nil {
		return l, &OpError{Drive: d.Name(), Op: "read-label", Err: err}
	}
	return l, nil
}

// Trailer format identification.
const (
	TrailerFormat  = "tapewarden-trailer"
	TrailerVersion = 1
)

// Trailer is the one-block JSON file written after each job's tar file.
// When a job spans cartridges each piece gets its own trailer: Piece counts
// from 1, Continued is true on every piece but the last, and the last piece
// also carries TotalBytes and TotalSHA256 of the whole stream.
type Trailer struct {
	Format            string    `json:"format"`  // TrailerFormat
	Version           int       `json:"version"` // TrailerVersion
	Job               string    `json:"job"`
	RunID             string    `json:"run_id"`
	System            string    `json:"system,omitempty"`
	Pool              string    `json:"pool"`
	Generation        string    `json:"generation"` // the pool's period key, e.g. daily/2026-11-28
	Level             string    `json:"level,omitempty"`
	Bytes             int64     `json:"bytes"`  // bytes of this piece's tar data
	SHA256            string    `json:"sha256"` // of this piece's data, lower-case hex
	Piece             int       `json:"piece"`
	Continued         bool      `json:"continued"`
	TotalBytes        int64     `json:"total_bytes,omitempty"`
	TotalSHA256       string    `json:"total_sha256,omitempty"`
	Barcode           string    `json:"barcode"`
	DataFile          int64     `json:"data_file"` // tape file number of the data
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	TapewardenVersion string    `json:"tapewarden_version"`

	// Kind is empty for a job's data and TrailerKindCatalog after a
	// catalog file (then Job is empty, RunID names the run that wrote it
	// and Piece is 1).
	Kind string `json:"kind,omitempty"`
	// CatalogUUID is the identity of the catalog that wrote the tape, and
	// ChainHeadID and ChainHeadHash the audit chain's head at the time.
	// Trailers written before these fields existed have none.
	CatalogUUID   string `json:"catalog_uuid,omitempty"`
	ChainHeadID   int64  `json:"chain_head_id,omitempty"`
	ChainHeadHash string `json:"chain_head_hash,omitempty"`

	// Encryption is "age" when the data file is an age v1 file (absent
	// otherwise: trailers written before encryption existed read as
	// unencrypted). Bytes, SHA256, TotalBytes and TotalSHA256 are then
	// those of the bytes on tape, so a piece verifies without a key;
	// PlainBytes and PlainSHA256 (last piece only) are those of the tar
	// stream, and Recipients the fingerprints of the age recipients.
	Encryption  string   `json:"encryption,omitempty"`
	Recipients  []string `json:"recipients,omitempty"`
	PlainBytes  int64    `json:"plain_bytes,omitempty"`
	PlainSHA256 string   `json:"plain_sha256,omitempty"`
}

// TrailerKindCatalog marks the trailer of a catalog file: a copy of the
// catalog, the configuration and a manifest, written after the last data
// file of a night so that the cartridge locates every other one.
const TrailerKindCatalog = "catalog"

// IsCatalog says whether the trailer follows a catalog file.
func (t Trailer) IsCatalog() bool { return t.Kind == TrailerKindCatalog }

// Validate checks the trailer's fields; errors match ErrBadLabel.
func (t Trailer) Validate() error {
	switch {
	case t.Format != TrailerFormat || t.Version != TrailerVersion:
		return detail(ErrBadLabel, "trailer format %q version %d", truncate(t.Format, 40), t.Version)
	case t.Kind != "" && t.Kind != TrailerKindCatalog:
		return detail(ErrBadLabel, "trailer kind %q", truncate(t.Kind, 40))
	case (t.Job == "" && !t.IsCatalog()) || t.RunID == "" || t.Pool == "":
		return detail(ErrBadLabel, "trailer without job, run ID or pool")
	case t.CatalogUUID != "" && !reUUID.MatchString(t.CatalogUUID):
		return detail(ErrBadLabel, "trailer catalog_uuid %q", truncate(t.CatalogUUID, 40))
	case t.ChainHeadHash != "" && !reSHA256.MatchString(t.ChainHeadHash), t.ChainHeadID < 0:
		return detail(ErrBadLabel, "trailer chain head %d %q", t.ChainHeadID, truncate(t.ChainHeadHash, 70))
	case t.Bytes < 0 || t.TotalBytes < 0:
		return detail(ErrBadLabel, "negative byte count")
	case !reSHA256.MatchString(t.SHA256):
		return detail(ErrBadLabel, "trailer sha256 %q", truncate(t.SHA256, 70))
	case t.TotalSHA256 != "" && !reSHA256.MatchString(t.TotalSHA256):
		return detail(ErrBadLabel, "trailer total_sha256 %q", truncate(t.TotalSHA256, 70))
	case t.Piece < 1:
		return detail(ErrBadLabel, "trailer piece %d", t.Piece)
	case !reBarcode.MatchString(t.Barcode):
		return detail(ErrBadLabel, "trailer barcode %q", truncate(t.Barcode, 40))
	case t.DataFile < 1:
		return detail(ErrBadLabel, "trailer data file %d (file 0 is the label)", t.DataFile)
	case t.Start.IsZero() || t.End.Before(t.Start):
		return detail(ErrBadLabel, "trailer times %v … %v", t.Start, t.End)
	case t.Encryption != "" && t.Encryption != "age":
		return detail(ErrBadLabel, "trailer encryption %q (known: age)", truncate(t.Encryption, 20))
	case t.Encryption == "" && (len(t.Recipients) > 0 || t.PlainSHA256 != "" || t.PlainBytes != 0):
		return detail(ErrBadLabel, "trailer with recipients or a plaintext checksum but no encryption")
	case t.Encryption != "" && len(t.Recipients) == 0:
		return detail(ErrBadLabel, "encrypted trailer without recipients")
	case t.PlainBytes < 0 || (t.PlainSHA256 != "" && !reSHA256.MatchString(t.PlainSHA256)):
		return detail(ErrBadLabel, "trailer plain_sha256 %q", truncate(t.PlainSHA256, 70))
	}
	for _, r := range t.Recipients {
		if !reFingerprint.MatchString(r) {
			return detail(ErrBadLabel, "trailer recipient fingerprint %q", truncate(r, 20))
		}
	}
	return nil
}

// reFingerprint is an age recipient's fingerprint: 16 hex digits.
var reFingerprint = regexp.MustCompile(`^[0-9a-f]{16}$`)

// MarshalBinary renders the trailer block (indented JSON and a newline).
func (t Trailer) MarshalBinary() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseTrailer decodes a trailer block strictly: one JSON object with no
// unknown fields and nothing after it, of a known format and version.
func ParseTrailer(block []byte) (Trailer, error) {
	if len(block) > maxLabelBlock {
		return Trailer{}, detail(ErrBadLabel, "%d-byte trailer block", len(block))
	}
	dec := json.NewDecoder(bytes.NewReader(block))
	dec.DisallowUnknownFields()
	var t Trailer
	if err := dec.Decode(&t); err != nil {
		return Trailer{}, detail(ErrBadLabel, "trailer: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Trailer{}, detail(ErrBadLabel, "trailer: data after the JSON object")
	}
	if err := t.Validate(); err != nil {
		return Trailer{}, err
	}
	return t, nil
}

// WriteTrailer writes t as one block followed by a filemark.
func WriteTrailer(ctx context.Context, d Drive, t Trailer) error {
	block, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	if _, err := d.Write(block); err != nil {
		return err
	}
	return d.WriteFilemarks(ctx, 1)
}

// ReadTrailer reads a trailer file at the current position (the start of
// the file after a job's data) and leaves the tape after its filemark.
func ReadTrailer(ctx context.Context, d Drive) (Trailer, error) {
	buf := make([]byte, maxLabelBlock)
	n, err := d.Read(buf)
	if err != nil {
		return Trailer{}, err
	}
	t, err := ParseTrailer(buf[:n])
	if err != nil {
		return Trailer{}, &OpError{Drive: d.Name(), Op: "read-trailer", Err: err}
	}
	if n, err = d.Read(buf); err != nil {
		return Trailer{}, err
	}
	if n != 0 {
		return Trailer{}, &OpError{Drive: d.Name(), Op: "read-trailer", Err: detail(ErrBadLabel, "trailer file has more than one block")}
	}
	return t, nil
}

// TapeContents is what ScanTrailers found past a cartridge's label.
type TapeContents struct {
	// Files counts the tape files after the label that hold data.
	Files int
	// Trailers are the tapewarden trailers found, in tape order.
	Trailers []Trailer
	// Truncated is true when the scan stopped at maxFiles before the end
	// of data.
	Truncated bool
}

// ScanTrailers looks past the label: it spaces from tape file 1 to the end
// of data file by file, reading only the first block of each file, and
// collects the trailers it finds. Data files are skipped after one block
// (a large block fails with ErrBufferTooSmall and is not transferred), so
// the cost is one space and one small read per file. It stops after
// maxFiles files (Truncated then says so). The tape is left at an
// unknown position: the caller rewinds or spaces before writing.
func ScanTrailers(ctx context.Context, d Drive, maxFiles int) (TapeContents, error) {
	var c TapeContents
	if err := d.Rewind(ctx); err != nil {
		return c, err
	}
	if err := d.SetBlockSize(ctx, 0); err != nil {
		return c, err
	}
	if err := d.SpaceFiles(ctx, 1); err != nil {
		if errors.Is(err, ErrEndOfData) {
			return c, nil // a label without its filemark, or nothing after it
		}
		return c, err
	}
	buf := make([]byte, maxLabelBlock)
	for {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		if c.Files >= maxFiles {
			c.Truncated = true
			return c, nil
		}
		n, err := d.Read(buf)
		switch {
		case errors.Is(err, ErrEndOfData), errors.Is(err, ErrBlankTape):
			return c, nil
		case errors.Is(err, ErrBufferTooSmall):
			// A data block larger than any trailer: skip the file.
		case err != nil:
			return c, err
		case n == 0:
			continue // an empty file, or the end of data announcing itself
		default:
			if t, perr := ParseTrailer(buf[:n]); perr == nil {
				c.Trailers = append(c.Trailers, t)
			}
		}
		c.Files++
		if err := d.SpaceFiles(ctx, 1); err != nil {
			if errors.Is(err, ErrEndOfData) {
				return c, nil // the last file was never terminated
			}
			return c, err
		}
	}
}
