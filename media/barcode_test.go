package media

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func datPatterns() []LabelPattern {
	return []LabelPattern{
		{Pattern: regexp.MustCompile(`^DAT[0-9]{3}$`), MediaType: "DDS-4"},
		{Pattern: regexp.MustCompile(`^CLNDAT[0-9]{2}$`), MediaType: "DDS-CLN"},
		{Pattern: regexp.MustCompile(`^RDX-[0-9]{4}$`), MediaType: "RDX"},
	}
}

func TestParseBarcode(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     Barcode
		wantErr  string
		patterns []LabelPattern
	}{
		{name: "LTO-8 data", in: "DLY001L8", want: Barcode{Text: "DLY001L8", MediaType: "LTO-8"}},
		{name: "LTO-9 padded by the library", in: "HER006L9                        ", want: Barcode{Text: "HER006L9", MediaType: "LTO-9"}},
		{name: "lower case typed by hand", in: "dly001l8", want: Barcode{Text: "DLY001L8", MediaType: "LTO-8"}},
		{name: "LTO-10 provisional id", in: "ARC001LA", want: Barcode{Text: "ARC001LA", MediaType: "LTO-10"}},
		{name: "type M", in: "ABC123M8", want: Barcode{Text: "ABC123M8", MediaType: "LTO-7M"}},
		{name: "WORM LTO-7", in: "WRM001LX", want: Barcode{Text: "WRM001LX", MediaType: "LTO-7", WORM: true}},
		{name: "universal cleaning", in: "CLN001CU", want: Barcode{Text: "CLN001CU", MediaType: "LTO-CLN", Cleaning: true}},
		{name: "generation cleaning", in: "CLN003L1", want: Barcode{Text: "CLN003L1", MediaType: "LTO-CLN", Cleaning: true}},
		{name: "cleaning volume serial without media id", in: "CLN123", want: Barcode{Text: "CLN123", MediaType: "LTO-CLN", Cleaning: true}},
		{name: "bare CLN serial wins over a pattern", in: "cln123", patterns: []LabelPattern{{Pattern: regexp.MustCompile(`^CLN[0-9]{3}$`), MediaType: "DDS-CLN"}}, want: Barcode{Text: "CLN123", MediaType: "LTO-CLN", Cleaning: true}},
		{name: "DAT by pattern", in: "DAT007", patterns: datPatterns(), want: Barcode{Text: "DAT007", MediaType: "DDS-4"}},
		{name: "DDS cleaning by pattern", in: "CLNDAT01", patterns: datPatterns(), want: Barcode{Text: "CLNDAT01", MediaType: "DDS-CLN", Cleaning: true}},
		{name: "RDX by pattern", in: "RDX-0001", patterns: datPatterns(), want: Barcode{Text: "RDX-0001", MediaType: "RDX"}},
		{name: "empty", in: "  ", wantErr: "empty barcode"},
		{name: "unknown media id", in: "DLY001Q8", wantErr: "media id such as L8"},
		{name: "too short", in: "DLY01L8", wantErr: "catalog.label_patterns"},
		{name: "punctuation in volser", in: "DL-001L8", wantErr: "DL-001L8"},
		{name: "pattern must match whole label", in: "DAT0077", patterns: datPatterns(), wantErr: "match one of catalog.label_patterns"},
		{name: "control character", in: "DLY\x00001L8", wantErr: "printable"},
		{name: "too long", in: strings.Repeat("A", 33), wantErr: "longer than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBarcode(tt.in, tt.patterns)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrBadBarcode))
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseBarcode(f *testing.F) {
	for _, s := range []string{"DLY001L8", "CLN001CU", "CLN123", "DAT001", "", "ÄÖÜ", "HER006L9    ", "abcdefLZ", "RDX-0001"} {
		f.Add(s)
	}
	patterns := datPatterns()
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBarcode(s, patterns)
		if err != nil {
			if !errors.Is(err, ErrBadBarcode) {
				t.Fatalf("error %v does not wrap ErrBadBarcode", err)
			}
			return
		}
		if b.Text == "" || len(b.Text) > maxBarcodeLen || b.Text != strings.ToUpper(b.Text) {
			t.Fatalf("accepted %q as %q", s, b.Text)
		}
		if b.MediaType != "" && !KnownMediaType(b.MediaType) {
			t.Fatalf("%q gave unknown media type %q", s, b.MediaType)
		}
		// A parsed barcode parses again to the same value.
		again, err := ParseBarcode(b.Text, patterns)
		if err != nil || again != b {
			t.Fatalf("re-parse of %q: %v, %+v != %+v", b.Text, err, again, b)
		}
	})
}
