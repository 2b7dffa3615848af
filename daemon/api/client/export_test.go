package client

import "context"

// Raw is the body of a GET, for the tests of the JSON contract.
func (c *Client) Raw(ctx context.Context, path string) ([]byte, error) {
	return c.raw(ctx, "GET", path, nil, nil)
}
