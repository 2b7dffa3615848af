package main

import (
	"os"

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
