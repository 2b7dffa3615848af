package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// CopyPlaceholder in an argument of catalog.copies.send is replaced by the
// path of the copy being sent.
const CopyPlaceholder = "{copy}"

// CopiesConfig is the daemon's own copies of the catalog: a consistent
// copy every night after the last run and every Every while runs change
// the catalog, the newest Keep kept in the copies directory, the newest
// sent away by Send.
type CopiesConfig struct {
	// Keep is how many scheduled copies stay in the copies directory
	// (at least 1); older ones are removed.
	Keep int `yaml:"keep"`
	// Every is how often a copy is made while runs are changing the
	// catalog (default 1h).
	Every Duration `yaml:"every"`
	// Send, when set, is run (never through a shell) after each copy to
	// send it off the machine; {copy} in an argument, and the variable
	// TAPEWARDEN_CATALOG_COPY, are the copy's path.
	Send []string `yaml:"send"`
	// SendTimeout bounds one run of Send (default 30m).
	SendTimeout Duration `yaml:"send_timeout"`
	// MaxAge is the age after which the newest copy, or the newest sent
	// copy, is too old: the alert rules compare with it (default 26h).
	MaxAge Duration `yaml:"max_age"`
}

func (c *CopiesConfig) applyDefaults() {
	if c == nil {
		return
	}
	if c.Every == 0 {
		c.Every = Duration(time.Hour)
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = Duration(30 * time.Minute)
	}
	if c.MaxAge == 0 {
		c.MaxAge = Duration(26 * time.Hour)
	}
}

// validateCopies checks catalog.copies; it reads the file system (the
// copies directory, the send command) and changes nothing.
func (c *Config) validateCopies(v *validator) {
	cc := c.Catalog.Copies
	if cc == nil {
		return
	}
	if cc.Keep < 1 {
		v.fail(0, "catalog.copies.keep", "%d: say how many copies to keep, at least 1 (e.g. keep: 14)", cc.Keep)
	}
	if cc.Every.D() < time.Minute {
		v.fail(0, "catalog.copies.every", "%s is too often; give at least 1m (e.g. every: 1h)", cc.Every)
	}
	if cc.SendTimeout.D() < time.Second {
		v.fail(0, "catalog.copies.send_timeout", "%s is too short; give at least 1s (e.g. send_timeout: 30m)", cc.SendTimeout)
	}
	if cc.MaxAge.D() < cc.Every.D() {
		v.fail(0, "catalog.copies.max_age", "%s is shorter than every (%s): the alert would fire between two copies; give more (e.g. max_age: 26h)", cc.MaxAge, cc.Every)
	}
	if len(cc.Send) > 0 {
		if msg := commandProblem(cc.Send); msg != "" {
			v.fail(0, "catalog.copies.send", "%s", msg)
		}
	}
	// The default copies directory is made under the state directory by
	// the daemon itself; a configured one is checked here.
	if c.Catalog.CopiesDir != "" && filepath.IsAbs(c.Catalog.CopiesDir) {
		if msg := dirProblem(c.Catalog.CopiesDir); msg != "" {
			v.fail(0, "catalog.copies_dir", "%s", msg)
		}
	}
}

// commandProblem says what is wrong with a command to run, or "".
func commandProblem(argv []string) string {
	for i, a := range argv {
		if strings.TrimSpace(a) == "" {
			return fmt.Sprintf("argument %d is empty", i) + "; give the program and its arguments as a list, e.g. [rsync, -t, \"{copy}\", \"backup@annex:/srv/catalog/\"]"
		}
	}
	prog := argv[0]
	if strings.ContainsAny(prog, " \t") && !filepath.IsAbs(prog) {
		return "program " + quote(prog) + " contains a space: the command is not run through a shell; give the program and each argument as separate list items"
	}
	if _, err := exec.LookPath(prog); err != nil {
		if filepath.IsAbs(prog) {
			return "program " + quote(prog) + " does not exist or is not executable; install it or give the right path"
		}
		return "program " + quote(prog) + " is not found in PATH; install it or give its full path"
	}
	return ""
}

// dirProblem says why the daemon could not write copies into dir, or "".
// A directory that does not exist yet is made by the daemon, if its
// parent is writable.
func dirProblem(dir string) string {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(dir)
		if pfi, perr := os.Stat(parent); perr != nil || !pfi.IsDir() {
			return quote(dir) + " does not exist and neither does " + quote(parent) + "; create it for the daemon's user"
		}
		if unix.Access(parent, unix.W_OK|unix.X_OK) != nil {
			return quote(dir) + " does not exist and " + quote(parent) + " is not writable; create it, writable by the daemon's user"
		}
		return ""
	case err != nil:
		return quote(dir) + ": " + err.Error()
	case !fi.IsDir():
		return quote(dir) + " is not a directory; give a directory for the copies"
	}
	if unix.Access(dir, unix.W_OK|unix.X_OK) != nil {
		return quote(dir) + " is not writable; make it writable by the daemon's user (chown tapewarden, chmod 0700)"
	}
	return ""
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
