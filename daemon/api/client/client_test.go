package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon"
	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/api/client"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// demoDaemon runs the demo daemon in this process, scheduler off, and
// returns a client of its real unix socket.
func demoDaemon(t *testing.T) (*client.Client, *config.Config) {
	t.Helper()
	dir, err := os.MkdirTemp("", "twc")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg, err := config.DemoConfig(dir)
	require.NoError(t, err)
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	d, err := daemon.New(ctx, cfg, daemon.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoSchedule: true,
		Ready: func(string, string) { close(ready) }})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("the daemon did not stop")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the daemon stopped at start: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon did not get ready")
	}
	return client.New(cfg.SocketPath()), cfg
}

func TestClientAgainstTheDaemon(t *testing.T) {
	c, cfg := demoDaemon(t)
	ctx := context.Background()

	st, err := c.Status(ctx)
	require.NoError(t, err)
	assert.True(t, st.Healthy, "problems: %v", st.Problems)
	assert.Equal(t, cfg.SocketPath(), st.Socket)

	sites, err := c.Sites(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, sites)
	assert.Equal(t, "honcho", sites[0].Name)

	added, err := c.AddMedia(ctx, api.AddRequest{Barcode: "CLT901L8", Pool: "scratch", At: "honcho/shelf"})
	require.NoError(t, err)
	assert.Equal(t, "LTO-8", added.MediaType)
	list, err := c.Media(ctx, client.MediaQuery{Site: "honcho", MediaType: "LTO-8"})
	require.NoError(t, err)
	assert.Contains(t, barcodes(list), "CLT901L8")
	ev, err := c.MoveMedia(ctx, "CLT901L8", api.MoveRequest{To: "honcho/safe"})
	require.NoError(t, err)
	assert.Equal(t, "honcho/safe", ev.To)
	view, err := c.MediaShow(ctx, "CLT901L8")
	require.NoError(t, err)
	assert.Len(t, view.Events, 2)

	m, err := c.CreateManifest(ctx, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"CLT901L8"}})
	require.NoError(t, err)
	got, err := c.Manifest(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, media.ManifestOpen, got.State)
	active, err := c.Manifests(ctx, client.ManifestQuery{Active: true})
	require.NoError(t, err)
	assert.Len(t, active, 1)
	cancelled, err := c.CancelManifest(ctx, m.ID, api.ReasonRequest{Reason: "test"})
	require.NoError(t, err)
	assert.Equal(t, media.ManifestCancelled, cancelled.State)

	drv, err := c.Drives(ctx)
	require.NoError(t, err)
	assert.Len(t, drv, len(cfg.Drives))
	inv, err := c.Inventory(ctx, api.LibraryRequest{})
	require.NoError(t, err)
	require.Len(t, inv, 1)
	assert.NotEmpty(t, inv[0].Slots)
	h, err := c.DriveHistory(ctx, "lto0", 5)
	require.NoError(t, err)
	assert.Equal(t, "lto0", h.Drive)

	jobs, err := c.Jobs(ctx)
	require.NoError(t, err)
	assert.Len(t, jobs, len(cfg.Jobs))
	run, err := c.RunJob(ctx, "juki-daily")
	require.NoError(t, err)
	assert.False(t, run.State.Finished())
	require.Eventually(t, func() bool {
		r, err := c.Run(ctx, run.ID)
		return err == nil && r.State.Finished()
	}, time.Minute, 100*time.Millisecond)
	r, err := c.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunSucceeded, r.State, r.Reason)
	runs, err := c.Runs(ctx, "juki-daily", 10)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, run.ID, runs[0].ID, "newest first")

	prompts, err := c.Prompts(ctx, true)
	require.NoError(t, err)
	assert.NotNil(t, prompts)
	drills, err := c.Drills(ctx)
	require.NoError(t, err)
	assert.Len(t, drills, len(cfg.Systems))

	plan, err := c.CourierPlan(ctx, "ja", "", "")
	require.NoError(t, err)
	assert.Equal(t, "ja", plan.Language, "the language is sent")
	cal, err := c.Calendar(ctx, report.CalendarRequest{Pool: "daily", Days: 3})
	require.NoError(t, err)
	assert.NotEmpty(t, cal.Text())
	_, err = c.PolicyCheck(ctx)
	require.NoError(t, err)
	swap, err := c.SwapList(ctx, "", "", "")
	require.NoError(t, err)
	assert.Equal(t, "en", swap.Language, "the configured language")
	_, err = c.SwapList(ctx, "fr", "", "")
	require.ErrorContains(t, err, `lang "fr"`)

	events, err := c.Audit(ctx, client.AuditQuery{Barcode: "CLT901L8", Limit: 10})
	require.NoError(t, err)
	assert.NotEmpty(t, events)
	vr, err := c.AuditVerify(ctx, "")
	require.NoError(t, err)
	assert.True(t, vr.OK)
	metrics, err := c.Metrics(ctx)
	require.NoError(t, err)
	assert.Contains(t, metrics, "tapewarden_")
}

func barcodes(list []media.Cartridge) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Barcode)
	}
	return out
}

// The daemon's refusals keep its message, kind and status; a socket
// nobody listens on is ErrUnreachable.
func TestClientErrors(t *testing.T) {
	c, _ := demoDaemon(t)
	ctx := context.Background()

	_, err := c.MediaShow(ctx, "NOPE01L8")
	var apiErr *client.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)
	assert.Equal(t, "not_found", apiErr.Kind)
	assert.Contains(t, apiErr.Message, "NOPE01L8")
	assert.False(t, errors.Is(err, client.ErrUnreachable))

	_, err = c.RunJob(ctx, "no-such-job")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.Status)

	_, err = c.MoveMedia(ctx, "DLY001L8", api.MoveRequest{To: "honcho/lib0/slot/3"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.Status)
	assert.Contains(t, apiErr.Message, "--force")

	_, err = c.Load(ctx, engine.LoadRequest{Drive: "lto0"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "bad_request", apiErr.Kind)

	gone := client.New(filepath.Join(t.TempDir(), "nobody.sock"))
	_, err = gone.Status(ctx)
	require.ErrorIs(t, err, client.ErrUnreachable)
	assert.Contains(t, err.Error(), "nobody.sock")
	assert.Contains(t, err.Error(), "is it running?")
}
