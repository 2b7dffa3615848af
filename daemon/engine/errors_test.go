package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An error of a kind says only its own message, and is its kind for
// errors.Is however it is wrapped afterwards.
func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err  error
		kind error
	}{
		{notFound("no drive %q is configured", "lto9"), ErrNotFound},
		{conflict("run %d has already %s", 3, "succeeded"), ErrConflict},
		{invalid("say what to load: a barcode or --slot N"), ErrInvalid},
		{fmt.Errorf("%w: drive lto0 is in use by run 7", errDriveBusy), ErrBusy},
	} {
		wrapped := fmt.Errorf("load: %w", c.err)
		assert.ErrorIs(t, wrapped, c.kind, c.err.Error())
		for _, other := range []error{ErrNotFound, ErrConflict, ErrInvalid, ErrBusy} {
			if other != c.kind {
				assert.False(t, errors.Is(wrapped, other), "%v is not %v", c.err, other)
			}
		}
	}
	assert.Equal(t, `no drive "lto9" is configured`, notFound("no drive %q is configured", "lto9").Error())
	assert.Equal(t, "daemon: drive is in use: drive lto0 is in use by run 7", fmt.Errorf("%w: drive lto0 is in use by run 7", errDriveBusy).Error())
}
