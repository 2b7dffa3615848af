package main

import (
	"strconv"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// classAdvice writes a cartridge's handling class for a person who moves
// it, with what the standard asks of class 2: "CLASS 2 (confidentiality
// 2): carry it encrypted or in a locked case, keep it locked"; "" when
// its data states no class.
func classAdvice(h media.Handling) string {
	label := h.Label()
	switch {
	case label == "":
		return ""
	case h.Confidentiality >= 2:
		return label + ": carry it encrypted or in a locked case, keep it locked"
	case h.Class2():
		return label + ": keep it locked"
	}
	return label
}

// classLabel is media.Handling.Label in the printer's language: "CLASS 2
// (confidentiality 2, integrity 2)", 【取扱区分 2】（機密性 2、完全性 2）; ""
// when the data states no class.
func classLabel(p *i18n.Printer, h media.Handling) string {
	c, i := strconv.Itoa(h.Confidentiality), strconv.Itoa(h.Integrity)
	var parts string
	switch {
	case h.Confidentiality > 0 && h.Integrity > 0:
		parts = p.T("swap.class.both", c, i)
	case h.Confidentiality > 0:
		parts = p.T("swap.class.confidentiality", c)
	case h.Integrity > 0:
		parts = p.T("swap.class.integrity", i)
	default:
		return ""
	}
	top := strconv.Itoa(max(h.Confidentiality, h.Integrity))
	if h.Class2() {
		return p.T("swap.class.label2", top, parts)
	}
	return p.T("swap.class.label", top, parts)
}

// classAdviceIn is classAdvice in the printer's language.
func classAdviceIn(p *i18n.Printer, h media.Handling) string {
	label := classLabel(p, h)
	switch {
	case label == "":
		return ""
	case h.Confidentiality >= 2:
		return p.T("swap.class.advice.locked_case", label)
	case h.Class2():
		return p.T("swap.class.advice.locked", label)
	}
	return label
}
