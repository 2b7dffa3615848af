package engine

import (
	"errors"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// bi is a text for people in English and in Japanese. A prompt's action
// and reason are rendered in both when it is opened and kept side by side
// in the catalog, so the console, the CLI and the prompt command each show
// the language they are asked for.
type bi struct{ en, ja string }

var (
	enText = i18n.NewPrinter(i18n.English, nil)
	jaText = i18n.NewPrinter(i18n.Japanese, nil)
)

// tr renders message id from the catalogue in both languages. An argument
// that is itself a bi is filled in in the matching language; a number is
// written plainly (the catalogue's printer would group its digits, and a
// prompt number goes into commands).
func tr(id string, args ...any) bi {
	en, ja := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case bi:
			en[i], ja[i] = a.en, a.ja
		case int:
			en[i], ja[i] = strconv.Itoa(a), strconv.Itoa(a)
		case int64:
			en[i], ja[i] = strconv.FormatInt(a, 10), strconv.FormatInt(a, 10)
		default:
			en[i], ja[i] = a, a
		}
	}
	return bi{en: enText.T(id, en...), ja: jaText.T(id, ja...)}
}

// withTexts sets a prompt's action and reason in both languages.
func withTexts(p media.Prompt, action, why bi) media.Prompt {
	p.Action, p.ActionJa = action.en, action.ja
	p.Why, p.WhyJa = why.en, why.ja
	return p
}

// pick is the text in pr's language.
func pick(t bi, pr *i18n.Printer) string {
	if pr.Lang() == i18n.Japanese {
		return t.ja
	}
	return t.en
}

// lowerFirst is an English instruction continuing a sentence: "put ..."
// after "; then".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// japanese says whether the configuration asks for Japanese, the language
// of the prompt command's TAPEWARDEN_PROMPT_TEXT.
func (d *Engine) japanese() bool { return d.cfg.Language == string(i18n.Japanese) }

// place is where a cartridge is: its canonical form in English, as the
// commands take it, and in words in Japanese.
func place(l media.Location) bi {
	if l.IsZero() {
		return bi{}
	}
	return bi{en: enText.Place(string(l.Kind), l.Site, l.Place, l.Slot), ja: jaText.Place(string(l.Kind), l.Site, l.Place, l.Slot)}
}

// placeOf is place for a location in its canonical text form; a text
// that is not one stays as it is.
func placeOf(s string) bi {
	l, err := media.ParseLocation(s)
	if err != nil {
		return bi{en: s, ja: s}
	}
	return place(l)
}

// PlaceText is a prompt's Place (a location in its canonical form) for a
// person reading pr's language; a text that is not a location stays as
// it is.
func PlaceText(pr *i18n.Printer, s string) string {
	if pr.Lang() == i18n.Japanese {
		return placeOf(s).ja
	}
	return s
}

// classText is a handling class as the standard names it.
func classText(h media.Handling) bi {
	return bi{en: h.Label(), ja: jaText.Class(h.Confidentiality, h.Integrity)}
}

// errText is what the system said, for a person: the error itself in
// English; in Japanese the common causes in words, any other quoted as
// the system wrote it.
func errText(err error) bi {
	if err == nil {
		return bi{}
	}
	id := "err.other"
	switch {
	case errors.Is(err, exec.ErrNotFound):
		id = "err.not_in_path"
	case errors.Is(err, fs.ErrNotExist):
		id = "err.not_exist"
	case errors.Is(err, fs.ErrPermission):
		id = "err.permission"
	case errors.Is(err, syscall.ENOSPC):
		id = "err.no_space"
	case errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		id = "err.no_device"
	case errors.Is(err, syscall.EIO):
		id = "err.io"
	}
	if id == "err.other" {
		return bi{en: err.Error(), ja: jaText.T(id, err.Error())}
	}
	return bi{en: err.Error(), ja: jaText.T(id)}
}

// join joins texts with a separator for each language.
func join(parts []bi, en, ja string) bi {
	var out bi
	for i, p := range parts {
		if i > 0 {
			out.en += en
			out.ja += ja
		}
		out.en += p.en
		out.ja += p.ja
	}
	return out
}

// reasonText is a rotation reason for a person, in both languages.
func reasonText(r rotation.Reason) bi { return bi{en: r.Message, ja: jaText.Reason(r)} }

// whereText is a rotation location for a person, in both languages.
func whereText(l rotation.Location) bi { return bi{en: l.String(), ja: jaText.Where(l)} }

// diskWhere says which disk a directory drive takes: its directory, or
// the disks with its file system label or UUIDs.
func diskWhere(dc *config.DriveConfig) bi {
	if dc.Path != "" {
		return bi{en: dc.Path, ja: dc.Path}
	}
	var parts []bi
	if dc.Label != "" {
		parts = append(parts, tr("disk.labelled", dc.Label))
	}
	if len(dc.UUID) > 0 {
		parts = append(parts, tr("disk.uuid", join(asBi(dc.UUID), " or ", " または ")))
	}
	return join(parts, " or ", " または ")
}

// asBi are texts the same in both languages: names and identifiers.
func asBi(ss []string) []bi {
	out := make([]bi, len(ss))
	for i, s := range ss {
		out[i] = bi{en: s, ja: s}
	}
	return out
}

// promptAction is what a prompt asks in both languages (its English in
// both for a prompt opened before the catalog kept Japanese).
func promptAction(p media.Prompt) bi {
	if p.ActionJa == "" {
		return bi{en: p.Action, ja: p.Action}
	}
	return bi{en: p.Action, ja: p.ActionJa}
}
