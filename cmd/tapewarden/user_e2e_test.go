package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runWithFD runs the CLI with secret readable on file descriptor 3.
func (p *daemonProc) runWithFD(secret string, args ...string) (string, string, int) {
	p.t.Helper()
	r, w, err := os.Pipe()
	require.NoError(p.t, err)
	go func() {
		_, _ = io.WriteString(w, secret+"\n")
		w.Close()
	}()
	defer r.Close()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "TAPEWARDEN_SOCKET="+p.socket)
	cmd.ExtraFiles = []*os.File{r}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(p.t, err)
	}
	return stdout.String(), stderr.String(), code
}

// TestUsersTokensAndHTTPSThroughTheCLI: the demo prints its HTTPS URL,
// the certificate's fingerprint and an admin password; accounts and tokens
// are made with the CLI (the password on a file descriptor, never an
// argument) and work over HTTPS.
func TestUsersTokensAndHTTPSThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	// The announcement goes on after the metrics line startDemo waits for.
	require.Eventually(t, func() bool { return strings.Contains(p.out.String(), "sign in as:") }, 10*time.Second, 20*time.Millisecond)
	announce := p.out.String()
	url := regexp.MustCompile(`HTTPS:\s+(https://127\.0\.0\.1:\d+/)`).FindStringSubmatch(announce)
	require.Len(t, url, 2, announce)
	fp := regexp.MustCompile(`certificate:\s+SHA-256 ([0-9A-F:]{95})`).FindStringSubmatch(announce)
	require.Len(t, fp, 2, announce)
	pw := regexp.MustCompile(`sign in as:\s+admin, password (\S+) \(shown this once\)`).FindStringSubmatch(announce)
	require.Len(t, pw, 2, announce)

	status := p.must("status")
	assert.Regexp(t, `https\s+`+regexp.QuoteMeta(url[1]), status)
	assert.Contains(t, status, "SHA-256 "+fp[1]+" (self-signed certificate")

	// No terminal and no --password-fd: refused, nothing added.
	_, errOut, code := p.run("user", "add", "tanaka", "--role", "operator")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--password-fd 3 3<FILE")
	_, errOut, code = p.runWithFD("short", "user", "add", "tanaka", "--role", "operator", "--password-fd", "3")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "use at least 12")
	out, errOut, code := p.runWithFD("tanaka's own long password", "user", "add", "tanaka", "--role", "operator", "--password-fd", "3")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "account tanaka added with role operator")

	out = p.must("user", "token", "tanaka", "--role", "viewer", "--expires", "1h", "--note", "prometheus")
	tok := regexp.MustCompile(`\n  (tw_[A-Za-z0-9_-]{43})\n`).FindStringSubmatch(out)
	require.Len(t, tok, 2, out)
	list := p.must("user", "list")
	assert.Regexp(t, `tanaka\s+operator\s+active`, list)
	assert.Regexp(t, `1\s+tanaka\s+viewer\s+\S+ \S+ \S+\s+valid\s+prometheus`, list)
	assert.NotContains(t, list, tok[1], "the token is shown once")

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, //nolint:gosec // the fingerprint is checked below
		VerifyConnection: func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			var parts []string
			for _, b := range sum {
				parts = append(parts, fmt.Sprintf("%02X", b))
			}
			if strings.Join(parts, ":") != fp[1] {
				return fmt.Errorf("not the certificate the daemon announced")
			}
			return nil
		}}}}
	get := func(path, token string) (int, string) {
		req, err := http.NewRequest("GET", url[1]+strings.TrimPrefix(path, "/"), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/v1/status", tok[1])
	assert.Equal(t, http.StatusOK, code, body)
	code, body = get("/v1/audit", tok[1])
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "GET /v1/audit needs the role operator, auditor or admin; tanaka is viewer")

	resp, err := client.Post(url[1]+"v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"user":"admin","password":%q}`, pw[1])))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	p.must("user", "disable", "tanaka")
	code, _ = get("/v1/status", tok[1])
	assert.Equal(t, http.StatusUnauthorized, code, "a disabled account's token")
	_, errOut, code = p.run("user", "disable", "nobody")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no account nobody; see 'tapewarden user list'")

	// The audit log names who did it, with the role.
	audit := p.must("audit", "log")
	assert.Regexp(t, `account-disabled .*root \(admin\)`, audit)
}

// TestSocketRoleFromGroup runs the CLI as user nobody, whose group
// nogroup the configuration makes viewers: it sees the status, and every
// change or audit read is refused with the role it needs.
func TestSocketRoleFromGroup(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user; socket roles were not tested end to end")
	}
	dir := stateDir(t)
	demo, err := os.ReadFile("../../contrib/examples/demo.yaml")
	require.NoError(t, err)
	cfg := strings.Replace(string(demo), "api:\n  admin_group: tapewarden\n", "api:\n  admin_group: tapewarden\n  roles: {viewer: [nogroup]}\n", 1)
	require.NotEqual(t, string(demo), cfg)
	path := dir + "/tapewarden.yaml"
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	p := startDaemonArgs(t, dir, "daemon", "--config", path, "--state-dir", dir, "--no-schedule")
	fi, err := os.Stat(p.socket)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o666), fi.Mode().Perm(), "members of a role group must reach the socket")

	asNobody := func(args ...string) (string, string, int) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "TAPEWARDEN_SOCKET="+p.socket)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return stdout.String(), stderr.String(), code
	}
	out, errOut, code := asNobody("status")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "healthy")
	_, errOut, code = asNobody("media", "add", "ROLE01L8", "--pool", "daily", "--at", "honcho/shelf")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "POST /v1/media needs the role operator or admin; nobody is viewer")
	_, errOut, code = asNobody("audit", "log")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "GET /v1/audit needs the role operator, auditor or admin; nobody is viewer")
	_, errOut, code = asNobody("user", "list")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "needs the role admin")
	assert.NotContains(t, p.must("media", "list"), "ROLE01L8", "the refused request changed the catalog")
}
