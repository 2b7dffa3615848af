package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// The copy ages count from the newest copy and the newest sent copy;
// without one, from the daemon's start; without catalog.copies, or
// without a send command, the series are absent, so no alert fires.
func TestCatalogCopyAgesFollowTheEngine(t *testing.T) {
	cfg, cat, now := setup(t)
	live := &fakeLive{}
	started := now.Add(-10 * time.Minute)
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: started})
	names := []string{"tapewarden_catalog_copy_age_seconds", "tapewarden_catalog_copy_sent_age_seconds", "tapewarden_catalog_copy_age_limit_seconds", "tapewarden_catalog_copy_send_success", "tapewarden_catalog_copies"}
	count, err := testutil.GatherAndCount(reg, names...)
	require.NoError(t, err)
	require.Zero(t, count, "no catalog.copies: no series")

	const (
		age   = "# HELP tapewarden_catalog_copy_age_seconds Age of the newest scheduled copy of the catalog; without any, the time since the daemon started. Absent when catalog.copies is not configured.\n# TYPE tapewarden_catalog_copy_age_seconds gauge\ntapewarden_catalog_copy_age_seconds %s\n"
		limit = "# HELP tapewarden_catalog_copy_age_limit_seconds catalog.copies.max_age: the age after which the newest copy, or the newest sent copy, is too old.\n# TYPE tapewarden_catalog_copy_age_limit_seconds gauge\ntapewarden_catalog_copy_age_limit_seconds 93600\n"
		kept  = "# HELP tapewarden_catalog_copies How many scheduled copies of the catalog the copies directory holds.\n# TYPE tapewarden_catalog_copies gauge\ntapewarden_catalog_copies %d\n"
		sent  = "# HELP tapewarden_catalog_copy_sent_age_seconds Age of the newest copy of the catalog sent off the machine (catalog.copies.send); without any, the time since the daemon started. Absent when no send command is configured.\n# TYPE tapewarden_catalog_copy_sent_age_seconds gauge\ntapewarden_catalog_copy_sent_age_seconds %s\n"
		ok    = "# HELP tapewarden_catalog_copy_send_success 1 if the last run of the send command succeeded (or none ran yet), 0 if it failed (the status and the log say why).\n# TYPE tapewarden_catalog_copy_send_success gauge\ntapewarden_catalog_copy_send_success %d\n"
	)
	compare := func(want string) {
		t.Helper()
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), names...))
	}

	// Configured, no copy yet, no send command: the age counts from the
	// start.
	live.copies = CatalogCopies{Enabled: true, MaxAge: 26 * time.Hour}
	compare(fmt.Sprintf(age, "600") + limit + fmt.Sprintf(kept, 0))

	// A copy an hour old, three kept; a send command whose last run
	// failed, the newest sent copy two days old.
	live.copies = CatalogCopies{Enabled: true, MaxAge: 26 * time.Hour, Newest: now.Add(-time.Hour), Kept: 3,
		Sending: true, Sent: now.Add(-48 * time.Hour), SendFailed: true}
	compare(fmt.Sprintf(age, "3600") + limit + fmt.Sprintf(kept, 3) + fmt.Sprintf(sent, "172800") + fmt.Sprintf(ok, 0))

	// Sent now.
	live.copies.Sent, live.copies.SendFailed = now, false
	compare(fmt.Sprintf(age, "3600") + limit + fmt.Sprintf(kept, 3) + fmt.Sprintf(sent, "0") + fmt.Sprintf(ok, 1))
}
