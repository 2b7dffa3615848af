package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/report"

	"github.com/tapewarden/tapewarden/daemon/engine"
)

var updatePolicy = flag.Bool("update", false, "rewrite the golden files under testdata/policy")

// tokyoZone is the demo's time zone, Asia/Tokyo, which keeps no daylight
// saving time.
var tokyoZone = time.FixedZone("JST", 9*60*60)

// stillClock is a daemon clock that moves only when the test sets it, and
// whose timers never fire: the scheduler starts no run by itself, so a
// test builds the catalog with the runs, courier trips and moves it makes
// itself.
type stillClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stillClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *stillClock) After(time.Duration) <-chan time.Time { return make(chan time.Time) }
func (c *stillClock) At(time.Time) <-chan time.Time        { return make(chan time.Time) }

// withClock runs the daemon on clock.
func withClock(clock *stillClock) func(*config.Config, *Options) {
	return func(_ *config.Config, o *Options) { o.Clock = clock }
}

// withNightlySchedules gives the demo's jobs the schedules of a real
// town instead of the demo's every few minutes: the registry and the
// family register every night, tax on the first of the month, the
// website every night on the standalone DAT drive.
func withNightlySchedules(cfg *config.Config, _ *Options) {
	schedules := map[string]string{
		"juki-daily":     "0 22 * * *",
		"koseki-daily":   "30 22 * * *",
		"zeimu-monthly":  "0 23 1 * *",
		"juki-monthly":   "30 23 1 * *",
		"koseki-monthly": "45 23 1 * *",
		"website-weekly": "0 21 * * *",
	}
	for i := range cfg.Jobs {
		if s, ok := schedules[cfg.Jobs[i].Name]; ok {
			cfg.Jobs[i].Schedule = s
		}
	}
}

// jst is a time in the demo's zone (Japan Standard Time).
func jst(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, tokyoZone)
}

// runJobAt runs a job with the clock at when and waits for it to succeed.
func runJobAt(t *testing.T, h *harness, clock *stillClock, job string, when time.Time) media.Run {
	t.Helper()
	clock.Set(when)
	ctx := context.Background()
	r, err := h.d.eng.StartRun(ctx, job, "manual", time.Time{})
	require.NoError(t, err)
	r, err = h.d.eng.WaitRun(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, media.RunSucceeded, r.State, "run %d of %s: %s\n%s", r.ID, job, r.Reason, r.Log)
	return r
}

// courierTrip makes the manifests of the day's plan and has the courier
// pick them up and deliver them. A cartridge in the library is exported
// to the mail slot first, as the operator would, and taken out of it once
// the courier has scanned it.
func courierTrip(t *testing.T, h *harness, clock *stillClock, when time.Time) report.FromPlanResult {
	t.Helper()
	clock.Set(when)
	ctx := context.Background()
	res, err := h.d.report.ManifestsFromPlan(ctx, tester, report.FromPlanRequest{})
	require.NoError(t, err)
	for _, m := range res.Created {
		var barcodes []string
		var mailSlots []media.Location
		for _, it := range m.Items {
			barcodes = append(barcodes, it.Barcode)
			c, err := h.d.Catalog().Cartridge(ctx, it.Barcode)
			require.NoError(t, err)
			if c.Location.Kind == media.InSlot {
				_, err := h.d.eng.Export(ctx, tester, c.Location.Place, []string{it.Barcode})
				require.NoError(t, err)
				c, err = h.d.Catalog().Cartridge(ctx, it.Barcode)
				require.NoError(t, err)
			}
			if c.Location.Kind == media.InMailSlot {
				mailSlots = append(mailSlots, c.Location)
			}
		}
		_, err := h.d.Catalog().Pickup(ctx, tester, m.ID, media.Handover{Courier: "Yamato", Barcodes: barcodes})
		require.NoError(t, err)
		for _, l := range mailSlots {
			_, err := h.d.eng.MailSlot(ctx, tester, engine.MailSlotRequest{Library: l.Place, Slot: l.Slot, Action: "take"})
			require.NoError(t, err)
		}
		_, err = h.d.Catalog().Deliver(ctx, tester, m.ID, media.Handover{Barcodes: barcodes})
		require.NoError(t, err)
	}
	return res
}

// fileInLibrary puts a cartridge that came back into the library through
// its mail slot.
func fileInLibrary(t *testing.T, h *harness, barcode string) {
	t.Helper()
	ctx := context.Background()
	_, err := h.d.eng.MailSlot(ctx, tester, engine.MailSlotRequest{Library: "lib0", Action: "insert", Barcode: barcode})
	require.NoError(t, err)
	_, _, err = h.d.eng.Import(ctx, tester, "lib0")
	require.NoError(t, err)
}

// policyGolden compares got with testdata/policy/name, or rewrites it with
// -update.
func policyGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "policy", name)
	if *updatePolicy {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file; run 'go test ./daemon -run %s -update'", t.Name())
	assert.Equal(t, string(want), string(got), "differs from %s; if the change is right, refresh it with -update", path)
}

// policyGoldenJSON compares v, as indented JSON, with a golden file.
func policyGoldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	policyGolden(t, name, b.Bytes())
}
