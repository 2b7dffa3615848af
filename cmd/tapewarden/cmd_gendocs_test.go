package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGendocsWritesAPageForEveryCommand(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1764979200") // 2025-12-06
	setLinkerValues(t, "1.4.2", "", "")
	dir := filepath.Join(t.TempDir(), "man1")
	_, err := runRoot(t, "gendocs", "--man", dir)
	require.NoError(t, err)

	var want []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.HasParent() {
			return
		}
		want = append(want, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := newRootCommand(nil, nil)
	// Execute adds these two before running any command.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walk(root)
	require.Contains(t, want, "tapewarden-config-check.1")
	require.Contains(t, want, "tapewarden-library-mailslot-insert.1")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, want, got)
	assert.NotContains(t, got, "tapewarden-gendocs.1", "the packaging command has no page")

	page, err := os.ReadFile(filepath.Join(dir, "tapewarden-config-check.1"))
	require.NoError(t, err)
	assert.Contains(t, string(page), `.TH "TAPEWARDEN-CONFIG-CHECK" "1" "Dec 2025" "tapewarden 1.4.2" "tapewarden manual"`)
	assert.Contains(t, string(page), "Validate the configuration file without starting anything")
	assert.NotContains(t, string(page), "Auto generated")
}

func TestGendocsNeedsADirectory(t *testing.T) {
	_, err := runRoot(t, "gendocs")
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
	assert.Contains(t, err.Error(), "--man DIR is needed")
}
