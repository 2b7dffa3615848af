package daemon

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/config"
)

func TestAPIAddMoveShow(t *testing.T) {
	h := startDaemon(t)
	var c media.Cartridge
	h.ok("POST", "/v1/media", api.AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, &c)
	assert.Equal(t, "honcho/shelf", c.Location.String())
	var ev media.Event
	h.ok("POST", "/v1/media/DLY101L8/move", api.MoveRequest{To: "honcho/safe", Reason: "night"}, &ev)
	assert.Equal(t, "moved", ev.Kind)
	var v api.MediaView
	h.ok("GET", "/v1/media/dly101l8", nil, &v)
	assert.Equal(t, "honcho/safe", v.Location.String())
	require.Len(t, v.Events, 2)
	assert.Equal(t, "moved", v.Events[0].Kind)
	assert.Equal(t, "admin", v.Events[0].Role)
}

func TestAPIRefusesBadInputAndChangesNothing(t *testing.T) {
	h := startDaemon(t)
	h.ok("POST", "/v1/media", api.AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, nil)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		text   string
	}{
		{"malformed JSON", "POST", "/v1/media", `{"barcode": "DLY102L8",`, 400, "request body"},
		{"unknown field", "POST", "/v1/media", `{"barcode": "DLY102L8", "at": "honcho/shelf", "colour": "red"}`, 400, `unknown field "colour"`},
		{"trailing data", "POST", "/v1/media", `{"barcode": "DLY102L8", "at": "honcho/shelf"} {}`, 400, "unexpected data after"},
		{"empty body", "POST", "/v1/media", ``, 400, "request body is empty"},
		{"oversized body", "POST", "/v1/media", `{"barcode": "DLY102L8", "notes": "` + strings.Repeat("x", 2<<20) + `"}`, 413, "larger than"},
		{"malformed barcode", "POST", "/v1/media", api.AddRequest{Barcode: "DLY-102", At: "honcho/shelf"}, 400, "malformed barcode"},
		{"duplicate barcode", "POST", "/v1/media", api.AddRequest{Barcode: "DLY101L8", At: "honcho/shelf"}, 409, "already in the catalog"},
		{"unknown place", "POST", "/v1/media", api.AddRequest{Barcode: "DLY102L8", At: "honcho/attic"}, 400, "places there: safe, shelf"},
		{"bad location syntax", "POST", "/v1/media/DLY101L8/move", api.MoveRequest{To: "the safe"}, 400, "expected SITE/PLACE"},
		{"move to where it is", "POST", "/v1/media/DLY101L8/move", api.MoveRequest{To: "honcho/shelf"}, 409, "already at honcho/shelf"},
		{"move into a drive by hand", "POST", "/v1/media/DLY101L8/move", api.MoveRequest{To: "honcho/drive/lto0"}, 400, "through the library"},
		{"unknown barcode", "GET", "/v1/media/ZZZ999L8", nil, 404, "cartridge not found"},
		{"unknown manifest", "POST", "/v1/manifests/M-1/pickup", media.Handover{Courier: "x", Barcodes: []string{"DLY101L8"}}, 404, "manifest not found"},
		{"unknown endpoint", "GET", "/v1/tapes", nil, 404, "no API endpoint"},
		{"wrong method", "DELETE", "/v1/media/DLY101L8", nil, 404, "no API endpoint DELETE"},
		{"bad query", "GET", "/v1/audit?limit=lots", nil, 400, "expected a number"},
		{"unknown site filter", "GET", "/v1/media?site=moon", nil, 400, "no site \"moon\""},
	}
	var before []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &before)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.call(tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, status, string(body))
			if tt.text != "" {
				var e struct{ Error, Kind string }
				require.NoError(t, json.Unmarshal(body, &e), string(body))
				assert.Contains(t, e.Error, tt.text)
			}
		})
	}
	var after []media.Event
	h.ok("GET", "/v1/audit?limit=1000", nil, &after)
	assert.Equal(t, before, after, "a refused request changed the audit log")

	t.Run("wrong content type", func(t *testing.T) {
		req, err := http.NewRequest("POST", "http://tapewarden/v1/media", strings.NewReader("barcode=x"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := h.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	})
}

// A daemon whose state directory is short of room says it is degraded,
// and why.
func TestStatusSaysDegradedAndWhy(t *testing.T) {
	var st api.Status
	startDaemon(t).ok("GET", "/v1/status", nil, &st)
	require.True(t, st.Healthy, "%v", st.Problems)
	assert.Equal(t, "healthy", st.Health)

	short := startDaemon(t, func(cfg *config.Config, _ *Options) { cfg.Catalog.MinFreeMB = 1 << 40 })
	short.ok("GET", "/v1/status", nil, &st)
	assert.False(t, st.Healthy)
	assert.Equal(t, "degraded", st.Health)
	require.NotEmpty(t, st.Problems)
	assert.Contains(t, strings.Join(st.Problems, "\n"), "less than catalog.min_free_mb")
}
