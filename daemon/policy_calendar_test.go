package daemon

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/report"
)

func TestCalendarOfTheDemoPools(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 1, 9, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock))

	var s rotation.Schedule
	h.ok("GET", "/v1/rotation/calendar?days=14", nil, &s)
	policyGolden(t, "calendar-demo.golden", []byte(s.Text()))
	assert.Equal(t, "2025-04-01", s.From)
	assert.Len(t, s.Calendar, 14)

	// The CLI prints the text from the JSON: it must be the daemon's.
	direct, err := h.d.report.Calendar(context.Background(), report.CalendarRequest{Pool: "all", Days: 14})
	require.NoError(t, err)
	assert.Equal(t, direct.Text(), s.Text())

	// One pool: only its own runs.
	h.ok("GET", "/v1/rotation/calendar?pool=daily&from=2025-04-03&at=08:00&days=3", nil, &s)
	require.Len(t, s.Pools, 1)
	assert.Equal(t, "daily", s.Pools[0].Name)
	assert.Equal(t, "2025-04-03", s.From)
	for _, d := range s.Calendar {
		require.NotEmpty(t, d.Writes, d.Date)
		for _, w := range d.Writes {
			assert.Equal(t, "daily", w.Pool)
		}
		for _, tr := range d.Sends {
			assert.Equal(t, "08:00", tr.Departs.Format("15:04"))
		}
	}

	for _, bad := range []struct {
		query  string
		status int
		says   string
	}{
		{"pool=nope", http.StatusNotFound, "pools: daily, monthly, dat, scratch, or all"},
		{"pool=scratch", http.StatusBadRequest, "scratch pool"},
		{"days=0", http.StatusBadRequest, "project 1 to"},
		{"days=1000", http.StatusBadRequest, "project 1 to"},
		{"days=two", http.StatusBadRequest, "expected a number"},
		{"from=2025-03-31", http.StatusBadRequest, "in the past"},
	} {
		status, body := h.call("GET", "/v1/rotation/calendar?"+bad.query, nil)
		assert.Equal(t, bad.status, status, bad.query)
		assert.Contains(t, string(body), bad.says, bad.query)
	}
}
