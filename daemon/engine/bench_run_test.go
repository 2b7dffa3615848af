package engine

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// benchRunYAML is two LTO-8 drives in a virtual library, and two jobs of
// the same source in two pools, without read-back verification (SHA-256
// is computed on the way in any case). Most benchmarks run only the first.
const benchRunYAML = `
state_dir: STATE
timezone: UTC
sites:
  - {name: room, kind: machine-room, places: [{name: shelf, kind: shelf}]}
pools:
  - {name: bench, media_type: LTO-8, scheme: cycle, cycle: {cartridges: 5, every: day}}
  - {name: bench2, media_type: LTO-8, scheme: cycle, cycle: {cartridges: 5, every: day}}
jobs:
  - {name: bench, pool: bench, source: {paths: [STATE/src]}, verify: none}
  - {name: bench2, pool: bench2, source: {paths: [STATE/src]}, verify: none}
libraries:
  - {name: lib, site: room, type: virtual, slots: 12, mailslots: 0, drives: [{element: 0, drive: lto}, {element: 1, drive: lto2}]}
drives:
  - {name: lto, site: room, type: virtual, media_type: LTO-8, cleaning: {on_request: true}}
  - {name: lto2, site: room, type: virtual, media_type: LTO-8, cleaning: {on_request: true}}
`

// BenchmarkRunVsTarDD streams 4 GiB from tmpfs through a real backup run
// (rotation, library load, label check, tar, ring buffer, SHA-256, the
// virtual tape on tmpfs) and, in the same invocation, times
// `tar -cf - SRC | dd of=FILE bs=256k` on the same data, alternating. It
// reports the best run of each, their ratio (the goal is at least 1.0) and
// the CPU time per byte of each best run; the log has the ranges.
//
//	go test -run '^$' -bench RunVsTarDD -benchtime 2x ./daemon/engine/
//
// TAPEWARDEN_BENCH_GIB changes the amount of data.
func BenchmarkRunVsTarDD(b *testing.B) {
	if _, err := exec.LookPath("tar"); err != nil {
		b.Skip("GNU tar is not installed; the comparison with tar | dd did not run")
	}
	shm := "/dev/shm"
	if fi, err := os.Stat(shm); err != nil || !fi.IsDir() {
		b.Skip("/dev/shm (tmpfs) is not available; the benchmark needs a RAM file system")
	}
	gib := 4
	if s := os.Getenv("TAPEWARDEN_BENCH_GIB"); s != "" {
		fmt.Sscan(s, &gib)
	}
	dir, err := os.MkdirTemp(shm, "twbench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	total := makeBenchSource(b, src, int64(gib)<<30)

	rig := newBenchRig(b, dir, src, total)
	rig.tarDD() // warm the page cache and the binaries
	b.ResetTimer()
	var tar, ours runTimes
	for b.Loop() {
		tar.add(rig.tarDD())
		ours.add(rig.run())
		ours.add(rig.run())
		tar.add(rig.tarDD())
	}
	b.StopTimer()
	t, o := tar.best(), ours.best()
	b.ReportMetric(t.rate(total), "tar|dd_MB/s")
	b.ReportMetric(o.rate(total), "tapewarden_MB/s")
	b.ReportMetric(o.rate(total)/t.rate(total), "ratio")
	b.ReportMetric(t.cpuPerByte(total), "tar|dd_CPU_ns/B")
	b.ReportMetric(o.cpuPerByte(total), "tapewarden_CPU_ns/B")
	b.Logf("%d MiB, best of %d each: tar | dd %s; tapewarden run %s; ratio %.2f",
		total>>20, len(tar), tar.describe(total), ours.describe(total), o.rate(total)/t.rate(total))
}

// runTime is one timed run: its wall-clock time and the CPU time it
// used (for tar | dd that of sh and its children, for a run the whole
// test process's: every goroutine, the catalog, the garbage collector).
type runTime struct{ wall, cpu time.Duration }

func (m runTime) rate(bytes int64) float64 { return float64(bytes) / m.wall.Seconds() / 1e6 }
func (m runTime) cpuPerByte(bytes int64) float64 {
	return float64(m.cpu.Nanoseconds()) / float64(bytes)
}

// runTimes are the runs of one kind in a benchmark.
type runTimes []runTime

func (ts *runTimes) add(m runTime) { *ts = append(*ts, m) }

// best returns the fastest run.
func (ts runTimes) best() runTime {
	b := ts[0]
	for _, m := range ts[1:] {
		if m.wall < b.wall {
			b = m
		}
	}
	return b
}

// describe gives the best rate, the range of rates, and the range of CPU
// per byte.
func (ts runTimes) describe(bytes int64) string {
	lo, hi := ts[0], ts[0]
	cLo, cHi := ts[0].cpuPerByte(bytes), ts[0].cpuPerByte(bytes)
	for _, m := range ts[1:] {
		if m.wall > lo.wall {
			lo = m
		}
		if m.wall < hi.wall {
			hi = m
		}
		cLo, cHi = min(cLo, m.cpuPerByte(bytes)), max(cHi, m.cpuPerByte(bytes))
	}
	return fmt.Sprintf("best %.0f MB/s (%.0f-%.0f), CPU %.2f-%.2f ns/byte", hi.rate(bytes), lo.rate(bytes), hi.rate(bytes), cLo, cHi)
}

// processCPU returns the user and system time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRunFileIndex measures what the file index costs a run: on a
// mix of 100,000 small files (4-12 KiB) and 1 GiB of large ones, it times
// runs with the index and without it, alternating, and `tar | dd` on the
// same data, and reports the best run of each, the ratios of the best
// runs and their CPU time per byte; the log has the ranges.
//
//	go test -run '^$' -bench RunFileIndex -benchtime 3x ./daemon/engine/
//
// TAPEWARDEN_BENCH_FILES changes the number of small files.
func BenchmarkRunFileIndex(b *testing.B) {
	if _, err := exec.LookPath("tar"); err != nil {
		b.Skip("GNU tar is not installed; the comparison with tar | dd did not run")
	}
	shm := "/dev/shm"
	if fi, err := os.Stat(shm); err != nil || !fi.IsDir() {
		b.Skip("/dev/shm (tmpfs) is not available; the benchmark needs a RAM file system")
	}
	files := 100_000
	if s := os.Getenv("TAPEWARDEN_BENCH_FILES"); s != "" {
		fmt.Sscan(s, &files)
	}
	dir, err := os.MkdirTemp(shm, "twbench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	total := makeBenchSource(b, filepath.Join(src, "large"), 1<<30)
	rng := rand.NewChaCha8([32]byte{4, 5, 6})
	buf := make([]byte, 12<<10)
	for i := range files {
		sub := filepath.Join(src, "small", fmt.Sprintf("d%03d", i%500))
		if i < 500 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		n := 4<<10 + i%(8<<10)
		rng.Read(buf[:n])
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%06d.dat", i)), buf[:n], 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(n)
	}
	rig := newBenchRig(b, dir, src, total)

	rig.tarDD() // warm the page cache and the binaries
	b.ResetTimer()
	var tar, on, off runTimes
	for b.Loop() {
		// Each order once, so that neither comes first every time.
		for _, onFirst := range []bool{true, false} {
			tar.add(rig.tarDD())
			for _, index := range []bool{onFirst, !onFirst} {
				rig.d.noFileIndex = !index
				if index {
					on.add(rig.run())
				} else {
					off.add(rig.run())
				}
			}
		}
	}
	b.StopTimer()
	t, bOn, bOff := tar.best().rate(total), on.best().rate(total), off.best().rate(total)
	b.ReportMetric(t, "tar|dd_MB/s")
	b.ReportMetric(bOn, "index_on_MB/s")
	b.ReportMetric(bOff, "index_off_MB/s")
	b.ReportMetric(bOn/t, "on/tar")
	b.ReportMetric(bOff/t, "off/tar")
	b.ReportMetric(bOn/bOff, "on/off")
	b.ReportMetric(tar.best().cpuPerByte(total), "tar|dd_CPU_ns/B")
	b.ReportMetric(on.best().cpuPerByte(total), "index_on_CPU_ns/B")
	b.ReportMetric(off.best().cpuPerByte(total), "index_off_CPU_ns/B")
	b.Logf("%d small files and 1 GiB of large ones, %d MiB, best of %d each: tar | dd %s; run with the index %s; without %s; best against best: with/tar %.2f, without/tar %.2f, with/without %.2f",
		files, total>>20, len(tar), tar.describe(total), on.describe(total), off.describe(total), bOn/t, bOff/t, bOn/bOff)
}

// BenchmarkRunTwoDrives runs two jobs at once, each on its own virtual
// drive, against two `tar | dd` at once, alternating, on 1 GiB of
// incompressible data (TAPEWARDEN_BENCH_GIB changes it). It reports the
// slower stream of the best pair of each and the CPU per byte of both
// streams; the goal is that each run stays above LTO-9's speed-matching
// floor of 408 MB/s.
//
//	go test -run '^$' -bench RunTwoDrives -benchtime 2x ./daemon/engine/
func BenchmarkRunTwoDrives(b *testing.B) {
	if _, err := exec.LookPath("tar"); err != nil {
		b.Skip("GNU tar is not installed; the comparison with tar | dd did not run")
	}
	shm := "/dev/shm"
	if fi, err := os.Stat(shm); err != nil || !fi.IsDir() {
		b.Skip("/dev/shm (tmpfs) is not available; the benchmark needs a RAM file system")
	}
	gib := 1
	if s := os.Getenv("TAPEWARDEN_BENCH_GIB"); s != "" {
		fmt.Sscan(s, &gib)
	}
	dir, err := os.MkdirTemp(shm, "twbench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src")
	total := makeBenchSource(b, src, int64(gib)<<30)
	rig := newBenchRig(b, dir, src, total)

	// pair runs two at once and returns the slower one's wall time with
	// the CPU time of both: that of the children for tar | dd, this
	// process's for the runs.
	pair := func(children bool, one func(i int) runTime) runTime {
		var got [2]runTime
		done := make(chan struct{})
		cpu := processCPU()
		for i := range 2 {
			go func() { got[i] = one(i); done <- struct{}{} }()
		}
		<-done
		<-done
		slow := runTime{wall: max(got[0].wall, got[1].wall), cpu: processCPU() - cpu}
		if children {
			slow.cpu = got[0].cpu + got[1].cpu
		}
		b.Logf("two at once: %.0f and %.0f MB/s", got[0].rate(total), got[1].rate(total))
		return slow
	}
	tarPair := func() runTime {
		return pair(true, func(i int) runTime { return rig.tarDDTo(fmt.Sprintf("tar%d.out", i)) })
	}
	runPair := func() runTime {
		return pair(false, func(i int) runTime { return rig.runJob([]string{"bench", "bench2"}[i]) })
	}
	rig.tarDD() // warm the page cache and the binaries
	b.ResetTimer()
	var tar, ours runTimes
	for b.Loop() {
		tar.add(tarPair())
		ours.add(runPair())
		ours.add(runPair())
		tar.add(tarPair())
	}
	b.StopTimer()
	// CPU per byte of both streams.
	both := 2 * total
	t, o := tar.best(), ours.best()
	b.ReportMetric(t.rate(total), "tar|dd_slower_MB/s")
	b.ReportMetric(o.rate(total), "tapewarden_slower_MB/s")
	b.ReportMetric(t.cpuPerByte(both), "tar|dd_CPU_ns/B")
	b.ReportMetric(o.cpuPerByte(both), "tapewarden_CPU_ns/B")
	b.Logf("%d MiB each, two at once, slower stream of the best of %d pairs: tar | dd %.0f MB/s; tapewarden runs %.0f MB/s; CPU per byte of both streams: tar | dd %.2f, tapewarden %.2f ns",
		total>>20, len(tar), t.rate(total), o.rate(total), t.cpuPerByte(both), o.cpuPerByte(both))
}

// benchRig is an engine on a tmpfs directory with a job that backs up
// src, and the two ways of writing it that the benchmarks compare.
type benchRig struct {
	b     *testing.B
	d     *Engine
	dir   string
	src   string
	total int64
}

func newBenchRig(b *testing.B, dir, src string, total int64) *benchRig {
	b.Helper()
	cfg, err := config.ParseConfig("bench.yaml", []byte(strings.ReplaceAll(benchRunYAML, "STATE", dir)))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	d, err := New(ctx, cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	lib := d.dev.libs["lib"]
	for i := 1; i <= 12; i++ {
		barcode, pool := fmt.Sprintf("BEN%03dL8", i), "bench"
		if i > 6 {
			pool = "bench2"
		}
		label, _ := drives.NewLabel(barcode, pool, "LTO-8", config.Version, d.now())
		if _, err := lib.virtual.AddCartridge(i, drives.CartridgeSpec{Barcode: barcode, MediaType: "LTO-8"}, &label); err != nil {
			b.Fatal(err)
		}
		if _, err := d.cat.AddCartridge(ctx, media.System, media.NewCartridge{Barcode: barcode, Pool: pool, Location: media.LibrarySlot("room", "lib", i)}); err != nil {
			b.Fatal(err)
		}
	}

	return &benchRig{b: b, d: d, dir: dir, src: src, total: total}
}

// tarDD times `tar -cf - SRC | dd of=FILE bs=256k`.
func (rig *benchRig) tarDD() runTime { return rig.tarDDTo("tar.out") }

// tarDDTo is tarDD writing to the file name in the rig's directory.
func (rig *benchRig) tarDDTo(name string) runTime {
	b, dir, src := rig.b, rig.dir, rig.src
	out := filepath.Join(dir, name)
	start := time.Now()
	cmd := exec.Command("sh", "-c", "tar -cf - \"$1\" | dd of=\"$2\" bs=256k status=none", "sh", src, out)
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("tar | dd: %v: %s", err, o)
	}
	took := time.Since(start)
	os.Remove(out)
	return runTime{wall: took, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// run times one backup run of the job and frees the cartridge it wrote.
func (rig *benchRig) run() runTime { return rig.runJob("bench") }

// runJob is run for the named job.
func (rig *benchRig) runJob(job string) runTime {
	b, d, dir, total := rig.b, rig.d, rig.dir, rig.total
	ctx := context.Background()
	cpu := processCPU()
	start := time.Now()
	r, err := d.StartRun(ctx, job, "benchmark", time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	r, err = d.WaitRun(ctx, r.ID)
	if err != nil || r.State != media.RunSucceeded {
		b.Fatalf("run: %v %s %s", err, r.State, r.Reason)
	}
	took := runTime{wall: time.Since(start), cpu: processCPU() - cpu}
	if r.Bytes < total {
		b.Fatalf("the run wrote %d bytes of %d", r.Bytes, total)
	}
	// Free the tmpfs the cartridge used (tmpfs is RAM): label it
	// afresh, which ends its data after the label.
	full, _ := d.cat.Run(ctx, r.ID)
	for _, p := range full.Pieces {
		img := filepath.Join(dir, "libraries", "lib", "cartridges", p.Barcode+".vtape")
		h, err := drives.Open(img)
		if err != nil {
			b.Fatal(err)
		}
		label, _ := drives.NewLabel(p.Barcode, full.Pool, "LTO-8", config.Version, d.now())
		if err := drives.WriteLabel(ctx, h, label, true); err != nil {
			b.Fatal(err)
		}
		h.Close()
		if err := d.cat.MarkOverwritten(ctx, media.System, p.Barcode, 0, r.ID); err != nil {
			b.Fatal(err)
		}
		if err := d.cat.SetLabelUUID(ctx, p.Barcode, label.UUID); err != nil {
			b.Fatal(err)
		}
	}
	return took
}

// makeBenchSource writes about size bytes of incompressible data: a mix of
// large and medium files.
func makeBenchSource(b *testing.B, dir string, size int64) int64 {
	b.Helper()
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, 8<<20)
	var written int64
	for i := 0; written < size; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i%16))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		n := int64(256 << 20) // large files
		if i%4 != 0 {
			n = int64(8+i%24) << 20 // and medium ones
		}
		n = min(n, size-written)
		f, err := os.Create(filepath.Join(sub, fmt.Sprintf("f%04d.bin", i)))
		if err != nil {
			b.Fatal(err)
		}
		for left := n; left > 0; {
			chunk := buf[:min(int64(len(buf)), left)]
			rng.Read(chunk)
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
			left -= int64(len(chunk))
		}
		f.Close()
		written += n
	}
	return written
}
