package media

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Text errors. Both also wrap ErrBadInput, so a caller that maps bad input
// to a refusal needs nothing new.
var (
	ErrControlChar = errors.New("media: text holds a control character")
	ErrTooLong     = errors.New("media: text is too long")
)

// TextKind is what a text field holds, which decides its length and
// whether it may break lines.
type TextKind int

// Text kinds.
const (
	// TextName is a name: an actor, a courier, a pool, a place, an event
	// kind. One line, at most MaxNameBytes.
	TextName TextKind = iota
	// TextLine is a reason or a short note: one line, at most
	// MaxLineBytes.
	TextLine
	// TextMultiLine is a documented multi-line field (a cartridge's notes,
	// a manifest's note): line feeds and tabs are allowed, at most
	// MaxMultiLineBytes.
	TextMultiLine
)

// Length caps, in bytes of UTF-8.
const (
	MaxNameBytes      = 200
	MaxLineBytes      = 2000
	MaxMultiLineBytes = 8000
)

func (k TextKind) limit() int {
	switch k {
	case TextName:
		return MaxNameBytes
	case TextLine:
		return MaxLineBytes
	}
	return MaxMultiLineBytes
}

// forbidden reports whether r may not appear in text of kind k: control
// characters (C0, DEL, C1; line feed and tab only in multi-line text), the
// characters that reorder or break displayed text (bidirectional
// formatting, line and paragraph separators), and bytes that are not
// UTF-8.
func forbidden(r rune, k TextKind) bool {
	if r == '\n' || r == '\t' {
		return k != TextMultiLine
	}
	return UnsafeRune(r)
}

// UnsafeRune reports whether r acts on a terminal or on how text is
// displayed rather than showing as itself: control characters (C0, DEL,
// C1), bidirectional formatting, and line and paragraph separators.
func UnsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// CheckText refuses text that holds a control character or is longer than
// its kind allows. field names the field in the message; the text itself
// is not echoed, since it may be what a terminal would act on.
func CheckText(field, s string, k TextKind) error {
	if len(s) > k.limit() {
		return fmt.Errorf("%w: %w: %s is %d bytes; at most %d are kept, shorten it", ErrBadInput, ErrTooLong, field, len(s), k.limit())
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("%w: %w: %s is not valid UTF-8 at byte %d; write it in UTF-8", ErrBadInput, ErrControlChar, field, i)
			}
		}
		if forbidden(r, k) {
			hint := "remove it"
			if (r == '\n' || r == '\r') && k != TextMultiLine {
				hint = "write it on one line"
			}
			return fmt.Errorf("%w: %w: %s holds the control character %U at byte %d; %s", ErrBadInput, ErrControlChar, field, r, i, hint)
		}
	}
	return nil
}

// textField is one field to check.
type textField struct {
	name  string
	value string
	kind  TextKind
}

// checkTexts checks fields in order and returns the first refusal.
func checkTexts(fields ...textField) error {
	for _, f := range fields {
		if err := CheckText(f.name, f.value, f.kind); err != nil {
			return err
		}
	}
	return nil
}

// checkActor checks who is acting.
func checkActor(a Actor) error {
	return checkTexts(textField{"the actor's name", a.Name, TextName}, textField{"the actor's role", a.Role, TextName})
}

// checkLocationText checks the names in a location.
func checkLocationText(l Location) error {
	return checkTexts(textField{"the site", l.Site, TextName}, textField{"the place", l.Place, TextName})
}
