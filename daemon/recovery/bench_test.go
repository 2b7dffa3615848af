package recovery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// BenchmarkCatalogFile builds the catalog file of a large catalog (media's
// benchmark catalog: 100,000 cartridges, 1,000,000 events) and writes it
// to a virtual cartridge, as the end of a night does. Build that catalog
// once with
//
//	TAPEWARDEN_BENCH_CATALOG=/tmp/bench.db go test -run X -bench Show -benchtime 1x ./media/
//
// and run this with the same variable set. It reports the file's size on
// tape and the uncompressed copy's.
func BenchmarkCatalogFile(b *testing.B) {
	path := os.Getenv("TAPEWARDEN_BENCH_CATALOG")
	if path == "" {
		b.Skip("set TAPEWARDEN_BENCH_CATALOG to media's benchmark catalog (see the comment)")
	}
	ctx := context.Background()
	work := b.TempDir()
	// Work on a copy: the benchmark catalog stays as built.
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	dbPath := filepath.Join(work, "catalog.db")
	if err := os.WriteFile(dbPath, src, 0o600); err != nil {
		b.Fatal(err)
	}
	cat, err := media.Open(ctx, dbPath, media.Options{SkipIntegrityCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	img := filepath.Join(work, "BENCH1L8.vtape")
	label, err := drives.NewLabel("BENCH1L8", "daily", drives.LTO8, "bench", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "BENCH1L8", MediaType: drives.LTO8}, &label); err != nil {
		b.Fatal(err)
	}
	var tapeBytes, catalogBytes int64
	b.ResetTimer()
	for range b.N {
		built, err := BuildCatalogFile(ctx, cat, nil, Manifest{Barcode: "BENCH1L8", Pool: "daily"}, work)
		if err != nil {
			b.Fatal(err)
		}
		d, err := drives.Open(img)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Rewind(ctx); err != nil {
			b.Fatal(err)
		}
		if err := d.SpaceFiles(ctx, 1); err != nil {
			b.Fatal(err)
		}
		t, err := WriteCatalogFile(ctx, d, built, 256<<10, drives.Trailer{RunID: "1", Pool: "daily", Barcode: "BENCH1L8", DataFile: 1, Start: time.Now().UTC()})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
		built.Remove()
		tapeBytes, catalogBytes = t.Bytes, built.Manifest.CatalogBytes
	}
	b.ReportMetric(float64(tapeBytes)/(1<<20), "MiB-on-tape")
	b.ReportMetric(float64(catalogBytes)/(1<<20), "MiB-catalog")
}

// BenchmarkRebuild20 rebuilds a catalog from 20 cartridges as the demo
// writes them: each with a label, two jobs' data (4 MiB each) and
// trailers, and a catalog file of a catalog that knows the 20 cartridges.
func BenchmarkRebuild20(b *testing.B) {
	ctx := context.Background()
	work := b.TempDir()
	cat, err := media.Open(ctx, filepath.Join(work, "catalog.db"), media.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer cat.Close()
	if _, err := cat.SyncTopology(ctx, media.Topology{Sites: []media.Site{{Name: "honcho", Kind: "machine-room", Places: []media.Place{{Name: "shelf", Kind: "shelf"}}}},
		Pools: []media.Pool{{Name: "daily", MediaType: "LTO-8"}}}); err != nil {
		b.Fatal(err)
	}
	images := filepath.Join(work, "images")
	if err := os.Mkdir(images, 0o750); err != nil {
		b.Fatal(err)
	}
	actor := media.Actor{Name: "bench", Role: "operator"}
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	sum := sha256Hex(data)
	for i := 1; i <= 20; i++ {
		barcode := fmt.Sprintf("DLY%03dL8", i)
		if _, err := cat.AddCartridge(ctx, actor, media.NewCartridge{Barcode: barcode, Pool: "daily", Location: media.Storage("honcho", "shelf")}); err != nil {
			b.Fatal(err)
		}
		label, _ := drives.NewLabel(barcode, "daily", drives.LTO8, "bench", time.Now())
		img := filepath.Join(images, barcode+".vtape")
		if err := drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: barcode, MediaType: drives.LTO8}, &label); err != nil {
			b.Fatal(err)
		}
		d, err := drives.Open(img)
		if err != nil {
			b.Fatal(err)
		}
		d.Rewind(ctx)
		d.SpaceFiles(ctx, 1)
		for j, job := range []string{"juki-nightly", "website-nightly"} {
			for off := 0; off < len(data); off += 256 << 10 {
				if _, err := d.Write(data[off : off+256<<10]); err != nil {
					b.Fatal(err)
				}
			}
			d.WriteFilemarks(ctx, 1)
			now := time.Now().UTC()
			if err := drives.WriteTrailer(ctx, d, drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: job, RunID: fmt.Sprint(i*2 + j),
				Pool: "daily", Generation: fmt.Sprintf("daily/%d", i), Bytes: int64(len(data)), SHA256: sum, Piece: 1, TotalBytes: int64(len(data)), TotalSHA256: sum,
				Barcode: barcode, DataFile: int64(1 + 2*j), Start: now, End: now, TapewardenVersion: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
		built, err := BuildCatalogFile(ctx, cat, nil, Manifest{Barcode: barcode, Pool: "daily"}, work)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := WriteCatalogFile(ctx, d, built, 256<<10, drives.Trailer{RunID: fmt.Sprint(i*2 + 1), Pool: "daily", Barcode: barcode, DataFile: 5, Start: time.Now().UTC()}); err != nil {
			b.Fatal(err)
		}
		built.Remove()
		d.Close()
	}
	b.ResetTimer()
	for n := range b.N {
		state := filepath.Join(work, fmt.Sprintf("state%d", n))
		rep, err := Rebuild(ctx, RebuildOptions{Source: &Images{Dir: images}, StateDir: state})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Cartridges) != 20 || rep.CatalogFrom == "" || len(rep.RunsAdded) != 40 {
			b.Fatalf("unexpected rebuild: %+v", rep)
		}
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
