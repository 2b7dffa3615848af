package media

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// KnownMediaType reports whether name is a media type the catalog knows:
// the tape types, their cleaning cartridges, and the removable disks
// (RDX, USB-DISK, OPTICAL) a directory drive writes. See package mediatype.
func KnownMediaType(name string) bool { return mediatype.Known(name) }

// MediaTypes returns the known media type names, sorted.
func MediaTypes() []string { return mediatype.Names() }

// IsCleaningType reports whether a media type names a cleaning cartridge.
func IsCleaningType(mediaType string) bool { return mediatype.IsCleaning(mediaType) }

// LabelPattern lets a site accept barcodes that are not LTO labels: DAT
// cartridges, RDX packs, USB disks. Pattern must match the whole barcode;
// MediaType is what such a barcode is (empty: the operator must say).
type LabelPattern struct {
	Pattern   *regexp.Regexp
	MediaType string
	Cleaning  bool
}

// Barcode is a parsed cartridge label.
type Barcode struct {
	Text      string // the whole label, upper case
	MediaType string // derived from the media identifier or a pattern; may be empty
	WORM      bool
	Cleaning  bool
}

const maxBarcodeLen = 32 // the SCSI volume tag field is 32 bytes

// ParseBarcode validates a barcode against the LTO label format (six
// characters A–Z/0–9 followed by a two-character media identifier, or a
// bare CLN volume serial such as CLN123, the universal cleaning cartridge:
// mediatype.ParseLabel) and then against the configured patterns, in order. Surrounding spaces are trimmed
// (libraries pad volume tags) and letters are upper-cased. The error wraps
// ErrBadBarcode and says what was expected.
func ParseBarcode(s string, patterns []LabelPattern) (Barcode, error) {
	text := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case text == "":
		return Barcode{}, fmt.Errorf("%w: empty barcode", ErrBadBarcode)
	case len(text) > maxBarcodeLen:
		return Barcode{}, fmt.Errorf("%w: %q is longer than %d characters", ErrBadBarcode, text, maxBarcodeLen)
	}
	for _, r := range text {
		if r < 0x21 || r > 0x7e {
			return Barcode{}, fmt.Errorf("%w: %q contains a character that is not printable ASCII", ErrBadBarcode, s)
		}
	}
	if b, ok := parseLTO(text); ok {
		return b, nil
	}
	for _, p := range patterns {
		if p.Pattern != nil && p.Pattern.MatchString(text) {
			return Barcode{Text: text, MediaType: p.MediaType, Cleaning: p.Cleaning || IsCleaningType(p.MediaType)}, nil
		}
	}
	hint := "an LTO label is six characters A-Z/0-9 and a media id such as L8 (e.g. DLY001L8)"
	if len(patterns) > 0 {
		hint += " or it must match one of catalog.label_patterns"
	} else {
		hint += "; other media need a pattern in catalog.label_patterns"
	}
	return Barcode{}, fmt.Errorf("%w: %q: %s", ErrBadBarcode, text, hint)
}

func parseLTO(text string) (Barcode, bool) {
	l, ok := mediatype.ParseLabel(text)
	return Barcode{Text: l.Text, MediaType: l.MediaType, WORM: l.WORM, Cleaning: l.Cleaning}, ok
}
