//go:build !unix

package drives

import "os"

// lockFile does nothing where flock is not available; a second opener is
// then not detected across processes.
func lockFile(*os.File) error { return nil }
