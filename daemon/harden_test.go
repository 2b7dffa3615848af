package daemon

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
)

// TestAddRefusesPlacesOnlyDevicesFill: a drive, a library slot and a mail
// slot are filled by the devices; adding a cartridge there is refused, as
// a move there is, and changes nothing.
func TestAddRefusesPlacesOnlyDevicesFill(t *testing.T) {
	h := startDaemon(t)
	var before []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &before)
	for _, at := range []string{"honcho/drive/lto0", "honcho/lib0/slot/3", "honcho/lib0/mailslot/1"} {
		t.Run(at, func(t *testing.T) {
			status, body := h.call("POST", "/v1/media", api.AddRequest{Barcode: "DLY201L8", Pool: "daily", At: at})
			assert.Equal(t, 400, status, string(body))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Contains(t, e.Error, "is added where a person keeps it")
			assert.Contains(t, e.Error, "honcho/")
		})
	}
	var after []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &after)
	assert.Equal(t, before, after)
	status, _ := h.call("GET", "/v1/media/DLY201L8", nil)
	assert.Equal(t, 404, status)
}
