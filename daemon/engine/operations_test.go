package engine

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A restore's steps and reads become its operation's progress; outside an
// operation nothing is counted.
func TestOperationProgress(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	d := &Engine{now: func() time.Time { return at }}
	a := &activeOp{id: 1}
	ctx := context.WithValue(context.Background(), opProgressKey{}, a)

	data, err := io.ReadAll(d.opCountReads(ctx, strings.NewReader("eleven byte")))
	require.NoError(t, err)
	assert.Len(t, data, 11)
	assert.EqualValues(t, 11, a.progress.Bytes)
	assert.Equal(t, at, a.progress.Updated)

	d.opStatus(ctx, "waiting for a person: prompt 3 (Put DAT001 (now at honcho/shelf) into drive dat0)")
	assert.Equal(t, "a person: prompt 3 (Put DAT001 (now at honcho/shelf) into drive dat0)", a.progress.Waiting)
	d.opStatus(ctx, "loading DAT001 into dat0")
	assert.Empty(t, a.progress.Waiting, "no longer waiting")
	assert.Equal(t, "loading DAT001 into dat0", a.progress.Detail)

	plain := strings.NewReader("x")
	assert.Same(t, plain, d.opCountReads(context.Background(), plain), "outside an operation the reader is not wrapped")
	d.opStatus(context.Background(), "waiting for nothing") // no operation: nothing to update, no panic
}
