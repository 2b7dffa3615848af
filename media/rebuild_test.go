package media

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueueRunAs(t *testing.T) {
	ctx := context.Background()
	cat := newFixture(t).cat
	r, err := cat.QueueRunAs(ctx, 42, NewRun{Job: "juki-nightly", Pool: "daily", Trigger: "rebuilt"})
	require.NoError(t, err)
	assert.Equal(t, int64(42), r.ID)
	_, err = cat.QueueRunAs(ctx, 42, NewRun{Job: "juki-nightly", Pool: "daily"})
	require.ErrorIs(t, err, ErrExists)
	_, err = cat.QueueRunAs(ctx, 0, NewRun{Job: "juki-nightly", Pool: "daily"})
	require.ErrorIs(t, err, ErrBadInput)
	next, err := cat.QueueRun(ctx, NewRun{Job: "juki-nightly", Pool: "daily"})
	require.NoError(t, err)
	assert.Greater(t, next.ID, int64(42), "new runs come after it")
}
