//go:build unix

package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// cartridge stands in for a tape drive: it takes capacity bytes of blocks,
// then fails like st at early warning.
type cartridge struct {
	bytes.Buffer
	capacity int
}

var errFull = errors.New("end of medium")

func (c *cartridge) Write(p []byte) (int, error) {
	if c.Len()+len(p) > c.capacity {
		return 0, errFull
	}
	return c.Buffer.Write(p)
}

// A backup of a directory and of a command's output that spans two
// cartridges.
func ExampleBackup_Run() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "juki.csv"), bytes.Repeat([]byte("x"), 300_000), 0o644); err != nil {
		log.Fatal(err)
	}

	carts := []*cartridge{{capacity: 256 << 10}}
	b := &archive.Backup{
		Paths:         []string{dir},
		Source:        strings.NewReader("-- pg_dump output\n"),
		SourceName:    "juki/pg_dump.sql",
		BlockSize:     64 << 10,
		IsEndOfMedium: func(err error) bool { return errors.Is(err, errFull) },
		NextVolume: func(ctx context.Context, done archive.Piece) (archive.BlockWriter, error) {
			// The job runner writes a filemark and a trailer with
			// done.Bytes and done.SHA256 here, then changes cartridges.
			fmt.Printf("piece %d full: %d bytes in %d blocks\n", done.Index, done.Bytes, done.Blocks)
			carts = append(carts, &cartridge{capacity: 256 << 10})
			return carts[len(carts)-1], nil
		},
	}
	res, err := b.Run(context.Background(), carts[0])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d members, %d bytes on %d pieces\n", res.Members, res.Bytes, len(res.Pieces))

	// Restore the command's output without writing it to disk.
	var whole bytes.Buffer
	for _, c := range carts {
		whole.Write(c.Bytes())
	}
	var dump bytes.Buffer
	if _, err := archive.Reassemble(context.Background(), &whole, "juki/pg_dump.sql", &dump); err != nil {
		log.Fatal(err)
	}
	fmt.Print(dump.String())
	// Output:
	// piece 1 full: 262144 bytes in 4 blocks
	// 3 members, 303104 bytes on 2 pieces
	// -- pg_dump output
}

// tapeFile is one tape file for reading back: one block per Read, then a
// filemark (0, nil).
type tapeFile struct{ blocks [][]byte }

func (t *tapeFile) Write(p []byte) (int, error) {
	t.blocks = append(t.blocks, bytes.Clone(p))
	return len(p), nil
}

func (t *tapeFile) Read(p []byte) (int, error) {
	if len(t.blocks) == 0 {
		return 0, nil
	}
	n := copy(p, t.blocks[0])
	t.blocks = t.blocks[1:]
	return n, nil
}

// An encrypted backup and its restore: the job runner writes with the
// pool's recipients (public keys only), records both checksums and the
// fingerprints in the trailer, and restores with an identity file.
func ExampleBackup_Run_encrypted() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "juki.csv"), []byte("住民票,1\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	id, err := age.GenerateX25519Identity() // tapewarden key generate
	if err != nil {
		log.Fatal(err)
	}
	// config check: ParseRecipient reports a bad one at its FILE:LINE.
	if _, err := archive.ParseRecipient(id.Recipient().String()); err != nil {
		log.Fatal(err)
	}

	tape := &tapeFile{}
	res, err := (&archive.Backup{Paths: []string{dir}, Recipients: []string{id.Recipient().String()}}).Run(context.Background(), tape)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("encryption:", res.Encryption, "recipients:", len(res.RecipientFingerprints))
	fmt.Println("checksums differ:", res.SHA256 != res.TapeSHA256)

	// restore --identity FILE: archive.ReadIdentityFile(FILE).
	ids := archive.NewIdentities(id)
	r := archive.NewReader(context.Background(), func(_ context.Context, n int) (archive.BlockReader, error) {
		if n > 1 {
			return nil, io.EOF
		}
		return tape, nil
	}, 0)
	d, err := archive.NewDecrypter(r, ids, res.RecipientFingerprints)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	target, err := os.MkdirTemp("", "restore")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(target)
	if _, err := archive.ExtractStaged(context.Background(), d, target, archive.ExtractOptions{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("on tape as recorded:", r.SHA256() == res.TapeSHA256)
	fmt.Println("plaintext as recorded:", d.SHA256() == res.SHA256)
	// Output:
	// encryption: age recipients: 1
	// checksums differ: true
	// on tape as recorded: true
	// plaintext as recorded: true
}
