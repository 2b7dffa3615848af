//go:build !unix

package drives

import "os"

// freeBytes is unknown where statfs is not available.
func freeBytes(string) (int64, bool) { return 0, false }

// fileIdentity names a file by its name where inodes are not available.
func fileIdentity(fi os.FileInfo) string { return fi.Name() }

// deviceNumber is unknown where block devices are not.
func deviceNumber(string) (string, bool) { return "", false }
