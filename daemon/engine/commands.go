package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/daemon/config"
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

// commandEnv is how a job's commands run: the whole environment they get
// (never the daemon's own), and what of them the run log may show.
type commandEnv struct {
	env     []string
	secrets []string
	logArgs bool
}

// defaultPath is the commands' PATH when the daemon has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// jobCommandEnv is the environment of a job's commands: PATH, HOME and
// LANG as the daemon has them (PATH and LANG with defaults), TZ the
// configured time zone, the run's facts as TAPEWARDEN_*, then the job's
// env and secret_env.
func (d *Engine) jobCommandEnv(job *config.JobConfig, facts map[string]string) commandEnv {
	vars := map[string]string{"PATH": defaultPath, "LANG": "C.UTF-8", "TZ": d.cfg.Timezone}
	for _, name := range []string{"PATH", "HOME", "LANG"} {
		if v, ok := os.LookupEnv(name); ok && v != "" {
			vars[name] = v
		}
	}
	if d.cfg.Timezone == "Local" || d.cfg.Timezone == "" {
		delete(vars, "TZ")
		if v, ok := os.LookupEnv("TZ"); ok {
			vars["TZ"] = v
		}
	}
	for k, v := range facts {
		if v != "" {
			vars["TAPEWARDEN_"+k] = v
		}
	}
	maps.Copy(vars, job.Env)
	ce := commandEnv{logArgs: job.LogArguments}
	for k, v := range job.SecretEnv {
		vars[k] = v
		ce.secrets = append(ce.secrets, v)
	}
	// Longer secrets first, so that one containing another is masked whole.
	sort.Slice(ce.secrets, func(i, j int) bool { return len(ce.secrets[i]) > len(ce.secrets[j]) })
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		ce.env = append(ce.env, k+"="+vars[k])
	}
	return ce
}

// mask hides every secret value in s.
func (e commandEnv) mask(s string) string {
	for _, v := range e.secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[secret]")
		}
	}
	return s
}

// describe is what the run log says about a command: its program, or with
// log_arguments its whole command line (secrets masked).
func (e commandEnv) describe(argv []string) string {
	if e.logArgs {
		return e.mask(strings.Join(argv, " "))
	}
	if len(argv) == 1 {
		return argv[0]
	}
	return argv[0] + " (arguments not logged; log_arguments: true shows them)"
}

// command makes an exec.Cmd with this environment.
func (e commandEnv) command(ctx context.Context, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = e.env
	if cmd.Env == nil {
		cmd.Env = []string{} // never the daemon's own environment
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// runCommand runs a pre- or post-command with a timeout, logging its
// output; the error says how it failed and quotes the end of its output.
func runCommand(ctx context.Context, what string, argv []string, ce commandEnv, timeout time.Duration, log *runLog) error {
	if len(argv) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := ce.command(ctx, argv)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	log.printf("%s: %s", what, ce.describe(argv))
	err := cmd.Run()
	if out.Len() > 0 {
		log.printf("%s output:\n%s", what, ce.mask(tail(out.String(), 200)))
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
			msg += ": " + ce.mask(t)
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%s %q: %s", what, argv[0], ce.mask(err.Error()))
}

// sourceCommand is a job's source command, whose standard output is the
// data.
type sourceCommand struct {
	cmd    *exec.Cmd
	env    commandEnv
	stderr bytes.Buffer
}

func startSource(ctx context.Context, argv []string, ce commandEnv, log *runLog) (*sourceCommand, *bytesReader, error) {
	sc := &sourceCommand{cmd: ce.command(ctx, argv), env: ce}
	sc.cmd.Stderr = &sc.stderr
	out, err := sc.cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	log.printf("source command: %s", ce.describe(argv))
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
		log.printf("source command stderr:\n%s", sc.env.mask(tail(sc.stderr.String(), 100)))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := fmt.Sprintf("source command %q exited with status %d, so the data it produced is incomplete", sc.cmd.Path, ee.ExitCode())
		if t := strings.TrimSpace(tail(sc.stderr.String(), 3)); t != "" {
			msg += ": " + sc.env.mask(t)
		}
		return errors.New(msg)
	}
	return err
}

// secretsExposed warns when the configuration file holds secret_env values
// and others than its owner may read it.
func secretsExposed(cfg *config.Config) string {
	if cfg.File == "" || cfg.Demo {
		return ""
	}
	secrets := false
	for i := range cfg.Jobs {
		secrets = secrets || len(cfg.Jobs[i].SecretEnv) > 0
	}
	if !secrets {
		return ""
	}
	fi, err := os.Stat(cfg.File)
	if err != nil || fi.Mode().Perm()&0o044 == 0 {
		return ""
	}
	return fmt.Sprintf("the configuration file %s holds secret_env values and others may read it (mode %04o); make it readable by its owner only: chmod 600 %s", cfg.File, fi.Mode().Perm(), cfg.File)
}
