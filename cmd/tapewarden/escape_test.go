package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/media"
)

// A run's log keeps its lines when the answer is made safe to print; a
// control character inside a line is still shown as an escape.
func TestEscapeKeepsARunLogsLines(t *testing.T) {
	at := time.Date(2026, 12, 7, 4, 23, 11, 0, time.FixedZone("JST", 9*3600))
	r := media.Run{ID: 1, Job: "juki-daily\x1b[2J", Log: media.RunLog(media.LogLinePrefix(at) + "choosing a cartridge\n" +
		media.LogLinePrefix(at.Add(time.Second)) + "pre-command output:\x1b[31m red\n")}
	escapeStrings(&r)
	assert.Equal(t, `juki-daily\x1b[2J`, r.Job)
	lines := r.Log.Lines()
	if assert.Len(t, lines, 2) {
		assert.Equal(t, "choosing a cartridge", lines[0].Text)
		assert.Equal(t, `pre-command output:\x1b[31m red`, lines[1].Text)
		assert.True(t, lines[1].At.Equal(at.Add(time.Second)))
	}
	var out bytes.Buffer
	printRun(&out, r)
	assert.Contains(t, out.String(), "2026-12-07 04:23:11 choosing a cartridge\n2026-12-07 04:23:12 pre-command output:")
	assert.NotContains(t, out.String(), `\n`)
}
