package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// ptyRun is a command running on a new pseudo-terminal as its controlling
// terminal, with everything it writes to the terminal collected.
type ptyRun struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	screen bytes.Buffer
	read   chan struct{}
}

// startOnPty starts name with args on a new pty: standard input and error
// are the terminal (and its controlling terminal, for programs that open
// /dev/tty), standard output is collected apart.
func startOnPty(t *testing.T, name string, args ...string) *ptyRun {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	defer slave.Close()
	p := &ptyRun{t: t, master: master, read: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdin, p.cmd.Stderr, p.cmd.Stdout = slave, slave, &p.stdout
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, p.cmd.Start())
	go func() {
		defer close(p.read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.screen.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return // EIO once the command has closed the terminal
			}
		}
	}()
	return p
}

// Screen is what the terminal showed so far.
func (p *ptyRun) Screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.String()
}

// typeAfter waits until the terminal has shown text count times, then
// types line and Enter.
func (p *ptyRun) typeAfter(text string, count int, line string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.Screen(), text) < count {
		if time.Now().After(deadline) {
			p.t.Fatalf("the terminal never showed %q %d times:\n%s", text, count, p.Screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Give the command time to turn echo off after its prompt.
	time.Sleep(100 * time.Millisecond)
	_, err := io.WriteString(p.master, line+"\r")
	require.NoError(p.t, err)
}

// wait waits for the command and returns its exit code.
func (p *ptyRun) wait() int {
	p.t.Helper()
	err := p.cmd.Wait()
	select {
	case <-p.read:
	case <-time.After(5 * time.Second):
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(p.t, err)
	return 0
}

// TestPassphraseTypedAtTheTerminal types a passphrase at a real terminal:
// key generate asks twice with echo off and writes an armored age file;
// key escrow asks once and opens it; Debian's age opens it as an identity
// file with the same passphrase; and the terminal shows the passphrase at
// no point. (A wrong passphrase: TestPassphraseOnlyFromATerminal...)
func TestPassphraseTypedAtTheTerminal(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "typed.key")
	const pass = "correct horse battery staple"

	p := startOnPty(t, binary, "key", "generate", "--passphrase", "--out", key)
	p.typeAfter("New passphrase for "+key, 1, pass)
	p.typeAfter("The same passphrase again", 1, pass)
	require.Equal(t, 0, p.wait(), "%s\n%s", p.Screen(), p.stdout.String())
	assert.Contains(t, p.stdout.String(), "encrypted with the passphrase")
	assert.NotContains(t, p.Screen(), "horse", "the terminal echoed the passphrase")
	fi, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	text, err := os.ReadFile(key)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(text), "-----BEGIN AGE ENCRYPTED FILE-----\n"), "%s", text)
	assert.NotContains(t, string(text), "AGE-SECRET-KEY")

	// The file is age's passphrase format: opened here with the passphrase.
	sid, err := age.NewScryptIdentity(pass)
	require.NoError(t, err)
	pr, err := age.Decrypt(armor.NewReader(bytes.NewReader(text)), sid)
	require.NoError(t, err)
	plain, err := io.ReadAll(pr)
	require.NoError(t, err)
	ids, err := age.ParseIdentities(bytes.NewReader(plain))
	require.NoError(t, err)
	require.Len(t, ids, 1)
	id := ids[0].(*age.X25519Identity)
	assert.Contains(t, p.stdout.String(), "recipient:   "+id.Recipient().String())

	// Two different passphrases: nothing written.
	other := filepath.Join(dir, "other.key")
	p = startOnPty(t, binary, "key", "generate", "--passphrase", "--out", other)
	p.typeAfter("New passphrase for", 1, pass)
	p.typeAfter("The same passphrase again", 1, pass+"!")
	assert.Equal(t, 2, p.wait())
	assert.Contains(t, p.Screen(), "the two passphrases differ; nothing was written")
	assert.NoFileExists(t, other)

	// key escrow asks for it and prints the identity inside.
	p = startOnPty(t, binary, "key", "escrow", "--identity", key)
	p.typeAfter("Passphrase for "+key, 1, pass)
	require.Equal(t, 0, p.wait(), p.Screen())
	assert.Contains(t, p.stdout.String(), "recipient:   "+id.Recipient().String())
	assert.NotContains(t, p.Screen(), "horse")

	// Debian's age takes the file as an identity file and asks for its
	// passphrase on the terminal.
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Log("Debian's age is not installed; .ci/run installs it")
		return
	}
	msg := filepath.Join(dir, "msg.age")
	f, err := os.Create(msg)
	require.NoError(t, err)
	w, err := age.Encrypt(f, id.Recipient())
	require.NoError(t, err)
	_, err = io.WriteString(w, "住民記録 1\n")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	p = startOnPty(t, agePath, "-d", "-i", key, msg)
	p.typeAfter("passphrase", 1, pass)
	require.Equal(t, 0, p.wait(), p.Screen())
	assert.Equal(t, "住民記録 1\n", p.stdout.String())
}

// TestPassphraseOnlyFromATerminalOrAnExplicitDescriptor: a protected
// identity file with standard input a pipe is refused with what to do,
// --passphrase-fd N reads it from descriptor N, and --passphrase-fd with a
// file in the clear is refused.
func TestPassphraseOnlyFromATerminalOrAnExplicitDescriptor(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "typed.key")
	const pass = "a passphrase on descriptor three"
	out, errOut, code := runWithFD(t, pass+"\n", "key", "generate", "--passphrase", "--passphrase-fd", "3", "--out", key)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "encrypted with the passphrase")

	// Piped standard input: never read as a passphrase.
	_, errOut, code = runCLI(t, nil, pass+"\n", "key", "escrow", "--identity", key)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "standard input is not a terminal to type it at")
	assert.Contains(t, errOut, "--passphrase-fd N")

	out, errOut, code = runWithFD(t, pass+"\n", "key", "escrow", "--identity", key, "--passphrase-fd", "3")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "TAPEWARDEN PAPER KEY")

	_, errOut, code = runWithFD(t, "not it\n", "key", "escrow", "--identity", key, "--passphrase-fd", "3")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the passphrase does not open")

	// Too short, and --passphrase-fd without --passphrase.
	_, errOut, code = runWithFD(t, "short\n", "key", "generate", "--passphrase", "--passphrase-fd", "3", "--out", filepath.Join(dir, "short.key"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "use at least 12")
	assert.NoFileExists(t, filepath.Join(dir, "short.key"))

	// The binary form 'age -p' writes without -a opens as well.
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	sr, err := age.NewScryptRecipient(pass)
	require.NoError(t, err)
	sr.SetWorkFactor(12)
	var bin bytes.Buffer
	w, err := age.Encrypt(&bin, sr)
	require.NoError(t, err)
	_, err = io.WriteString(w, id.String()+"\n")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	binKey := filepath.Join(dir, "binary.age")
	require.NoError(t, os.WriteFile(binKey, bin.Bytes(), 0o600))
	out, errOut, code = runWithFD(t, pass+"\n", "key", "escrow", "--identity", binKey, "--passphrase-fd", "3")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "recipient:   "+id.Recipient().String())

	clearKey := filepath.Join(dir, "clear.key")
	_, errOut, code = runCLI(t, nil, "", "key", "generate", "--out", clearKey)
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runWithFD(t, pass+"\n", "key", "escrow", "--identity", clearKey, "--passphrase-fd", "3")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "is not protected by a passphrase; leave --passphrase-fd out")
}

// runWithFD runs the CLI with fd 3 reading secret.
func runWithFD(t *testing.T, secret string, args ...string) (string, string, int) {
	t.Helper()
	return runWithFDEnv(t, nil, secret, args...)
}

// runWithFDEnv runs the CLI with fd 3 reading secret and env added.
func runWithFDEnv(t *testing.T, env []string, secret string, args ...string) (string, string, int) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() { io.WriteString(w, secret); w.Close() }()
	defer r.Close()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.ExtraFiles = []*os.File{r}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stdout.String(), stderr.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return stdout.String(), stderr.String(), 0
}
