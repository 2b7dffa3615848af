package client

import (
	"context"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Inspections lists physical inspections, newest first; site and state
// ("open", "closed") narrow the list when not empty.
func (c *Client) Inspections(ctx context.Context, site, state string) ([]media.Inspection, error) {
	return get[[]media.Inspection](ctx, c, "/v1/inspections", values("site", site, "state", state))
}

// Inspection is one inspection with its scans and findings.
func (c *Client) Inspection(ctx context.Context, id string) (media.Inspection, error) {
	return get[media.Inspection](ctx, c, p("/v1/inspections/", id), nil)
}

// StartInspection opens an inspection of a site, or of one place at it.
func (c *Client) StartInspection(ctx context.Context, req api.InspectionStartRequest) (media.Inspection, error) {
	return post[media.Inspection](ctx, c, "/v1/inspections", req)
}

// ScanInspection records barcodes seen during an inspection.
func (c *Client) ScanInspection(ctx context.Context, id string, req api.InspectionScanRequest) (media.Inspection, error) {
	return post[media.Inspection](ctx, c, p("/v1/inspections/", id, "/scan"), req)
}

// CloseInspection reconciles an inspection's scans with the catalog.
func (c *Client) CloseInspection(ctx context.Context, id string, req api.InspectionCloseRequest) (media.Inspection, error) {
	return post[media.Inspection](ctx, c, p("/v1/inspections/", id, "/close"), req)
}

// ResolveFinding settles one finding of an inspection.
func (c *Client) ResolveFinding(ctx context.Context, id string, req api.ResolveRequest) (media.Inspection, error) {
	return post[media.Inspection](ctx, c, p("/v1/inspections/", id, "/resolve"), req)
}

// DisposeMedia records the destruction of a cartridge.
func (c *Client) DisposeMedia(ctx context.Context, barcode string, req media.NewDisposal) (media.Disposal, error) {
	return post[media.Disposal](ctx, c, p("/v1/media/", barcode, "/dispose"), req)
}

// Disposals is the disposal report between two days (YYYY-MM-DD; empty
// for no bound).
func (c *Client) Disposals(ctx context.Context, from, to string) (report.DisposalReport, error) {
	return get[report.DisposalReport](ctx, c, "/v1/reports/disposals", values("from", from, "to", to))
}
