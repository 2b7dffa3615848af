package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// ErrUnreachable is the daemon not answering: no socket, nobody listening,
// or the connection lost before the answer was read.
var ErrUnreachable = errors.New("the tapewarden daemon did not answer")

// Error is the daemon's refusal of a request, as it words it.
type Error struct {
	// Status is the HTTP status of the answer, e.g. 409.
	Status int
	// Kind is the daemon's stable name for the refusal: bad_request,
	// not_found, conflict, busy, device, forbidden, internal...
	Kind string
	// Message is the daemon's message for people.
	Message string
}

func (e *Error) Error() string { return e.Message }

// DeniedError is the socket refusing the caller (EACCES): the daemon may
// be running, but this user may not talk to it. It is not ErrUnreachable:
// asking whether the daemon runs would send the user the wrong way.
type DeniedError struct {
	// Socket is the socket that refused.
	Socket string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("may not use the tapewarden daemon at %s (permission denied)", e.Socket)
}

// unreachable is ErrUnreachable with what went wrong and what to do.
type unreachable struct{ msg string }

func (e *unreachable) Error() string        { return e.msg }
func (e *unreachable) Is(target error) bool { return target == ErrUnreachable }

// DefaultTimeout bounds one request. Nothing the API answers takes this
// long: what can outlive a request is an operation, started at once and
// followed by polling.
const DefaultTimeout = 10 * time.Minute

// Client talks to the daemon's API socket.
type Client struct {
	socket string
	http   *http.Client
}

// New returns a client of the API on a unix socket, with DefaultTimeout.
func New(socket string) *Client {
	return NewWithTimeout(socket, DefaultTimeout)
}

// NewWithTimeout returns a client whose every request gives up after
// timeout.
func NewWithTimeout(socket string, timeout time.Duration) *Client {
	return &Client{socket: socket, http: &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", socket)
			},
			DisableCompression: true,
		},
		Timeout: timeout,
	}}
}

// Socket is the socket the client talks to.
func (c *Client) Socket() string { return c.socket }

// errorBody is the daemon's body of every refusal.
type errorBody struct {
	Error string `json:"error"`
	Kind  string `json:"kind"`
}

// raw sends a request and returns the answer's body.
func (c *Client) raw(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode the request to %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	u := "http://tapewarden" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, syscall.EACCES) {
			return nil, &DeniedError{Socket: c.socket}
		}
		cause := errors.Unwrap(err)
		if cause == nil {
			cause = err
		}
		return nil, &unreachable{fmt.Sprintf("cannot reach the tapewarden daemon at %s: %v; is it running? (systemctl status tapewarden, or give --socket / TAPEWARDEN_SOCKET)", c.socket, cause)}
	}
	// The body is read to its end or abandoned with the answer's error;
	// closing it has nothing left to report.
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &unreachable{fmt.Sprintf("reading the daemon's answer: %v", err)}
	}
	if resp.StatusCode >= 300 {
		var e errorBody
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		}
		return nil, &Error{Status: resp.StatusCode, Kind: e.Kind, Message: e.Error}
	}
	return data, nil
}

// call sends a request and decodes the answer into a T.
func call[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (T, error) {
	var out T
	data, err := c.raw(ctx, method, path, query, body)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("decode the daemon's answer to %s %s: %w", method, path, err)
	}
	return out, nil
}

func get[T any](ctx context.Context, c *Client, path string, query url.Values) (T, error) {
	return call[T](ctx, c, http.MethodGet, path, query, nil)
}

func post[T any](ctx context.Context, c *Client, path string, body any) (T, error) {
	if body == nil {
		body = struct{}{}
	}
	return call[T](ctx, c, http.MethodPost, path, nil, body)
}

// p builds a path from literal parts and escaped names: p("/v1/media/", b, "/move").
func p(parts ...string) string {
	var b bytes.Buffer
	for i, s := range parts {
		if i%2 == 1 {
			s = url.PathEscape(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// id writes a numeric ID for a path.
func id(n int64) string { return fmt.Sprint(n) }

// values drops the empty entries of a query.
func values(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}
