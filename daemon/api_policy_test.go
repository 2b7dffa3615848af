package daemon

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tapewarden/tapewarden/daemon/report"
)

func TestPolicyEndpointsRefuseBadRequests(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 5, 9, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock))
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		says         string
	}{
		{"POST", "/v1/manifests/from-plan", `{"date": "2025-04-05", "to": "hill-annex"}`, http.StatusBadRequest, `unknown field`},
		{"POST", "/v1/manifests/from-plan", `{"date": "yesterday"}`, http.StatusBadRequest, "YYYY-MM-DD"},
		{"POST", "/v1/manifests/from-plan", `{"date": "2025-04-01"}`, http.StatusBadRequest, "in the past"},
		{"GET", "/v1/swap-list?date=2025-04-04", nil, http.StatusBadRequest, "give today (2025-04-05) or a later day"},
		{"GET", "/v1/swap-list?at=noon", nil, http.StatusBadRequest, "write HH:MM"},
		{"POST", "/v1/policy/check", `{"config": {"pools": 3}}`, http.StatusBadRequest, "request body"},
	} {
		status, body := h.call(c.method, c.path, c.body)
		assert.Equal(t, c.status, status, "%s %s: %s", c.method, c.path, body)
		assert.Contains(t, string(body), c.says, "%s %s", c.method, c.path)
	}

	// A later day is planned from today's catalog, and says so.
	var s report.SwapList
	h.ok("GET", "/v1/swap-list?date=tomorrow", nil, &s)
	assert.Equal(t, "2025-04-06", s.Date)
	assert.Equal(t, jst(2025, 4, 6, 9, 0), s.At.In(tokyoZone))
	assert.Contains(t, s.Note, "planned from the catalog as it is now")
	assert.NotEmpty(t, s.Runs)
}
