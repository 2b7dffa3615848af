//go:build unix

package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

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
