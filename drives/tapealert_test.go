package drives

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "testdata", "drives"}, parts...)...))
	require.NoError(t, err)
	return b
}

func TestDecodeTapeAlertPageFixtures(t *testing.T) {
	tests := []struct {
		file      string
		want      []int
		cleaning  bool
		cleanProb bool
	}{
		{file: "ibm-ult3580-td8-none.bin"},
		{file: "drive-clean-now-periodic.bin", want: []int{20, 21}, cleaning: true},
		{file: "drive-expired-cleaning-reordered.bin", want: []int{21, 22}, cleaning: true, cleanProb: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := DecodeTapeAlertPage(readFixture(t, "tapealert", tt.file))
			require.NoError(t, err)
			var got []int
			for _, a := range f.Alerts() {
				got = append(got, a.Flag)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.cleaning, f.CleaningRequested())
			assert.Equal(t, tt.cleanProb, f.CleaningMediaProblem())
			assert.False(t, f.MediaSuspect())
		})
	}
}

func TestDecodeChangerAlertPage(t *testing.T) {
	page := readFixture(t, "tapealert", "quantum-scalar-changer-none.bin")
	require.Len(t, page, 324)
	f, err := DecodeChangerAlertPage(page)
	require.NoError(t, err)
	assert.Empty(t, f.Alerts())

	// Raise library flag 16 (door) in place: parameter 16 is at 4+15*5.
	page[4+15*5+4] = 1
	f, err = DecodeChangerAlertPage(page)
	require.NoError(t, err)
	require.Len(t, f.Alerts(), 1)
	assert.Equal(t, TapeAlert{Flag: 16, Name: "Library door", Severity: SeverityCritical}, f.Alerts()[0])
	assert.True(t, f.NeedsOperator())
}

func TestDecodeTapeAlertResponsePage(t *testing.T) {
	f, err := DecodeTapeAlertResponsePage(readFixture(t, "tapealert", "response-page12-flags-20-22.bin"))
	require.NoError(t, err)
	assert.True(t, f.Has(20))
	assert.True(t, f.Has(22))
	assert.Len(t, f.Alerts(), 2)
}

func TestDecodeTapeAlertPageErrors(t *testing.T) {
	tests := []struct {
		name string
		page []byte
	}{
		{"short header", []byte{0x2e, 0}},
		{"wrong page", []byte{0x12, 0, 0, 0}},
		{"length beyond data", []byte{0x2e, 0, 0, 10, 0, 1, 0, 1, 0}},
		{"truncated parameter header", []byte{0x2e, 0, 0, 2, 0, 1}},
		{"parameter length beyond page", []byte{0x2e, 0, 0, 5, 0, 1, 0, 9, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTapeAlertPage(tt.page)
			assert.Error(t, err)
		})
	}
}

func TestEncodeTapeAlertPageRoundTrip(t *testing.T) {
	want := TapeAlertFlags(0).With(9).With(17).With(64).With(1)
	got, err := DecodeTapeAlertPage(EncodeTapeAlertPage(want))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.True(t, got.WrongCartridge())
	assert.Equal(t, "1 Read warning (W), 9 Write protect (C), 17 Read only format (W), 64 Reserved (40h) (?)", got.String())
}

func FuzzDecodeTapeAlertPage(f *testing.F) {
	f.Add(EncodeTapeAlertPage(TapeAlertFlags(0).With(20)))
	f.Add([]byte{0x2e, 0, 0, 5, 0, 1, 0, 1, 1})
	f.Fuzz(func(t *testing.T, page []byte) {
		flags, err := DecodeTapeAlertPage(page)
		if err != nil {
			return
		}
		_ = flags.Alerts()
		_, _ = DecodeTapeAlertResponsePage(page)
	})
}
