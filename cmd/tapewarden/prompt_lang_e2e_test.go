package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// TestPromptListInTheConfiguredLanguage: with language ja, 'prompt list'
// says what to do and why in Japanese; --json answers both texts and the
// language; with the default it stays English.
func TestPromptListInTheConfiguredLanguage(t *testing.T) {
	dir := stateDir(t)
	p := startDemo(t, dir)
	require.NoError(t, p.kill(syscall.SIGTERM))
	config := handlingConfig(t, dir)
	conf, err := os.ReadFile(config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, append(conf, "language: ja\n"...), 0o644))
	p = startWithConfig(t, config)

	run := jsonOf[media.Run](p, "job", "run", "website-weekly")
	pr := openLoadPrompt(p, "dat0")
	assert.Equal(t, "ja", pr.Language)
	assert.Contains(t, pr.Action, "into drive dat0", "the JSON keeps the English")
	assert.Contains(t, pr.ActionJa, "をドライブ dat0 に挿入してください")
	assert.Contains(t, pr.WhyJa, "ジョブ website-weekly の処理 "+fmt.Sprint(run.ID)+" が世代")

	out := p.must("prompt", "list")
	assert.Contains(t, out, "  do:    "+pr.ActionJa+"\n")
	assert.Contains(t, out, "  why:   "+pr.WhyJa+"\n")
	assert.NotContains(t, out, pr.Action)
	assert.Contains(t, out, fmt.Sprintf("  then:  tapewarden prompt done %d\n", pr.ID))
	p.must("run", "cancel", fmt.Sprint(run.ID))
	require.NoError(t, p.kill(syscall.SIGTERM))

	// The same catalog under an English configuration: English.
	require.NoError(t, os.WriteFile(config, conf, 0o644))
	p = startWithConfig(t, config)
	for _, got := range jsonOf[[]media.Prompt](p, "prompt", "list", "--all") {
		if got.ID == pr.ID {
			assert.Equal(t, "en", got.Language)
		}
	}
	out = p.must("prompt", "list", "--all")
	assert.Contains(t, out, "  do:    "+pr.Action+"\n")
	assert.False(t, strings.Contains(out, pr.ActionJa), out)
}
