package web

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/media"
)

// A stray cartridge scanned again is one problem; an expected cartridge
// scanned twice is a problem of its own; the expected ones are matched
// in scan order.
func TestScanSheetProblems(t *testing.T) {
	sh := scanSheet{
		{ScanID: "scan-0001", Barcode: "DLY002L8", Result: media.ScanExpected},
		{ScanID: "scan-0002", Barcode: "XYZ999L8", Result: media.ScanUnknown},
		{ScanID: "scan-0003", Barcode: "XYZ999L8", Result: media.ScanUnknown},
		{ScanID: "scan-0004", Barcode: "DLY002L8", Result: media.ScanDuplicate},
		{ScanID: "scan-0005", Barcode: "DLY001L8", Result: media.ScanExpected},
		{ScanID: "scan-0006", Barcode: "DLY002L8", Result: media.ScanDuplicate},
	}
	var got []string
	for _, p := range sh.problems() {
		got = append(got, p.Barcode+" "+p.Result)
	}
	assert.Equal(t, []string{"XYZ999L8 " + media.ScanUnknown, "DLY002L8 " + media.ScanDuplicate}, got)
	assert.Equal(t, []string{"DLY002L8", "DLY001L8"}, sh.matched())
}
