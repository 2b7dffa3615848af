package main

import (
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

// english is the printer of the printouts that speak English only.
var english = i18n.NewPrinter(i18n.English, nil)

// classAdvice writes a cartridge's handling class for a person who moves
// it, with what the standard asks of class 2: "CLASS 2 (confidentiality
// 2): carry it encrypted or in a locked case, keep it locked"; "" when
// its data states no class.
func classAdvice(h media.Handling) string { return classAdviceIn(english, h) }

// classAdviceIn is classAdvice in pr's language.
func classAdviceIn(pr *i18n.Printer, h media.Handling) string {
	label := pr.Class(h.Confidentiality, h.Integrity)
	switch {
	case label == "":
		return ""
	case h.Confidentiality >= 2:
		return pr.T("class.advice.encrypt", label)
	case h.Class2():
		return pr.T("class.advice.lock", label)
	}
	return label
}
