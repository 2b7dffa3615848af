package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/media"
)

// TestCommandSecretsStayOutOfTheRecords plants a secret in a job's
// secret_env, on its pre-command's command line and in its output, and a
// variable in the daemon's own environment. The commands see the secret
// and the run's facts but not the daemon's environment; neither the run
// log, nor the catalog's files, nor a copy of the catalog holds the secret.
func TestCommandSecretsStayOutOfTheRecords(t *testing.T) {
	const secret = "hunter2-s3cret-value"
	const argSecret = "--password=arg-only-s3cret"
	t.Setenv("TW_DAEMON_ONLY", "daemon-environment-value")
	h := startDaemon(t, withDemoWorld, func(_ *config.Config, o *Options) { o.NoSchedule = true })
	// The job changes once the demo's history is written, before its run.
	j := h.cfg.Job("juki-daily")
	j.SecretEnv = map[string]string{"DB_PASSWORD": secret}
	j.Env = map[string]string{"DB_USER": "juki"}
	j.PreCommand = []string{"sh", "-c", `echo "user=$DB_USER pw=$DB_PASSWORD job=$TAPEWARDEN_JOB daemon=[$TW_DAEMON_ONLY]"; env | sort`, argSecret}
	j.PostCommand = []string{"sh", "-c", `echo "stopping with $DB_PASSWORD" >&2; exit 3`}
	ctx := context.Background()
	run, err := h.d.StartRun(ctx, "juki-daily", "manual", time.Time{})
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run, err = h.d.WaitRun(wctx, run.ID)
	require.NoError(t, err)
	full, err := h.d.cat.Run(ctx, run.ID)
	require.NoError(t, err)

	assert.Contains(t, full.Log, "user=juki pw=[secret] job=juki-daily daemon=[]", full.Log)
	assert.Contains(t, full.Log, "TAPEWARDEN_RUN=")
	assert.Contains(t, full.Log, "pre-command: sh (arguments not logged")
	assert.NotContains(t, full.Log, "TW_DAEMON_ONLY", "the command inherited the daemon's environment")
	assert.NotContains(t, full.Log, "arg-only-s3cret")
	assert.NotContains(t, full.Log, secret)
	assert.Equal(t, media.RunFailed, full.State, "the post-command failed")
	assert.Contains(t, full.Reason, "stopping with [secret]")
	assert.NotContains(t, full.Reason, secret)

	copyPath := filepath.Join(h.cfg.CopiesPath(), "after-run.db")
	_, err = h.d.CopyCatalog(ctx, media.System, copyPath)
	require.NoError(t, err)
	fi, err := os.Stat(copyPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	for _, f := range []string{h.cfg.CatalogPath(), h.cfg.CatalogPath() + "-wal", copyPath} {
		data, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		assert.False(t, bytes.Contains(data, []byte(secret)), "%s holds the secret", f)
		assert.False(t, bytes.Contains(data, []byte("arg-only-s3cret")), "%s holds the command's argument", f)
	}
}

// TestSecretsInAReadableConfigurationAreWarnedAbout: secret_env in a file
// others may read is a warning in the status, which goes away at 0600.
func TestSecretsInAReadableConfigurationAreWarnedAbout(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tapewarden.yaml")
	require.NoError(t, os.WriteFile(file, []byte("# the test's configuration\n"), 0o644))
	require.NoError(t, os.Chmod(file, 0o644))
	withSecret := func(cfg *config.Config, o *Options) {
		cfg.File = file
		cfg.Job("juki-daily").SecretEnv = map[string]string{"DB_PASSWORD": "hunter2-s3cret"}
		o.NoSchedule = true
	}
	h := startDaemon(t, withSecret)
	assert.Contains(t, strings.Join(h.d.Warnings(), "\n"), "holds secret_env values and others may read it (mode 0644)")
	assert.NotContains(t, strings.Join(h.d.Warnings(), "\n"), "hunter2-s3cret")
	h.stop()

	require.NoError(t, os.Chmod(file, 0o600))
	h = startDaemon(t, withSecret)
	assert.NotContains(t, strings.Join(h.d.Warnings(), "\n"), "secret_env")
}
