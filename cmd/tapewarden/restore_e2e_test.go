package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRestoreThroughTheCLISaysEverything: a system whose monthly job
// never ran is restored from its daily job, and the CLI says what is
// missing; a second restore into the same directory names every refused
// member in the text and the JSON, and exits 1 both ways; the restores are
// in the audit log.
func TestRestoreThroughTheCLISaysEverything(t *testing.T) {
	p := startDemo(t, stateDir(t))
	p.must("job", "run", "juki-daily", "--wait")

	to := t.TempDir()
	out, errOut, code := p.run("restore", "--system", "juki", "--to", to)
	assert.Equal(t, 1, code, out+errOut)
	assert.Contains(t, out, "restored juki-daily from run")
	assert.Contains(t, out, "checksum verified: true")
	assert.Contains(t, out, "not restored: job juki-monthly has no succeeded run yet")
	assert.Contains(t, out, "the restore is NOT complete")
	assert.Contains(t, errOut, "juki-monthly not restored")
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(to, "juki-daily"), func(path string, de os.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			rel, _ := filepath.Rel(filepath.Join(to, "juki-daily"), path)
			files = append(files, rel)
		}
		return err
	}))
	require.Greater(t, len(files), 1)

	out, errOut, code = p.run("restore", "--job", "juki-daily", "--to", filepath.Join(to, "juki-daily"))
	assert.Equal(t, 1, code, out+errOut)
	assert.Contains(t, out, "members not restored:")
	for _, f := range files {
		assert.Contains(t, out, f+": already exists in the restore directory (restore with --overwrite to replace it)")
	}
	assert.Contains(t, out, "checksum verified: true")
	assert.Contains(t, errOut, "members refused")

	out, errOut, code = p.run("restore", "--job", "juki-daily", "--to", filepath.Join(to, "juki-daily"), "--json")
	assert.Equal(t, 1, code, out+errOut)
	var res struct {
		Complete bool `json:"complete"`
		Jobs     []struct {
			Verified bool `json:"verified"`
			Refused  []struct {
				Member string `json:"member"`
				Reason string `json:"reason"`
			} `json:"refused"`
		} `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	assert.False(t, res.Complete)
	require.Len(t, res.Jobs, 1)
	assert.True(t, res.Jobs[0].Verified)
	assert.Len(t, res.Jobs[0].Refused, len(files))

	out = p.must("restore", "--job", "juki-daily", "--to", filepath.Join(to, "juki-daily"), "--overwrite", "--allow-devices")
	assert.Contains(t, out, "the restore is complete")

	log := p.must("audit", "log")
	assert.Equal(t, 4, strings.Count(log, "restore of "), log)
}

// TestListAndFindThroughTheCLI: restore --list and find answer from the
// file index with a bare name or a glob; --path restores by glob.
func TestListAndFindThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	p.must("job", "run", "juki-daily", "--wait")

	out := p.must("restore", "--list", "--job", "juki-daily", "*.csv")
	assert.Contains(t, out, "juki-daily run ")
	assert.Contains(t, out, "demo-data/juki/residents.csv")
	assert.Contains(t, out, "demo-data/juki/archive/2025.csv")
	assert.Contains(t, out, "(piece 1, tape file ")

	out, errOut, code := p.run("restore", "--list", "--system", "juki", "residents.csv")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "demo-data/juki/residents.csv")
	assert.NotContains(t, out, "households.csv")
	assert.Contains(t, out, "nothing listed for job juki-monthly")

	out = p.must("find", "households.csv")
	assert.Contains(t, out, "juki-daily")
	assert.Contains(t, out, "demo-data/juki/households.csv")
	assert.Regexp(t, `DLY\d{3}L8`, out)
	_, errOut, code = p.run("find", "no-such-file.csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no-such-file.csv is in no indexed run")

	to := t.TempDir()
	out = p.must("restore", "--job", "juki-daily", "--path", "archive/*", "--to", to)
	assert.Contains(t, out, "the restore is complete")
	var got []string
	require.NoError(t, filepath.WalkDir(to, func(path string, de os.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			got = append(got, filepath.Base(path))
		}
		return err
	}))
	assert.Equal(t, []string{"2025.csv"}, got)

	_, errOut, code = p.run("restore", "--job", "juki-daily", "*.csv", "--to", to)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "goes with --list")
}
