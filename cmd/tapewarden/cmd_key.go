package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"filippo.io/age"
	"github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/engine"
)

// The key commands work offline, on files: they never talk to the daemon,
// and an identity (the secret part of a key) is only ever read from a file
// or typed at the terminal, never taken from the command line, and never
// logged.

// identityPrefix starts every age X25519 identity.
const identityPrefix = "AGE-SECRET-KEY-1"

func (a *app) keyCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "key",
		Short: "Make, print and re-enter the age keys that encrypt tape files (offline)",
		Long: `Encrypted pools write to age recipients (public keys, age1...). Restoring needs
the matching identity (the secret key). These commands work on files only and
do not talk to the daemon; run them on the machine that keeps the key, which
need not be the backup server.

'key check' is the exception: it asks the daemon to read the newest encrypted
generation of every encrypted pool with the identity, sent over the socket.

An identity is never accepted on the command line: only as a file path, or
typed at the terminal by 'key import'.`,
	}
	c.AddCommand(a.keyGenerateCommand(), a.keyEscrowCommand(), a.keyImportCommand(), a.keyCheckCommand())
	return c
}

// createSecretFile creates path with mode 0600, refusing to overwrite.
func createSecretFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, usagef("%s already exists; a key file is never overwritten: choose another name, or move the old one away if you are sure no tape needs it", path)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// writeIdentityFile writes id in age-keygen's format to a new file.
func writeIdentityFile(path string, id *age.X25519Identity, note string) error {
	return writeSecretFile(path, fmt.Appendf(nil, "# %s: %s\n# public key: %s\n%s\n", note, time.Now().UTC().Format(time.RFC3339), id.Recipient(), id))
}

// writeSecretFile writes data to a new file of mode 0600, removing it
// again if the write fails.
func writeSecretFile(path string, data []byte) error {
	f, err := createSecretFile(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("write %s: %w; a partial key file is left there: delete it (%v)", path, err, rerr)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (a *app) keyGenerateCommand() *cobra.Command {
	var out string
	var passphrase bool
	var pf passphraseFlag
	c := &cobra.Command{
		Use:   "generate --out FILE [--passphrase [--passphrase-fd N]]",
		Short: "Write a new identity to FILE (mode 0600) and print its recipient",
		Long: `Writes a new age X25519 identity to FILE, readable only by you, and prints its
recipient (age1..., the public key for a pool's recipients:) and fingerprint.
FILE must not exist. Keep FILE off the backup server; print a paper copy with
'tapewarden key escrow'.

With --passphrase the identity is written encrypted with age to a passphrase
typed twice at the terminal (echo off), or read once from --passphrase-fd N:
an armored age file, as 'age -p -a' writes it. 'tapewarden restore
--identity FILE', 'key check', 'catalog rebuild' and 'restore --from-tape'
ask for the passphrase and open it on this machine; Debian's
'age -d -i FILE' asks for it too. Forget the passphrase and the file is
useless: keep a paper key (of an identity in the clear, made before it is
protected) sealed at the remote site.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("key generate: --out FILE is needed")
			}
			if pf.fd >= 0 && !passphrase {
				return usagef("key generate: --passphrase-fd goes with --passphrase")
			}
			if _, err := os.Lstat(out); err == nil {
				return usagef("%s already exists; a key file is never overwritten: choose another name, or move the old one away if you are sure no tape needs it", out)
			}
			id, err := age.GenerateX25519Identity()
			if err != nil {
				return err
			}
			how := "mode 0600"
			if passphrase {
				pass, err := a.newPassphrase(pf, out)
				if err != nil {
					return err
				}
				err = writePassphraseIdentity(out, id, pass, "created "+time.Now().UTC().Format(time.RFC3339))
				clear(pass)
				if err != nil {
					return err
				}
				how = "mode 0600, encrypted with the passphrase"
			} else if err := writeIdentityFile(out, id, "created"); err != nil {
				return err
			}
			r := id.Recipient().String()
			fmt.Fprintf(a.out, "identity written to %s (%s)\nrecipient:   %s\nfingerprint: %s\n", out, how, r, archive.Fingerprint(r))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the identity file to create")
	c.Flags().BoolVar(&passphrase, "passphrase", false, "protect the identity with a passphrase (asked twice at the terminal)")
	pf.add(c.Flags())
	return c
}

// looksLikeIdentity tells whether an argument is a key rather than a path.
func looksLikeIdentity(arg string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(arg)), "AGE-SECRET-KEY-")
}

// readOneIdentity reads the single identity of an identity file, asking
// for its passphrase if it is protected by one.
func (a *app) readOneIdentity(path string, pf passphraseFlag) (*age.X25519Identity, error) {
	text, ids, err := a.identityText(path, pf)
	clear(text)
	if err != nil {
		return nil, err
	}
	xs := ids.X25519()
	if len(xs) != 1 {
		return nil, fmt.Errorf("%s holds %d identities; a paper key is made of exactly one", path, len(xs))
	}
	return xs[0], nil
}

// paperGroups cuts the identity after its prefix into groups of four
// characters, eight groups a line, for typing back.
func paperGroups(id string) []string {
	data := strings.TrimPrefix(id, identityPrefix)
	var lines []string
	var groups []string
	for i := 0; i < len(data); i += 4 {
		groups = append(groups, data[i:min(i+4, len(data))])
		if len(groups) == 8 {
			lines = append(lines, strings.Join(groups, " "))
			groups = nil
		}
	}
	if len(groups) > 0 {
		lines = append(lines, strings.Join(groups, " "))
	}
	return lines
}

// paperText is the paper key as text.
func paperText(id *age.X25519Identity) (string, error) {
	secret := id.String()
	qr, err := qrcode.New(secret, qrcode.Medium)
	if err != nil {
		return "", err
	}
	r := id.Recipient().String()
	var b strings.Builder
	fmt.Fprintf(&b, "TAPEWARDEN PAPER KEY - SECRET: whoever holds this reads every tape encrypted to it.\n\n")
	fmt.Fprintf(&b, "recipient:   %s\nfingerprint: %s\nprinted:     %s\n\n", r, archive.Fingerprint(r), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "identity (type it back with 'tapewarden key import'; spaces do not matter):\n\n")
	fmt.Fprintf(&b, "%s\n", identityPrefix)
	for _, l := range paperGroups(secret) {
		fmt.Fprintf(&b, "%s\n", l)
	}
	fmt.Fprintf(&b, "\nthe same identity as a QR code:\n\n%s\n", qr.ToSmallString(false))
	fmt.Fprintf(&b, "Recovery without tapewarden: save the identity as key.txt, then\n"+
		"  mt -f /dev/nst0 rewind; mt -f /dev/nst0 fsf 1\n"+
		"  dd if=/dev/nst0 bs=256k | age -d -i key.txt | tar -xvf -\n")
	return b.String(), nil
}

// paperPDF is the paper key as an A4 PDF.
func paperPDF(id *age.X25519Identity) ([]byte, error) {
	secret := id.String()
	png, err := qrcode.Encode(secret, qrcode.Medium, 512)
	if err != nil {
		return nil, err
	}
	r := id.Recipient().String()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false) // the text stays searchable in the file
	pdf.SetTitle("tapewarden paper key "+archive.Fingerprint(r), true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.MultiCell(0, 7, "tapewarden paper key - SECRET", "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, "Whoever holds this page reads every tape encrypted to the recipient below. Keep it sealed.", "", "L", false)
	pdf.Ln(3)
	pdf.SetFont("Courier", "", 10)
	pdf.MultiCell(0, 5, "recipient:   "+r+"\nfingerprint: "+archive.Fingerprint(r)+"\nprinted:     "+time.Now().UTC().Format("2006-01-02"), "", "L", false)
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, "Identity (type it back with 'tapewarden key import'; spaces do not matter):", "", "L", false)
	pdf.Ln(2)
	pdf.SetFont("Courier", "B", 14)
	pdf.MultiCell(0, 7, identityPrefix+"\n"+strings.Join(paperGroups(secret), "\n"), "", "L", false)
	pdf.Ln(4)
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", pdf.GetX(), pdf.GetY(), 70, 70, true, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.Ln(4)
	pdf.SetFont("Courier", "", 9)
	pdf.MultiCell(0, 4.5, "Recovery without tapewarden: save the identity as key.txt, then\n"+
		"  mt -f /dev/nst0 rewind; mt -f /dev/nst0 fsf 1\n"+
		"  dd if=/dev/nst0 bs=256k | age -d -i key.txt | tar -xvf -", "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("make the PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func (a *app) keyEscrowCommand() *cobra.Command {
	var identity, format, out string
	var pf passphraseFlag
	c := &cobra.Command{
		Use:   "escrow --identity FILE [--format text|pdf] [--out FILE]",
		Short: "Print a paper key: the identity as text and as a QR code",
		Long: `Prints the identity in FILE as a paper key to keep sealed at the remote site:
the identity in groups of four characters, the same as a QR code, its
recipient and fingerprint, and the commands that recover a tape with Debian's
age and GNU tar. --format text writes to standard output (or --out); --format
pdf needs --out. --out files are created with mode 0600 and never overwritten.
A passphrase-protected identity file is opened with its passphrase first; the
paper key holds the identity itself, not the passphrase.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if identity == "" {
				return usagef("key escrow: --identity FILE is needed")
			}
			if looksLikeIdentity(identity) {
				return usagef("key escrow: --identity takes the path of an identity file, never the key itself (which is now in your shell's history: remove it there)")
			}
			if format != "text" && format != "pdf" {
				return usagef("key escrow: --format must be text or pdf, not %q", format)
			}
			if format == "pdf" && out == "" {
				return usagef("key escrow: --format pdf needs --out FILE")
			}
			id, err := a.readOneIdentity(identity, pf)
			if err != nil {
				return err
			}
			var data []byte
			if format == "pdf" {
				data, err = paperPDF(id)
			} else {
				var s string
				s, err = paperText(id)
				data = []byte(s)
			}
			if err != nil {
				return err
			}
			if out == "" {
				_, err := a.out.Write(data)
				return err
			}
			f, err := createSecretFile(out)
			if err != nil {
				return err
			}
			_, err = f.Write(data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				if rerr := os.Remove(out); rerr != nil {
					return fmt.Errorf("write %s: %w; a partial paper key is left there: delete it (%v)", out, err, rerr)
				}
				return fmt.Errorf("write %s: %w", out, err)
			}
			fmt.Fprintf(a.out, "paper key written to %s (mode 0600); print it, then delete the file\n", out)
			return nil
		},
	}
	c.Flags().StringVar(&identity, "identity", "", "the identity file")
	c.Flags().StringVar(&format, "format", "text", "text or pdf")
	c.Flags().StringVar(&out, "out", "", "write to this new file instead of standard output")
	pf.add(c.Flags())
	return c
}

// parsePaperKey turns what was typed from a paper key into an identity:
// spaces, line breaks and case do not matter, and the prefix may be left
// out. age's checksum catches a mistyped character.
func parsePaperKey(typed string) (*age.X25519Identity, error) {
	s := strings.ToUpper(strings.Join(strings.Fields(typed), ""))
	if s == "" {
		return nil, usagef("key import: nothing was typed")
	}
	if !strings.HasPrefix(s, identityPrefix) {
		s = identityPrefix + s
	}
	id, err := age.ParseX25519Identity(s)
	if err != nil {
		// Never echo what was typed: it is (nearly) the secret.
		return nil, usagef("key import: what was typed is not the identity on the paper key (a character is wrong, missing or extra; its checksum does not match): type it again, group by group")
	}
	return id, nil
}

func (a *app) keyImportCommand() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "import --out FILE",
		Short: "Type a paper key back into an identity file",
		Long: `Reads the identity from a paper key typed at the terminal (or piped in):
the groups of characters under "identity", with or without spaces, line breaks
and the AGE-SECRET-KEY-1 prefix, ended by an empty line or end of input. Writes
it to FILE (mode 0600; FILE must not exist) and prints its recipient and
fingerprint: compare them with the paper.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("key import: --out FILE is needed")
			}
			if _, err := os.Lstat(out); err == nil {
				return usagef("%s already exists; a key file is never overwritten: choose another name", out)
			}
			if f, ok := a.in.(*os.File); ok && isTerminal(f) {
				fmt.Fprintln(a.errOut, "Type the identity from the paper key, then an empty line:")
			}
			typed, err := readTyped(a.in)
			if err != nil {
				return err
			}
			id, err := parsePaperKey(typed)
			if err != nil {
				return err
			}
			if err := writeIdentityFile(out, id, "imported from a paper key"); err != nil {
				return err
			}
			r := id.Recipient().String()
			fmt.Fprintf(a.out, "identity written to %s (mode 0600)\nrecipient:   %s\nfingerprint: %s\ncompare both with the paper key\n", out, r, archive.Fingerprint(r))
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the identity file to create")
	return c
}

// readTyped reads lines up to an empty line after some text, or the end.
func readTyped(in io.Reader) (string, error) {
	sc := bufio.NewScanner(in)
	var b strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			if b.Len() > 0 {
				break
			}
			continue
		}
		b.WriteString(line)
		b.WriteByte(' ')
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read the typed key: %w", err)
	}
	return b.String(), nil
}

// isTerminal tells whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (a *app) keyCheckCommand() *cobra.Command {
	var identity string
	var pf passphraseFlag
	c := &cobra.Command{
		Use:   "check --identity FILE [--passphrase-fd N]",
		Short: "Confirm an identity decrypts the newest generation of every encrypted pool (no restore)",
		Long: `For each pool with encryption: age, the daemon gets the first cartridge of its
newest encrypted generation into a drive, reads the trailer and decrypts the
start of the data file with the identity, which age authenticates. Nothing is
restored. The identity file (mode 0600) is read here and sent over the
daemon's socket; the daemon never logs or stores it. A passphrase-protected
identity file is opened here first (see 'key generate --passphrase'). Part of the yearly drill:
check the ICT key and the escrow key. Exits 1 if any pool fails, or if no
encrypted pool has a generation yet (a pool without one is listed, and not
counted as a failure).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if identity == "" {
				return usagef("key check: give the identity file (--identity FILE)")
			}
			text, _, err := a.identityText(identity, pf)
			if err != nil {
				return err
			}
			var res []engine.KeyCheck
			failed, unwritten := 0, 0
			err = show(a, cmd, &res, func(ctx context.Context, c *client.Client) ([]engine.KeyCheck, error) {
				return c.KeyCheck(ctx, engine.KeyCheckRequest{Identity: engine.Secret(text)})
			}, func(w io.Writer) {
				for _, kc := range res {
					if kc.Unwritten {
						unwritten++
						fmt.Fprintf(w, "pool %s: nothing to check yet: %s\n", kc.Pool, kc.Problem)
						continue
					}
					if kc.OK {
						fmt.Fprintf(w, "pool %s: ok: generation %s (run %d of %s) on %s file %d decrypts with this identity\n",
							kc.Pool, kc.Generation, kc.Run, kc.Job, kc.Barcode, kc.File)
						continue
					}
					failed++
					where := ""
					if kc.Run != 0 {
						where = fmt.Sprintf(" generation %s (run %d on %s file %d):", kc.Generation, kc.Run, kc.Barcode, kc.File)
					}
					fmt.Fprintf(w, "pool %s: FAILED:%s %s\n", kc.Pool, where, kc.Problem)
				}
			})
			if err == nil && failed > 0 {
				return fmt.Errorf("the identity does not decrypt %d of %d encrypted pools", failed, len(res)-unwritten)
			}
			if err == nil && unwritten == len(res) {
				return failedError{"no encrypted pool has a generation to check the identity against yet: run a job of one, then check again"}
			}
			return err
		},
	}
	c.Flags().StringVar(&identity, "identity", "", "the age identity file to check (mode 0600)")
	pf.add(c.Flags())
	return c
}
