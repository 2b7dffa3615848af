package i18n

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is a language tapewarden speaks.
type Lang string

// The languages.
const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Langs are the languages, in the order a chooser lists them.
var Langs = []Lang{English, Japanese}

// Parse reads a language code (en, ja, or a tag such as ja-JP); false,
// with English, for any other.
func Parse(s string) (Lang, bool) {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	switch Lang(base) {
	case English:
		return English, true
	case Japanese:
		return Japanese, true
	}
	return English, false
}

func (l Lang) tag() language.Tag {
	if l == Japanese {
		return language.Japanese
	}
	return language.English
}

// messages is the catalogue: every text in both languages, gathered
// from the files that keep them by subject.
var messages = slices.Concat(pageMessages, consoleMessages, reasonMessages, swapMessages, courierMessages, promptMessages, sheetMessages, procedureMessages, restMessages)

// cat is the catalogue built from messages.
var cat = build()

// known are the message IDs.
var known = map[string]bool{}

func build() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range messages {
		known[m.id] = true
		// SetString fails only for a malformed tag; ours are constants.
		_ = b.SetString(language.English, m.id, m.en)
		_ = b.SetString(language.Japanese, m.id, m.ja)
	}
	return b
}

// Printer writes messages and dates in one language and time zone.
type Printer struct {
	lang Lang
	loc  *time.Location
	p    *message.Printer
}

// NewPrinter returns a printer for a language; dates are shown in loc
// (nil: UTC).
func NewPrinter(l Lang, loc *time.Location) *Printer {
	if loc == nil {
		loc = time.UTC
	}
	if l != Japanese {
		l = English
	}
	return &Printer{lang: l, loc: loc, p: message.NewPrinter(l.tag(), message.Catalog(cat))}
}

// Lang is the printer's language.
func (p *Printer) Lang() Lang { return p.lang }

// Has says whether the catalogue has a message ID.
func (p *Printer) Has(id string) bool { return known[id] }

// T is the message id in the printer's language with args filled in. An
// ID the catalogue lacks comes out as itself in brackets, so a missing
// text shows on the page and in tests.
func (p *Printer) T(id string, args ...any) string {
	if !known[id] {
		return fmt.Sprintf("[%s]", id)
	}
	return p.p.Sprintf(id, args...)
}

// DateTime is a date and a time of day: 2026-12-06 18:00, or
// 2026年12月6日 18:00. The zero time is a dash.
func (p *Printer) DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(p.loc)
	if p.lang == Japanese {
		return t.Format("2006年1月2日 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// Date is a day: Sun 2026-12-06, or 2026年12月6日(日).
func (p *Printer) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(p.loc)
	if p.lang == Japanese {
		return t.Format("2006年1月2日") + "(" + jaWeekdays[t.Weekday()] + ")"
	}
	return t.Format("Mon 2006-01-02")
}

var jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// Funcs are the printer as template functions: t (a message), date,
// datetime, and the words for roles, manifest states and scan results,
// which fall back to the code itself.
func (p *Printer) Funcs() map[string]any {
	word := func(prefix string) func(v any) string {
		return func(v any) string {
			s := fmt.Sprint(v)
			if known[prefix+s] {
				return p.T(prefix + s)
			}
			return s
		}
	}
	return map[string]any{
		"t":        p.T,
		"date":     p.Date,
		"datetime": p.DateTime,
		"role":     word("role."),
		"state":    word("state."),
		"result":   word("result."),
		"inc":      func(i int) int { return i + 1 },
	}
}

// IDs lists the catalogue's message IDs, for tests.
func IDs() []string {
	out := make([]string, 0, len(messages))
	for _, m := range messages {
		out = append(out, m.id)
	}
	return out
}
