package web

import (
	"slices"
	"sync"
)

// Scan results.
const (
	scanExpected     = "expected"        // on the manifest, first time
	scanDuplicate    = "duplicate"       // on the manifest, scanned before
	scanNotOnList    = "not-on-manifest" // a cartridge the catalog knows, not on this manifest
	scanUnknown      = "unknown"         // not in the catalog
	scanUnreadable   = "bad"             // not a barcode
	maxScansPerSheet = 2000
)

// scan is one barcode a courier scanned, under the ID the page gave it.
type scan struct {
	ID      string
	Barcode string
	Result  string
	Detail  string
}

// scanSheet is what a courier has scanned for one hand-over of a
// manifest (its pick-up or its delivery).
type scanSheet struct {
	byID  map[string]scan
	order []scan
}

// matched are the expected barcodes scanned, in scan order.
func (s *scanSheet) matched() []string {
	var out []string
	for _, sc := range s.order {
		if sc.Result == scanExpected {
			out = append(out, sc.Barcode)
		}
	}
	return out
}

// problems are the scans that were not a first scan of an expected
// cartridge, each barcode with each kind of problem once (a courier who
// scans the same stray cartridge again sees one problem, not two).
func (s *scanSheet) problems() []scan {
	var out []scan
	for _, sc := range s.order {
		if sc.Result == scanExpected {
			continue
		}
		if slices.ContainsFunc(out, func(p scan) bool { return p.Barcode == sc.Barcode && p.Result == sc.Result }) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// scanBook keeps the scans of hand-overs in progress, in memory: a
// courier's scans are confirmed in one go, which the catalog records.
type scanBook struct {
	mu     sync.Mutex
	sheets map[string]*scanSheet // manifest ID + "/" + phase
}

func newScanBook() *scanBook { return &scanBook{sheets: map[string]*scanSheet{}} }

// record adds a scan of a (normalised) barcode unless its ID was seen (a
// form sent twice); classify says what a new barcode is, given whether it
// was already scanned. It returns the scan as first recorded.
func (b *scanBook) record(key, id, barcode string, classify func(seen bool) (result, detail string)) scan {
	b.mu.Lock()
	defer b.mu.Unlock()
	sh := b.sheets[key]
	if sh == nil {
		sh = &scanSheet{byID: map[string]scan{}}
		b.sheets[key] = sh
	}
	if sc, ok := sh.byID[id]; ok {
		return sc
	}
	seen := slices.ContainsFunc(sh.order, func(s scan) bool { return s.Barcode == barcode && s.Result == scanExpected })
	result, detail := classify(seen)
	sc := scan{ID: id, Barcode: barcode, Result: result, Detail: detail}
	if len(sh.order) < maxScansPerSheet {
		sh.byID[id] = sc
		sh.order = append(sh.order, sc)
	}
	return sc
}

// sheet is a copy of a hand-over's scans.
func (b *scanBook) sheet(key string) scanSheet {
	b.mu.Lock()
	defer b.mu.Unlock()
	sh := b.sheets[key]
	if sh == nil {
		return scanSheet{}
	}
	return scanSheet{order: slices.Clone(sh.order)}
}

// clear forgets a hand-over's scans once it is recorded.
func (b *scanBook) clear(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.sheets, key)
}
