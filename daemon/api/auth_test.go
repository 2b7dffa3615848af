package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthorizer(t *testing.T) {
	a := newAuthorizer("no-such-group-tw")
	actor, err := a.authorize(peer{UID: 0, Known: true})
	require.NoError(t, err)
	assert.Equal(t, "admin", actor.Role)
	_, err = a.authorize(peer{UID: 65534, GID: 65534, Known: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not root and not in group no-such-group-tw")
	_, err = a.authorize(peer{})
	assert.ErrorContains(t, err, "cannot tell who is calling")
	open := newAuthorizer("")
	_, err = open.authorize(peer{UID: 65534, Known: true})
	assert.ErrorContains(t, err, "set api.admin_group")
}

// TestAuthorizerLooksUsersUpAgain checks that a remembered user is looked
// up again once its entry expires, so a change to the admin group takes
// effect without a restart.
func TestAuthorizerLooksUsersUpAgain(t *testing.T) {
	a := newAuthorizer("")
	root := a.lookup(0)
	assert.Equal(t, "root", root.name)
	// A stale entry, as if root had been someone else when first seen.
	a.cache[0] = identity{name: "stale", expires: time.Now().Add(-time.Second)}
	assert.Equal(t, "root", a.lookup(0).name)
	a.cache[0] = identity{name: "fresh", expires: time.Now().Add(time.Minute)}
	assert.Equal(t, "fresh", a.lookup(0).name, "an entry is trusted until it expires")
}
