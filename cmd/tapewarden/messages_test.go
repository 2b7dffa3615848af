package main

import (
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goIsms are what a person must never read: fmt's complaints, Go's
// duration and plural shortcuts, cobra's and strconv's words, times in raw
// UTC, placeholders left in, empty lists after a colon, control
// characters.
var goIsms = map[string]*regexp.Regexp{
	"fmt verb error":         regexp.MustCompile(`%!`),
	"Go zero duration":       regexp.MustCompile(`\b0s\b`),
	"Go duration":            regexp.MustCompile(`\b\d+[hm]\d+m?\d*s\b|\b\d+m0s\b`),
	"-1 for unknown":         regexp.MustCompile(`(^|[\s(=:,])-1\b`),
	"cobra's arg(s)":         regexp.MustCompile(`arg\(s\)|\(s\)`),
	"raw UTC time":           regexp.MustCompile(`\d\d:\d\d(:\d\d(\.\d+)?)?Z\b`),
	"Go layout":              regexp.MustCompile(`2006-01-02|15:04:05`),
	"doubled program name":   regexp.MustCompile(`tapewarden: tapewarden`),
	"strconv":                regexp.MustCompile(`strconv\.|invalid syntax`),
	"nothing after a colon":  regexp.MustCompile(`(?m): +\)|: +$`),
	"one, plural":            regexp.MustCompile(`\b1 (uses|members|days|pieces|cartridges|runs|prompts|bytes|minutes|seconds|hours)\b`),
	"placeholder left in":    regexp.MustCompile(`'tapewarden [a-z -]+ ID'`),
	"Go nil":                 regexp.MustCompile(`<nil>|0001-01-01`),
	"unescaped control char": regexp.MustCompile(`[\x00-\x08\x0b-\x1f\x7f]`),
	"has already <state>":    regexp.MustCompile(`has already (succeeded|failed|cancelled|missed)`),
}

// echoedFlag is a person's own flag value quoted back in a refusal.
var echoedFlag = regexp.MustCompile(`--[a-z-]+ "?-?\d+"?`)

// goIsmsIn returns the names of the patterns text matches, with the match.
func goIsmsIn(text string) []string {
	text = echoedFlag.ReplaceAllString(text, "")
	var found []string
	for name, re := range goIsms {
		if m := re.FindString(text); m != "" {
			found = append(found, name+": "+strings.TrimSpace(m))
		}
	}
	return found
}

func TestGoIsmPatternsCatchTheKnownMistakes(t *testing.T) {
	for _, bad := range []string{
		"tapewarden: run show: accepts 1 arg(s), received 0",
		"CLN001L8 (1 uses left)",
		"wrote 5 bytes in 1 piece(s), 1 members", "3 drive(s) answer",
		"run 12 has already cancelled",
		"prompt 3 [load, open, 1m0s old]",
		"DAT001 is in drive dat0 (waited 0s)",
		"writing DLY001L8 from tape file 1 (generations on it before: )",
		"found by root: ",
		"position\tfile -1, block -1",
		"--at TIME  the newest generation finished by this time (2006-01-02 15:04)",
		"tapewarden: tapewarden swap-list: no configuration",
		"if not, cancel this prompt ('tapewarden prompt cancel ID') and take it out",
		"prompt 4 is already done (by root at 2026-12-06T04:29:41Z)",
		"note: \x1b[2Jcleared",
	} {
		assert.NotEmpty(t, goIsmsIn(bad), "%q", bad)
	}
	for _, good := range []string{
		"prompt 3 [load, open, 34 seconds old]",
		"up since 2026-12-07 01:16 +09:00",
		"generation daily/2026-12-01, tape file 10",
		"CLN001L8 (1 use left)",
		"run 12 has already ended (cancelled); only a queued or running run can be cancelled",
	} {
		assert.Empty(t, goIsmsIn(good), "%q", good)
	}
}

// allCommands lists every command of the CLI by its arguments.
func allCommands() [][]string {
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		out = append(out, path)
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	walk(newRootCommand(io.Discard, io.Discard), nil)
	return out
}

func TestEveryHelpTextSpeaksPlainly(t *testing.T) {
	cmds := allCommands()
	require.Greater(t, len(cmds), 50, "the walk found too few commands")
	for _, path := range cmds {
		out, errOut, code := runCLI(t, nil, "", append(path, "--help")...)
		name := strings.Join(append([]string{"tapewarden"}, path...), " ")
		assert.Equal(t, 0, code, "%s --help: %s", name, errOut)
		assert.Empty(t, goIsmsIn(out+errOut), "%s --help:\n%s", name, out)
	}
}

// TestRefusalsSpeakPlainly runs mistakes a person makes against the demo
// and reads every answer: each exits as documented, says what to do in
// tapewarden's words, and holds no Go-ism.
func TestRefusalsSpeakPlainly(t *testing.T) {
	p := startDemo(t, stateDir(t))
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"prompt", "done", "abc"}, exitUsage, "'tapewarden prompt list' lists them"},
		{[]string{"prompt", "done"}, exitUsage, "give one prompt number"},
		{[]string{"prompt", "cancel", "0"}, exitUsage, "is not a prompt number"},
		{[]string{"prompt", "done", "999"}, exitFailed, "999"},
		{[]string{"run", "show"}, exitUsage, "give one run number"},
		{[]string{"run", "show", "1", "2"}, exitUsage, "give one run number"},
		{[]string{"run", "cancel", "1"}, exitFailed, "only a queued or running run can be cancelled"},
		{[]string{"rotation", "calendar", "--pool", "daily", "--days", "1000"}, exitUsage, "from 1 to 366"},
		{[]string{"rotation", "calendar", "--pool", "daily", "--days", "x"}, exitUsage, "give a whole number"},
		{[]string{"audit", "log", "--limit", "-1"}, exitUsage, "--limit -1: give a number from 1"},
		{[]string{"audit", "log", "--after", "-5"}, exitUsage, "--after -5"},
		{[]string{"job", "history", "--limit", "0"}, exitUsage, "--limit 0"},
		{[]string{"drive", "history", "lto0", "--limit", "-1"}, exitUsage, "--limit -1"},
		{[]string{"media", "list", "--state", "bogus"}, exitUsage, "give one of scratch, active"},
		{[]string{"manifest", "list", "--state", "bogus"}, exitUsage, "give one of open, in-transit"},
		{[]string{"status", "now"}, exitUsage, "status takes no arguments"},
		{[]string{"media", "show"}, exitUsage, "it is used as: tapewarden media show"},
		{[]string{"media", "frobnicate"}, exitUsage, "unknown command"},
		{[]string{"swap-list", "--date", "someday"}, exitUsage, "swap-list: --date"},
		{[]string{"courier", "plan", "--date", "someday"}, exitUsage, "courier plan: --date"},
		{[]string{"restore", "--job", "juki-daily", "--at", "noon", "--to", t.TempDir()}, exitUsage, "YYYY-MM-DD HH:MM"},
		{[]string{"media", "show", "NOPE99L8"}, exitFailed, "NOPE99L8"},
		{[]string{"drive", "eject", "nodrive"}, exitFailed, "nodrive"},
	} {
		out, errOut, code := p.run(c.args...)
		name := "tapewarden " + strings.Join(c.args, " ")
		assert.Equal(t, c.code, code, "%s exit status: %s%s", name, out, errOut)
		assert.Contains(t, errOut, c.says, name)
		assert.Empty(t, goIsmsIn(out+errOut), "%s:\n%s%s", name, out, errOut)
		assert.NotContains(t, errOut, "tapewarden: tapewarden", name)
	}

	// What the demo prints for people, read after its history was made.
	for _, args := range [][]string{
		{"status"}, {"job", "history"}, {"job", "list"}, {"run", "show", "1"}, {"prompt", "list", "--all"},
		{"media", "list"}, {"media", "show", "DLY001L8"}, {"media", "show", "CLN002CU"}, {"audit", "log", "--limit", "200"},
		{"drive", "list"}, {"drive", "status", "lto0"}, {"drive", "history", "lto0"}, {"site", "list"},
		{"manifest", "list", "--all"}, {"courier", "plan"}, {"swap-list"}, {"drill", "list"},
		{"rotation", "calendar", "--pool", "daily", "--days", "7"}, {"policy", "check", "--demo"},
	} {
		out, errOut, code := p.run(args...)
		name := "tapewarden " + strings.Join(args, " ")
		assert.Equal(t, 0, code, "%s: %s", name, errOut)
		assert.Empty(t, goIsmsIn(out+errOut), "%s:\n%s", name, out)
	}
}

// TestDemoHistoryReadsInOrder: the demo's stock is added before
// yesterday's runs write on it, so every event is later than the one
// before it and a cartridge is added before its first use.
func TestDemoHistoryReadsInOrder(t *testing.T) {
	p := startDemo(t, stateDir(t))
	var events []struct {
		ID      int64     `json:"id"`
		At      time.Time `json:"at"`
		Kind    string    `json:"kind"`
		Barcode string    `json:"barcode"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.must("audit", "log", "--after", "0", "--limit", "500", "--json")), &events))
	require.NotEmpty(t, events)
	sort.Slice(events, func(i, j int) bool { return events[i].ID < events[j].ID })
	added := map[string]bool{}
	for i, e := range events {
		if i > 0 {
			assert.False(t, e.At.Before(events[i-1].At), "event %d (%s %s) is earlier than event %d", e.ID, e.Kind, e.Barcode, events[i-1].ID)
		}
		if e.Kind == "added" {
			added[e.Barcode] = true
		}
		if e.Kind == "loaded" {
			assert.True(t, added[e.Barcode], "%s is loaded (event %d) before it was added", e.Barcode, e.ID)
		}
	}
	show := p.must("media", "show", "DLY001L8")
	// The daemon's log writes its times in the configured zone too.
	assert.Regexp(t, `time=2\S+\+09:00 level=INFO msg="tapewarden ready"`, p.out.String())
	assert.NotRegexp(t, `time=\S+Z `, p.out.String())
	lines := strings.Split(strings.TrimSpace(show), "\n")
	assert.Contains(t, lines[len(lines)-1], " added ", "media show lists the history newest first, so its last line is the oldest:\n%s", show)
}
