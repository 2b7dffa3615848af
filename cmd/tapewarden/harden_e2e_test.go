package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuditVerifyMalformedHeadIsAUsageError(t *testing.T) {
	p := startDemo(t, stateDir(t))
	for _, head := range []string{"deadbeef", "zz" + string(bytes.Repeat([]byte("0"), 62)), string(bytes.Repeat([]byte("0"), 65))} {
		out, errOut, code := p.run("audit", "verify", "--head", head)
		assert.Equal(t, exitUsage, code, "head %q: %s%s", head, out, errOut)
		assert.Contains(t, errOut, "64 hexadecimal digits")
		assert.NotContains(t, out+errOut, "cut short or rewritten")
	}
	// A well-formed head that is not in the chain is still a broken chain.
	_, errOut, code := p.run("audit", "verify", "--head", string(bytes.Repeat([]byte("ab"), 32)))
	assert.Equal(t, exitFailed, code, errOut)
}

// TestOutsiderIsToldAboutTheGroup runs a client as a user who may not open
// the socket at all: the message says why and what to do, and it is not
// "is it running?".
func TestOutsiderIsToldAboutTheGroup(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	p := startDemo(t, stateDir(t))
	grp, err := user.LookupGroup("adm")
	if err != nil {
		grp, err = user.LookupGroupId("4")
	}
	require.NoError(t, err, "the test gives the socket to the group adm")
	gid, _ := strconv.Atoi(grp.Gid)
	require.NoError(t, os.Chown(p.socket, -1, gid))
	cmd := exec.Command(binary, "status")
	cmd.Env = append(os.Environ(), "TAPEWARDEN_SOCKET="+p.socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.Error(t, cmd.Run())
	assert.Equal(t, exitFailed, cmd.ProcessState.ExitCode(), stderr.String())
	assert.Contains(t, stderr.String(), "permission denied")
	assert.Contains(t, stderr.String(), "not in its admin group "+grp.Name)
	assert.Contains(t, stderr.String(), "usermod -aG "+grp.Name)
	assert.NotContains(t, stderr.String(), "is it running")
}

// TestPrintedTextEscapesControlCharacters plants text that a terminal
// would act on straight into the catalog, past the daemon's checks, and
// checks that media show, manifest list and audit log print it escaped.
func TestPrintedTextEscapesControlCharacters(t *testing.T) {
	dir := stateDir(t)
	p := startDemo(t, dir)
	p.must("manifest", "create", "--to", "pref-dc", "DAT002")
	const planted = "A\x1b[2JB\u202eC\x00D\r\nE\x1b]0;owned\a"
	const shown = `A\x1b[2JB\u202eC\x00D\r\nE\x1b]0;owned\x07`
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "catalog.db"))
	require.NoError(t, err)
	defer db.Close()
	for _, q := range []string{
		`UPDATE cartridges SET notes = ? WHERE barcode = 'DAT002'`,
		`UPDATE manifests SET courier = ?`,
		`DROP TRIGGER events_append_only_update`,
		`UPDATE events SET reason = ? WHERE barcode = 'DAT002'`,
		`CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END`,
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, planted)
		}
		_, err := db.Exec(q, args...)
		require.NoError(t, err, q)
	}
	for _, args := range [][]string{{"media", "show", "DAT002"}, {"manifest", "list"}, {"audit", "log", "--barcode", "DAT002"}} {
		out := p.must(args...)
		for _, raw := range []string{"\x1b", "\u202e", "\x00", "\r", "\a"} {
			assert.NotContains(t, out, raw, "tapewarden %s printed %q raw", strings.Join(args, " "), raw)
		}
		assert.Contains(t, out, shown, "tapewarden %s", strings.Join(args, " "))
	}
}
