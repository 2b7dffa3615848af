package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/media"
)

// TestCannotTravel: a cartridge that cannot travel refuses the whole plan,
// with the catalog's reason.
func TestCannotTravel(t *testing.T) {
	for _, c := range []struct {
		name string
		cart media.Cartridge
		says string
	}{
		{"lost", media.Cartridge{Barcode: "A00001L8", State: media.Lost, Location: media.Storage("honcho", "shelf")}, "reported lost"},
		{"missing", media.Cartridge{Barcode: "A00001L8", State: media.Active, Location: media.LibrarySlot("honcho", "lib0", 3), Missing: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}, "not found in library lib0"},
		{"in transit", media.Cartridge{Barcode: "A00001L8", State: media.Active, Location: media.Transit("M-1")}, "in transit on manifest M-1"},
		{"there already", media.Cartridge{Barcode: "A00001L8", State: media.Active, Location: media.Storage("hill-annex", "safe")}, "already at hill-annex"},
	} {
		assert.Contains(t, cannotTravel(c.cart, "hill-annex"), c.says, c.name)
	}
	assert.Empty(t, cannotTravel(media.Cartridge{Barcode: "A00001L8", State: media.Full, Location: media.LibrarySlot("honcho", "lib0", 3)}, "hill-annex"))
}
