package engine

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tapewarden/tapewarden/media"
)

// BenchmarkFindAtAMillionMembers is the lookups of `find` and `restore
// --list` as a person types them — a bare file name or a glob without the
// stored prefix — in a catalog of 1,000 runs of 1,000 members each: the
// engine looks for the pattern both at the top of the archive and below
// any directory. (media's BenchmarkFileIndex measures the index itself
// with the full path.)
//
//	go test -run '^$' -bench FindAtAMillionMembers -benchtime 20x ./daemon/engine/
func BenchmarkFindAtAMillionMembers(b *testing.B) {
	ctx := b.Context()
	cat, err := media.Open(ctx, b.TempDir()+"/catalog.db", media.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	if _, err := cat.SyncTopology(ctx, media.Topology{Pools: []media.Pool{{Name: "daily", MediaType: "LTO-8"}}}); err != nil {
		b.Fatal(err)
	}
	const runs, perRun = 1000, 1000
	var last int64
	for r := range runs {
		run, err := cat.QueueRun(ctx, media.NewRun{Job: fmt.Sprintf("job%d", r%6), Pool: "daily"})
		if err != nil {
			b.Fatal(err)
		}
		last = run.ID
		batch := make([]media.Member, perRun)
		for i := range batch {
			batch[i] = media.Member{Seq: int64(i), Piece: 1, File: 1, Type: media.MemberFile, Size: 4096, ModTime: time.Unix(int64(1_700_000_000+i), 0),
				Path: fmt.Sprintf("srv/sys%d/data/%03d/record-%06d.dat", r%6, i/100, i)}
		}
		if err := cat.AddMembers(ctx, run.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	d := &Engine{cat: cat, log: slog.New(slog.DiscardHandler)}
	b.Run("find-bare-name", func(b *testing.B) {
		for b.Loop() {
			h, err := d.Find(ctx, "record-000707.dat", 0)
			if err != nil || len(h) != 100 {
				b.Fatal(err, len(h))
			}
		}
	})
	b.Run("find-glob-below-any-directory", func(b *testing.B) {
		for b.Loop() {
			h, err := d.Find(ctx, "data/007/*", 0)
			if err != nil || len(h) != 100 {
				b.Fatal(err, len(h))
			}
		}
	})
	b.Run("list-one-run-bare-name", func(b *testing.B) {
		for b.Loop() {
			ms, _, err := d.members(ctx, last, "record-000707.dat", 1000)
			if err != nil || len(ms) != 1 {
				b.Fatal(err, len(ms))
			}
		}
	})
}
