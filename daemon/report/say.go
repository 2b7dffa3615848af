package report

import (
	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/rotation"
)

// say is a reason with its message in the printer's language; its code
// stays as rotation gave it, and so do its key and arguments, so saying it
// again in another language still works.
func say(p *i18n.Printer, r rotation.Reason) rotation.Reason {
	r.Message = p.Reason(r)
	return r
}
