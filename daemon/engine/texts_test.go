package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

var (
	textVerb = regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z]`)
	missing  = regexp.MustCompile(`%!([a-z])\(MISSING\)`)
)

// TestEveryPromptTextInBothLanguages renders each prompt message with
// distinct arguments: both languages have it, every argument shows up in
// each, and no verb is left over or short of an argument.
func TestEveryPromptTextInBothLanguages(t *testing.T) {
	n := 0
	for _, id := range i18n.IDs() {
		if !strings.HasPrefix(id, "prompt.") {
			continue
		}
		n++
		bare := enText.T(id) // each verb shows as %!s(MISSING): its arguments
		var args []any
		var want []string
		for i := range missing.FindAllStringSubmatch(bare, -1) {
			arg := fmt.Sprintf("ARG%dX", i+1)
			args = append(args, arg)
			want = append(want, arg)
		}
		got := tr(id, args...)
		for _, s := range []string{got.en, got.ja} {
			assert.NotContains(t, s, "%!", "%s: a verb without its argument in %q", id, s)
			assert.NotRegexp(t, textVerb, s, "%s: a verb left over in %q", id, s)
			assert.NotContains(t, s, "[prompt.", "%s: missing from the catalogue", id)
			for _, w := range want {
				assert.Contains(t, s, w, "%s: argument %s missing from %q", id, w, s)
			}
		}
		assert.True(t, strings.IndexFunc(got.ja, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) >= 0,
			"%s: the Japanese %q has no Japanese in it", id, got.ja)
	}
	assert.Greater(t, n, 30, "the prompt messages are in the catalogue")
	assert.Equal(t, bi{en: "restore of juki, piece 1234", ja: "juki の復元（1234 本目）"}, tr("prompt.why.restore", "juki", 1234), "numbers are not grouped: a prompt number goes into commands")
	assert.Contains(t, promptText(media.Prompt{ID: 12345, Action: "x", ActionJa: "エックス"}, true), "tapewarden prompt done 12345")
}

// TestPromptTextsNest: a reason built from another message is filled in
// in the matching language, as a run's reason is for each piece.
func TestPromptTextsNest(t *testing.T) {
	why := tr("prompt.why.piece", tr("prompt.why.run", 12, "juki-daily", "2026-12-06"), 2)
	assert.Equal(t, "run 12 of job juki-daily writes generation 2026-12-06 (piece 2)", why.en)
	assert.Equal(t, "ジョブ juki-daily の処理 12 が世代 2026-12-06 を書き込みます（2 本目）", why.ja)

	p := withTexts(media.Prompt{ID: 7, Kind: "load", Place: "honcho/drive/dat0"},
		tr("prompt.load.put", "DAT001", place(media.Storage("honcho", "shelf")), "dat0", bi{}), why)
	assert.Equal(t, "[prompt 7] Put DAT001 (now at honcho/shelf) into drive dat0 (at honcho/drive/dat0) — run 12 of job juki-daily writes generation 2026-12-06 (piece 2). When done: tapewarden prompt done 7", promptText(p, false))
	assert.Equal(t, "[作業依頼 7] DAT001（現在 honcho の保管場所 shelf）をドライブ dat0 に挿入してください（場所：honcho のドライブ dat0）（理由：ジョブ juki-daily の処理 12 が世代 2026-12-06 を書き込みます（2 本目））。完了したら：'tapewarden prompt done 7'", promptText(p, true))

	old := media.Prompt{ID: 3, Action: "Put DAT001 into drive dat0"}
	assert.Equal(t, "[prompt 3] Put DAT001 into drive dat0. When done: tapewarden prompt done 3", promptText(old, true), "a prompt opened before the Japanese texts stays English")
}

// TestPromptCommandInJapanese: with language ja the prompt command reads
// the Japanese in TAPEWARDEN_PROMPT_TEXT and the English in _EN, and the
// catalog keeps both.
func TestPromptCommandInJapanese(t *testing.T) {
	var hook string
	h := startDaemon(t, func(cfg *config.Config, _ *Options) {
		cfg.Demo = true
		cfg.Language = "ja"
		hook = filepath.Join(cfg.StateDir, "hook.out")
		cfg.Prompts.Command = []string{"sh", "-c", `printf '%s|%s\n' "$TAPEWARDEN_PROMPT_TEXT" "$TAPEWARDEN_PROMPT_TEXT_EN" >> ` + hook}
	})
	ctx := context.Background()
	m, err := h.d.cat.CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	h.d.prepareManifests(ctx)

	var line string
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(hook)
		line = strings.TrimSpace(string(data))
		return line != ""
	}, 10*time.Second, 20*time.Millisecond, "the prompt command ran")
	ja, en, ok := strings.Cut(line, "|")
	require.True(t, ok, line)
	assert.Regexp(t, `^\[作業依頼 \d+\] .*DLY001L8 を .* から取り出し、hill-annex 行きの搬送担当に渡してください（搬送票 `+m.ID+`）`, ja)
	assert.Contains(t, ja, "（理由：搬送票 "+m.ID+" で hill-annex へ搬送します。")
	assert.Regexp(t, `。完了したら：'tapewarden prompt done \d+'$`, ja)
	assert.Regexp(t, `^\[prompt \d+\] .*Take DLY001L8 out of .* and hand it to the courier for hill-annex \(manifest `+m.ID+`\)`, en)
	assert.Regexp(t, `When done: tapewarden prompt done \d+$`, en)

	open, err := h.d.cat.Prompts(ctx, false)
	require.NoError(t, err)
	require.NotEmpty(t, open)
	action, why := open[0].Texts(true)
	assert.Contains(t, action, "搬送担当に渡してください")
	assert.Contains(t, why, "tapewarden manifest pickup "+m.ID)
	action, _ = open[0].Texts(false)
	assert.Contains(t, action, "hand it to the courier")
}
