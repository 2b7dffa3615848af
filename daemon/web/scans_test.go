package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A form sent twice is one scan; a stray cartridge scanned again is one
// problem; an expected cartridge scanned twice is a problem of its own.
func TestScanSheetProblems(t *testing.T) {
	b := newScanBook()
	classify := func(result string) func(bool) (string, string) {
		return func(seen bool) (string, string) {
			if result == scanExpected && seen {
				return scanDuplicate, ""
			}
			return result, ""
		}
	}
	b.record("M/pickup", "scan-0001", "DLY001L8", classify(scanExpected))
	b.record("M/pickup", "scan-0001", "DLY001L8", classify(scanExpected))
	b.record("M/pickup", "scan-0002", "XYZ999L8", classify(scanUnknown))
	b.record("M/pickup", "scan-0003", "XYZ999L8", classify(scanUnknown))
	b.record("M/pickup", "scan-0004", "DLY001L8", classify(scanExpected))
	sh := b.sheet("M/pickup")
	assert.Len(t, sh.order, 4, "the form sent twice counts once")
	var got []string
	for _, p := range sh.problems() {
		got = append(got, p.Barcode+" "+p.Result)
	}
	assert.Equal(t, []string{"XYZ999L8 " + scanUnknown, "DLY001L8 " + scanDuplicate}, got)
}
