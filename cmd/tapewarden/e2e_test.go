package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests build the real binary once and drive a real daemon
// process through the real CLI.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tw-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Other users run it too (the peer-credential test).
	os.Chmod(dir, 0o755)
	binary = filepath.Join(dir, "tapewarden")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build tapewarden:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// daemonProc is a running `tapewarden daemon` process.
type daemonProc struct {
	t        *testing.T
	cmd      *exec.Cmd
	stateDir string
	socket   string
	out      *syncBuffer
	done     chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func stateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "twe2e")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startDemo starts `tapewarden daemon --demo --state-dir dir` and waits
// until it announces its socket. It starts no scheduled run, so that none
// takes the drives the test is using.
func startDemo(t *testing.T, dir string, extra ...string) *daemonProc {
	t.Helper()
	return startDaemonArgs(t, dir, append([]string{"daemon", "--demo", "--no-schedule", "--state-dir", dir}, extra...)...)
}

// startDaemonArgs starts the daemon with args and waits for its socket.
func startDaemonArgs(t *testing.T, dir string, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(out, pw)
	cmd.Stderr = out
	require.NoError(t, cmd.Start())
	p := &daemonProc{t: t, cmd: cmd, stateDir: dir, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	announced := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		socket := ""
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if s, ok := strings.CutPrefix(line, "API socket:"); ok {
				socket = strings.TrimSpace(s)
			}
			// The metrics line ends the announcement.
			if strings.HasPrefix(line, "metrics:") && socket != "" {
				announced <- socket
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.socket = <-announced:
	case err := <-p.done:
		t.Fatalf("daemon exited at start (%v):\n%s", err, out)
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not announce its socket:\n%s", out)
	}
	t.Cleanup(func() { p.kill(syscall.SIGKILL) })
	return p
}

func (p *daemonProc) kill(sig syscall.Signal) error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(20 * time.Second):
		p.t.Fatalf("daemon did not stop on %v", sig)
	}
	return nil
}

// run runs the CLI against the daemon and returns stdout, stderr and the
// exit code.
func (p *daemonProc) run(args ...string) (string, string, int) {
	p.t.Helper()
	return runCLI(p.t, []string{"TAPEWARDEN_SOCKET=" + p.socket}, "", args...)
}

func runCLI(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// must runs a CLI command that has to succeed.
func (p *daemonProc) must(args ...string) string {
	p.t.Helper()
	out, errOut, code := p.run(args...)
	require.Equal(p.t, 0, code, "tapewarden %s: %s%s", strings.Join(args, " "), out, errOut)
	return out
}

func TestEndToEndCatalogThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	assert.Contains(t, p.out.String(), "metrics:         http://127.0.0.1:")

	out := p.must("status")
	assert.Contains(t, out, "healthy")
	out = p.must("site", "list")
	assert.Contains(t, out, "pref-dc")
	assert.Contains(t, out, "remote-site")

	p.must("media", "add", "E2E001L8", "--pool", "daily", "--at", "honcho/shelf")
	p.must("media", "add", "E2E002L8", "--pool", "daily", "--at", "honcho/shelf")
	p.must("media", "add", "CLN009CU", "--at", "honcho/safe", "--uses", "12")
	out = p.must("media", "list", "--site", "honcho")
	assert.Contains(t, out, "E2E001L8")
	assert.Contains(t, out, "cleaning (12 uses left)")

	var list []struct {
		Barcode string `json:"barcode"`
		Pool    string `json:"pool"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("media", "list", "--pool", "daily", "--json")), &list))
	var ours []string
	for _, c := range list {
		assert.Equal(t, "daily", c.Pool)
		if strings.HasPrefix(c.Barcode, "E2E") {
			ours = append(ours, c.Barcode)
		}
	}
	assert.Equal(t, []string{"E2E001L8", "E2E002L8"}, ours)

	p.must("media", "move", "E2E001L8", "--to", "honcho/safe", "--reason", "end of day")
	out = p.must("media", "show", "E2E001L8")
	assert.Contains(t, out, "honcho/safe")
	assert.Contains(t, out, "end of day")

	// A courier trip with a discrepancy: E2E002 is not handed over.
	var m struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("manifest", "create", "--to", "pref-dc", "E2E001L8", "E2E002L8", "--json")), &m))
	_, errOut, code := p.run("manifest", "pickup", m.ID, "--courier", "Yamato", "E2E001L8")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "listed but not scanned: E2E002L8")
	// Barcodes typed by a handheld scanner arrive on standard input.
	out, errOut, code = runCLI(t, []string{"TAPEWARDEN_SOCKET=" + p.socket}, "e2e001l8\n", "manifest", "pickup", m.ID, "--courier", "Yamato", "--accept-discrepancies", "-")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "in-transit")
	assert.Contains(t, out, "OPEN: resolve with")
	_, errOut, code = p.run("manifest", "pickup", m.ID, "--courier", "Yamato", "E2E001L8")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "already picked up by Yamato")

	_, errOut, code = p.run("manifest", "deliver", m.ID, "E2E001L8", "E2E002L8")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "scanned but not on the manifest: E2E002L8")
	out = p.must("manifest", "deliver", m.ID, "E2E001L8")
	assert.Contains(t, out, "delivered-with-discrepancies")
	out = p.must("manifest", "resolve", m.ID, "E2E002L8", "--found", "honcho/shelf", "--note", "never left the shelf")
	assert.Contains(t, out, "found by")
	out = p.must("media", "show", "E2E001L8")
	assert.Contains(t, out, "pref-dc/vault")

	out = p.must("audit", "log", "--manifest", m.ID)
	assert.Contains(t, out, "picked-up")
	assert.Contains(t, out, "Yamato (courier)")
	out = p.must("audit", "verify")
	assert.Contains(t, out, "audit chain intact")

	// Exit codes scripts rely on.
	_, _, code = p.run("media", "show", "NOPE01L8")
	assert.Equal(t, 1, code, "refused")
	_, _, code = p.run("media", "show")
	assert.Equal(t, 2, code, "usage")
	_, _, code = p.run("media", "add", "E2E003L8", "--bogus")
	assert.Equal(t, 2, code, "usage")
	_, _, code = runCLI(t, []string{"TAPEWARDEN_SOCKET=" + filepath.Join(p.stateDir, "nope.sock")}, "", "status")
	assert.Equal(t, 3, code, "unreachable")

	// SIGTERM stops it cleanly.
	require.NoError(t, p.kill(syscall.SIGTERM))
	assert.Contains(t, p.out.String(), "tapewarden stopping")
}

func TestDemoLibraryThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	out := p.must("library", "inventory")
	assert.Contains(t, out, "slot 1")
	assert.Contains(t, out, "DLY001L8")
	assert.Contains(t, out, "mail slot 1")
	assert.Contains(t, out, "SCR005L8")

	out = p.must("library", "import")
	assert.Contains(t, out, "SCR005L8 imported: honcho/lib0/mailslot/1 -> honcho/lib0/slot/15")
	out = p.must("library", "load", "DLY002L8", "--drive", "lto0")
	assert.Contains(t, out, "DLY002L8 loaded: honcho/lib0/slot/2 -> honcho/drive/lto0")
	out = p.must("drive", "status", "lto0")
	assert.Contains(t, out, "online")
	assert.Contains(t, out, "DLY002L8")
	_, errOut, code := p.run("library", "load", "DLY003L8", "--drive", "lto0")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "drive lto0 already holds DLY002L8")
	out = p.must("library", "unload", "--drive", "lto0")
	assert.Contains(t, out, "DLY002L8 unloaded: honcho/drive/lto0 -> honcho/lib0/slot/2")
	out = p.must("library", "export", "DLY004L8")
	assert.Contains(t, out, "honcho/lib0/mailslot/1")
	out = p.must("library", "mailslot", "take", "1")
	assert.Contains(t, out, "DLY004L8 taken out of mail slot 1")

	// The DAT drive is loaded by a person.
	out = p.must("drive", "insert", "dat0", "DAT003")
	assert.Contains(t, out, "DAT003 loaded: honcho/shelf -> honcho/drive/dat0")
	out = p.must("drive", "eject", "dat0", "--to", "honcho/safe")
	assert.Contains(t, out, "DAT003 unloaded: honcho/drive/dat0 -> honcho/safe")

	out = p.must("audit", "log", "--barcode", "DLY002L8")
	assert.Contains(t, out, "loaded")
	assert.Contains(t, out, "unloaded")
	out = p.must("audit", "verify")
	assert.Contains(t, out, "intact")

	// Offline tape commands refuse a drive the daemon holds.
	_, errOut, code = p.run("tape", "status", "--device", filepath.Join(p.stateDir, "drives", "dat0.json"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "busy")
	// ... and work on a cartridge image.
	out = p.must("tape", "read-label", "--device", filepath.Join(p.stateDir, "cartridges", "DAT002.vtape"))
	assert.Contains(t, out, "barcode:     DAT002")
	assert.Contains(t, out, "pool:        dat")
	out = p.must("tape", "status", "--device", filepath.Join(p.stateDir, "cartridges", "DAT002.vtape"))
	assert.Contains(t, out, "limits:      block limits 1 - 2097152 bytes, at most 524288 bytes per transfer (virtual adapter); largest read or write 524288 bytes")
	assert.Contains(t, out, "tapealert:   none raised")
}

func TestConfigCheckExitCodes(t *testing.T) {
	out, _, code := runCLI(t, nil, "", "config", "check", "--demo")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "ok")
	_, errOut, code := runCLI(t, nil, "", "config", "check", "--config", "../../testdata/config/bad.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "bad.yaml:14: sites[1].distance_km: expected a number")
	out, _, code = runCLI(t, nil, "", "config", "check", "--config", "../../contrib/examples/demo.yaml")
	assert.Equal(t, 0, code, out)
	_, errOut, code = runCLI(t, nil, "", "config", "check", "--config", "/nonexistent/tapewarden.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no such file")
}

// TestUnauthorisedPeerIsRefused runs the CLI as user nobody against a
// socket it can open: the daemon's peer-credential check must refuse it.
func TestUnauthorisedPeerIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another user; the peer-credential refusal was not tested end to end")
	}
	p := startDemo(t, stateDir(t))
	p.must("media", "add", "E2E001L8", "--pool", "daily", "--at", "honcho/shelf")
	require.NoError(t, os.Chmod(p.socket, 0o666)) // a socket opened too widely by mistake
	cmd := exec.Command(binary, "media", "add", "E2E002L8", "--at", "honcho/shelf")
	cmd.Env = append(os.Environ(), "TAPEWARDEN_SOCKET="+p.socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	require.Error(t, err)
	assert.Equal(t, 1, cmd.ProcessState.ExitCode())
	assert.Contains(t, stderr.String(), "not root and not in any of the groups tapewarden (admin)")
	out := p.must("media", "list")
	assert.NotContains(t, out, "E2E002L8", "the refused request changed the catalog")
}

// TestKillDuringMoves kills the daemon with SIGKILL during a burst of
// moves. Afterwards the catalog passes its integrity check and the audit
// chain verifies, and every move the API acknowledged is there.
func TestKillDuringMoves(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			dir := stateDir(t)
			p := startDemo(t, dir)
			const cartridges = 8
			for i := range cartridges {
				p.must("media", "add", fmt.Sprintf("KIL%03dL8", i), "--pool", "daily", "--at", "honcho/shelf")
			}
			client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", p.socket)
			}}, Timeout: 10 * time.Second}

			type ack struct {
				ID                int64
				Hash, Barcode, To string
			}
			var mu sync.Mutex
			var acks []ack
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for i := range cartridges {
				wg.Add(1)
				go func() {
					defer wg.Done()
					barcode := fmt.Sprintf("KIL%03dL8", i)
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						to := []string{"honcho/safe", "honcho/shelf"}[n%2]
						body := strings.NewReader(fmt.Sprintf(`{"to": %q}`, to))
						resp, err := client.Post("http://tapewarden/v1/media/"+barcode+"/move", "application/json", body)
						if err != nil {
							return // the daemon is gone
						}
						var ev struct {
							ID   int64  `json:"id"`
							Hash string `json:"hash"`
							To   string `json:"to"`
						}
						err = json.NewDecoder(resp.Body).Decode(&ev)
						resp.Body.Close()
						if err != nil || resp.StatusCode != 200 {
							return
						}
						mu.Lock()
						acks = append(acks, ack{ev.ID, ev.Hash, barcode, ev.To})
						mu.Unlock()
					}
				}()
			}
			time.Sleep(time.Duration(200+round*150) * time.Millisecond)
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
			<-p.done
			close(stop)
			wg.Wait()
			require.NotEmpty(t, acks, "no move was acknowledged before the kill")
			t.Logf("%d moves acknowledged before SIGKILL", len(acks))

			// Restart on the same state directory: the daemon's own start
			// runs the integrity check.
			p2 := startDemo(t, dir)
			out := p2.must("audit", "verify")
			assert.Contains(t, out, "audit chain intact")
			var events []struct {
				ID      int64  `json:"id"`
				Hash    string `json:"hash"`
				Barcode string `json:"barcode"`
				To      string `json:"to"`
			}
			require.NoError(t, json.Unmarshal([]byte(p2.must("audit", "log", "--limit", "100000", "--json")), &events))
			byID := map[int64]int{}
			for i, e := range events {
				byID[e.ID] = i
			}
			for _, a := range acks {
				i, ok := byID[a.ID]
				require.True(t, ok, "acknowledged event %d is missing", a.ID)
				assert.Equal(t, a.Hash, events[i].Hash)
				assert.Equal(t, a.Barcode, events[i].Barcode)
				assert.Equal(t, a.To, events[i].To)
			}
			// Each cartridge is where its newest event says.
			for i := range cartridges {
				barcode := fmt.Sprintf("KIL%03dL8", i)
				var show struct {
					Location struct {
						Text string `json:"text"`
					} `json:"location"`
					Events []struct {
						To string `json:"to"`
					} `json:"events"`
				}
				require.NoError(t, json.Unmarshal([]byte(p2.must("media", "show", barcode, "--json")), &show))
				assert.Equal(t, show.Events[0].To, show.Location.Text, barcode)
			}
		})
	}
}

// TestJSONOutputKeepsExitCodes checks that --json changes only what is
// printed: the commands still read the answer to choose their exit code.
func TestJSONOutputKeepsExitCodes(t *testing.T) {
	p := startDemo(t, stateDir(t))

	var st struct {
		Healthy bool `json:"healthy"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("status", "--json")), &st))
	assert.True(t, st.Healthy)

	var v struct {
		OK     bool  `json:"ok"`
		Events int64 `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("audit", "verify", "--json")), &v))
	assert.True(t, v.OK)

	var run struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("job", "run", "juki-daily", "--wait", "--json")), &run))
	assert.Equal(t, "succeeded", run.State)
	assert.NotZero(t, run.ID)
}
