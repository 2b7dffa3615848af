package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

// Every note tapewarden writes when it closes a prompt is the
// catalogue's English to the byte, so that the table finds it again.
func TestSystemNotesAreTheCataloguesEnglish(t *testing.T) {
	for _, n := range systemNotes {
		args := make([]any, strings.Count(n.format, "%s"))
		for i := range args {
			args[i] = "X" + string(rune('a'+i))
		}
		assert.Equal(t, n.text(args...), enText.T(n.id, args...), n.id)
	}
}

// A note the system wrote is told in Japanese (its places in words);
// a person's note, a note the table does not know, and every note in
// English stay as they were written.
func TestNoteTextInJapanese(t *testing.T) {
	ja := i18n.NewPrinter(i18n.Japanese, nil)
	en := i18n.NewPrinter(i18n.English, nil)
	sys := func(note string) media.Prompt { return media.Prompt{ClosedBy: media.System.Name, Note: note} }
	for note, want := range map[string]string{
		noteNobodyAnswered.text():                          "期限までに応答がありませんでした",
		noteRestarted.text():                               "デーモンが再起動しました。まだ必要なら新しい作業依頼が出されます",
		sawLoadedNote:                                      "ドライブが媒体の装填を検知しました",
		noteRunStopped.text("context canceled"):            "処理が待機をやめました：context canceled",
		noteDoneAt.text("DLY001L8", "honcho/shelf"):        "完了：DLY001L8 は " + PlaceText(ja, "honcho/shelf") + " にあります",
		"the operator's own words":                         "the operator's own words",
		"the drive reported a cartridge loaded, then more": "the drive reported a cartridge loaded, then more",
	} {
		assert.Equal(t, want, NoteText(ja, sys(note)), note)
		assert.Equal(t, note, NoteText(en, sys(note)), "English stays as stored")
	}
	assert.NotEqual(t, "honcho/shelf", PlaceText(ja, "honcho/shelf"), "the place is said in words")
	person := media.Prompt{ClosedBy: "tanaka", Note: "nobody answered in time"}
	assert.Equal(t, "nobody answered in time", NoteText(ja, person), "a person's note is theirs")
}
