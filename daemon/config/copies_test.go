package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo turns the scheduled copies on, and sends them under its own
// state directory.
func TestDemoCopiesTheCatalog(t *testing.T) {
	dir := t.TempDir()
	cfg, err := DemoConfig(dir)
	require.NoError(t, err)
	require.NotNil(t, cfg.Catalog.Copies)
	assert.Equal(t, 5, cfg.Catalog.Copies.Keep)
	assert.Equal(t, filepath.Join(dir, "hill-annex", "catalog-newest.db"), cfg.Catalog.Copies.Send[len(cfg.Catalog.Copies.Send)-1])
	assert.Equal(t, "30m0s", cfg.Catalog.Copies.SendTimeout.String(), "the default")
}

// A bad catalog.copies is refused with what to do.
func TestBadCatalogCopies(t *testing.T) {
	demo := string(DemoYAML())
	with := func(t *testing.T, old, repl string) error {
		t.Helper()
		require.Contains(t, demo, old)
		_, err := ParseConfig("c.yaml", []byte(strings.Replace(demo, old, repl, 1)))
		return err
	}
	readOnly := t.TempDir()
	require.NoError(t, os.Chmod(readOnly, 0o500))
	notADir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))

	for _, tc := range []struct {
		name, old, repl, want string
	}{
		{"keep 0", "    keep: 5\n", "    keep: 0\n", "catalog.copies.keep: 0: say how many copies to keep, at least 1"},
		{"keep missing", "    keep: 5\n", "", "catalog.copies.keep: 0: say how many copies to keep"},
		{"unknown program", "send: [install,", "send: [no-such-sender-program,", `catalog.copies.send: program "no-such-sender-program" is not found in PATH`},
		{"a shell line", "send: [install, -D, -m, \"0600\", \"{copy}\", /var/lib/tapewarden/hill-annex/catalog-newest.db]", "send: [\"rsync -t {copy} annex:\"]", "is not run through a shell; give the program and each argument as separate list items"},
		{"an empty argument", "send: [install,", "send: [install, \"\",", "catalog.copies.send: argument 1 is empty"},
		{"max_age under every", "    max_age: 26h\n", "    max_age: 5m\n", "catalog.copies.max_age: 5m0s is shorter than every (10m0s)"},
		{"unwritable directory", "  copies:\n", "  copies_dir: " + readOnly + "\n  copies:\n", "catalog.copies_dir: \"" + readOnly + "\" is not writable"},
		{"not a directory", "  copies:\n", "  copies_dir: " + notADir + "\n  copies:\n", "is not a directory"},
		{"no parent", "  copies:\n", "  copies_dir: /no/such/dir/copies\n  copies:\n", "does not exist and neither does \"/no/such/dir\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "unwritable directory" && os.Geteuid() == 0 {
				t.Skip("root writes anywhere")
			}
			err := with(t, tc.old, tc.repl)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.NoError(t, with(t, "  copies:\n", "  copies_dir: "+t.TempDir()+"/new\n  copies:\n"), "a directory the daemon can make")
}
