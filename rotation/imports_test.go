package rotation

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportsNothingOfOurs keeps rotation pure: no package of ours but the
// pure leaf media/mediatype, no cgo, no processes, no network in its
// non-test dependencies.
func TestImportsNothingOfOurs(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot list the dependencies of ./rotation")
	}
	cmd := exec.Command(gobin, "list", "-deps", ".")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps .: %s", stderr.String())
	const self = "github.com/tapewarden/tapewarden/rotation"
	const leaf = "github.com/tapewarden/tapewarden/media/mediatype"
	deps := strings.Fields(string(out))
	require.Contains(t, deps, self)
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/tapewarden/tapewarden/") || d == "github.com/tapewarden/tapewarden" {
			assert.Contains(t, []string{self, leaf}, d, "rotation must import nothing of ours but media/mediatype")
		}
		for _, banned := range []string{"runtime/cgo", "os/exec", "net"} {
			assert.False(t, d == banned || strings.HasPrefix(d, banned+"/"), "rotation must not depend on %s", d)
		}
	}
}
