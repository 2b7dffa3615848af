package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// setLinkerValues stands in for -ldflags "-X main.version=..." as make deb
// passes them.
func setLinkerValues(t *testing.T, v, c, d string) {
	t.Helper()
	oldV, oldC, oldD := version, commit, buildDate
	version, commit, buildDate = v, c, d
	t.Cleanup(func() { version, commit, buildDate = oldV, oldC, oldD })
}

func runRoot(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand(&out, &errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestVersionPrintsLinkerValues(t *testing.T) {
	setLinkerValues(t, "1.4.2", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T09:30:00Z")
	want := "tapewarden 1.4.2\n" +
		"commit: 0123456789abcdef0123456789abcdef01234567\n" +
		"date:   2026-12-01T09:30:00Z\n"

	out, err := runRoot(t, "version")
	require.NoError(t, err)
	assert.Contains(t, out, want)
	assert.Regexp(t, `(?m)^go:     go1\.`, out)

	flagOut, err := runRoot(t, "--version")
	require.NoError(t, err)
	assert.Equal(t, out, flagOut, "--version and the version command print the same")

	out, err = runRoot(t, "version", "--json")
	require.NoError(t, err)
	var bi buildInfo
	require.NoError(t, json.Unmarshal([]byte(out), &bi))
	assert.Equal(t, "1.4.2", bi.Version)
	assert.Equal(t, "0123456789abcdef0123456789abcdef01234567", bi.Commit)
	assert.Equal(t, "2026-12-01T09:30:00Z", bi.Date)
}

func TestVersionWithoutLinkerValues(t *testing.T) {
	setLinkerValues(t, "", "", "")
	bi := readBuildInfo()
	// A test binary has no module version and (built by go test) no VCS
	// stamp: the daemon's version and "unknown" stand in.
	assert.NotEmpty(t, bi.Version)
	assert.NotEmpty(t, bi.Commit)
	assert.NotEmpty(t, bi.Date)

	out, err := runRoot(t, "version")
	require.NoError(t, err)
	assert.Contains(t, out, "tapewarden "+bi.Version+"\n")
	assert.Contains(t, out, "commit: "+bi.Commit)
}

func TestVersionRefusesArguments(t *testing.T) {
	_, err := runRoot(t, "version", "extra")
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
}

// The package's version is the newest entry of contrib/deb/changelog; it
// must be the version the daemon reports, or the package and the daemon's
// metrics and status would disagree.
func TestPackageChangelogNamesTheDaemonVersion(t *testing.T) {
	b, err := os.ReadFile("../../contrib/deb/changelog")
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(b), "\n")
	assert.Regexp(t, `^tapewarden \(`+regexp.QuoteMeta(config.Version)+`\) [a-z]+; urgency=[a-z]+$`, first,
		"contrib/deb/changelog's newest entry must be config.Version %s", config.Version)
}
