package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// The site-loss drill series follow the engine's newest drill: 0 before
// the first, then its time and result, and how long all systems took when
// they all came back.
func TestSiteLossDrillSeries(t *testing.T) {
	cfg, cat, now := setup(t)
	live := &fakeLive{}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now})
	names := []string{"tapewarden_siteloss_drill_last_timestamp_seconds", "tapewarden_siteloss_drill_last_success", "tapewarden_siteloss_drill_last_all_back_seconds"}
	head := `# HELP tapewarden_siteloss_drill_last_success 1 if the last site-loss drill brought every system back matching the catalog, 0 if it failed or there has been none.
# TYPE tapewarden_siteloss_drill_last_success gauge
tapewarden_siteloss_drill_last_success %s
# HELP tapewarden_siteloss_drill_last_timestamp_seconds When the last site-loss drill ran ('tapewarden drill site-loss'); 0 if never.
# TYPE tapewarden_siteloss_drill_last_timestamp_seconds gauge
tapewarden_siteloss_drill_last_timestamp_seconds %s
`
	allBack := `# HELP tapewarden_siteloss_drill_last_all_back_seconds How long the last site-loss drill took to bring every system back; absent when it did not.
# TYPE tapewarden_siteloss_drill_last_all_back_seconds gauge
tapewarden_siteloss_drill_last_all_back_seconds 95
`
	compare := func(want string) {
		t.Helper()
		require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), names...))
	}
	compare(fmt.Sprintf(head, "0", "0"))
	at := time.Unix(1_780_000_000, 0)
	live.siteLoss = SiteLossDrill{At: at, Passed: true, AllBack: 95 * time.Second}
	compare(fmt.Sprintf(head, "1", "1.78e+09") + allBack)
	live.siteLoss = SiteLossDrill{At: at, Passed: false}
	compare(fmt.Sprintf(head, "0", "1.78e+09"))
}
