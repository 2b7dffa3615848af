package api

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
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

// authorizer decides who may use the API socket: root, the daemon's own
// user, and members of the configured admin group.
type authorizer struct {
	selfUID    int
	adminGroup string

	mu    sync.Mutex
	cache map[int]identity
}

// identityTTL bounds how long a looked-up user is trusted: a user added to
// (or removed from) the admin group is served accordingly within it, with
// no restart.
const identityTTL = 10 * time.Second

type identity struct {
	name    string
	groups  []string // group IDs
	expires time.Time
}

func newAuthorizer(adminGroup string) *authorizer {
	return &authorizer{selfUID: os.Getuid(), adminGroup: adminGroup, cache: map[int]identity{}}
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

// authorize returns the actor for a peer, or an error saying why it may
// not use the API.
func (a *authorizer) authorize(p peer) (media.Actor, error) {
	if !p.Known {
		return media.Actor{}, fmt.Errorf("cannot tell who is calling (%v); only local users on the API socket are served", p.Err)
	}
	id := a.lookup(p.UID)
	if p.UID == 0 || p.UID == a.selfUID {
		return media.Actor{Name: id.name, Role: "admin"}, nil
	}
	if a.adminGroup != "" {
		if g, err := user.LookupGroup(a.adminGroup); err == nil {
			if strconv.Itoa(p.GID) == g.Gid || slices.Contains(id.groups, g.Gid) {
				return media.Actor{Name: id.name, Role: "admin"}, nil
			}
		}
		return media.Actor{}, fmt.Errorf("user %s (uid %d) is not root and not in group %s; ask an administrator to add it (usermod -aG %s %s)",
			id.name, p.UID, a.adminGroup, a.adminGroup, id.name)
	}
	return media.Actor{}, fmt.Errorf("user %s (uid %d) may not use this daemon; set api.admin_group to let a group in", id.name, p.UID)
}
