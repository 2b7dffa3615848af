package main

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
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// client talks to the daemon's API socket.
type client struct {
	socket string
	http   *http.Client
}

func newClient(socket string) *client {
	return &client{socket: socket, http: &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", socket)
			},
			DisableCompression: true,
		},
		Timeout: 30 * time.Minute, // restores and runs with --wait take long
	}}
}

// do sends a request and decodes the JSON answer into out (if not nil).
func (c *client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := "http://tapewarden" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil && errors.Is(err, syscall.EACCES) {
		return deniedError(c.socket)
	}
	if err != nil {
		return unreachableError{fmt.Errorf("cannot reach the tapewarden daemon at %s: %v; is it running? (systemctl status tapewarden, or give --socket / TAPEWARDEN_SOCKET)", c.socket, errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return unreachableError{fmt.Errorf("reading the daemon's answer: %w", err)}
	}
	if resp.StatusCode >= 300 {
		// The daemon's refusal is shown as it words it.
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
		}
		return errors.New(escapeText(e.Error, true))
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the daemon's answer: %w", err)
	}
	return nil
}

// socketPath picks the API socket: --socket, then TAPEWARDEN_SOCKET, then
// the configuration file's, then the default state directory's.
func socketPath(flagSocket, configPath string, configSet bool) (string, error) {
	if flagSocket != "" {
		return flagSocket, nil
	}
	if env := os.Getenv("TAPEWARDEN_SOCKET"); env != "" {
		return env, nil
	}
	if _, err := os.Stat(configPath); err == nil || configSet {
		cfg, err := config.LoadConfig(configPath)
		if err != nil {
			return "", err
		}
		return cfg.SocketPath(), nil
	}
	return "/var/lib/tapewarden/api.sock", nil
}

// deniedError is the answer when the socket refuses the caller: the daemon
// runs, but only root, its own user and its admin group may use it. The
// socket's group is that admin group.
func deniedError(socket string) error {
	who := "you"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	group := ""
	var st syscall.Stat_t
	if syscall.Stat(socket, &st) == nil && st.Gid != 0 {
		group = strconv.FormatUint(uint64(st.Gid), 10)
		if g, err := user.LookupGroupId(group); err == nil {
			group = g.Name
		}
	}
	if group == "" {
		return fmt.Errorf("%s may not use the tapewarden daemon at %s (permission denied): only root and the members of its admin group may; ask an administrator to set api.admin_group and add you to it", who, socket)
	}
	return fmt.Errorf("%s may not use the tapewarden daemon at %s (permission denied): you are not in its admin group %s; ask an administrator to add you (usermod -aG %s %s), then log in again", who, socket, group, group, who)
}
