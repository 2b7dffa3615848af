package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/metrics"
)

// world is the test's model of the machine room: it stocks the virtual
// library and shelf, plays the operator and the courier, and keeps a copy
// of each night's data to compare restores with.
type world struct {
	t     *testing.T
	h     *harness
	clock *fakeClock
	ctx   context.Context
	// snapshots[day][job] maps relative path to content.
	snapshots map[int]map[string]map[string][]byte
	dataDir   string
}

const cartridgeCapacity = 48 << 20

func (w *world) stock() {
	t, d, ctx := w.t, w.h.d, w.ctx
	lib := d.dev.libs["lib0"]
	add := func(barcode, mediaType, pool string, at media.Location) {
		spec := drives.CartridgeSpec{Barcode: barcode, MediaType: mediaType, Capacity: cartridgeCapacity}
		label, err := drives.NewLabel(barcode, pool, mediaType, config.Version, d.now())
		require.NoError(t, err)
		switch at.Kind {
		case media.InSlot:
			_, err = lib.virtual.AddCartridge(at.Slot, spec, &label)
		default:
			require.NoError(t, os.MkdirAll(d.worldDir(), 0o750))
			err = drives.CreateLabelledCartridge(filepath.Join(d.worldDir(), barcode+".vtape"), spec, &label)
		}
		require.NoError(t, err)
		_, err = d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: barcode, MediaType: mediaType, Pool: pool, Location: at})
		require.NoError(t, err)
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("DLY%03dL8", i), "LTO-8", "daily", media.LibrarySlot("honcho", "lib0", i))
	}
	for i := 1; i <= 3; i++ {
		add(fmt.Sprintf("SCR%03dL8", i), "LTO-8", "scratch", media.LibrarySlot("honcho", "lib0", 5+i))
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("DAT%03d", i), "DAT160", "dat", media.Storage("honcho", "shelf"))
	}
	reps, err := d.Inventory(ctx, tester, "lib0")
	require.NoError(t, err)
	require.Empty(t, reps[0].Problems)
}

// writeData changes the systems' data for a night and keeps a copy.
func (w *world) writeData(day int) {
	t := w.t
	juki := filepath.Join(w.dataDir, "juki")
	web := filepath.Join(w.dataDir, "website")
	require.NoError(t, os.MkdirAll(filepath.Join(juki, "records"), 0o750))
	require.NoError(t, os.MkdirAll(web, 0o750))
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	require.NoError(t, os.WriteFile(filepath.Join(juki, "residents.csv"), []byte(fmt.Sprintf("night,%d\nresidents,%d\n", day, 1000+day)), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(juki, "records", fmt.Sprintf("day-%02d.bin", day)), random(3<<20), 0o640))
	// Keep the records directory at the last five nights.
	os.Remove(filepath.Join(juki, "records", fmt.Sprintf("day-%02d.bin", day-5)))
	big := filepath.Join(juki, "scans.bin")
	if day == 12 {
		// One night's data is larger than a cartridge: the run spans.
		require.NoError(t, os.WriteFile(big, random(56<<20), 0o640))
	} else {
		os.Remove(big)
	}
	require.NoError(t, os.WriteFile(filepath.Join(web, "index.html"), []byte(fmt.Sprintf("<h1>night %d</h1>\n", day)), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(web, "notices.html"), random(200<<10), 0o640))

	snap := map[string]map[string][]byte{"juki-nightly": {}, "website-nightly": {}}
	require.NoError(t, filepath.WalkDir(juki, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		snap["juki-nightly"][strings.TrimPrefix(p, "/")] = b
		return err
	}))
	var dump bytes.Buffer
	for _, name := range []string{"index.html", "notices.html"} { // sh's glob order
		b, err := os.ReadFile(filepath.Join(web, name))
		require.NoError(t, err)
		dump.Write(b)
	}
	snap["website-nightly"]["website.dump"] = dump.Bytes()
	w.snapshots[day] = snap
}

// waitFor polls cond until it holds.
func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s\nruns: %+v\nlog tail:\n%s", what, w.h.d.runs.list(), tail(w.h.log.String(), 40))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runAt moves the clock to a job's slot and waits until its run ended.
func (w *world) runAt(job string, at time.Time, person func(p media.Prompt)) media.Run {
	w.t.Helper()
	w.clock.Set(at)
	var run media.Run
	w.waitFor("the run of "+job+" at "+at.String(), func() bool {
		runs, err := w.h.d.cat.Runs(w.ctx, media.RunFilter{Job: job, Limit: 1})
		if err != nil || len(runs) == 0 || !runs[0].ScheduledFor.Equal(at) {
			return false
		}
		if person != nil {
			if p, ok := w.loadPrompt(); ok {
				person(p)
			}
		}
		run = runs[0]
		return run.State.Finished()
	})
	full, err := w.h.d.cat.Run(w.ctx, run.ID)
	require.NoError(w.t, err)
	return full
}

// loadPrompt returns the oldest open load prompt.
func (w *world) loadPrompt() (media.Prompt, bool) {
	open, _ := w.h.d.cat.Prompts(w.ctx, false)
	for _, p := range open {
		if p.Kind == "load" {
			return p, true
		}
	}
	return media.Prompt{}, false
}

// operator answers load prompts at the DAT drive: takes out what is in
// the drive, puts in the wanted cartridge (or, once, the wrong one).
func (w *world) operator(wrongOnce *bool) func(p media.Prompt) {
	return func(p media.Prompt) {
		t, d := w.t, w.h.d
		require.Equal(t, "load", p.Kind, p.Action)
		if held, _ := d.cat.Cartridges(w.ctx, media.Filter{PlaceKind: media.InDrive, Place: "dat0"}); len(held) > 0 {
			_, err := d.Eject(w.ctx, operatorActor, "dat0", EjectRequest{To: "honcho/shelf"})
			require.NoError(t, err)
		} else if d.dev.drives["dat0"].virtual.State().Cartridge != "" {
			_, err := d.dev.drives["dat0"].virtual.Eject()
			require.NoError(t, err)
		}
		want := p.Barcode
		if *wrongOnce {
			*wrongOnce = false
			for i := 1; i <= 5; i++ {
				if b := fmt.Sprintf("DAT%03d", i); b != want {
					want = b
					break
				}
			}
		}
		_, err := d.Insert(w.ctx, operatorActor, "dat0", InsertRequest{Barcode: want})
		require.NoError(t, err)
		_, err = d.PromptDone(w.ctx, operatorActor, p.ID, "")
		require.NoError(t, err)
		// Wait until the daemon has taken the answer.
		w.waitFor("the daemon to read the label", func() bool {
			next, ok := w.loadPrompt()
			return !ok || next.ID != p.ID
		})
	}
}

var operatorActor = media.Actor{Name: "tanaka", Role: "operator"}

// courier carries out the offsite plan in the morning: sends leave
// through the mail slot for the annex, recalls come back to the library.
// With late set, recalls are not brought back.
func (w *world) courier(late bool) (sent, recalled []string) {
	t, d, ctx := w.t, w.h.d, w.ctx
	pool, _ := d.cfg.RotationPoolByName("daily")
	view, err := d.view(ctx)
	require.NoError(t, err)
	now := d.now().In(d.cfg.Location)
	plan, err := rotation.Plan(pool, view, d.plannedRuns(now, now.AddDate(0, 0, 3)), now)
	require.NoError(t, err)
	lib := d.dev.libs["lib0"]
	for _, s := range plan.Sends {
		c, err := d.cat.Cartridge(ctx, s.Barcode)
		require.NoError(t, err)
		if c.Location.Kind == media.InSlot {
			evs, err := d.Export(ctx, operatorActor, "lib0", []string{s.Barcode})
			require.NoError(t, err)
			c.Location, err = media.ParseLocation(evs[0].To)
			require.NoError(t, err)
		}
		if c.Location.Kind == media.InMailSlot {
			_, err = lib.virtual.TakeFromMailSlot(lib.changerSlot(c.Location.Slot))
			require.NoError(t, err)
		}
		m, err := d.cat.CreateManifest(ctx, operatorActor, media.NewManifest{Destination: s.To, Barcodes: []string{s.Barcode}})
		require.NoError(t, err)
		_, err = d.cat.Pickup(ctx, operatorActor, m.ID, media.Handover{Courier: "Yamato", Barcodes: []string{s.Barcode}})
		require.NoError(t, err)
		_, err = d.cat.Deliver(ctx, operatorActor, m.ID, media.Handover{Barcodes: []string{s.Barcode}})
		require.NoError(t, err)
		sent = append(sent, s.Barcode)
	}
	if late {
		return sent, nil
	}
	for _, r := range plan.Recalls {
		w.recall(r.Barcode)
		recalled = append(recalled, r.Barcode)
	}
	return sent, recalled
}

// recall brings a cartridge back from offsite and into the library.
func (w *world) recall(barcode string) {
	t, d, ctx := w.t, w.h.d, w.ctx
	lib := d.dev.libs["lib0"]
	m, err := d.cat.CreateManifest(ctx, operatorActor, media.NewManifest{Destination: "honcho", Place: "shelf", Barcodes: []string{barcode}})
	require.NoError(t, err)
	_, err = d.cat.Pickup(ctx, operatorActor, m.ID, media.Handover{Courier: "Yamato", Barcodes: []string{barcode}})
	require.NoError(t, err)
	_, err = d.cat.Deliver(ctx, operatorActor, m.ID, media.Handover{Barcodes: []string{barcode}})
	require.NoError(t, err)
	img, err := d.virtualImage(barcode)
	require.NoError(t, err)
	_, err = lib.virtual.InsertIntoMailSlot(0, img)
	require.NoError(t, err)
	_, problems, err := d.Import(ctx, operatorActor, "lib0")
	require.NoError(t, err)
	require.Empty(t, problems)
}

func (w *world) metric(name string, labels ...string) float64 {
	w.t.Helper()
	reg := metrics.NewRegistry(w.h.cfg, w.h.d.cat, w.h.d.MetricsLive(), metrics.Options{Now: w.h.d.now, Started: w.h.d.started})
	body := scrape(w.t, reg, name)
	want := name + "{" + strings.Join(labels, ",") + "} "
	if len(labels) == 0 {
		want = name + " "
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, want) {
			var v float64
			fmt.Sscanf(strings.TrimPrefix(line, want), "%g", &v)
			return v
		}
	}
	w.t.Fatalf("no series %s in:\n%s", want, body)
	return 0
}

func TestFourteenNights(t *testing.T) {
	if testing.Short() {
		t.Skip("fourteen simulated nights take about twenty seconds")
	}
	cfg := loadTestConfig(t, "nights.yaml")
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, jst))
	h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock })
	h.d.maintEvery = 24 * time.Hour // no housekeeping between the nights
	w := &world{t: t, h: h, clock: clock, ctx: context.Background(), snapshots: map[int]map[string]map[string][]byte{},
		dataDir: filepath.Join(cfg.StateDir, "data")}
	w.stock()

	expect := map[string]map[media.RunState]int{"juki-nightly": {}, "website-nightly": {}}
	wrongCartridge := false
	var offsiteWhenDue string
	written := map[int]map[string]media.Run{}
	for day := 1; day <= 14; day++ {
		date := time.Date(2026, 12, day, 0, 0, 0, 0, jst)
		w.writeData(day)
		written[day] = map[string]media.Run{}

		if day == 6 {
			// The drive fails the third write of the night.
			h.d.dev.drives["lto0"].virtual.FailWrite(3)
		}
		juki := w.runAt("juki-nightly", date.Add(22*time.Hour), nil)
		switch {
		case offsiteWhenDue != "":
			// The cartridge due tonight is still at the annex: the run
			// fails before touching anything, saying it must be recalled.
			require.Equal(t, media.RunFailed, juki.State, "night %d", day)
			assert.Contains(t, juki.Reason, offsiteWhenDue+" may be overwritten but is at safe at annex: recall it to honcho")
			assert.Empty(t, juki.Pieces)
			expect["juki-nightly"][media.RunFailed]++
			offsiteWhenDue = ""
		case day == 6:
			require.Equal(t, media.RunFailed, juki.State, "night 6: %s", juki.Reason)
			assert.Contains(t, juki.Reason, "write")
			assert.Contains(t, juki.Reason, "does not count as a good generation")
			expect["juki-nightly"][media.RunFailed]++
		default:
			require.Equal(t, media.RunSucceeded, juki.State, "night %d: %s\n%s", day, juki.Reason, juki.Log)
			expect["juki-nightly"][media.RunSucceeded]++
			written[day]["juki-nightly"] = juki
		}
		if day == 12 {
			require.Len(t, juki.Pieces, 2, "night 12 spans two cartridges")
			assert.NotEqual(t, juki.Pieces[0].Barcode, juki.Pieces[1].Barcode)
		}

		wrongCartridge = day == 8
		web := w.runAt("website-nightly", date.Add(22*time.Hour+30*time.Minute), w.operator(&wrongCartridge))
		require.Equal(t, media.RunSucceeded, web.State, "night %d: %s\n%s", day, web.Reason, web.Log)
		expect["website-nightly"][media.RunSucceeded]++
		written[day]["website-nightly"] = web
		if day == 8 {
			all, err := h.d.cat.Prompts(w.ctx, true)
			require.NoError(t, err)
			found := false
			for _, p := range all {
				if p.Run == web.ID && strings.Contains(p.Why, "was not written") {
					found = true
				}
			}
			assert.True(t, found, "night 8: a new prompt said what was found in the drive")
		}

		// After each night: the metrics and the catalog agree with what
		// happened.
		for job, counts := range expect {
			for _, st := range []media.RunState{media.RunSucceeded, media.RunFailed, media.RunMissed} {
				assert.Equal(t, float64(counts[st]), w.metric("tapewarden_job_runs_total", `backup_job="`+job+`"`, `result="`+string(st)+`"`), "night %d %s %s", day, job, st)
			}
		}
		assert.Equal(t, float64(date.Add(22*time.Hour+30*time.Minute).Unix()), w.metric("tapewarden_job_last_success_timestamp_seconds", `backup_job="website-nightly"`), "night %d", day)
		v, err := h.d.cat.Verify(w.ctx, "")
		require.NoError(t, err)
		require.True(t, v.OK, v.Problem)
		reps, err := h.d.Inventory(w.ctx, tester, "lib0")
		require.NoError(t, err)
		assert.Empty(t, reps[0].Catalog.Moved, "night %d: the catalog and the library disagreed", day)
		assert.Empty(t, reps[0].Problems, "night %d", day)

		// The next morning the courier carries out the offsite plan; on
		// the tenth he is late with the recalls.
		clock.Set(date.Add(33 * time.Hour))
		_, recalled := w.courier(day == 10)
		if day == 10 {
			assert.Empty(t, recalled)
			// Which cartridge would rotation have written next had it
			// been back? The one at the annex that the plan recalled.
			view, err := h.d.view(w.ctx)
			require.NoError(t, err)
			for _, c := range view.Cartridges {
				if c.Pool == "daily" && c.Location.Site == "annex" {
					offsiteWhenDue = c.Barcode
				}
			}
		}
	}
	assert.Equal(t, float64(1), w.metric("tapewarden_pool_offsite_generations_required", `pool="daily"`))

	// Restore each system's latest generation and an older one, and
	// compare every byte.
	// restoreAnswering restores while playing the operator at the DAT
	// drive.
	restoreAnswering := func(req RestoreRequest) (RestoreResult, error) {
		type result struct {
			res RestoreResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := h.d.Restore(w.ctx, tester, req)
			done <- result{res, err}
		}()
		never := false
		op := w.operator(&never)
		for {
			select {
			case r := <-done:
				return r.res, r.err
			case <-time.After(10 * time.Millisecond):
				if p, ok := w.loadPrompt(); ok {
					op(p)
				}
			}
		}
	}
	restore := func(job string, day int) {
		t.Helper()
		run := written[day][job]
		dir := t.TempDir()
		res, err := restoreAnswering(RestoreRequest{Job: job, Generation: run.Generation, To: dir})
		if err != nil && strings.Contains(err.Error(), "bring it back") {
			// The older generation is at the annex: the restore says so,
			// and the courier brings it back.
			for _, p := range run.Pieces {
				if c, _ := h.d.cat.Cartridge(w.ctx, p.Barcode); c.Location.Site == "annex" {
					assert.Contains(t, err.Error(), p.Barcode+" is at annex/safe")
					w.recall(p.Barcode)
				}
			}
			res, err = restoreAnswering(RestoreRequest{Job: job, Generation: run.Generation, To: dir})
		}
		require.NoError(t, err, "restore %s of night %d", job, day)
		require.Len(t, res.Jobs, 1)
		assert.True(t, res.Jobs[0].Verified)
		assert.Equal(t, run.Bytes, res.Jobs[0].Bytes)
		want := w.snapshots[day][job]
		got := map[string][]byte{}
		require.NoError(t, filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			got[rel] = b
			return err
		}))
		require.Equal(t, len(want), len(got), "restored files of %s night %d", job, day)
		for name, content := range want {
			require.True(t, bytes.Equal(content, got[name]), "%s of %s night %d differs", name, job, day)
		}
	}
	restore("juki-nightly", 14)
	restore("juki-nightly", 12) // the night that spanned two cartridges
	restore("website-nightly", 14)
	restore("website-nightly", 11)
}

// scrape gathers reg and returns the metric family name in the text
// format.
func scrape(t *testing.T, reg prometheus.Gatherer, name string) string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, mf := range mfs {
		if mf.GetName() == name {
			_, err := expfmt.MetricFamilyToText(&b, mf)
			require.NoError(t, err)
		}
	}
	return b.String()
}
