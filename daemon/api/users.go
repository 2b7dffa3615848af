package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// userRoutes registers the accounts of the TCP listener and their API
// tokens (admin only).
func (d *Server) userRoutes(handle func(pattern string, roles []auth.Role, h handler)) {
	handle("GET /v1/users", adminOnly, d.apiUsers)
	handle("POST /v1/users", adminOnly, d.apiUserAdd)
	handle("POST /v1/users/{name}/disable", adminOnly, d.apiUserDisable)
	handle("POST /v1/users/{name}/enable", adminOnly, d.apiUserEnable)
	handle("POST /v1/users/{name}/tokens", adminOnly, d.apiTokenIssue)
	handle("GET /v1/tokens", adminOnly, d.apiTokens)
	handle("POST /v1/tokens/{id}/revoke", adminOnly, d.apiTokenRevoke)
}

// UserAddRequest is the body of POST /v1/users. The password travels in
// the body only (never a URL or a command line) and is stored as its
// argon2id hash.
type UserAddRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// Users is the answer of GET /v1/users.
type Users struct {
	Users []media.Account `json:"users"`
}

func (d *Server) apiUsers(r *http.Request, _ media.Actor) (any, error) {
	list, err := d.accounts.Users(r.Context())
	if list == nil {
		list = []media.Account{}
	}
	return Users{Users: list}, err
}

func (d *Server) apiUserAdd(r *http.Request, actor media.Actor) (any, error) {
	var req UserAddRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return nil, err
	}
	return d.accounts.AddUser(r.Context(), actor, req.Name, role, req.Password)
}

func (d *Server) apiUserDisable(r *http.Request, actor media.Actor) (any, error) {
	return d.setDisabled(r, actor, true)
}

func (d *Server) apiUserEnable(r *http.Request, actor media.Actor) (any, error) {
	return d.setDisabled(r, actor, false)
}

func (d *Server) setDisabled(r *http.Request, actor media.Actor, disabled bool) (any, error) {
	name := r.PathValue("name")
	if err := d.accounts.SetDisabled(r.Context(), actor, name, disabled); err != nil {
		return nil, err
	}
	return map[string]any{"name": name, "disabled": disabled}, nil
}

// TokenRequest is the body of POST /v1/users/{name}/tokens.
type TokenRequest struct {
	// Role defaults to the account's.
	Role string `json:"role,omitempty"`
	// Expires is how long the token lives (e.g. "90d", "12h"); default
	// 90 days.
	Expires string `json:"expires,omitempty"`
	Note    string `json:"note,omitempty"`
}

func (d *Server) apiTokenIssue(r *http.Request, actor media.Actor) (any, error) {
	var req TokenRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	var ttl time.Duration
	if req.Expires != "" {
		dur, err := config.ParseDuration(req.Expires)
		if err != nil {
			return nil, badRequest("expires %q: %v (e.g. 90d or 12h)", req.Expires, err)
		}
		ttl = dur
	}
	return d.accounts.IssueToken(r.Context(), actor, r.PathValue("name"), auth.Role(req.Role), ttl, req.Note)
}

// Tokens is the answer of GET /v1/tokens.
type Tokens struct {
	Tokens []media.APIToken `json:"tokens"`
}

func (d *Server) apiTokens(r *http.Request, _ media.Actor) (any, error) {
	list, err := d.accounts.Tokens(r.Context())
	if list == nil {
		list = []media.APIToken{}
	}
	return Tokens{Tokens: list}, err
}

func (d *Server) apiTokenRevoke(r *http.Request, actor media.Actor) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, badRequest("token %q: expected a token number (see 'tapewarden user token --list')", r.PathValue("id"))
	}
	if err := d.accounts.RevokeToken(r.Context(), actor, id); err != nil {
		return nil, err
	}
	return map[string]any{"id": id, "revoked": true}, nil
}

// CourierCodeRequest is the body of POST /v1/manifests/{id}/courier-code.
type CourierCodeRequest struct {
	Courier string `json:"courier"`
}

// apiCourierCode makes the one-time code to print on a manifest and the
// PIN to tell its courier.
func (d *Server) apiCourierCode(r *http.Request, actor media.Actor) (any, error) {
	var req CourierCodeRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	return d.accounts.IssueCourierCode(r.Context(), actor, r.PathValue("id"), req.Courier)
}
