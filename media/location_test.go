package media

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocationRoundTrip(t *testing.T) {
	for _, loc := range []Location{
		Storage("honcho", "safe"),
		LibrarySlot("honcho", "lib0", 24),
		LibraryMailSlot("honcho", "lib0", 1),
		DriveAt("honcho", "lto0"),
		Transit("M-20261128-001"),
	} {
		t.Run(loc.String(), func(t *testing.T) {
			got, err := ParseLocation(loc.String())
			require.NoError(t, err)
			assert.Equal(t, loc, got)
			b, err := json.Marshal(loc)
			require.NoError(t, err)
			var back Location
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, loc, back)
			require.NoError(t, json.Unmarshal([]byte(`"`+loc.String()+`"`), &back))
			assert.Equal(t, loc, back)
		})
	}
}

func TestParseLocationRejects(t *testing.T) {
	for _, s := range []string{"", "honcho", "honcho/", "/safe", "a/b/c", "honcho/lib0/slot/0", "honcho/lib0/slot/x", "honcho/lib0/shelf/1", "a/b/c/d/e"} {
		_, err := ParseLocation(s)
		assert.ErrorIs(t, err, ErrBadInput, s)
	}
}
