package media

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Texts a person could type or paste that would act on a terminal or
// forge a line: clear screen, set the window title, NUL, right-to-left
// override, a line break, a carriage return, invalid UTF-8.
var hostileTexts = map[string]string{
	"clear screen": "ok\x1b[2J",
	"window title": "\x1b]0;pwned\a",
	"NUL":          "a\x00b",
	"RLO":          "abc\u202Edcba",
	"line feed":    "yamada\n2026-12-06 tanaka audit ok",
	"CR":           "yamada\rtanaka",
	"C1 CSI":       "a\u009b2J",
	"not UTF-8":    "a\xffb",
}

func TestCheckText(t *testing.T) {
	for name, s := range hostileTexts {
		for _, k := range []TextKind{TextName, TextLine} {
			err := CheckText("the note", s, k)
			require.ErrorIs(t, err, ErrControlChar, name)
			require.ErrorIs(t, err, ErrBadInput, name)
			assert.NotContains(t, err.Error(), s, "the text is not echoed")
		}
	}
	require.NoError(t, CheckText("the notes", "line one\n\tline two", TextMultiLine))
	require.ErrorIs(t, CheckText("the notes", "line one\r\nline two", TextMultiLine), ErrControlChar)
	require.ErrorIs(t, CheckText("the notes", "a\x1b[2J", TextMultiLine), ErrControlChar)
	require.NoError(t, CheckText("the courier", "ヤマト運輸 佐藤", TextName))
	require.ErrorIs(t, CheckText("the courier", strings.Repeat("a", MaxNameBytes+1), TextName), ErrTooLong)
	require.ErrorIs(t, CheckText("the reason", strings.Repeat("a", 1<<20), TextLine), ErrTooLong)
}

// Every method that takes text from a person refuses hostile text and a
// 1 MB reason, and changes nothing.
func TestCatalogRefusesHostileText(t *testing.T) {
	f := newFixture(t)
	f.add(t, "DLY001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "DLY002L8", Storage("honcho", "shelf"), "daily")
	m, err := f.cat.CreateManifest(f.ctx, operator, NewManifest{Destination: "annex", Barcodes: []string{"DLY002L8"}})
	require.NoError(t, err)
	uses := 5
	_, err = f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "CLN001L1", Location: Storage("honcho", "shelf"), UsesLeft: &uses})
	require.NoError(t, err)
	before := dump(t, f.path)

	texts := map[string]string{"a 1 MB reason": strings.Repeat("x", 1<<20)}
	for k, v := range hostileTexts {
		texts[k] = v
	}
	for name, s := range texts {
		calls := map[string]func() error{
			"add notes": func() error {
				_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L8", Location: Storage("honcho", "shelf"), Notes: s + "\x1b"})
				return err
			},
			"add barcode": func() error {
				_, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY009L8" + s, Location: Storage("honcho", "shelf")})
				return err
			},
			"move reason": func() error {
				_, err := f.cat.Move(f.ctx, operator, "DLY001L8", Storage("honcho", "safe"), MoveOptions{Reason: s})
				return err
			},
			"move actor": func() error {
				_, err := f.cat.Move(f.ctx, Actor{Name: s, Role: "operator"}, "DLY001L8", Storage("honcho", "safe"), MoveOptions{})
				return err
			},
			"retire reason": func() error {
				_, err := f.cat.SetState(f.ctx, admin, "DLY001L8", Retired, s)
				return err
			},
			"record reason": func() error {
				_, err := f.cat.Record(f.ctx, admin, "note", s)
				return err
			},
			"manifest note": func() error {
				_, err := f.cat.CreateManifest(f.ctx, operator, NewManifest{Destination: "annex", Barcodes: []string{"DLY001L8"}, Note: s + "\x00"})
				return err
			},
			"courier name": func() error {
				_, err := f.cat.Pickup(f.ctx, operator, m.ID, Handover{Courier: s, Barcodes: []string{"DLY002L8"}})
				return err
			},
			"cancel reason": func() error {
				_, err := f.cat.CancelManifest(f.ctx, operator, m.ID, s)
				return err
			},
			"uses reason": func() error {
				return f.cat.SetUsesLeft(f.ctx, admin, "CLN001L1", 3, s)
			},
			"drill note": func() error {
				_, err := f.cat.RecordDrill(f.ctx, admin, Drill{System: "juki", Job: "juki", Result: "passed", Note: s})
				return err
			},
		}
		for call, fn := range calls {
			err := fn()
			require.ErrorIs(t, err, ErrBadInput, "%s: %s", call, name)
			if name == "a 1 MB reason" {
				assert.ErrorIs(t, err, ErrTooLong, "%s: %s", call, name)
			} else {
				assert.ErrorIs(t, err, ErrControlChar, "%s: %s", call, name)
			}
		}
	}
	assert.Equal(t, before, dump(t, f.path), "no refusal changed anything")

	// Notes are multi-line: a line feed is kept.
	c, err := f.cat.AddCartridge(f.ctx, admin, NewCartridge{Barcode: "DLY003L8", Location: Storage("honcho", "shelf"), Notes: "bought 2026-04\nlabel reprinted"})
	require.NoError(t, err)
	assert.Equal(t, "bought 2026-04\nlabel reprinted", c.Notes)
}
