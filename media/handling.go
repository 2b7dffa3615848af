package media

import (
	"context"
	"fmt"
	"strings"
)

// Handling is a cartridge's handling class: the highest confidentiality
// and integrity class of the data still on it (0: none stated). The
// catalog does not know classes; the daemon fills them in from the systems
// inventory (see HandlingClasses).
type Handling struct {
	Confidentiality int `json:"confidentiality,omitempty"`
	Integrity       int `json:"integrity,omitempty"`
}

// Handling is the cartridge's handling class.
func (c Cartridge) Handling() Handling {
	return Handling{Confidentiality: c.Confidentiality, Integrity: c.Integrity}
}

// Class2 reports whether the data is of class 2 or higher in either
// respect: media the standard keeps locked, and whose confidentiality-2
// data travels encrypted or in a locked case.
func (h Handling) Class2() bool { return h.Confidentiality >= 2 || h.Integrity >= 2 }

// Label writes the class as the standard names it, for people: "CLASS 2
// (confidentiality 2, integrity 2)" in capitals so that it stands out,
// "class 1 (integrity 1)" otherwise, and "" when the data states no class.
func (h Handling) Label() string {
	var parts []string
	if h.Confidentiality > 0 {
		parts = append(parts, fmt.Sprintf("confidentiality %d", h.Confidentiality))
	}
	if h.Integrity > 0 {
		parts = append(parts, fmt.Sprintf("integrity %d", h.Integrity))
	}
	if len(parts) == 0 {
		return ""
	}
	top := max(h.Confidentiality, h.Integrity)
	name := "class"
	if h.Class2() {
		name = "CLASS"
	}
	return fmt.Sprintf("%s %d (%s)", name, top, strings.Join(parts, ", "))
}

// Short writes the class in a table column: "C2 I2", "" when none.
func (h Handling) Short() string {
	var parts []string
	if h.Confidentiality > 0 {
		parts = append(parts, fmt.Sprintf("C%d", h.Confidentiality))
	}
	if h.Integrity > 0 {
		parts = append(parts, fmt.Sprintf("I%d", h.Integrity))
	}
	return strings.Join(parts, " ")
}

// HandlingClasses gives the handling class of each barcode that holds data
// stating one, from the systems whose data it still holds; class names
// the highest classes of a set of systems (the daemon's systems
// inventory). Nil barcodes means every cartridge.
func (c *Catalog) HandlingClasses(ctx context.Context, barcodes []string, class func(systems []string) (confidentiality, integrity int)) (map[string]Handling, error) {
	held, err := c.HeldSystems(ctx, barcodes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Handling, len(held))
	for b, systems := range held {
		if conf, integ := class(systems); conf+integ > 0 {
			out[b] = Handling{Confidentiality: conf, Integrity: integ}
		}
	}
	return out, nil
}
