package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

// A note tapewarden wrote when it closed a prompt is listed in Japanese
// for a Japanese reader, and as the catalog keeps it in English; a
// person's note is shown as they wrote it.
func TestPromptListToldTheSystemsNotes(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	list := []media.Prompt{
		{ID: 7, Kind: "load", State: media.PromptCancelled, CreatedAt: now.Add(-2 * time.Hour), ClosedBy: media.System.Name, Note: "nobody answered in time", Action: "Put DAT001 into drive dat0", ActionJa: "DAT001 をドライブ dat0 に挿入してください"},
		{ID: 8, Kind: "load", State: media.PromptDone, CreatedAt: now.Add(-time.Hour), ClosedBy: media.System.Name, Note: "the drive reported a cartridge loaded", Action: "Put DAT002 into drive dat0", ActionJa: "DAT002 をドライブ dat0 に挿入してください"},
		{ID: 9, Kind: "load", State: media.PromptCancelled, CreatedAt: now.Add(-time.Hour), ClosedBy: "tanaka", Note: "the tape is at the annex", Action: "Put DAT003 into drive dat0", ActionJa: "DAT003 をドライブ dat0 に挿入してください"},
	}
	var ja, en bytes.Buffer
	printPrompts(&ja, list, now, i18n.NewPrinter(i18n.Japanese, nil))
	printPrompts(&en, list, now, i18n.NewPrinter(i18n.English, nil))
	assert.Contains(t, ja.String(), "期限までに応答がありませんでした")
	assert.Contains(t, ja.String(), "ドライブが媒体の装填を検知しました")
	assert.NotContains(t, ja.String(), "nobody answered in time")
	assert.NotContains(t, ja.String(), "the drive reported a cartridge loaded")
	assert.Contains(t, ja.String(), "the tape is at the annex", "a person's note is theirs")
	assert.Contains(t, en.String(), "nobody answered in time")
	assert.Contains(t, en.String(), "the drive reported a cartridge loaded")
	assert.Contains(t, en.String(), "the tape is at the annex")
}
