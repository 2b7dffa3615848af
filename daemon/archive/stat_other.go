//go:build !unix

package archive

import (
	"io/fs"
	"os"
)

// fileID identifies a file on this machine, for finding hard links. This
// platform does not expose one: hard links are stored as separate files.
type fileID struct{}

// identity reports one link for every file.
func identity(fs.FileInfo) (fileID, uint64) { return fileID{}, 1 }

// openFile opens a regular file for reading.
func openFile(name string) (sourceFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}
