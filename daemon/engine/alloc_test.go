package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

func testDrives(a *allocator, names ...string) []*drive {
	var out []*drive
	for _, n := range names {
		out = append(out, &drive{cfg: &config.DriveConfig{Name: n}, alloc: a})
	}
	return out
}

func TestAllocatorServesWaitersInOrder(t *testing.T) {
	a := newAllocator(time.Now)
	ds := testDrives(a, "lto0", "lto1")
	lto0, lto1 := ds[0], ds[1]
	ctx := context.Background()

	_, releaseA, err := a.acquire(ctx, lease{kind: leaseRun, who: "run 1"}, []*drive{lto0})
	require.NoError(t, err)
	_, releaseB, err := a.acquire(ctx, lease{kind: leaseRun, who: "run 2"}, []*drive{lto1})
	require.NoError(t, err)

	// Run 3 can use either drive and queues first; run 4 wants lto1 only.
	got := make(chan string, 2)
	go func() {
		d, rel, err := a.acquire(ctx, lease{kind: leaseRun, who: "run 3"}, []*drive{lto0, lto1})
		if err == nil {
			got <- "run 3 " + d.cfg.Name
			rel()
		}
	}()
	waitQueued(t, a, 1)
	go func() {
		d, rel, err := a.acquire(ctx, lease{kind: leaseRun, who: "run 4"}, []*drive{lto1})
		if err == nil {
			got <- "run 4 " + d.cfg.Name
			time.Sleep(10 * time.Millisecond)
			rel()
		}
	}()
	waitQueued(t, a, 2)

	w := a.waiting()
	require.Len(t, w, 2)
	assert.Equal(t, "run 3", w[0].Who)
	assert.Equal(t, "lto0 is held by run 1; lto1 is held by run 2", w[0].Why)
	assert.Equal(t, "lto1 is held by run 2", w[1].Why)

	// A newcomer may not take a drive a waiter wants.
	_, err = a.tryAcquire(lto1, lease{kind: leaseCheck, who: "a status check"})
	assert.ErrorIs(t, err, errDriveBusy)

	// lto1 frees first: the oldest waiter that can use it, run 3, gets it.
	releaseB()
	assert.Equal(t, "run 3 lto1", <-got)
	assert.Equal(t, "run 4 lto1", <-got)
	releaseA()
	who, _ := a.holderOf(lto0)
	assert.Empty(t, who)
}

// TestAllocatorStampsLeasesWithItsClock checks that a lease handed to a
// waiter is dated by the daemon's clock, like one taken at once.
func TestAllocatorStampsLeasesWithItsClock(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	clock := newFakeClock(t0)
	a := newAllocator(clock.Now)
	lto0 := testDrives(a, "lto0")[0]
	_, release, err := a.acquire(context.Background(), lease{kind: leaseRun, who: "run 1"}, []*drive{lto0})
	require.NoError(t, err)
	_, since := a.holderOf(lto0)
	assert.Equal(t, t0, since)
	got := make(chan func(), 1)
	go func() {
		_, rel, err := a.acquire(context.Background(), lease{kind: leaseRun, who: "run 2"}, []*drive{lto0})
		if err == nil {
			got <- rel
		}
	}()
	waitQueued(t, a, 1)
	clock.Set(t0.Add(90 * time.Minute))
	release()
	rel := <-got
	held, since := a.holderOf(lto0)
	assert.Equal(t, lease{kind: leaseRun, who: "run 2"}, held)
	assert.Equal(t, t0.Add(90*time.Minute), since, "granted when run 1 let go, by the daemon's clock")
	rel()
}

func waitQueued(t *testing.T, a *allocator, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(a.waiting()) < n {
		require.True(t, time.Now().Before(deadline), "waiters never queued")
		time.Sleep(time.Millisecond)
	}
}

func TestAllocatorWaiterGivesUp(t *testing.T) {
	a := newAllocator(time.Now)
	lto0 := testDrives(a, "lto0")[0]
	_, release, err := a.acquire(context.Background(), lease{kind: leaseRun, who: "run 1"}, []*drive{lto0})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := a.acquire(ctx, lease{kind: leaseRun, who: "run 2"}, []*drive{lto0})
		done <- err
	}()
	waitQueued(t, a, 1)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Empty(t, a.waiting())
	release()
	who, _ := a.holderOf(lto0)
	assert.Empty(t, who, "the drive is free again, not held for a waiter that left")
}

func TestCancelARunWaitingForAPerson(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	ctx := context.Background()
	run, err := h.d.StartRun(ctx, "website-weekly", "manual", time.Time{})
	require.NoError(t, err)
	w := &world{t: t, h: h, ctx: ctx}
	var p media.Prompt
	// The prompt is opened first and the run's status line names it just
	// after, so wait for both rather than catch the moment between.
	w.waitFor("the load prompt and the run saying it waits for it", func() bool {
		var ok bool
		if p, ok = w.loadPrompt(); !ok {
			return false
		}
		runs := h.d.ActiveRuns()
		require.Len(t, runs, 1)
		return strings.Contains(runs[0].Detail, fmt.Sprintf("waiting for a person: prompt %d", p.ID))
	})
	runs := h.d.ActiveRuns()
	require.Len(t, runs, 1)
	assert.Equal(t, fmt.Sprintf("作業依頼 %d の対応を待っています（%s）", p.ID, p.ActionJa), runs[0].DetailText(true), "the console says it in Japanese")
	assert.Equal(t, runs[0].Detail, runs[0].DetailText(false))

	_, err = h.d.StartRun(ctx, "website-weekly", "manual", time.Time{})
	assert.ErrorContains(t, err, "in progress")

	done, err := h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunCancelled, done.State)
	assert.Contains(t, done.Reason, "cancelled by tester")
	got, err := h.d.cat.Prompt(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, media.PromptCancelled, got.State, "the run's prompt is withdrawn")
	_, err = h.d.CancelRun(ctx, tester, run.ID)
	assert.ErrorContains(t, err, "has already ended (cancelled)")
}

// A person's request waits a little for a brief lease (a status check)
// but is refused at once, saying who holds the drive, when a run, a
// restore or a cleaning does: what decides is the lease's kind, not the
// words it is described with.
func TestLeaseSoonWaitsOnlyForBriefLeases(t *testing.T) {
	a := newAllocator(time.Now)
	drv := testDrives(a, "lto0")[0]
	ctx := context.Background()
	operator := lease{kind: leaseOperator, who: "a load requested by tanaka"}

	for _, held := range []lease{
		{kind: leaseRun, who: "run 7 (juki-daily)"},
		{kind: leaseRestore, who: "a restore of run 3 (juki-daily)"},
		{kind: leaseCleaning, who: "cleaning lto0"},
	} {
		release, err := drv.tryAcquire(held)
		require.NoError(t, err)
		start := time.Now()
		_, err = drv.leaseSoon(ctx, operator)
		require.ErrorIs(t, err, ErrBusy, held.who)
		assert.Contains(t, err.Error(), "drive lto0 is in use by "+held.who)
		assert.Less(t, time.Since(start), 5*time.Second, "refused at once while %s holds the drive", held.who)
		release()
	}

	// Worded like a run, but a brief look: it is waited for.
	check, err := drv.tryAcquire(lease{kind: leaseCheck, who: "run 5 status check"})
	require.NoError(t, err)
	go func() {
		time.Sleep(50 * time.Millisecond)
		check()
	}()
	release, err := drv.leaseSoon(ctx, operator)
	require.NoError(t, err, "a brief lease is waited for, whatever its words say")
	held, _ := drv.holder()
	assert.Equal(t, operator, held)
	release()
}

// What holds a drive and why a request waits are said in both languages;
// the English stays as the CLI prints it.
func TestLeaseAndWaitingInBothLanguages(t *testing.T) {
	a := newAllocator(time.Now)
	lto0 := testDrives(a, "lto0")[0]
	_, release, err := a.acquire(context.Background(), leaseFor(leaseRun, tr("lease.run", int64(12), "juki-daily")), []*drive{lto0})
	require.NoError(t, err)
	defer release()
	held, _ := a.holderOf(lto0)
	assert.Equal(t, bi{en: "run 12 (juki-daily)", ja: "処理 12（juki-daily）"}, held.text())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _, _ = a.acquire(ctx, leaseFor(leaseOperator, tr("lease.load", "tanaka")), []*drive{lto0}) }()
	waitQueued(t, a, 1)
	w := a.waiting()[0]
	assert.Equal(t, "a load requested by tanaka", w.Who)
	assert.Equal(t, "lto0 is held by run 12 (juki-daily)", w.Why)
	who, why := w.Texts(true)
	assert.Equal(t, "tanaka が依頼した装填", who)
	assert.Equal(t, "lto0 は処理 12（juki-daily）で使用中", why)
	who, why = w.Texts(false)
	assert.Equal(t, w.Who, who)
	assert.Equal(t, w.Why, why)
}
