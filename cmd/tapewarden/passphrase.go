package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// A passphrase-protected identity is an identity file encrypted with age
// to a passphrase (age's scrypt recipient), as 'age -p' and 'tapewarden
// key generate --passphrase' write it; Debian's 'age -d -i FILE' asks for
// its passphrase and uses it as an identity file too.
//
// The CLI opens it itself and sends the daemon only the identity inside,
// in the request body, as it does for an identity file in the clear: the
// passphrase never leaves this process, the daemon handles one kind of
// identity, and the scrypt work (256 MiB and seconds of CPU) is done on
// the person's side, not in the daemon that writes the night's backups.
// The passphrase is read from the terminal with echo off, or from a file
// descriptor named by --passphrase-fd, never from the command line or the
// environment.

const (
	// ageBinaryHeader starts an age file in its binary form.
	ageBinaryHeader = "age-encryption.org/v1\n"
	// ageArmorHeader starts an age file in its text (armored) form.
	ageArmorHeader = "-----BEGIN AGE ENCRYPTED FILE-----"
	// maxPassphrase bounds a passphrase read from a file descriptor.
	maxPassphrase = 1024
)

// passphraseFlag is --passphrase-fd, shared by the commands that read an
// identity file. fd is -1 when the flag is not given.
type passphraseFlag struct{ fd int }

func (p *passphraseFlag) add(f *pflag.FlagSet) {
	p.fd = -1
	f.Var((*fdValue)(&p.fd), "passphrase-fd", "read the passphrase of a passphrase-protected identity file from this open file descriptor N (one line) instead of the terminal")
}

// fdValue is a file descriptor number given on the command line; it shows
// no default in the help.
type fdValue int

func (v *fdValue) String() string {
	if *v < 0 {
		return ""
	}
	return strconv.Itoa(int(*v))
}

func (v *fdValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a file descriptor number (0, 3, 4, ...)", s)
	}
	*v = fdValue(n)
	return nil
}

func (v *fdValue) Type() string { return "N" }

// isEncryptedIdentity tells whether an identity file's text is an age
// file (the identity inside encrypted), rather than identities in the
// clear.
func isEncryptedIdentity(text []byte) bool {
	t := bytes.TrimLeft(text, " \t\r\n")
	return bytes.HasPrefix(t, []byte(ageBinaryHeader)) || bytes.HasPrefix(t, []byte(ageArmorHeader))
}

// errNoPassphrase says a passphrase was needed and could not be asked.
var errNoPassphrase = errors.New("no passphrase was read")

// readPassphrase gets a passphrase: from --passphrase-fd if given, else
// typed at the terminal on standard input with echo off, after prompt.
// A standard input that is not a terminal is refused, saying why a
// passphrase is needed: a passphrase is never read from a pipe unless
// --passphrase-fd says so.
func (a *app) readPassphrase(pf passphraseFlag, prompt, why string) ([]byte, error) {
	if pf.fd >= 0 {
		f := os.NewFile(uintptr(pf.fd), fmt.Sprintf("passphrase-fd %d", pf.fd))
		if f == nil {
			return nil, usagef("--passphrase-fd %d is not an open file descriptor", pf.fd)
		}
		defer func() { _ = f.Close() }() // read only; the descriptor was handed to us for this
		line, err := bufio.NewReaderSize(io.LimitReader(f, maxPassphrase+1), maxPassphrase+1).ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, usagef("--passphrase-fd %d: %v (open it for reading, e.g. 3<FILE)", pf.fd, err)
		}
		if len(line) > maxPassphrase {
			return nil, usagef("--passphrase-fd %d: the passphrase is longer than %d bytes", pf.fd, maxPassphrase)
		}
		pass := bytes.TrimRight(line, "\r\n")
		if len(pass) == 0 {
			return nil, usagef("--passphrase-fd %d gave an empty passphrase", pf.fd)
		}
		return pass, nil
	}
	in, ok := a.in.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, usageError{fmt.Errorf("%s, but standard input is not a terminal to type it at: run the command at a terminal, or give --passphrase-fd N with the passphrase on file descriptor N (never on the command line): %w", why, errNoPassphrase)}
	}
	fmt.Fprintf(a.errOut, "%s: ", prompt)
	pass, err := readNoEcho(int(in.Fd()))
	fmt.Fprintln(a.errOut)
	if err != nil {
		return nil, fmt.Errorf("read the passphrase: %w", err)
	}
	if len(pass) == 0 {
		return nil, usagef("no passphrase was typed")
	}
	return pass, nil
}

// readNoEcho reads a line from the terminal fd with echo off, and turns
// echo back on even when Ctrl-C or SIGTERM ends the command meanwhile.
func readNoEcho(fd int) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		select {
		case s := <-sigs:
			_ = term.Restore(fd, state) // the best we can do on the way out
			fmt.Fprintln(os.Stderr)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	return term.ReadPassword(fd)
}

// openIdentityFile decrypts a passphrase-protected identity file's text
// with a passphrase. The error never quotes the file or the passphrase.
func openIdentityFile(path string, text, pass []byte) ([]byte, error) {
	sid, err := age.NewScryptIdentity(string(pass))
	if err != nil {
		return nil, usagef("the passphrase for %s: %v", path, err)
	}
	var r io.Reader = bytes.NewReader(bytes.TrimLeft(text, " \t\r\n"))
	if bytes.HasPrefix(bytes.TrimLeft(text, " \t\r\n"), []byte(ageArmorHeader)) {
		r = armor.NewReader(r)
	}
	pr, err := age.Decrypt(r, sid)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
			if strings.Contains(err.Error(), "not passphrase-encrypted") {
				return nil, fmt.Errorf("%w: %s is an age file encrypted to a key, not to a passphrase: give the identity file that opens it, or decrypt it with 'age -d' first",
					archive.ErrBadIdentity, path)
			}
			return nil, fmt.Errorf("%w: the passphrase does not open %s (nothing was sent to the daemon): type it again", archive.ErrBadIdentity, path)
		}
		return nil, fmt.Errorf("%w: %s looks like an age-encrypted identity file but does not decrypt: %v", archive.ErrBadIdentity, path, err)
	}
	plain, err := io.ReadAll(io.LimitReader(pr, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: the encrypted identity file is damaged: %v", archive.ErrBadIdentity, path, err)
	}
	return plain, nil
}

// identityText reads an identity file (mode 0600, X25519 identities only,
// in the clear or protected by a passphrase, which it asks for) and
// returns the identities' text, for sending to the daemon in a request
// body, and the identities, for reading here.
func (a *app) identityText(path string, pf passphraseFlag) ([]byte, archive.Identities, error) {
	if looksLikeIdentity(path) {
		return nil, archive.Identities{}, usagef("--identity takes the path of an identity file, never the key itself (a key on the command line is seen by every user of this machine; consider it exposed)")
	}
	text, err := archive.ReadSecretFile(path)
	if err != nil {
		return nil, archive.Identities{}, err
	}
	name := path
	if isEncryptedIdentity(text) {
		pass, err := a.readPassphrase(pf, "Passphrase for "+path, path+" is protected by a passphrase")
		if err != nil {
			return nil, archive.Identities{}, err
		}
		plain, err := openIdentityFile(path, text, pass)
		clear(pass)
		clear(text)
		if err != nil {
			return nil, archive.Identities{}, err
		}
		text, name = plain, path+" (decrypted with its passphrase)"
	} else if pf.fd >= 0 {
		clear(text)
		return nil, archive.Identities{}, usagef("--passphrase-fd: %s is not protected by a passphrase; leave --passphrase-fd out", path)
	}
	ids, err := archive.ParseIdentities(bytes.NewReader(text), name)
	if err != nil {
		clear(text)
		return nil, archive.Identities{}, err
	}
	if len(ids.Fingerprints) == 0 {
		return nil, archive.Identities{}, fmt.Errorf("%w: %s holds no identity", archive.ErrBadIdentity, path)
	}
	return text, ids, nil
}

// writePassphraseIdentity writes id to a new file (mode 0600), encrypted
// with age to pass, armored so that it can be printed or mailed and read
// by Debian's 'age -d'.
func writePassphraseIdentity(path string, id *age.X25519Identity, pass []byte, note string) error {
	sr, err := age.NewScryptRecipient(string(pass))
	if err != nil {
		return usagef("the passphrase: %v", err)
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, sr)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "# %s\n# public key: %s\n%s\n", note, id.Recipient(), id); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := aw.Close(); err != nil {
		return err
	}
	return writeSecretFile(path, buf.Bytes())
}

// newPassphrase asks for a new passphrase: twice at the terminal, or
// once from --passphrase-fd.
func (a *app) newPassphrase(pf passphraseFlag, path string) ([]byte, error) {
	why := "--passphrase protects the new identity with a passphrase"
	pass, err := a.readPassphrase(pf, "New passphrase for "+path, why)
	if err != nil {
		return nil, err
	}
	if pf.fd < 0 {
		again, err := a.readPassphrase(pf, "The same passphrase again", why)
		if err != nil {
			clear(pass)
			return nil, err
		}
		same := bytes.Equal(pass, again)
		clear(again)
		if !same {
			clear(pass)
			return nil, usagef("the two passphrases differ; nothing was written: run the command again")
		}
	}
	if n := utf8.RuneCount(pass); n < 12 {
		clear(pass)
		return nil, usagef("the passphrase is %d characters long; use at least 12 (a few words are easier to type than symbols); nothing was written", n)
	}
	return pass, nil
}
