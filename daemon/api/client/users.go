package client

import (
	"context"
	"strconv"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/auth"
)

// Users lists the accounts of the HTTPS listener.
func (c *Client) Users(ctx context.Context) (api.Users, error) {
	return get[api.Users](ctx, c, "/v1/users", nil)
}

// AddUser creates an account; the password travels in the body only.
func (c *Client) AddUser(ctx context.Context, req api.UserAddRequest) (media.Account, error) {
	return post[media.Account](ctx, c, "/v1/users", req)
}

// SetUserDisabled disables an account (its sessions end, its tokens stop
// working) or enables it again.
func (c *Client) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	verb := "/enable"
	if disabled {
		verb = "/disable"
	}
	_, err := post[map[string]any](ctx, c, p("/v1/users/", name, verb), struct{}{})
	return err
}

// IssueToken makes an API token for an account; its text is in the
// answer only.
func (c *Client) IssueToken(ctx context.Context, name string, req api.TokenRequest) (auth.IssuedToken, error) {
	return post[auth.IssuedToken](ctx, c, p("/v1/users/", name, "/tokens"), req)
}

// Tokens lists the API tokens (never their text).
func (c *Client) Tokens(ctx context.Context) (api.Tokens, error) {
	return get[api.Tokens](ctx, c, "/v1/tokens", nil)
}

// RevokeToken stops an API token from working.
func (c *Client) RevokeToken(ctx context.Context, id int64) error {
	_, err := post[map[string]any](ctx, c, p("/v1/tokens/", strconv.FormatInt(id, 10), "/revoke"), struct{}{})
	return err
}

// CourierCode makes the one-time code to print on a manifest and the PIN
// to tell its courier.
func (c *Client) CourierCode(ctx context.Context, manifest string, req api.CourierCodeRequest) (auth.IssuedCourierCode, error) {
	return post[auth.IssuedCourierCode](ctx, c, p("/v1/manifests/", manifest, "/courier-code"), req)
}
