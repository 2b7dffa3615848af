package media

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperationsAreRecordedAndFailWhenLeftRunning(t *testing.T) {
	f := newFixture(t)
	who := Actor{Name: "kato", Role: "operator"}
	op, err := f.cat.StartOperation(f.ctx, NewOperation{Kind: "restore", Actor: who, Summary: "restore of job j into /r", Request: map[string]string{"job": "j"}})
	require.NoError(t, err)
	assert.Equal(t, OperationRunning, op.State)
	assert.Equal(t, who, op.Actor)
	assert.JSONEq(t, `{"job":"j"}`, string(op.Request))
	assert.True(t, op.StartedAt.Equal(f.clock.Now()))

	done, err := f.cat.StartOperation(f.ctx, NewOperation{Kind: "catalog_copy", Actor: who})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	done, err = f.cat.FinishOperation(f.ctx, done.ID, OperationSucceeded, map[string]int{"events": 3}, "")
	require.NoError(t, err)
	assert.Equal(t, OperationSucceeded, done.State)
	assert.JSONEq(t, `{"events":3}`, string(done.Result))
	assert.Equal(t, time.Minute, done.FinishedAt.Sub(done.StartedAt))
	_, err = f.cat.FinishOperation(f.ctx, done.ID, OperationFailed, nil, "again")
	require.ErrorIs(t, err, ErrBadInput, "a finished operation stays as it ended")
	_, err = f.cat.FinishOperation(f.ctx, op.ID, OperationRunning, nil, "")
	require.ErrorIs(t, err, ErrBadInput)

	running, err := f.cat.Operations(f.ctx, OperationFilter{Running: true})
	require.NoError(t, err)
	require.Len(t, running, 1)
	assert.Equal(t, op.ID, running[0].ID)

	// A daemon that stopped left the restore running: it fails, with why.
	failed, err := f.cat.FailUnfinishedOperations(f.ctx, "the daemon stopped (crashed or was killed)")
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, OperationFailed, failed[0].State)
	assert.Contains(t, failed[0].Error, "the daemon stopped (crashed or was killed) while the restore was running; start it again")
	again, err := f.cat.Operation(f.ctx, op.ID)
	require.NoError(t, err)
	assert.Equal(t, OperationFailed, again.State)
	all, err := f.cat.Operations(f.ctx, OperationFilter{})
	require.NoError(t, err)
	assert.Len(t, all, 2)
	assert.Equal(t, op.ID, all[1].ID, "newest first")

	_, err = f.cat.Operation(f.ctx, 99)
	require.ErrorIs(t, err, ErrOperationNotFound)
	_, err = f.cat.StartOperation(f.ctx, NewOperation{Kind: "restore"})
	require.ErrorIs(t, err, ErrBadInput)
}

func TestOperationsOfSomeKinds(t *testing.T) {
	f := newFixture(t)
	who := Actor{Name: "kato", Role: "operator"}
	restore, err := f.cat.StartOperation(f.ctx, NewOperation{Kind: "restore", Actor: who})
	require.NoError(t, err)
	drill, err := f.cat.StartOperation(f.ctx, NewOperation{Kind: "drill", Actor: who})
	require.NoError(t, err)
	for range 5 {
		_, err := f.cat.StartOperation(f.ctx, NewOperation{Kind: "catalog_copy", Actor: who})
		require.NoError(t, err)
	}
	got, err := f.cat.Operations(f.ctx, OperationFilter{Kinds: []string{"restore", "drill"}, Limit: 2})
	require.NoError(t, err)
	require.Len(t, got, 2, "later operations of other kinds do not crowd them out")
	assert.Equal(t, drill.ID, got[0].ID)
	assert.Equal(t, restore.ID, got[1].ID)

	got, err = f.cat.Operations(f.ctx, OperationFilter{Kinds: []string{"restore"}, Running: true})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, restore.ID, got[0].ID)
	all, err := f.cat.Operations(f.ctx, OperationFilter{})
	require.NoError(t, err)
	assert.Len(t, all, 7)
}
