package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
)

func TestAuthorizer(t *testing.T) {
	a := newAuthorizer(config.APIConfig{AdminGroup: "no-such-group-tw"})
	actor, err := a.authorize(peer{UID: 0, Known: true})
	require.NoError(t, err)
	assert.Equal(t, "admin", actor.Role)
	_, err = a.authorize(peer{UID: 65534, GID: 65534, Known: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not root and not in any of the groups no-such-group-tw (admin)")
	_, err = a.authorize(peer{})
	assert.ErrorContains(t, err, "cannot tell who is calling")
	open := newAuthorizer(config.APIConfig{})
	_, err = open.authorize(peer{UID: 65534, Known: true})
	assert.ErrorContains(t, err, "set api.admin_group or api.roles")
}

// TestAuthorizerRolesFromGroups: a socket caller's role is its group's,
// the most able one when it is in several; admin_group stays an admin
// group.
func TestAuthorizerRolesFromGroups(t *testing.T) {
	a := newAuthorizer(config.APIConfig{AdminGroup: "tapewarden", Roles: config.RolesConfig{
		Operator: []string{"tw-ops"}, Auditor: []string{"kansa"}, Viewer: []string{"staff"}}})
	gids := map[string]string{"tapewarden": "900", "tw-ops": "901", "kansa": "902", "staff": "903"}
	a.lookupGroup = func(name string) (string, error) {
		if g, ok := gids[name]; ok {
			return g, nil
		}
		return "", fmt.Errorf("no group %s", name)
	}
	for uid, c := range map[int]struct {
		gid    int
		groups []string
		role   string
	}{
		70001: {900, nil, "admin"},
		70002: {100, []string{"901"}, "operator"},
		70003: {902, []string{"903"}, "auditor"},
		70004: {903, nil, "viewer"},
		70005: {100, []string{"903", "901"}, "operator"},
	} {
		a.cache[uid] = identity{name: fmt.Sprintf("u%d", uid), groups: c.groups, expires: time.Now().Add(time.Minute)}
		actor, err := a.authorize(peer{UID: uid, GID: c.gid, Known: true})
		require.NoError(t, err, "uid %d", uid)
		assert.Equal(t, c.role, actor.Role, "uid %d", uid)
	}
	a.cache[70006] = identity{name: "stranger", groups: []string{"100"}, expires: time.Now().Add(time.Minute)}
	_, err := a.authorize(peer{UID: 70006, GID: 100, Known: true})
	assert.ErrorContains(t, err, "tapewarden (admin), tw-ops (operator), kansa (auditor), staff (viewer)")
}

// TestAuthorizerLooksUsersUpAgain checks that a remembered user is looked
// up again once its entry expires, so a change to the admin group takes
// effect without a restart.
func TestAuthorizerLooksUsersUpAgain(t *testing.T) {
	a := newAuthorizer(config.APIConfig{})
	root := a.lookup(0)
	assert.Equal(t, "root", root.name)
	// A stale entry, as if root had been someone else when first seen.
	a.cache[0] = identity{name: "stale", expires: time.Now().Add(-time.Second)}
	assert.Equal(t, "root", a.lookup(0).name)
	a.cache[0] = identity{name: "fresh", expires: time.Now().Add(time.Minute)}
	assert.Equal(t, "fresh", a.lookup(0).name, "an entry is trusted until it expires")
}
