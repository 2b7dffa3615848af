package api

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// peer is the process on the other end of an API connection.
type peer struct {
	UID, GID int
	Known    bool
	Err      error
}

type peerKey struct{}

// ConnContext records the peer's credentials with each connection; give
// it to the http.Server serving Handler.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	p, err := peerCred(c)
	if err != nil {
		p.Err = err
	}
	return context.WithValue(ctx, peerKey{}, p)
}

func peerFrom(ctx context.Context) peer {
	p, _ := ctx.Value(peerKey{}).(peer)
	return p
}

// authorizer decides who may use the API socket, and in which role: root
// and the daemon's own user are admin; members of the groups named in
// api.roles (and api.admin_group, an admin group) have that group's role;
// a member of several groups has the most able of their roles.
type authorizer struct {
	selfUID int
	// groups are the configured groups in the order they are tried: the
	// admin groups first, then operator, auditor, viewer.
	groups []roleGroup
	// lookupGroup finds a group's ID; tests replace it.
	lookupGroup func(name string) (string, error)

	mu    sync.Mutex
	cache map[int]identity
}

type roleGroup struct {
	name string
	role auth.Role
}

// identityTTL bounds how long a looked-up user is trusted: a user added to
// (or removed from) a group is served accordingly within it, with no
// restart.
const identityTTL = 10 * time.Second

type identity struct {
	name    string
	groups  []string // group IDs
	expires time.Time
}

func newAuthorizer(cfg config.APIConfig) *authorizer {
	a := &authorizer{selfUID: os.Getuid(), cache: map[int]identity{}, lookupGroup: func(name string) (string, error) {
		g, err := user.LookupGroup(name)
		if err != nil {
			return "", err
		}
		return g.Gid, nil
	}}
	add := func(role auth.Role, names ...string) {
		for _, n := range names {
			if n != "" {
				a.groups = append(a.groups, roleGroup{name: n, role: role})
			}
		}
	}
	add(auth.Admin, cfg.AdminGroup)
	add(auth.Admin, cfg.Roles.Admin...)
	add(auth.Operator, cfg.Roles.Operator...)
	add(auth.Auditor, cfg.Roles.Auditor...)
	add(auth.Viewer, cfg.Roles.Viewer...)
	return a
}

func (a *authorizer) lookup(uid int) identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if id, ok := a.cache[uid]; ok && now.Before(id.expires) {
		return id
	}
	id := identity{name: "uid:" + strconv.Itoa(uid), expires: now.Add(identityTTL)}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		id.name = u.Username
		id.groups, _ = u.GroupIds()
	}
	a.cache[uid] = id
	return id
}

// authorize returns the actor for a peer, with its role, or an error
// saying why it may not use the API.
func (a *authorizer) authorize(p peer) (media.Actor, error) {
	if !p.Known {
		return media.Actor{}, fmt.Errorf("cannot tell who is calling (%v); only local users on the API socket are served", p.Err)
	}
	id := a.lookup(p.UID)
	if p.UID == 0 || p.UID == a.selfUID {
		return media.Actor{Name: id.name, Role: string(auth.Admin)}, nil
	}
	for _, g := range a.groups {
		gid, err := a.lookupGroup(g.name)
		if err != nil {
			continue
		}
		if strconv.Itoa(p.GID) == gid || slices.Contains(id.groups, gid) {
			return media.Actor{Name: id.name, Role: string(g.role)}, nil
		}
	}
	if len(a.groups) == 0 {
		return media.Actor{}, fmt.Errorf("user %s (uid %d) may not use this daemon; set api.admin_group or api.roles to let a group in", id.name, p.UID)
	}
	names := make([]string, len(a.groups))
	for i, g := range a.groups {
		names[i] = g.name + " (" + string(g.role) + ")"
	}
	first := a.groups[0].name
	return media.Actor{}, fmt.Errorf("user %s (uid %d) is not root and not in any of the groups %s; ask an administrator to add it to the one for its role (usermod -aG %s %s)",
		id.name, p.UID, strings.Join(names, ", "), first, id.name)
}
