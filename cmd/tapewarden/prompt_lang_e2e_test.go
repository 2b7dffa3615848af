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
	assert.Equal(t, "待っている作業依頼はありません\n", p.must("prompt", "list"), "no prompt to tell the language: the daemon's status does")
	assert.Equal(t, "no prompts waiting\n", p.must("prompt", "list", "--lang", "en"))

	run := jsonOf[media.Run](p, "job", "run", "website-weekly")
	pr := openLoadPrompt(p, "dat0")
	assert.Equal(t, "ja", pr.Language)
	assert.Contains(t, pr.Action, "into drive dat0", "the JSON keeps the English")
	assert.Contains(t, pr.ActionJa, "をドライブ dat0 に挿入してください")
	assert.Contains(t, pr.WhyJa, "ジョブ website-weekly の処理 "+fmt.Sprint(run.ID)+" が世代")

	out := p.must("prompt", "list")
	assert.Contains(t, out, fmt.Sprintf("作業依頼 %d ［媒体を装填、対応待ち、", pr.ID))
	assert.Contains(t, out, "  作業："+pr.ActionJa+"\n")
	assert.Contains(t, out, "  場所：honcho のドライブ dat0\n")
	assert.Contains(t, out, "  理由："+pr.WhyJa+"\n")
	assert.NotContains(t, out, pr.Action)
	assert.Contains(t, out, fmt.Sprintf("  完了したら：tapewarden prompt done %d\n", pr.ID))
	assert.Contains(t, out, fmt.Sprintf("  できなければ：tapewarden prompt cancel %d\n", pr.ID))
	for _, label := range []string{"do:", "where:", "why:", "then:", "or:", " old]", "[load, open"} {
		assert.NotContains(t, out, label, "the labels are Japanese too")
	}
	assert.Equal(t, out, p.must("prompt", "list", "--lang", "ja"))

	// --lang en on the Japanese daemon: English, as an English daemon
	// says it.
	out = p.must("prompt", "list", "--lang", "en")
	assert.Contains(t, out, fmt.Sprintf("prompt %d [load, open, ", pr.ID))
	assert.Contains(t, out, "  do:    "+pr.Action+"\n")
	assert.Contains(t, out, "  where: honcho/drive/dat0\n")
	assert.Contains(t, out, "  why:   "+pr.Why+"\n")
	assert.Contains(t, out, fmt.Sprintf("  then:  tapewarden prompt done %d\n", pr.ID))
	assert.Contains(t, out, fmt.Sprintf("  or:    tapewarden prompt cancel %d (if it cannot be done)\n", pr.ID))
	assert.NotContains(t, out, pr.ActionJa)
	one := p.must("prompt", "show", fmt.Sprint(pr.ID), "--lang", "en")
	assert.True(t, strings.HasPrefix(one, fmt.Sprintf("prompt %d [load, open, ", pr.ID)), one)
	assert.Contains(t, p.must("prompt", "show", fmt.Sprint(pr.ID)), "  作業："+pr.ActionJa+"\n")
	_, errOut, code := p.run("prompt", "show", "99999")
	assert.NotZero(t, code)
	assert.Contains(t, errOut, "no prompt 99999; 'tapewarden prompt list --all' lists them")
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
	// --lang ja on the English daemon: the Japanese it kept.
	out = p.must("prompt", "list", "--all", "--lang", "ja")
	assert.Contains(t, out, "  作業："+pr.ActionJa+"\n")
	assert.Contains(t, out, fmt.Sprintf("作業依頼 %d ［媒体を装填、取消、", pr.ID))
}

// TestDemoInJapanese: 'daemon --demo --lang ja' runs the demo as
// language: ja does, and a configured daemon refuses --lang, which would
// not change what its configuration says.
func TestDemoInJapanese(t *testing.T) {
	p := startDemo(t, stateDir(t), "--lang", "ja")
	assert.Equal(t, "待っている作業依頼はありません\n", p.must("prompt", "list"))
	swap := p.must("swap-list")
	assert.Contains(t, swap, "の媒体入替表：")
	assert.Contains(t, swap, "【搬送のため取り出す媒体】")
	assert.Contains(t, p.must("swap-list", "--lang", "en"), "TAKE OUT FOR THE COURIER")

	_, stderr, code := runCLI(t, nil, "", "daemon", "--lang", "ja", "--config", handlingConfig(t, stateDir(t)))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--lang chooses the demo's language")
}
