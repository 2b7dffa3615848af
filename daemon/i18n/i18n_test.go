package i18n

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var verbs = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0-9.]*([a-zA-Z%])`)

// arguments lists a text's verbs by the argument they print, as fmt
// counts them (an explicit %[n] moves the count to n), sorted: "1s",
// "2d". A text that prints its arguments in another order has the same
// list.
func arguments(s string) []string {
	var out []string
	next := 1
	for _, m := range verbs.FindAllStringSubmatch(s, -1) {
		if m[3] == "%" {
			continue
		}
		if m[2] != "" {
			next, _ = strconv.Atoi(m[2])
		}
		out = append(out, strconv.Itoa(next)+m[3])
		next++
	}
	slices.Sort(out)
	return out
}

// TestEveryMessageInBothLanguages fails on a message missing in either
// language, an ID given twice, a Japanese text left in English, or two
// texts that take different arguments.
func TestEveryMessageInBothLanguages(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range messages {
		assert.False(t, seen[m.id], "message %s is given twice", m.id)
		seen[m.id] = true
		assert.NotEmpty(t, m.en, "message %s has no English", m.id)
		assert.NotEmpty(t, m.ja, "message %s has no Japanese", m.id)
		assert.Equal(t, arguments(m.en), arguments(m.ja), "message %s: the English and the Japanese take different arguments", m.id)
		hasJapanese := false
		for _, r := range m.ja {
			if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
				hasJapanese = true
				break
			}
		}
		assert.True(t, hasJapanese, "message %s: the Japanese %q has no Japanese in it", m.id, m.ja)
	}
}

func TestPrinter(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) // 18:00 in Tokyo

	ja := NewPrinter(Japanese, tokyo)
	assert.Equal(t, "2026年12月6日 18:00", ja.DateTime(at))
	assert.Equal(t, "2026年12月6日(日)", ja.Date(at))
	assert.Equal(t, "搬送票 M-20261206-001 の搬送担当を sato にしました。", ja.T("notice.assigned", "M-20261206-001", "sato"))
	assert.Equal(t, "媒体", ja.T("ops.cartridge"))

	en := NewPrinter(English, tokyo)
	assert.Equal(t, "2026-12-06 18:00", en.DateTime(at))
	assert.Equal(t, "Sun 2026-12-06", en.Date(at))
	assert.Equal(t, "Manifest M-1: courier sato assigned.", en.T("notice.assigned", "M-1", "sato"))
	assert.Equal(t, "–", en.DateTime(time.Time{}))

	assert.Equal(t, "[no.such.message]", en.T("no.such.message"), "a missing message shows itself")
	assert.False(t, en.Has("no.such.message"))

	f := ja.Funcs()
	assert.Equal(t, "搬送中", f["state"].(func(any) string)("in-transit"))
	assert.Equal(t, "somethingelse", f["state"].(func(any) string)("somethingelse"), "a code without a word stays itself")
}

func TestArgumentOrder(t *testing.T) {
	assert.Equal(t, []string{"1s", "2s", "3d"}, arguments("%s and %s, %d"))
	assert.Equal(t, []string{"1s", "2s", "3d"}, arguments("%[2]s、%[1]s、%[3]d"))
	assert.NotEqual(t, arguments("%s %s"), arguments("%[2]s"), "a dropped argument shows")
	ja := NewPrinter(Japanese, nil)
	assert.Equal(t, "ドライブ dat0 から DAT001 を取り出し", ja.T("prompt.load.take_out", "DAT001", "dat0"), "the catalogue fills %[n]s in by index")
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"en": English, "ja": Japanese, "JA-jp": Japanese, " en-GB ": English} {
		got, ok := Parse(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	got, ok := Parse("fr")
	assert.False(t, ok)
	assert.Equal(t, English, got)
}
