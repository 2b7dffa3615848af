package media

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// finishedRun queues a run of job in pool daily and finishes it with one
// piece per barcode.
func (f *fixture) finishedRun(t *testing.T, job, gen string, state RunState, barcodes ...string) Run {
	t.Helper()
	r, err := f.cat.QueueRun(f.ctx, NewRun{Job: job, Pool: "daily", Trigger: "schedule"})
	require.NoError(t, err)
	require.NoError(t, f.cat.UpdateRun(f.ctx, r.ID, RunUpdate{State: RunWriting, Started: true}))
	var pieces []Piece
	for i, b := range barcodes {
		pieces = append(pieces, Piece{Piece: i + 1, Barcode: b, File: int64(i + 1), Bytes: 10, SHA256: "ab", Complete: true})
	}
	f.clock.Advance(time.Hour)
	done, err := f.cat.FinishRun(f.ctx, r.ID, RunResult{State: state, Generation: gen, Level: "daily", Pieces: pieces})
	require.NoError(t, err)
	return done
}

func members(run int64, piece int, paths ...string) []Member {
	var out []Member
	for i, p := range paths {
		out = append(out, Member{Run: run, Seq: int64(i), Piece: piece, File: int64(piece), Path: p, Type: MemberFile, Size: int64(len(p)),
			ModTime: time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC)})
	}
	return out
}

func memberPaths(list []Member) []string {
	var out []string
	for _, m := range list {
		out = append(out, m.Path)
	}
	return out
}

func TestFileIndexListsAndFinds(t *testing.T) {
	f := newFixture(t)
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA002L8", Storage("honcho", "shelf"), "daily")
	f.add(t, "AAA003L8", Storage("annex", "safe"), "daily")
	r1 := f.finishedRun(t, "juki", "2026-11-27", RunSucceeded, "AAA001L8", "AAA002L8")
	r2 := f.finishedRun(t, "juki", "2026-11-28", RunSucceeded, "AAA003L8")
	r3 := f.finishedRun(t, "zeimu", "2026-11-28", RunFailed, "AAA003L8")

	batch := members(r1.ID, 1, "srv/juki/", "srv/juki/db/a.dat", "srv/juki/db/b.dat", "srv/juki/etc/juki.conf")
	batch = append(batch, Member{Run: r1.ID, Seq: 4, Piece: 2, File: 1, Path: "srv/juki/db/z.dat", Type: MemberFile, Size: 9})
	batch[0].Type = MemberDir
	require.NoError(t, f.cat.AddMembers(f.ctx, r1.ID, batch))
	require.NoError(t, f.cat.AddMembers(f.ctx, r2.ID, members(r2.ID, 1, "srv/juki/db/a.dat", "srv/juki/etc/juki.conf")))
	require.NoError(t, f.cat.AddMembers(f.ctx, r3.ID, members(r3.ID, 1, "srv/zeimu/tax.db")))

	got, err := f.cat.Members(f.ctx, MemberQuery{Run: r1.ID, Pattern: "srv/juki/db/*"})
	require.NoError(t, err)
	assert.Equal(t, []string{"srv/juki/db/a.dat", "srv/juki/db/b.dat", "srv/juki/db/z.dat"}, memberPaths(got))
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 1, 0, time.UTC), got[0].ModTime)
	assert.Equal(t, 2, got[2].Piece)

	got, err = f.cat.Members(f.ctx, MemberQuery{Job: "juki", Generation: "2026-11-28"})
	require.NoError(t, err)
	assert.Equal(t, []string{"srv/juki/db/a.dat", "srv/juki/etc/juki.conf"}, memberPaths(got))
	for _, m := range got {
		assert.Equal(t, r2.ID, m.Run)
	}

	// Globs are case-sensitive and '?' is one character.
	got, err = f.cat.Members(f.ctx, MemberQuery{Job: "juki", Pattern: "*/?.dat"})
	require.NoError(t, err)
	assert.Equal(t, []string{"srv/juki/db/a.dat", "srv/juki/db/b.dat", "srv/juki/db/z.dat", "srv/juki/db/a.dat"}, memberPaths(got))
	got, err = f.cat.Members(f.ctx, MemberQuery{Pattern: "SRV/*"})
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = f.cat.Members(f.ctx, MemberQuery{Pattern: "srv/zeimu/*", Succeeded: true})
	require.NoError(t, err)
	assert.Empty(t, got, "the only run holding zeimu's file failed")

	found, err := f.cat.FindMembers(f.ctx, "srv/juki/db/a.dat", 0)
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, r2.ID, found[0].Run, "newest first")
	assert.Equal(t, "2026-11-28", found[0].Generation)
	assert.Equal(t, []string{"AAA003L8"}, found[0].Cartridges)
	assert.Equal(t, "2026-11-27", found[1].Generation)
	assert.Equal(t, []string{"AAA001L8"}, found[1].Cartridges)

	// A member in the second piece is on the second cartridge; once that
	// cartridge is overwritten, find says the copy there is gone.
	found, err = f.cat.FindMembers(f.ctx, "srv/juki/db/*", 0)
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, []string{"AAA001L8", "AAA002L8"}, found[1].Cartridges)
	assert.EqualValues(t, 3, found[1].Members)
	require.NoError(t, f.cat.MarkOverwritten(f.ctx, System, "AAA002L8", 1, 99))
	found, err = f.cat.FindMembers(f.ctx, "srv/juki/db/z.dat", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Empty(t, found[0].Cartridges)
	assert.Equal(t, []string{"AAA002L8"}, found[0].Gone)
}

func TestFileIndexRefusesBadBatchesWhole(t *testing.T) {
	f := newFixture(t)
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	r := f.finishedRun(t, "juki", "2026-11-28", RunSucceeded, "AAA001L8")
	before := dump(t, f.path)
	count := func() int {
		var n int
		require.NoError(t, f.cat.r.QueryRowContext(f.ctx, `SELECT count(*) FROM members`).Scan(&n))
		return n
	}
	for name, bad := range map[string]Member{
		"empty path":   {Path: "", Type: MemberFile},
		"NUL in path":  {Path: "a\x00b", Type: MemberFile},
		"long path":    {Path: strings.Repeat("a", 5000), Type: MemberFile},
		"unknown type": {Path: "x", Type: "fifo"},
		"negative":     {Path: "x", Type: MemberFile, Size: -1},
	} {
		batch := append(members(r.ID, 1, "ok/1", "ok/2"), bad)
		err := f.cat.AddMembers(f.ctx, r.ID, batch)
		require.ErrorIs(t, err, ErrBadInput, name)
		assert.Equal(t, 0, count(), name)
	}
	// A duplicate position refuses the whole batch too.
	dup := members(r.ID, 1, "a", "b")
	dup[1].Seq = 0
	dup[1].Path = "a"
	require.Error(t, f.cat.AddMembers(f.ctx, r.ID, dup))
	assert.Equal(t, 0, count())
	require.ErrorIs(t, f.cat.AddMembers(f.ctx, 999, members(999, 1, "a")), ErrRunNotFound)
	_, err := f.cat.FindMembers(f.ctx, "", 0)
	require.ErrorIs(t, err, ErrBadPattern)
	_, err = f.cat.Members(f.ctx, MemberQuery{Pattern: "a\x00"})
	require.ErrorIs(t, err, ErrBadPattern)
	assert.Equal(t, before, dump(t, f.path))
}

// TestFileIndexLargeBatchesWholeOrNothing: a batch longer than one
// INSERT's rows is recorded whole, every member with its own values; a
// duplicate in the batch's last statement, or a cancelled context,
// records nothing of it.
func TestFileIndexLargeBatchesWholeOrNothing(t *testing.T) {
	f := newFixture(t)
	f.add(t, "AAA001L8", Storage("honcho", "shelf"), "daily")
	r := f.finishedRun(t, "juki", "2026-11-28", RunSucceeded, "AAA001L8")
	batch := func(from, n int) []Member {
		var out []Member
		for i := from; i < from+n; i++ {
			out = append(out, Member{Run: r.ID, Seq: int64(i), Piece: 1 + i%3, File: int64(10 + i%3), Path: fmt.Sprintf("srv/d%02d/f%05d", i/100, i),
				Type: []MemberType{MemberFile, MemberDir, MemberSymlink}[i%3], Size: int64(i * 7), ModTime: time.Unix(1_700_000_000+int64(i), int64(i))})
		}
		return out
	}
	n := 2*membersPerInsert + 44
	want := batch(0, n)
	require.NoError(t, f.cat.AddMembers(f.ctx, r.ID, want))
	got, err := f.cat.Members(f.ctx, MemberQuery{Run: r.ID, Limit: 10 * n})
	require.NoError(t, err)
	require.Len(t, got, n)
	for i := range got { // by path, which is by position here
		w := want[i]
		w.ModTime = w.ModTime.UTC()
		assert.Equal(t, w, got[i])
	}

	count := func() int {
		var c int
		require.NoError(t, f.cat.r.QueryRowContext(f.ctx, `SELECT count(*) FROM members WHERE run = ?`, r.ID).Scan(&c))
		return c
	}
	dup := batch(n, n)
	dup[n-1].Path, dup[n-1].Seq = dup[n-2].Path, dup[n-2].Seq
	require.Error(t, f.cat.AddMembers(f.ctx, r.ID, dup))
	assert.Equal(t, n, count(), "nothing of the refused batch")

	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	require.ErrorIs(t, f.cat.AddMembers(ctx, r.ID, batch(n, n)), context.Canceled)
	assert.Equal(t, n, count(), "nothing of the cancelled batch")
}

// A glob with a literal prefix reads that prefix from an index, for one
// run and across runs; SQLite says so in its query plan.
func TestFileIndexPrefixGlobUsesIndex(t *testing.T) {
	f := newFixture(t)
	plan := func(q string, args ...any) string {
		rows, err := f.cat.r.QueryContext(f.ctx, "EXPLAIN QUERY PLAN "+q, args...)
		require.NoError(t, err)
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
			fmt.Fprintln(&b, detail)
		}
		return b.String()
	}
	p := plan(`SELECT path FROM members WHERE run = ? AND path GLOB ?`, 1, "srv/juki/*")
	assert.Contains(t, p, "path>? AND path<?", p)
	p = plan(`SELECT r.id, count(*) FROM runs r CROSS JOIN members m ON m.run = r.id AND m.path GLOB ? GROUP BY r.id ORDER BY r.id DESC`, "srv/juki/*")
	assert.Contains(t, p, "run=? AND path>? AND path<?", p)
}

// BenchmarkFileIndex indexes 1,000,000 members (1,000 runs of 1,000, fed in
// batches of 1,000 as the writer does) and measures the index's size per
// member, a prefix listing of one run, and a find across all runs.
func BenchmarkFileIndex(b *testing.B) {
	dir := b.TempDir()
	f := &fixture{ctx: b.Context(), clock: &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	cat, err := Open(f.ctx, dir+"/catalog.db", Options{Now: f.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	if _, err := cat.SyncTopology(f.ctx, testTopology()); err != nil {
		b.Fatal(err)
	}
	pages := func() int64 {
		var n, size int64
		if err := cat.r.QueryRowContext(f.ctx, `PRAGMA page_count`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if err := cat.r.QueryRowContext(f.ctx, `PRAGMA page_size`).Scan(&size); err != nil {
			b.Fatal(err)
		}
		return n * size
	}
	const runs, perRun = 1000, 1000
	before := pages()
	var insert time.Duration
	var last int64
	for r := range runs {
		run, err := cat.QueueRun(f.ctx, NewRun{Job: fmt.Sprintf("job%d", r%6), Pool: "daily"})
		if err != nil {
			b.Fatal(err)
		}
		last = run.ID
		batch := make([]Member, perRun)
		for i := range batch {
			batch[i] = Member{Seq: int64(i), Piece: 1, File: 1, Type: MemberFile, Size: 4096, ModTime: time.Unix(int64(1_700_000_000+i), 0),
				Path: fmt.Sprintf("srv/sys%d/data/%03d/record-%06d.dat", r%6, i/100, i)}
		}
		start := time.Now()
		if err := cat.AddMembers(f.ctx, run.ID, batch); err != nil {
			b.Fatal(err)
		}
		insert += time.Since(start)
	}
	if _, err := cat.w.ExecContext(f.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	size := pages() - before
	var n int
	if err := cat.r.QueryRowContext(f.ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil || n != runs*perRun {
		b.Fatal(err, n)
	}
	b.Run("list-prefix", func(b *testing.B) {
		for b.Loop() {
			list, err := cat.Members(f.ctx, MemberQuery{Run: last, Pattern: "srv/sys3/data/007/*"})
			if err != nil || len(list) != 100 {
				b.Fatal(err, len(list))
			}
		}
	})
	b.Run("find-exact", func(b *testing.B) {
		for b.Loop() {
			h, err := cat.FindMembers(f.ctx, "srv/sys3/data/007/record-000707.dat", 0)
			if err != nil || len(h) == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("find-prefix", func(b *testing.B) {
		for b.Loop() {
			if _, err := cat.FindMembers(f.ctx, "srv/sys3/data/007/*", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The size and the batched insert time, measured above, are reported
	// on their own line.
	b.Run("size", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(size)/float64(n), "bytes/member")
		b.ReportMetric(float64(insert.Nanoseconds())/float64(n), "insert-ns/member")
	})
}

// BenchmarkAddMembers measures what indexing costs the archive writer per
// member, by batch size, on a catalog that already holds 100,000 members.
// Members come in path order, as a directory walk yields them.
func BenchmarkAddMembers(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("batch-%d", size), func(b *testing.B) {
			ctx := b.Context()
			cat, err := Open(ctx, b.TempDir()+"/catalog.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer cat.Close()
			if _, err := cat.SyncTopology(ctx, testTopology()); err != nil {
				b.Fatal(err)
			}
			run, err := cat.QueueRun(ctx, NewRun{Job: "juki", Pool: "daily"})
			if err != nil {
				b.Fatal(err)
			}
			seq := int64(0)
			batch := func() []Member {
				out := make([]Member, size)
				for i := range out {
					out[i] = Member{Seq: seq, Piece: 1, File: 1, Type: MemberFile, Size: 4096, ModTime: time.Unix(1_700_000_000, 0),
						Path: fmt.Sprintf("srv/juki/data/%05d/record-%08d.dat", seq/1000, seq)}
					seq++
				}
				return out
			}
			for seq < 100_000 {
				if err := cat.AddMembers(ctx, run.ID, batch()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				next := batch()
				b.StartTimer()
				if err := cat.AddMembers(ctx, run.ID, next); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/member")
		})
	}
}
