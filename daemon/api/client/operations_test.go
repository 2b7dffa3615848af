package client_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

// waitOp polls an operation until it has finished.
func waitOp(t *testing.T, c *client.Client, id int64) media.Operation {
	t.Helper()
	var op media.Operation
	require.Eventually(t, func() bool {
		var err error
		op, err = c.Operation(context.Background(), id)
		require.NoError(t, err)
		return op.State.Finished()
	}, time.Minute, 50*time.Millisecond)
	return op
}

// A restore and a catalog copy are operations: the POST answers at once
// with a running operation, GET follows it to its result.
func TestRestoreAndCopyAreOperations(t *testing.T) {
	c, _ := demoDaemon(t)
	ctx := context.Background()

	to := t.TempDir()
	op, err := c.Restore(ctx, engine.RestoreRequest{Job: "juki-daily", To: to})
	require.NoError(t, err)
	assert.Equal(t, engine.OpRestore, op.Kind)
	assert.Equal(t, media.OperationRunning, op.State)
	assert.Contains(t, op.Summary, "juki-daily")
	op = waitOp(t, c, op.ID)
	require.Equal(t, media.OperationSucceeded, op.State, op.Error)
	res, err := client.RestoreResult(op)
	require.NoError(t, err)
	require.Len(t, res.Jobs, 1)
	assert.True(t, res.Jobs[0].Verified)
	assert.Positive(t, res.Jobs[0].Members)
	assert.Nil(t, op.Progress, "a finished operation has its result, not progress")

	list, err := c.Operations(ctx, false, 10)
	require.NoError(t, err)
	require.NotEmpty(t, list)
	assert.Equal(t, op.ID, list[0].ID)
	running, err := c.Operations(ctx, true, 0)
	require.NoError(t, err)
	assert.Empty(t, running)

	file := filepath.Join(t.TempDir(), "copy.db")
	cp, err := c.CatalogCopy(ctx, file)
	require.NoError(t, err)
	assert.Equal(t, engine.OpCatalogCopy, cp.Kind)
	cp = waitOp(t, c, cp.ID)
	require.Equal(t, media.OperationSucceeded, cp.State, cp.Error)
	vr, err := client.CopyResult(cp)
	require.NoError(t, err)
	assert.True(t, vr.OK)
	_, err = os.Stat(file)
	require.NoError(t, err)

	// Refusals come before anything starts, and change nothing.
	var apiErr *client.Error
	_, err = c.Restore(ctx, engine.RestoreRequest{Job: "no-such-job", To: to})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
	_, err = c.Restore(ctx, engine.RestoreRequest{Job: "juki-daily", To: filepath.Join(to, "missing")})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.Status)
	after, err := c.Operations(ctx, false, 10)
	require.NoError(t, err)
	assert.Len(t, after, len(list)+1, "only the copy was added")

	_, err = c.CancelOperation(ctx, op.ID)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 409, apiErr.Status)
	assert.Contains(t, apiErr.Message, "already succeeded")
	_, err = c.Operation(ctx, 9999)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
}
