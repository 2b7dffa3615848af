package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/i18n"
	"github.com/tapewarden/tapewarden/rotation"
)

func TestSay(t *testing.T) {
	pool := rotation.Pool{Name: "daily", Scheme: rotation.SchemeCycle, Cycle: &rotation.Cycle{Cartridges: 5}}
	view := rotation.View{
		Sites: []rotation.Site{{Name: "honcho", Kind: rotation.SiteMachineRoom}},
		Cartridges: []rotation.Cartridge{{Barcode: "SCR001L8", Pool: "scratch", State: rotation.StateScratch,
			Location: rotation.Location{Kind: rotation.PlaceSlot, Site: "honcho", Place: "lib0", Slot: 3}}},
	}
	ch, err := rotation.NextCartridge(pool, view, time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	r := ch.Reasons[len(ch.Reasons)-1]
	require.Equal(t, rotation.CodeLocation, r.Code)

	assert.Equal(t, r, say(i18n.NewPrinter(i18n.English, nil), r), "English is rotation's own")
	ja := say(i18n.NewPrinter(i18n.Japanese, nil), r)
	assert.Equal(t, rotation.CodeLocation, ja.Code, "the code stays")
	assert.Equal(t, "SCR001L8 は honcho のライブラリ lib0 スロット 3 にあります。チェンジャーが装填します", ja.Message)
	assert.Equal(t, ja, say(i18n.NewPrinter(i18n.Japanese, nil), ja), "said twice, it is the same")

	own := rotation.Reason{Code: "cleaner-low", Message: "CLN001CU has 2 uses left"}
	assert.Equal(t, own, say(i18n.NewPrinter(i18n.Japanese, nil), own), "a reason without a key keeps its message")
}
