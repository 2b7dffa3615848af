package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAPIListenerAndRolesChecked: the api section's listener, certificate,
// restore directories and role groups are checked, every problem at once.
func TestAPIListenerAndRolesChecked(t *testing.T) {
	demo := string(DemoYAML())
	bad := strings.Replace(demo, `api:
  admin_group: tapewarden
  listen: 127.0.0.1:0            # HTTPS on loopback, any free port; the daemon prints the URL
  restore_dirs: [/var/lib/tapewarden/restore]   # where operators may restore to
`, `api:
  admin_group: tapewarden
  listen: "8443"
  tls_cert: cert.pem
  restore_dirs: [/, restore]
  roles:
    operator: [tw-ops]
    viewer: [tw-ops, ""]
`, 1)
	require.NotEqual(t, demo, bad, "the demo's api section changed; update this test")
	_, err := ParseConfig("api.yaml", []byte(bad))
	require.Error(t, err)
	for _, want := range []string{
		`api.yaml: api.listen: "8443" is not HOST:PORT (e.g. :8443, or 127.0.0.1:8443 for this machine only)`,
		`api.yaml: api.tls_cert: give both api.tls_cert and api.tls_key, or neither`,
		`api.yaml: api.tls_cert: "cert.pem" must be an absolute path`,
		`api.yaml: api.restore_dirs[0]: "/" must be an absolute path below /`,
		`api.yaml: api.restore_dirs[1]: "restore" must be an absolute path below /`,
		`api.yaml: api.roles.viewer: group tw-ops is already given the role operator; a group has one role`,
		`api.yaml: api.roles.viewer: an empty group name; remove it`,
	} {
		assert.Contains(t, err.Error(), want)
	}

	cfg, err := DemoConfig("/srv/demo")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:0", cfg.API.Listen)
	assert.Equal(t, []string{"/srv/demo/restore"}, cfg.API.RestoreDirs, "the demo's restore directory moves with its state")
}
