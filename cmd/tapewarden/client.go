package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"github.com/tapewarden/tapewarden/daemon/config"
)

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
