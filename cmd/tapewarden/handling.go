package main

import "github.com/tapewarden/tapewarden/media"

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
