package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// TestIdentityIsNeverKept plants an identity in every way a restore takes
// one - `restore --identity FILE`, a passphrase-protected identity file
// with its passphrase, the pool's restore_identity_file, and a wrong one -
// on a real daemon with an encrypted pool, then searches the daemon's
// log, every file under its state directory (the catalog and its WAL, the
// run logs in it, the virtual tapes), the run logs as the CLI shows them
// and the metrics for the secret part and the passphrase: nothing.
func TestIdentityIsNeverKept(t *testing.T) {
	dir := stateDir(t)
	keys := t.TempDir()
	newKey := func(name string) (*age.X25519Identity, string) {
		id, err := age.GenerateX25519Identity()
		require.NoError(t, err)
		file := filepath.Join(keys, name+".key")
		require.NoError(t, os.WriteFile(file, []byte(id.String()+"\n"), 0o600))
		return id, file
	}
	ict, ictFile := newKey("ict")
	escrow, escrowFile := newKey("escrow")
	stranger, strangerFile := newKey("stranger")
	// A passphrase-protected identity, made by key generate --passphrase.
	const passphrase = "planted passphrase Zq7-kawa"
	typedFile := filepath.Join(keys, "typed.key")
	out, errOut, code := runWithFD(t, passphrase+"\n", "key", "generate", "--passphrase", "--passphrase-fd", "3", "--out", typedFile)
	require.Equal(t, 0, code, errOut)
	typed := openTyped(t, typedFile, passphrase)
	assert.Contains(t, out, "recipient:   "+typed.Recipient().String())

	demo, err := os.ReadFile("../../daemon/config/demo.yaml")
	require.NoError(t, err)
	conf := strings.ReplaceAll(string(demo), "/var/lib/tapewarden", dir)
	conf = regexp.MustCompile(`(?m)^    schedule: .*\n`).ReplaceAllString(conf, "")
	// The daily pool goes to these keys instead of the demo's, and the
	// monthly pool is not encrypted (key check would find no generation
	// of it).
	daily := regexp.MustCompile(`(?s)    recipients:\n.*?    restore_identity_file: [^\n]*\n`)
	require.Regexp(t, daily, conf)
	conf = strings.Replace(conf, daily.FindString(conf), "    recipients:\n      - "+ict.Recipient().String()+
		"\n      - "+escrow.Recipient().String()+"\n      - "+typed.Recipient().String()+"\n    restore_identity_file: "+escrowFile+"\n", 1)
	monthly := regexp.MustCompile(`    encryption: age\n    recipients:\n      - age1\S+\n    restore_identity_file: \S+\n`)
	require.Len(t, monthly.FindAllString(conf, -1), 1)
	conf = monthly.ReplaceAllString(conf, "")
	confPath := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))
	_, errOut, code = runCLI(t, nil, "", "config", "check", "--config", confPath)
	require.Equal(t, 0, code, errOut)

	p := startDaemonArgs(t, dir, "daemon", "--demo", "--no-schedule", "--state-dir", dir)
	require.NoError(t, p.kill(syscall.SIGTERM))
	p = startWithConfig(t, confPath)
	out = p.must("job", "run", "juki-daily", "--wait")
	require.Contains(t, out, "succeeded")

	// A wrong identity, then the right ones in both ways.
	wrong := filepath.Join(dir, "wrong")
	require.NoError(t, os.Mkdir(wrong, 0o755))
	_, errOut, code = p.run("restore", "--job", "juki-daily", "--to", wrong, "--identity", strangerFile)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "no identity given can decrypt this file")
	entries, err := os.ReadDir(wrong)
	require.NoError(t, err)
	assert.Empty(t, entries)
	for i, args := range [][]string{{"--identity", ictFile}, nil} {
		to := filepath.Join(dir, "restored", string(rune('a'+i)))
		require.NoError(t, os.MkdirAll(to, 0o755))
		out = p.must(append([]string{"restore", "--job", "juki-daily", "--to", to}, args...)...)
		assert.Contains(t, out, "checksum verified: true")
	}
	// The passphrase-protected identity: opened by the CLI with the
	// passphrase from --passphrase-fd; a wrong passphrase sends nothing;
	// a piped standard input is never read as a passphrase.
	sock := []string{"TAPEWARDEN_SOCKET=" + p.socket}
	to := filepath.Join(dir, "restored", "typed")
	require.NoError(t, os.MkdirAll(to, 0o755))
	out, errOut, code = runWithFDEnv(t, sock, passphrase+"\n", "restore", "--job", "juki-daily", "--to", to, "--identity", typedFile, "--passphrase-fd", "3")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "checksum verified: true")
	_, errOut, code = runWithFDEnv(t, sock, "not the passphrase\n", "restore", "--job", "juki-daily", "--to", wrong, "--identity", typedFile, "--passphrase-fd", "3")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the passphrase does not open "+typedFile+" (nothing was sent to the daemon)")
	_, errOut2, code := runCLI(t, sock, passphrase+"\n", "restore", "--job", "juki-daily", "--to", wrong, "--identity", typedFile)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut2, "standard input is not a terminal")
	errOut += errOut2
	entries, err = os.ReadDir(wrong)
	require.NoError(t, err)
	assert.Empty(t, entries)
	out, errOut2, code = runWithFDEnv(t, sock, passphrase+"\n", "key", "check", "--identity", typedFile, "--passphrase-fd", "3")
	require.Equal(t, 0, code, errOut2)
	assert.Contains(t, out, "pool daily: ok:")
	errOut += errOut2

	// The key on the command line is refused without being echoed.
	_, errOut2, code = p.run("restore", "--job", "juki-daily", "--to", wrong, "--identity", ict.String())
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut2, "never the key itself")
	errOut += errOut2

	// key check: the ICT key and the escrow key decrypt the newest
	// generation, a stranger's does not.
	runID := ""
	for _, file := range []string{ictFile, escrowFile} {
		out = p.must("key", "check", "--identity", file)
		m := regexp.MustCompile(`pool daily: ok: generation daily/\S+ \(run (\d+) of juki-daily\) on \S+ file 1 decrypts`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		runID = m[1]
	}
	out, errOut2, code = p.run("key", "check", "--identity", strangerFile)
	assert.Equal(t, 1, code, "%s%s", out, errOut2)
	assert.Contains(t, out, "pool daily: FAILED:")
	assert.Contains(t, out, "no identity given can decrypt this file")
	assert.Contains(t, errOut2, "the identity does not decrypt 1 of 1 encrypted pools")
	errOut += errOut2

	metrics := ""
	if m := regexp.MustCompile(`metrics:\s+(http://\S+)`).FindStringSubmatch(p.out.String()); m != nil {
		resp, err := http.Get(m[1])
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		metrics = string(b)
		require.Contains(t, metrics, "tapewarden_")
	}
	runs := p.must("job", "history", "juki-daily", "--json")
	require.Contains(t, runs, `"encryption": "age"`)
	runLogs := p.must("run", "show", runID, "--json")
	shown := p.must("run", "show", runID)
	assert.Regexp(t, `encryption\s+age, to recipients [0-9a-f]{16}, [0-9a-f]{16}`, shown)
	assert.Regexp(t, `on tape\s+\d+ bytes, sha256 [0-9a-f]{64}`, shown)
	secrets := []string{}
	for _, id := range []*age.X25519Identity{ict, escrow, stranger, typed} {
		secrets = append(secrets, strings.TrimPrefix(id.String(), "AGE-SECRET-KEY-1"))
	}
	secrets = append(secrets, strings.ToUpper(passphrase))
	// scan searches every file under the state directory: the catalog,
	// its WAL while the daemon runs, the tapes.
	scan := func() (names []string) {
		require.NoError(t, filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			names = append(names, filepath.Base(path))
			for _, secret := range secrets {
				assert.NotContains(t, strings.ToUpper(string(b)), secret, "%s holds an identity", path)
			}
			return nil
		}))
		return names
	}
	running := scan()
	assert.Contains(t, running, "catalog.db-wal", "the WAL is searched while the daemon runs")
	require.NoError(t, p.kill(syscall.SIGTERM))
	assert.Contains(t, scan(), "catalog.db")

	for _, secret := range secrets {
		for name, text := range map[string]string{"the daemon's log": p.out.String(), "the metrics": metrics, "the run history": runs, "the run log": runLogs, "the CLI's errors": errOut} {
			assert.NotContains(t, strings.ToUpper(text), secret, "%s holds an identity", name)
		}
	}
	assert.NotEmpty(t, metrics, "the metrics were read")
}

// openTyped opens a passphrase-protected identity file in the test.
func openTyped(t *testing.T, path, passphrase string) *age.X25519Identity {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	sid, err := age.NewScryptIdentity(passphrase)
	require.NoError(t, err)
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(text)), sid)
	require.NoError(t, err)
	ids, err := age.ParseIdentities(r)
	require.NoError(t, err)
	require.Len(t, ids, 1)
	return ids[0].(*age.X25519Identity)
}

// addDemoKey adds the demo key in dir (made by a first start with --demo)
// to the recipients of the encrypted pools of a configuration file made
// from the demo's: the daemon adds it itself only to the embedded demo.
func addDemoKey(t *testing.T, confPath, dir string) {
	t.Helper()
	ids, err := archive.ReadIdentityFile(filepath.Join(dir, config.DemoKeyName))
	require.NoError(t, err, "start the demo in %s first", dir)
	conf, err := os.ReadFile(confPath)
	require.NoError(t, err)
	text := strings.ReplaceAll(string(conf), "    recipients:\n", "    recipients:\n      - "+ids.X25519()[0].Recipient().String()+"\n")
	require.NotEqual(t, string(conf), text, "no encrypted pool in %s", confPath)
	require.NoError(t, os.WriteFile(confPath, []byte(text), 0o644))
}
