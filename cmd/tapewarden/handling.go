package main

import (
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/media"
)

// classAdvice writes a cartridge's handling class for a person who moves
// it, in pr's language, with what the standard asks of class 2: "CLASS 2
// (confidentiality 2): carry it encrypted or in a locked case, keep it
// locked"; "" when its data states no class.
func classAdvice(pr *i18n.Printer, h media.Handling) string {
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
