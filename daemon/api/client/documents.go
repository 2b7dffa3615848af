package client

import (
	"context"

	"github.com/tapewarden/tapewarden/daemon/report"
)

// RecoverySheet is the sheet for the day the machine room is lost; with
// site, only the generations kept entirely at that site. It speaks lang
// (en, ja; "": the daemon's configured language).
func (c *Client) RecoverySheet(ctx context.Context, site, lang string) (report.Document, error) {
	return get[report.Document](ctx, c, "/v1/reports/recovery-sheet", values("site", site, "lang", lang))
}

// Procedure is the backup procedure document (表-33) made from the live
// configuration and catalog; with system, that system's part only. It
// speaks lang (en, ja; "": the daemon's configured language).
func (c *Client) Procedure(ctx context.Context, system, lang string) (report.Document, error) {
	return get[report.Document](ctx, c, "/v1/reports/procedure", values("system", system, "lang", lang))
}
