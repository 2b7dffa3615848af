package engine

import (
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
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
