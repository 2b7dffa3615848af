package web

import (
	"slices"

	"github.com/tapewarden/tapewarden/media"
)

// scanSheet is what a courier has scanned for one hand-over of a
// manifest (its pick-up or its delivery), in scan order, as the catalog
// keeps it: a restart of the daemon loses none of it.
type scanSheet []media.CourierScan

// matched are the expected barcodes scanned, in scan order.
func (s scanSheet) matched() []string {
	var out []string
	for _, sc := range s {
		if sc.Result == media.ScanExpected {
			out = append(out, sc.Barcode)
		}
	}
	return out
}

// problems are the scans that were not a first scan of an expected
// cartridge, each barcode with each kind of problem once (a courier who
// scans the same stray cartridge again sees one problem, not two).
func (s scanSheet) problems() []media.CourierScan {
	var out []media.CourierScan
	for _, sc := range s {
		if sc.Result == media.ScanExpected {
			continue
		}
		if slices.ContainsFunc(out, func(p media.CourierScan) bool { return p.Barcode == sc.Barcode && p.Result == sc.Result }) {
			continue
		}
		out = append(out, sc)
	}
	return out
}
