package daemon

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/api"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCatalogMetrics(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	h := startDaemon(t, func(_ *config.Config, o *Options) { o.Now = clock.Now })
	for _, add := range []api.AddRequest{
		{Barcode: "DLY101L8", Pool: "daily", At: "honcho/shelf"},
		{Barcode: "DLY102L8", Pool: "daily", At: "honcho/shelf"},
		{Barcode: "MON101L8", Pool: "monthly", At: "honcho/shelf"},
		{Barcode: "CLN001CU", At: "honcho/shelf"},
	} {
		h.ok("POST", "/v1/media", add, nil)
	}
	// Only the library fills its slots; a forced move records them there.
	h.ok("POST", "/v1/media/MON101L8/move", api.MoveRequest{To: "honcho/lib0/slot/3", Force: true, Reason: "put in by hand"}, nil)
	h.ok("POST", "/v1/media/CLN001CU/move", api.MoveRequest{To: "honcho/lib0/slot/24", Force: true, Reason: "put in by hand"}, nil)
	var m media.Manifest
	h.ok("POST", "/v1/manifests", media.NewManifest{Destination: "pref-dc", Barcodes: []string{"DLY102L8"}}, &m)
	h.ok("POST", "/v1/manifests/"+m.ID+"/pickup", media.Handover{Courier: "Yamato", Barcodes: []string{"DLY102L8"}}, nil)
	clock.Advance(30 * time.Hour)

	expected := `
# HELP tapewarden_cartridges Cartridges by site (in-transit for those with a courier), kind of place, pool and state.
# TYPE tapewarden_cartridges gauge
tapewarden_cartridges{place_kind="slot",pool="",site="honcho",state="cleaning"} 1
tapewarden_cartridges{place_kind="slot",pool="monthly",site="honcho",state="scratch"} 1
tapewarden_cartridges{place_kind="storage",pool="daily",site="honcho",state="scratch"} 1
tapewarden_cartridges{place_kind="transit",pool="daily",site="in-transit",state="scratch"} 1
# HELP tapewarden_manifests Courier manifests by state; state="overdue" counts those in transit longer than catalog.manifest_overdue.
# TYPE tapewarden_manifests gauge
tapewarden_manifests{state="cancelled"} 0
tapewarden_manifests{state="delivered"} 0
tapewarden_manifests{state="delivered-with-discrepancies"} 0
tapewarden_manifests{state="in-transit"} 1
tapewarden_manifests{state="open"} 0
tapewarden_manifests{state="overdue"} 1
# HELP tapewarden_manifest_discrepancies_open Custody discrepancies (missing or unexpected cartridges at a hand-over) not yet resolved.
# TYPE tapewarden_manifest_discrepancies_open gauge
tapewarden_manifest_discrepancies_open 0
# HELP tapewarden_catalog_up 1 if the catalog answered this scrape, 0 if it did not.
# TYPE tapewarden_catalog_up gauge
tapewarden_catalog_up 1
`
	require.NoError(t, testutil.GatherAndCompare(h.d.registry, strings.NewReader(expected),
		"tapewarden_cartridges", "tapewarden_manifests", "tapewarden_manifest_discrepancies_open", "tapewarden_catalog_up"))

	// The same figures reach Prometheus over the TCP listener.
	resp, err := http.Get("http://" + h.d.MetricsAddr() + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `tapewarden_manifests{state="overdue"} 1`)
	assert.Contains(t, string(body), `tapewarden_build_info{commit=`)
	// And over the API socket.
	status, body := h.call("GET", "/metrics", nil)
	assert.Equal(t, 200, status)
	assert.Contains(t, string(body), `tapewarden_cartridges{place_kind="transit",pool="daily",site="in-transit",state="scratch"} 1`)
}
