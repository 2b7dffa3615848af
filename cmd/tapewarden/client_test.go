package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The command line reaches the daemon only through daemon/api/client: no
// API path is written here.
func TestNoHandBuiltAPIPaths(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	path := regexp.MustCompile(`"/v1/|/v1/[a-z{]`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			assert.False(t, path.MatchString(line), "%s:%d builds an API path; add a method to daemon/api/client instead: %s", f, i+1, strings.TrimSpace(line))
		}
	}
}
