package daemon

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

func TestAPIAddMoveShow(t *testing.T) {
	h := startDaemon(t)
	var c media.Cartridge
	h.ok("POST", "/v1/media", AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, &c)
	assert.Equal(t, "honcho/shelf", c.Location.String())
	var ev media.Event
	h.ok("POST", "/v1/media/DLY101L8/move", MoveRequest{To: "honcho/safe", Reason: "night"}, &ev)
	assert.Equal(t, "moved", ev.Kind)
	var v MediaView
	h.ok("GET", "/v1/media/dly101l8", nil, &v)
	assert.Equal(t, "honcho/safe", v.Location.String())
	require.Len(t, v.Events, 2)
	assert.Equal(t, "moved", v.Events[0].Kind)
	assert.Equal(t, "admin", v.Events[0].Role)
}

func TestAPIRefusesBadInputAndChangesNothing(t *testing.T) {
	h := startDaemon(t)
	h.ok("POST", "/v1/media", AddRequest{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"}, nil)
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
		{"malformed barcode", "POST", "/v1/media", AddRequest{Barcode: "DLY-102", At: "honcho/shelf"}, 400, "malformed barcode"},
		{"duplicate barcode", "POST", "/v1/media", AddRequest{Barcode: "DLY101L8", At: "honcho/shelf"}, 409, "already in the catalog"},
		{"unknown place", "POST", "/v1/media", AddRequest{Barcode: "DLY102L8", At: "honcho/attic"}, 400, "places there: safe, shelf"},
		{"bad location syntax", "POST", "/v1/media/DLY101L8/move", MoveRequest{To: "the safe"}, 400, "expected SITE/PLACE"},
		{"move to where it is", "POST", "/v1/media/DLY101L8/move", MoveRequest{To: "honcho/shelf"}, 409, "already at honcho/shelf"},
		{"move into a drive by hand", "POST", "/v1/media/DLY101L8/move", MoveRequest{To: "honcho/drive/lto0"}, 400, "through the library"},
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
				var e apiError
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

func TestAuthorizer(t *testing.T) {
	a := newAuthorizer("no-such-group-tw")
	actor, err := a.authorize(peer{UID: 0, Known: true})
	require.NoError(t, err)
	assert.Equal(t, "admin", actor.Role)
	_, err = a.authorize(peer{UID: 65534, GID: 65534, Known: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not root and not in group no-such-group-tw")
	_, err = a.authorize(peer{})
	assert.ErrorContains(t, err, "cannot tell who is calling")
	open := newAuthorizer("")
	_, err = open.authorize(peer{UID: 65534, Known: true})
	assert.ErrorContains(t, err, "set api.admin_group")
}

// TestAuthorizerLooksUsersUpAgain checks that a remembered user is looked
// up again once its entry expires, so a change to the admin group takes
// effect without a restart.
func TestAuthorizerLooksUsersUpAgain(t *testing.T) {
	a := newAuthorizer("")
	root := a.lookup(0)
	assert.Equal(t, "root", root.name)
	// A stale entry, as if root had been someone else when first seen.
	a.cache[0] = identity{name: "stale", expires: time.Now().Add(-time.Second)}
	assert.Equal(t, "root", a.lookup(0).name)
	a.cache[0] = identity{name: "fresh", expires: time.Now().Add(time.Minute)}
	assert.Equal(t, "fresh", a.lookup(0).name, "an entry is trusted until it expires")
}
