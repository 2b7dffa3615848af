package main

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/tapewarden/tapewarden/media"
)

// escapeText makes text safe to print to a terminal: control characters
// (an escape sequence could clear the screen or forge a line), characters
// that reorder displayed text (U+202E) and bytes that are not UTF-8 are
// shown as escapes (\x1b, \u202e, \r, \n) instead of acting. keepNewlines
// leaves line feeds alone, for messages written on several lines.
func escapeText(s string, keepNewlines bool) string {
	if !needsEscape(s, keepNewlines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && media.UnsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case media.UnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string, keepNewlines bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == '\n' && keepNewlines {
			continue
		}
		if media.UnsafeRune(r) {
			return true
		}
	}
	return false
}

// escapeStrings escapes every string reachable from v (a pointer) in
// place, so that whatever a command prints of the daemon's answer shows
// control characters as escapes. --json output is the daemon's JSON as it
// came and is not touched.
func escapeStrings(v any) {
	escapeValue(reflect.ValueOf(v), 0)
}

var runLogType = reflect.TypeFor[media.RunLog]()

func escapeValue(v reflect.Value, depth int) {
	if depth > 32 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			// Values held in an interface cannot be set in place: escape a
			// copy and put it back.
			inner := v.Elem()
			cp := reflect.New(inner.Type()).Elem()
			cp.Set(inner)
			escapeValue(cp, depth+1)
			if v.CanSet() {
				v.Set(cp)
			}
			return
		}
		escapeValue(v.Elem(), depth+1)
	case reflect.String:
		if v.CanSet() {
			// A run's log is lines: each is escaped, the line feeds
			// between them stay.
			v.SetString(escapeText(v.String(), v.Type() == runLogType))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				escapeValue(v.Field(i), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			escapeValue(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			val := v.MapIndex(k)
			cp := reflect.New(val.Type()).Elem()
			cp.Set(val)
			escapeValue(cp, depth+1)
			nk := k
			if k.Kind() == reflect.String {
				nk = reflect.ValueOf(escapeText(k.String(), false)).Convert(k.Type())
				if nk.String() != k.String() {
					v.SetMapIndex(k, reflect.Value{})
				}
			}
			v.SetMapIndex(nk, cp)
		}
	}
}
