package engine

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

var (
	// quoted are the spans a Japanese text may leave in English:
	// commands in '...' or "..." (an apostrophe inside an English word
	// opens none) and what the system said, in 「...」.
	quoted = regexp.MustCompile(`(^|[^A-Za-z])'[^']*'|"[^"]*"|「[^」]*」`)
	// englishWord is a word of English letters, perhaps with an
	// apostrophe (job's, don't).
	englishWord = regexp.MustCompile(`^[A-Za-z]+('[A-Za-z]+)?$`)
)

// englishRun returns the first run of three or more English words in a
// Japanese text, or "". Quoted spans are set aside. A run is broken only
// by a character outside ASCII (Japanese, or Japanese punctuation):
// identifiers in it (dat0, honcho/lib0/slot/3, juki-daily, M-20261206-1,
// catalog.min_free_mb, 2026-12-06) neither count as words nor break it,
// so English strung around names is still caught.
func englishRun(s string) string {
	s = quoted.ReplaceAllString(s, "$1 ")
	var run []string
	flush := func() string {
		if len(run) >= 3 {
			return strings.Join(run, " ")
		}
		run = run[:0]
		return ""
	}
	word := strings.Builder{}
	take := func() {
		w := strings.Trim(word.String(), "()[]{},;:.!?")
		word.Reset()
		if englishWord.MatchString(w) {
			run = append(run, w)
		}
	}
	for _, r := range s {
		switch {
		case r > unicode.MaxASCII:
			take()
			if got := flush(); got != "" {
				return got
			}
		case unicode.IsSpace(r):
			take()
		default:
			word.WriteRune(r)
		}
	}
	take()
	return flush()
}

func TestEnglishRunFindsEnglishOnly(t *testing.T) {
	for s, want := range map[string]string{
		"ドライブ dat0 does not answer":                       "does not answer",
		"ドライブ dat0 を開けません：no such file or directory":      "no such file or directory",
		"完了したら：tapewarden prompt done 5":                  "tapewarden prompt done",
		"バックアップ元を直してください：the job's source.paths is wrong": "the job's is wrong",
		"job nightly-db: source gone":                     "job source gone",
		"ドライブ ESCALATED NOW PLEASE":                       "ESCALATED NOW PLEASE",
	} {
		assert.Equal(t, want, englishRun(s), "%q", s)
	}
	for _, s := range []string{
		"",
		"DAT001（現在 honcho のライブラリ lib0 スロット 3）をドライブ dat0 に挿入してください",
		"（仮想ドライブの場合は 'tapewarden drive insert dat0 DAT001'）",
		`"tapewarden manifest create --from-plan" で記録してください`,
		"ドライブ dat0（/dev/nst0）を開けません：システムのエラー「open /dev/nst0: input/output error」",
		"ドライブがクリーニング媒体の寿命切れを報告しました（TapeAlert 22）",
		"状態ディレクトリ /var/lib/tapewarden の空き容量は 1.0 MiB で、catalog.min_free_mb（64 MiB）を下回っています",
		"ジョブ juki-daily の処理 12 が世代 2026-12-06 を書き込みます",
		"UUID が 1b2c-33 のディスク",
		"ラベル（UUID 5f0e、プール daily weekly）",
		"2026-12-06 10:00:00 JST",
		"ジョブ juki-daily: source /srv/juki missing です", // two words are not a run
	} {
		assert.Empty(t, englishRun(s), "%q", s)
	}
}

// japaneseTexts are the texts a Japanese operator reads of a prompt: its
// action, reason, place, handling class and the prompt command's text.
func japaneseTexts(p media.Prompt) []string {
	return []string{p.ActionJa, p.WhyJa, PlaceText(jaText, p.Place), classText(p.Handling).ja, promptText(p, true)}
}

// englishInJapanese lists the English runs in the Japanese texts of the
// prompts, one line each with the prompt's kind and text.
func englishInJapanese(ps []media.Prompt) []string {
	var found []string
	for _, p := range ps {
		if p.ActionJa == "" {
			continue // made by a test, not by the daemon
		}
		for _, s := range japaneseTexts(p) {
			if run := englishRun(s); run != "" {
				found = append(found, p.Kind+": "+run+" in "+s)
			}
		}
	}
	return found
}

// textSet is a set of texts that tests running in parallel add to.
type textSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *textSet) add(t string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.m[t] = true
	s.mu.Unlock()
}

func (s *textSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for t := range s.m {
		out = append(out, t)
	}
	return out
}

// promptVariants are the ways a prompt is worded, by the catalogue's
// message: every one must be opened, and its Japanese read, by the
// package's tests (see TestMain).
var promptVariants = []string{
	"prompt.load.put", "prompt.load.attach", "prompt.load.swap", "prompt.load.wrong", "prompt.load.unknown_label",
	"prompt.clean.action", "prompt.clean.again_why",
	"prompt.export.courier_slot", "prompt.export.courier_shelf", "prompt.export.plan_slot",
	"prompt.import.back", "prompt.import.fetch",
	"prompt.label.action", "prompt.unknown.action", "prompt.check.action",
}

// seenVariants are the variants the tests' prompts were found in.
var seenVariants = textSet{m: map[string]bool{}}

// variantPatterns match a variant's Japanese, its arguments any text.
var variantPatterns = func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	for _, id := range promptVariants {
		// Each argument a mark the text cannot hold, to split it at.
		args := make([]any, len(missing.FindAllString(enText.T(id), -1)))
		for i := range args {
			args[i] = "\x00"
		}
		parts := strings.Split(jaText.T(id, args...), "\x00")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		out[id] = regexp.MustCompile(strings.Join(parts, "(?s:.*)"))
	}
	return out
}()

// noteVariants records which variants the prompts are worded in.
func noteVariants(ps []media.Prompt) {
	for _, p := range ps {
		for id, re := range variantPatterns {
			if p.ActionJa != "" && (re.MatchString(p.ActionJa) || re.MatchString(p.WhyJa)) {
				seenVariants.add(id)
			}
		}
	}
}

// TestMain runs the tests and then, when all of them ran, fails unless
// every variant of prompt was opened by one and read in Japanese.
func TestMain(m *testing.M) {
	code := m.Run()
	if run := flag.Lookup("test.run"); code == 0 && run != nil && run.Value.String() == "" && !testing.Short() {
		seen := seenVariants.list()
		var missing []string
		for _, id := range promptVariants {
			if !slices.Contains(seen, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "no test opened a prompt worded as %s: its Japanese was not read\n", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

// TestPlacesClassesAndDurationsSpeakBothLanguages: the English of the
// catalogue's places, classes and durations is what the commands and
// media and rotation write; the Japanese says it in words.
func TestPlacesClassesAndDurationsSpeakBothLanguages(t *testing.T) {
	for _, c := range []struct {
		l  media.Location
		ja string
	}{
		{media.Storage("honcho", "shelf"), "honcho の保管場所 shelf"},
		{media.LibrarySlot("honcho", "lib0", 3), "honcho のライブラリ lib0 スロット 3"},
		{media.LibraryMailSlot("honcho", "lib0", 1), "honcho のライブラリ lib0 メールスロット 1"},
		{media.DriveAt("annex", "dat0"), "annex のドライブ dat0"},
		{media.Transit("M-20261206-001"), "搬送中（搬送票 M-20261206-001）"},
	} {
		assert.Equal(t, bi{en: c.l.String(), ja: c.ja}, place(c.l))
		assert.Equal(t, c.ja, PlaceText(jaText, c.l.String()))
		assert.Equal(t, c.l.String(), PlaceText(enText, c.l.String()), "English keeps the form a command takes")
	}
	assert.Equal(t, "drive dat0 at honcho", PlaceText(jaText, "drive dat0 at honcho"), "a text that is not a location stays as it is")

	for _, h := range []media.Handling{{}, {Integrity: 1}, {Confidentiality: 1}, {Confidentiality: 2, Integrity: 1}, {Confidentiality: 1, Integrity: 3}} {
		assert.Equal(t, h.Label(), enText.Class(h.Confidentiality, h.Integrity), "%+v", h)
	}
	assert.Equal(t, "【取扱区分 2】（機密性 2、完全性 1）", jaText.Class(2, 1))
	assert.Equal(t, "取扱区分 1（完全性 1）", jaText.Class(0, 1))
	assert.Empty(t, jaText.Class(0, 0))

	for _, d := range []time.Duration{0, time.Second, 34 * time.Second, time.Minute, 6*time.Minute + 30*time.Second, 2*time.Hour + 5*time.Minute + 9*time.Second, 24 * time.Hour, 3*24*time.Hour + 4*time.Hour} {
		assert.Equal(t, rotation.HumanDuration(d), enText.Duration(d), "%v", d)
	}
	assert.Equal(t, "3 日 4 時間", jaText.Duration(3*24*time.Hour+4*time.Hour+5*time.Minute))
	assert.Equal(t, "1 秒未満", jaText.Duration(0))
}

// TestWhatTheSystemSaidInJapanese: the common errors in words, any other
// quoted as the system wrote it.
func TestWhatTheSystemSaidInJapanese(t *testing.T) {
	_, err := os.Open("/no/such/file")
	assert.Equal(t, "ファイルまたはディレクトリがありません", errText(err).ja)
	assert.Equal(t, err.Error(), errText(err).en)
	_, err = exec.LookPath("no-such-command-here")
	assert.Equal(t, "実行ファイルが PATH にありません", errText(err).ja)
	assert.Equal(t, "システムのエラー「the tape is on fire」", errText(errors.New("the tape is on fire")).ja)
	assert.Empty(t, englishRun(errText(errors.New("the tape is on fire")).ja))
}

// TestPromptsOfAJapaneseDaemonSayNothingInEnglish opens, in a daemon
// configured for Japanese, the check before the night with several
// problems, a courier's export, a cleaning and its follow-up, a load, a
// label and an import (the other variants are read as every other test
// closes its daemon, see harness.stop and TestMain; the export from a
// standalone drive for the day's plan is only rendered), and reads what
// a Japanese operator reads: the prompts' texts and the prompt command's
// TAPEWARDEN_PROMPT_TEXT.
func TestPromptsOfAJapaneseDaemonSayNothingInEnglish(t *testing.T) {
	var hook string
	h := startDaemon(t, withDemoWorld, func(cfg *config.Config, _ *Options) {
		cfg.Language = "ja"
		hook = filepath.Join(cfg.StateDir, "hook.out")
		cfg.Prompts.Command = []string{"sh", "-c", `printf '%s\n' "$TAPEWARDEN_PROMPT_TEXT" >> ` + hook}
	})
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	open := func(kind string, except int64) (media.Prompt, bool) {
		ps, _ := h.d.cat.Prompts(ctx, false)
		for _, p := range ps {
			if p.Kind == kind && p.ID != except {
				return p, true
			}
		}
		return media.Prompt{}, false
	}
	waitKind := func(kind string, except int64) media.Prompt {
		var p media.Prompt
		w.waitFor("a "+kind+" prompt", func() bool { var ok bool; p, ok = open(kind, except); return ok })
		return p
	}

	// The daily cartridges on the shelf: the run asks for one to be put
	// into the library.
	daily, err := h.d.cat.Cartridges(ctx, media.Filter{Pool: "daily"})
	require.NoError(t, err)
	for _, c := range daily {
		if c.Location.InLibrary() {
			_, err := h.d.cat.Move(ctx, tester, c.Barcode, media.Storage("honcho", "shelf"), media.MoveOptions{Reason: "a test takes it out", Force: true})
			require.NoError(t, err)
		}
	}
	run, err := h.d.StartRun(ctx, "juki-daily", "manual", time.Time{})
	require.NoError(t, err)
	imp := waitKind("import", 0)
	assert.Contains(t, imp.ActionJa, "を honcho の保管場所 shelf から持ち出し、ライブラリ lib0 の空いているメールスロットに入れてください")
	_, err = h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)

	// Problems for the check: a source gone, a source command that
	// cannot run.
	require.NoError(t, os.RemoveAll(h.cfg.Job("juki-daily").Source.Paths[0]))
	h.cfg.Job("koseki-daily").Source.Command = []string{"no-such-exporter"}
	h.d.nightCheck(ctx, time.Now().Add(time.Hour))
	check := waitKind("check", 0)
	assert.Contains(t, check.ActionJa, "ジョブ juki-daily：バックアップ元 ")
	assert.Contains(t, check.ActionJa, "ジョブ koseki-daily：バックアップ元コマンド no-such-exporter を実行できません：実行ファイルが PATH にありません")
	assert.Contains(t, check.Action, "job koseki-daily: source command no-such-exporter cannot be run: exec: \"no-such-exporter\": executable file not found in $PATH", "the English is as it was")

	_, err = h.d.cat.CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	h.d.prepareManifests(ctx)
	export := waitKind("export", 0)
	assert.Contains(t, export.ActionJa, "DLY001L8 を honcho の保管場所 shelf から持ち出し", "taken off the shelf for the import above")

	h.d.dev.drives["dat0"].virtual.RequestCleaning(true)
	h.d.maintain(ctx)
	clean := waitKind("clean", 0)
	_, err = h.d.PromptDone(ctx, operatorActor, clean.ID, "")
	require.NoError(t, err)
	again := waitKind("clean", clean.ID)
	assert.Contains(t, again.WhyJa, fmt.Sprintf("作業依頼 %d の後もドライブはクリーニングされていません（ドライブがクリーニングを行いませんでした）。", clean.ID))
	_, err = h.d.PromptCancel(ctx, operatorActor, again.ID, "")
	require.NoError(t, err)

	run, err = h.d.StartRun(ctx, "website-weekly", "manual", time.Time{})
	require.NoError(t, err)
	load := waitKind("load", 0)
	assert.Contains(t, load.ActionJa, "をドライブ dat0 に挿入してください")
	assert.Equal(t, "honcho のドライブ dat0", PlaceText(jaText, load.Place))
	// DAT001 is new and blank: a label prompt.
	_, err = h.d.Insert(ctx, tester, "dat0", InsertRequest{Barcode: load.Barcode})
	require.NoError(t, err)
	_, err = h.d.PromptDone(ctx, operatorActor, load.ID, "")
	require.NoError(t, err)
	label := waitKind("label", 0)
	assert.Contains(t, label.ActionJa, "ドライブ dat0 の媒体は未使用（ラベルなし）です")
	assert.Equal(t, "honcho のドライブ dat0", PlaceText(jaText, label.Place))
	_, err = h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)

	// A standalone drive's cartridge that today's plan sends away.
	plan := withTexts(media.Prompt{Kind: "export", Barcode: "DAT001", Drive: "dat0", Place: media.DriveAt("honcho", "dat0").String()},
		tr("prompt.export.plan_drive", "DAT001", "dat0", "hill-annex"), tr("prompt.export.plan_drive_why", "hill-annex", "dat0"))
	found := englishInJapanese([]media.Prompt{plan})
	assert.Empty(t, found)

	all, err := h.d.cat.Prompts(ctx, true)
	require.NoError(t, err)
	found = englishInJapanese(all)
	assert.Empty(t, found)

	var lines []string
	w.waitFor("the prompt command for each prompt", func() bool {
		data, _ := os.ReadFile(hook)
		lines = strings.Split(strings.TrimSpace(string(data)), "\n")
		return len(lines) >= 7
	})
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "[作業依頼 "), l)
		assert.Empty(t, englishRun(l), "TAPEWARDEN_PROMPT_TEXT in English: %s", l)
	}
}
