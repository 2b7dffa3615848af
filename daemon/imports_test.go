package daemon

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportGraph enforces the design's one-way dependencies:
// cmd -> daemon -> (rotation, media, drives) -> media/mediatype; rotation,
// media and drives import nothing of ours but mediatype, which imports
// nothing of ours; nothing but cmd imports daemon.
func TestImportGraph(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; the import graph was not checked")
	}
	const mod = "github.com/tapewarden/tapewarden"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, mod+"/...").Output()
	require.NoError(t, err)
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, list, _ := strings.Cut(line, ":")
		for _, d := range strings.Fields(list) {
			if strings.HasPrefix(d, mod) {
				deps[pkg] = append(deps[pkg], d)
			}
		}
	}
	require.Contains(t, deps, mod+"/daemon")
	for _, leaf := range []string{"rotation", "media", "drives"} {
		for _, d := range deps[mod+"/"+leaf] {
			assert.Equal(t, mod+"/media/mediatype", d, "%s must import no package of ours but media/mediatype", leaf)
		}
	}
	assert.Empty(t, deps[mod+"/media/mediatype"], "media/mediatype must import no package of ours")
	for pkg, ds := range deps {
		for _, d := range ds {
			if d == mod+"/daemon" || strings.HasPrefix(d, mod+"/daemon/") {
				assert.True(t, strings.HasPrefix(pkg, mod+"/cmd/") || strings.HasPrefix(pkg, mod+"/daemon"), "%s imports daemon; only cmd may", pkg)
			}
		}
	}
	// rotation is pure: it imports no I/O, device or cgo package itself
	// (fmt pulls in os, so the check is on its direct imports).
	out, err = exec.Command("go", "list", "-f", `{{join .Imports " "}}`, mod+"/rotation").Output()
	require.NoError(t, err)
	for _, bad := range []string{"os", "os/exec", "io/fs", "net", "net/http", "runtime/cgo", "C", "database/sql", "syscall", "math/rand", "math/rand/v2"} {
		assert.NotContains(t, strings.Fields(string(out)), bad, "rotation imports %s", bad)
	}
}
