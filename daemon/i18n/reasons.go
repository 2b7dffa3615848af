package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tapewarden/tapewarden/rotation"
)

// texts are the catalogue's entries by ID, for the reasons, which are
// filled with fmt rather than the catalogue's printer: their English must
// be rotation's to the byte, and numbers in them are never grouped (a
// count or slot can be part of a command).
var texts = func() map[string]entry {
	m := make(map[string]entry, len(messages))
	for _, e := range messages {
		m[e.id] = e
	}
	return m
}()

// Reason is r's message in the printer's language: the catalogue's text
// for r.Key filled with r.Args, each told in the same language (a
// location as Where writes it, a count with its number, a part made of
// another reason as that reason). A reason without a key, or with one the
// catalogue lacks, is its Message.
func (p *Printer) Reason(r rotation.Reason) string {
	e, ok := texts[r.Key]
	if r.Key == "" || !ok {
		return r.Message
	}
	args := make([]any, len(r.Args))
	for i, a := range r.Args {
		args[i] = p.reasonArg(a)
	}
	if p.lang != Japanese {
		return fmt.Sprintf(e.en, args...)
	}
	return tighten(fmt.Sprintf(e.ja, args...))
}

// reasonArg is one argument of a reason in the printer's language.
func (p *Printer) reasonArg(a any) any {
	ja := p.lang == Japanese
	switch a := a.(type) {
	case rotation.Location:
		return p.Where(a)
	case rotation.Reason:
		return p.Reason(a)
	case []rotation.Reason:
		parts := make([]string, len(a))
		for i, r := range a {
			parts[i] = p.Reason(r)
		}
		if ja {
			return strings.Join(parts, "。")
		}
		return strings.Join(parts, "; ")
	case rotation.Count:
		if ja {
			return strconv.Itoa(a.N)
		}
		return a.String()
	case rotation.Date:
		if ja {
			return jaDate(time.Time(a))
		}
		return a.String()
	case rotation.DateTime:
		if ja {
			return time.Time(a).Format("2006年1月2日 15:04")
		}
		return a.String()
	case rotation.List:
		if !ja {
			return a.String()
		}
		words := make([]string, len(a.Items))
		for i, w := range a.Items {
			words[i] = fmt.Sprint(p.reasonArg(w))
		}
		if a.Join == rotation.JoinOr && len(words) > 1 {
			return strings.Join(words[:len(words)-1], "、") + " または " + words[len(words)-1]
		}
		return strings.Join(words, "、")
	case rotation.State:
		return p.word("reason.state.", string(a))
	case rotation.Level:
		return p.word("reason.level.", string(a))
	}
	return a
}

// word is the catalogue's word prefix+s in the printer's language, or s
// itself when there is none.
func (p *Printer) word(prefix, s string) string {
	e, ok := texts[prefix+s]
	switch {
	case !ok:
		return s
	case p.lang == Japanese:
		return e.ja
	}
	return e.en
}

// Where says where a cartridge is, in the printer's language: in English
// as rotation writes it ("library lib0 slot 3 at honcho"), in Japanese
// "honcho のライブラリ lib0 スロット 3". Site, library, drive and place
// names and manifest IDs stay as they are; the unnamed site is the
// machine room, サーバ室.
func (p *Printer) Where(l rotation.Location) string {
	if p.lang != Japanese {
		return l.String()
	}
	site := "サーバ室"
	if l.Site != "" {
		site = l.Site
	}
	switch l.Kind {
	case rotation.PlaceTransit:
		var parts []string
		if l.Place != "" {
			parts = append(parts, "搬送票 "+l.Place)
		}
		if l.To != "" {
			parts = append(parts, l.To+" 宛")
		}
		if !l.Due.IsZero() {
			parts = append(parts, "到着予定 "+jaDate(l.Due))
		}
		if len(parts) == 0 {
			return "搬送中"
		}
		return "搬送中（" + strings.Join(parts, "、") + "）"
	case rotation.PlaceDrive:
		return tighten(site + " のドライブ " + l.Place)
	case rotation.PlaceSlot:
		return tighten(site + " のライブラリ " + l.Place + " スロット " + strconv.Itoa(l.Slot))
	case rotation.PlaceMailSlot:
		return tighten(site + " のライブラリ " + l.Place + " メールスロット " + strconv.Itoa(l.Slot))
	}
	if l.Place == "" {
		return site
	}
	return tighten(site + " の " + l.Place)
}

// jaDate is a day in its own location as Japanese writes it:
// 2026年12月6日(日). Reasons keep the zone rotation gave their dates, so
// that both languages name the same day.
func jaDate(t time.Time) string {
	return t.Format("2006年1月2日") + "(" + jaWeekdays[t.Weekday()] + ")"
}

// tighten drops the spaces Japanese does not put between two Japanese
// words; spaces next to names, numbers and other Latin text stay
// ("サーバ室 へ" becomes "サーバ室へ", "honcho へ" stays).
func tighten(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if r == ' ' {
			before, _ := utf8.DecodeLastRuneInString(s[:i])
			after, _ := utf8.DecodeRuneInString(s[i+1:])
			if wide(before) && wide(after) {
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wide reports whether r is written without spaces around it in Japanese
// (kana, kanji and full-width punctuation).
func wide(r rune) bool { return r >= 0x3000 && r != utf8.RuneError }
