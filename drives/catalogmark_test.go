package drives

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const catalogLines = "catalog-uuid: 5d0c3a1e-7b2f-4e61-a3c4-9f8e7d6c5b4a\n" +
	"chain-head: 1234 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"

func TestLabelCarriesCatalogIdentity(t *testing.T) {
	l, err := ParseLabel([]byte(sampleLabel + catalogLines))
	require.NoError(t, err)
	assert.Equal(t, "5d0c3a1e-7b2f-4e61-a3c4-9f8e7d6c5b4a", l.CatalogUUID)
	assert.Equal(t, int64(1234), l.ChainHeadID)
	assert.Equal(t, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", l.ChainHeadHash)
	out, err := l.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, sampleLabel+catalogLines, string(out))

	old, err := ParseLabel([]byte(sampleLabel))
	require.NoError(t, err, "labels without the catalog lines stay readable")
	assert.Empty(t, old.CatalogUUID)

	for name, block := range map[string]string{
		"only the UUID line":  sampleLabel + strings.SplitAfter(catalogLines, "\n")[0],
		"head without hash":   sampleLabel + "catalog-uuid: 5d0c3a1e-7b2f-4e61-a3c4-9f8e7d6c5b4a\nchain-head: 1234\n",
		"empty catalog UUID":  sampleLabel + "catalog-uuid: \nchain-head: 1 " + strings.Repeat("a", 64) + "\n",
		"lines swapped":       sampleLabel + strings.SplitAfter(catalogLines, "\n")[1] + strings.SplitAfter(catalogLines, "\n")[0],
		"bad head ID":         strings.Replace(sampleLabel+catalogLines, "1234", "x", 1),
		"short head hash":     strings.Replace(sampleLabel+catalogLines, "9f86d0", "9f", 1),
		"upper-case cat UUID": strings.Replace(sampleLabel+catalogLines, "5d0c3a1e", "5D0C3A1E", 1),
	} {
		_, err := ParseLabel([]byte(block))
		assert.ErrorIs(t, err, ErrBadLabel, name)
	}
}

func TestTrailerCarriesCatalogIdentity(t *testing.T) {
	tr := validTrailer()
	tr.CatalogUUID = "5d0c3a1e-7b2f-4e61-a3c4-9f8e7d6c5b4a"
	tr.ChainHeadID, tr.ChainHeadHash = 77, strings.Repeat("cd", 32)
	block, err := tr.MarshalBinary()
	require.NoError(t, err)
	got, err := ParseTrailer(block)
	require.NoError(t, err)
	assert.Equal(t, tr, got)
	assert.False(t, got.IsCatalog())

	old, err := validTrailer().MarshalBinary()
	require.NoError(t, err)
	assert.NotContains(t, string(old), "catalog_uuid", "the new fields are left out when empty")

	cat := tr
	cat.Kind, cat.Job = TrailerKindCatalog, ""
	block, err = cat.MarshalBinary()
	require.NoError(t, err)
	got, err = ParseTrailer(block)
	require.NoError(t, err)
	assert.True(t, got.IsCatalog())

	bad := tr
	bad.Job = ""
	_, err = bad.MarshalBinary()
	assert.ErrorIs(t, err, ErrBadLabel, "a data trailer still needs its job")
	bad = tr
	bad.Kind = "other"
	_, err = bad.MarshalBinary()
	assert.ErrorIs(t, err, ErrBadLabel)
	bad = tr
	bad.ChainHeadHash = "nothex"
	_, err = bad.MarshalBinary()
	assert.ErrorIs(t, err, ErrBadLabel)
}
