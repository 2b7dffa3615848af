package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// jsonOf runs a CLI command with --json and decodes its answer.
func jsonOf[T any](p *daemonProc, args ...string) T {
	p.t.Helper()
	var v T
	out := p.must(append(args, "--json")...)
	require.NoError(p.t, json.Unmarshal([]byte(out), &v), out)
	return v
}

// openLoadPrompt waits for the open prompt asking a person to load a
// cartridge into drive.
func openLoadPrompt(p *daemonProc, drive string) media.Prompt {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, pr := range jsonOf[[]media.Prompt](p, "prompt", "list") {
			if pr.Kind == "load" && pr.Drive == drive && pr.State == media.PromptOpen {
				return pr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("no prompt to load %s came", drive)
	return media.Prompt{}
}

// person does what a load prompt asks: puts the cartridge in, says done.
func person(p *daemonProc, pr media.Prompt) {
	p.t.Helper()
	p.must("drive", "insert", pr.Drive, pr.Barcode)
	p.must("prompt", "done", fmt.Sprint(pr.ID))
}

// datGeneration writes a generation of website-weekly on the DAT drive,
// playing the person who loads and labels the cartridge, and takes the
// cartridge out again.
func datGeneration(p *daemonProc) {
	t := p.t
	t.Helper()
	// (the blank cartridge is labelled first: a second prompt).
	run := jsonOf[media.Run](p, "job", "run", "website-weekly")
	person(p, openLoadPrompt(p, "dat0"))
	deadline := time.Now().Add(time.Minute)
	for {
		r := jsonOf[media.Run](p, "run", "show", fmt.Sprint(run.ID))
		if r.State.Finished() {
			require.Equal(t, media.RunSucceeded, r.State, r.Reason)
			break
		}
		for _, pr := range jsonOf[[]media.Prompt](p, "prompt", "list") {
			if pr.Kind == "label" {
				p.must("prompt", "done", fmt.Sprint(pr.ID))
			}
		}
		require.True(t, time.Now().Before(deadline), "the DAT run did not finish: %s", r.State)
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range jsonOf[[]map[string]any](p, "drive", "list") {
		if d["name"] == "dat0" && d["cartridge"] != nil {
			p.must("drive", "eject", "dat0", "--to", "honcho/shelf")
		}
	}

}

// A CLI waiting for a restore rides out the daemon's crash and restart
// with a message, and reports the restore as the restarted daemon does:
// failed, with why.
func TestWaitRidesOutADaemonRestart(t *testing.T) {
	dir := stateDir(t)
	p := startDemo(t, dir)
	datGeneration(p)
	pollEvery = 20 * time.Millisecond
	t.Cleanup(func() { pollEvery = time.Second })

	type result struct {
		out, errOut string
		err         error
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, err := inProcess(context.Background(), p.socket, "restore", "--job", "website-weekly", "--to", t.TempDir())
		done <- result{out, errOut, err}
	}()
	openLoadPrompt(p, "dat0")
	var op media.Operation
	require.Eventually(t, func() bool {
		ops := jsonOf[[]media.Operation](p, "operation", "list")
		if len(ops) == 1 {
			op = ops[0]
		}
		return len(ops) == 1
	}, 30*time.Second, 50*time.Millisecond)

	p.kill(syscall.SIGKILL)
	time.Sleep(200 * time.Millisecond)
	startDemo(t, dir)
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the CLI did not report the restore after the restart")
	}
	require.Error(t, r.err)
	assert.Equal(t, exitFailed, exitCode(r.err))
	assert.Contains(t, r.err.Error(), fmt.Sprintf("operation %d failed: the daemon stopped (crashed or was killed) while the restore was running; start it again", op.ID))
	assert.Contains(t, r.errOut, "the daemon stopped answering")
	assert.Contains(t, r.errOut, "the daemon answers again")
}

// operation cancel stops a restore waiting for a person; it ends
// cancelled, with who cancelled it.
func TestCancelARestore(t *testing.T) {
	p := startDemo(t, stateDir(t))
	datGeneration(p)
	op := jsonOf[media.Operation](p, "restore", "--job", "website-weekly", "--to", t.TempDir(), "--wait=false")
	assert.Equal(t, media.OperationRunning, op.State)
	openLoadPrompt(p, "dat0")
	out := p.must("operation", "cancel", fmt.Sprint(op.ID))
	assert.Contains(t, out, fmt.Sprintf("operation %d cancelled: cancelled by", op.ID))
	_, errOut, code := p.run("operation", "wait", fmt.Sprint(op.ID))
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "cancelled")
	_, errOut, code = p.run("operation", "cancel", fmt.Sprint(op.ID))
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "has already cancelled")
	_, errOut, code = p.run("operation", "show", "x")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `operation ID "x" is not a number`)
	assert.Contains(t, p.must("operation", "list"), "no operation in progress")
	assert.Contains(t, p.must("operation", "list", "--all"), "cancelled")
}

// inProcess runs the CLI in this process (so that the test can shorten its
// timeouts) and returns its output and error.
func inProcess(ctx context.Context, socket string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	root := newRootCommand(&out, &errOut)
	root.SetArgs(append([]string{"--socket", socket}, args...))
	err := root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

// Done when: a restore that waits for a person far longer than any
// request may take completes and the CLI reports it; killing the CLI
// that started it does not stop it; Ctrl-C stops only the waiting.
func TestRestoreWaitingForAPersonOutlivesTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))

	datGeneration(p)

	// The restore is started by a CLI that is then killed while the
	// restore waits for a person.
	to := t.TempDir()
	cli := exec.Command(binary, "restore", "--job", "website-weekly", "--to", to)
	cli.Env = append(os.Environ(), "TAPEWARDEN_SOCKET="+p.socket)
	cliErr := &syncBuffer{}
	cli.Stderr = cliErr
	require.NoError(t, cli.Start())
	pr := openLoadPrompt(p, "dat0")
	var op media.Operation
	require.Eventually(t, func() bool {
		ops := jsonOf[[]media.Operation](p, "operation", "list")
		if len(ops) == 1 && ops[0].Progress != nil && ops[0].Progress.Waiting != "" {
			op = ops[0]
			return true
		}
		return false
	}, 30*time.Second, 50*time.Millisecond)
	assert.Contains(t, op.Progress.Waiting, "a person")
	assert.Eventually(t, func() bool { return strings.Contains(cliErr.String(), fmt.Sprintf("is operation %d", op.ID)) },
		10*time.Second, 20*time.Millisecond, "the CLI says which operation it waits for")
	require.NoError(t, cli.Process.Kill())
	_ = cli.Wait()
	assert.Contains(t, p.must("status"), fmt.Sprintf("operation %d", op.ID), "status lists the operation in progress")

	// Each request now gives up after 100 ms; the restore waits much
	// longer than that for the person.
	requestTimeout, pollEvery = 100*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { requestTimeout, pollEvery = 0, time.Second })

	// Ctrl-C stops the waiting, not the restore, and says how to follow.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, _, err := inProcess(ctx, p.socket, "operation", "wait", fmt.Sprint(op.ID))
	cancel()
	require.Error(t, err)
	assert.Equal(t, exitFailed, exitCode(err))
	assert.Contains(t, err.Error(), fmt.Sprintf("'tapewarden operation show %d'", op.ID))
	still := jsonOf[media.Operation](p, "operation", "show", fmt.Sprint(op.ID))
	assert.Equal(t, media.OperationRunning, still.State)

	type result struct {
		out, errOut string
		err         error
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, err := inProcess(context.Background(), p.socket, "operation", "wait", fmt.Sprint(op.ID))
		done <- result{out, errOut, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("the wait ended before the person came: %v\n%s%s", r.err, r.out, r.errOut)
	case <-time.After(2 * time.Second): // twenty request timeouts
	}
	person(p, pr)
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the restore did not end after the person loaded the cartridge")
	}
	require.NoError(t, r.err, r.out+r.errOut)
	assert.Contains(t, r.out, "succeeded")
	data, err := os.ReadFile(filepath.Join(to, p.stateDir, "demo-data", "website", "index.html"))
	require.NoError(t, err, "the restored site")
	assert.Contains(t, string(data), "Shelter information")
	final := jsonOf[media.Operation](p, "operation", "show", fmt.Sprint(op.ID))
	assert.Equal(t, media.OperationSucceeded, final.State)
	assert.NotContains(t, p.must("status"), fmt.Sprintf("operation %d", op.ID), "a finished operation is not in progress")
}
