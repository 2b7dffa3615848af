package engine

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

// systemNote is a note tapewarden itself writes when it closes a prompt.
// The catalog keeps it in English (as it always has); format is that
// English, and id the same text in the catalogue, so that a person
// reading Japanese is told it in Japanese (NoteText). places are the
// arguments that are locations in their canonical form.
type systemNote struct {
	id, format string
	places     []int
	re         *regexp.Regexp
}

// knownNote is a note of the table: its catalogue id, its English format
// (each %s an argument), and which arguments are places.
func knownNote(id, format string, places ...int) *systemNote {
	parts := strings.Split(format, "%s")
	var b strings.Builder
	b.WriteString("^")
	for i, p := range parts {
		b.WriteString(regexp.QuoteMeta(p))
		switch {
		case i == len(parts)-1:
		case i == len(parts)-2:
			b.WriteString("(.+)")
		default:
			b.WriteString("(.+?)")
		}
	}
	b.WriteString("$")
	return &systemNote{id: id, format: format, places: places, re: regexp.MustCompile(b.String())}
}

// The notes tapewarden writes when it closes a prompt.
var (
	noteNobodyAnswered    = knownNote("note.nobody_answered", "nobody answered in time")
	noteRestarted         = knownNote("note.daemon_restarted", "the daemon restarted; a new prompt is opened if it is still needed")
	noteRunStopped        = knownNote("note.run_stopped", "the run stopped waiting: %s")
	noteSawLoaded         = knownNote("note.saw_loaded", sawLoadedNote)
	notePreflightReplaced = knownNote("note.preflight_replaced", "a newer pre-flight check replaces it")
	noteDoneAt            = knownNote("note.done_at", "done: %s is at %s", 1)
	noteMoved             = knownNote("note.moved", "%s moved from %s to %s; a new prompt says where to take it from", 1, 2)
	noteNowAt             = knownNote("note.now_at", "%s is now at %s, not %s; a new prompt says where to take it from", 1, 2)

	systemNotes = []*systemNote{noteNobodyAnswered, noteRestarted, noteRunStopped, noteSawLoaded, notePreflightReplaced, noteDoneAt, noteMoved, noteNowAt}
)

// text is the note with args filled in, as the catalog keeps it.
func (n *systemNote) text(args ...any) string {
	if len(args) == 0 {
		return n.format
	}
	return fmt.Sprintf(n.format, args...)
}

// NoteText is a prompt's note for a person reading pr's language: a note
// tapewarden wrote itself told in Japanese when it is one it knows, any
// other (a person's own words, an older wording) as it was written.
func NoteText(pr *i18n.Printer, p media.Prompt) string {
	if pr.Lang() != i18n.Japanese || p.ClosedBy != media.System.Name {
		return p.Note
	}
	for _, n := range systemNotes {
		m := n.re.FindStringSubmatch(p.Note)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, s := range m[1:] {
			args[i] = s
		}
		for _, i := range n.places {
			args[i] = PlaceText(pr, m[i+1])
		}
		return pr.T(n.id, args...)
	}
	return p.Note
}
