package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// runLog collects a run's log: timestamped lines, including the output of
// its pre-, post- and source commands. It is stored with the run.
type runLog struct {
	mu  sync.Mutex
	buf strings.Builder
	now func() time.Time
	// persist, when set, stores each line with the run as it is written,
	// so the log survives a crash of the daemon.
	persist func(line string)
}

const maxRunLog = 256 << 10

func (l *runLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > maxRunLog {
		return
	}
	line := media.LogLinePrefix(l.now()) + fmt.Sprintf(format, args...) + "\n"
	if l.buf.Len()+len(line) > maxRunLog {
		line = "... (log truncated)\n"
	}
	l.buf.WriteString(line)
	if l.persist != nil {
		l.persist(line)
	}
}

func (l *runLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runCommand runs a pre- or post-command with a timeout, logging its
// output; the error says how it failed and quotes the end of its output.
func runCommand(ctx context.Context, what string, argv []string, timeout time.Duration, log *runLog) error {
	if len(argv) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	log.printf("%s: %s", what, strings.Join(argv, " "))
	err := cmd.Run()
	if out.Len() > 0 {
		log.printf("%s output:\n%s", what, tail(out.String(), 200))
	}
	switch {
	case err == nil:
		log.printf("%s succeeded", what)
		return nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s %q did not finish within %s", what, argv[0], timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := fmt.Sprintf("%s %q exited with status %d", what, argv[0], ee.ExitCode())
		if t := strings.TrimSpace(tail(out.String(), 3)); t != "" {
			msg += ": " + t
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%s %q: %w", what, argv[0], err)
}

// sourceCommand is a job's source command, whose standard output is the
// data.
type sourceCommand struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

func startSource(ctx context.Context, argv []string, log *runLog) (*sourceCommand, *bytesReader, error) {
	sc := &sourceCommand{cmd: exec.CommandContext(ctx, argv[0], argv[1:]...)}
	sc.cmd.Stderr = &sc.stderr
	sc.cmd.WaitDelay = 5 * time.Second
	out, err := sc.cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	log.printf("source command: %s", strings.Join(argv, " "))
	if err := sc.cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start source command %q: %w", argv[0], err)
	}
	return sc, &bytesReader{r: out}, nil
}

// wait reaps the source command; a non-zero exit means the data written
// is incomplete.
func (sc *sourceCommand) wait(log *runLog) error {
	err := sc.cmd.Wait()
	if sc.stderr.Len() > 0 {
		log.printf("source command stderr:\n%s", tail(sc.stderr.String(), 100))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := fmt.Sprintf("source command %q exited with status %d, so the data it produced is incomplete", sc.cmd.Path, ee.ExitCode())
		if t := strings.TrimSpace(tail(sc.stderr.String(), 3)); t != "" {
			msg += ": " + t
		}
		return errors.New(msg)
	}
	return err
}
