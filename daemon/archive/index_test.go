package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncryptedBackupReportsMembers: with encryption the member feed
// follows the plaintext, and every member is reported once, in order,
// with a piece the stream has, also across volumes.
func TestEncryptedBackupReportsMembers(t *testing.T) {
	defer checkNoLeaks(t)()
	src := t.TempDir()
	for i := range 60 {
		require.NoError(t, os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d", i)), pattern(i, 5000+i*11), 0o644))
	}
	id := newIdentity(t)
	tapes := []*tape{{capacity: 100 << 10}}
	var got []Member
	res, err := (&Backup{Paths: []string{src}, BlockSize: 16 << 10, RingSize: 64 << 10, IsEndOfMedium: isEOM,
		Recipients: []string{id.Recipient().String()},
		NextVolume: func(context.Context, Piece) (BlockWriter, error) {
			tp := &tape{capacity: 100 << 10}
			tapes = append(tapes, tp)
			return tp, nil
		},
		OnMembers: func(batch []Member) { got = append(got, batch...) }}).Run(t.Context(), tapes[0])
	require.NoError(t, err)
	require.Greater(t, len(res.Pieces), 1)
	require.EqualValues(t, res.Members, len(got))
	for i, m := range got {
		assert.EqualValues(t, i, m.Seq)
		assert.True(t, m.Piece >= 1 && m.Piece <= len(res.Pieces), "member %s on piece %d of %d", m.Name, m.Piece, len(res.Pieces))
		if i > 0 {
			assert.GreaterOrEqual(t, m.Piece, got[i-1].Piece)
		}
	}
}
