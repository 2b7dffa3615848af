package media

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A site-loss drill is kept with its figures and an audit event; the
// newest is the one the metrics read.
func TestSiteLossDrillRecords(t *testing.T) {
	f := newFixture(t)
	ctx, c := f.ctx, f.cat
	_, ok, err := c.LastSiteLossDrill(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "none yet")

	_, err = c.RecordSiteLossDrill(ctx, Actor{Name: "tanaka", Role: "operator"}, SiteLossDrill{Result: "maybe"})
	assert.ErrorIs(t, err, ErrBadInput)

	first, all := 12.5, 40.0
	_, err = c.RecordSiteLossDrill(ctx, Actor{Name: "tanaka", Role: "operator"}, SiteLossDrill{Result: "passed", Cartridges: 3, Systems: 2, FirstBack: &first, AllBack: &all})
	require.NoError(t, err)
	failed, err := c.RecordSiteLossDrill(ctx, Actor{Name: "tanaka", Role: "operator"}, SiteLossDrill{Result: "failed", Cartridges: 1, Systems: 1, FirstBack: &first, Missing: "zeimu: no complete generation offsite"})
	require.NoError(t, err)

	last, ok, err := c.LastSiteLossDrill(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, failed.ID, last.ID)
	assert.Equal(t, "failed", last.Result)
	require.NotNil(t, last.FirstBack)
	assert.Equal(t, 12.5, *last.FirstBack)
	assert.Nil(t, last.AllBack, "not every system came back")
	assert.Equal(t, "tanaka", last.Actor)

	ev, err := c.Events(ctx, EventFilter{Limit: 1})
	require.NoError(t, err)
	require.Len(t, ev, 1)
	assert.Equal(t, "siteloss-drill", ev[0].Kind)
	assert.Equal(t, "site-loss drill failed: 1 offsite cartridges read, 1 systems back, the first after 12s; missing: zeimu: no complete generation offsite", ev[0].Reason)
}
