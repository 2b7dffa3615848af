//go:build unix

package archive

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user and system time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// shaRate measures SHA-256 on one core over a buffer in memory, in MB/s:
// the ceiling for any stream that is hashed on the way.
func shaRate() float64 {
	buf := make([]byte, 256<<10)
	h := sha256.New()
	n := 0
	start := time.Now()
	for time.Since(start) < time.Second {
		for range 64 {
			h.Write(buf)
			n += len(buf)
		}
	}
	return float64(n) / time.Since(start).Seconds() / 1e6
}

// fileBlockWriter writes each block with one write(2), like the drive.
type fileBlockWriter struct{ f *os.File }

func (w fileBlockWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// makeBenchData fills dir with about total bytes of incompressible data:
// three quarters in files of 512 MiB, the rest in files of 4 MiB, and a
// thousand files of 16 KiB.
func makeBenchData(b *testing.B, dir string, total int64) {
	b.Helper()
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, 4<<20)
	write := func(name string, size int64) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		for size > 0 {
			n := min(size, int64(len(buf)))
			_, _ = rng.Read(buf[:n])
			if _, err := f.Write(buf[:n]); err != nil {
				b.Fatal(err)
			}
			size -= n
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, sub := range []string{"large", "medium", "small"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	large := total * 3 / 4
	for i := 0; large > 0; i++ {
		n := min(large, 512<<20)
		write(fmt.Sprintf("large/l%02d", i), n)
		large -= n
	}
	medium := total - total*3/4 - 1000*16<<10
	for i := 0; medium > 0; i++ {
		n := min(medium, 4<<20)
		write(fmt.Sprintf("medium/m%04d", i), n)
		medium -= n
	}
	for i := range 1000 {
		write(fmt.Sprintf("small/s%04d", i), 16<<10)
	}
}

// BenchmarkBackupVsTarDD measures, in one run and on tmpfs, `tar -cf - SRC
// | dd of=OUT bs=256k` against Backup.Run with SHA-256 writing 256 KiB
// blocks to a file, over 4 GiB of incompressible data
// (TAPEWARDEN_BENCH_GIB changes the size). After one warm-up run of tar,
// each iteration runs tar, ours, ours, tar and reports the throughputs and
// their ratio; the requirement is a ratio of at least 0.9. Run it with
//
//	go test -run '^$' -bench BackupVsTarDD -benchtime 1x -count 3 ./daemon/archive/
func BenchmarkBackupVsTarDD(b *testing.B) {
	for _, tool := range []string{"tar", "dd", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not on PATH; the comparison with tar | dd needs tar, dd and sh", tool)
		}
	}
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		b.Skip("/dev/shm is missing; the benchmark needs tmpfs")
	}
	total := int64(4) << 30
	if s := os.Getenv("TAPEWARDEN_BENCH_GIB"); s != "" {
		gib, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatalf("TAPEWARDEN_BENCH_GIB: %v", err)
		}
		total = int64(gib * (1 << 30))
	}
	dir, err := os.MkdirTemp("/dev/shm", "tapewarden-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	src := filepath.Join(dir, "src")
	out := filepath.Join(dir, "out")
	b.StopTimer()
	makeBenchData(b, src, total)

	runTarDD := func() (int64, time.Duration, time.Duration) {
		os.Remove(out)
		cmd := exec.Command("sh", "-c", `tar -cf - -C "$1" src | dd of="$2" bs=256k 2>/dev/null`, "sh", dir, out)
		start := time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tar | dd: %v: %s", err, msg)
		}
		d := time.Since(start)
		fi, err := os.Stat(out)
		if err != nil {
			b.Fatal(err)
		}
		// sh waited for tar and dd: its usage includes theirs.
		return fi.Size(), d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	runOurs := func() (int64, time.Duration, time.Duration) {
		os.Remove(out)
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		bk := &Backup{Paths: []string{src}}
		cpu := cpuTime()
		start := time.Now()
		res, err := bk.Run(b.Context(), fileBlockWriter{f})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		cpu = cpuTime() - cpu
		if res.SHA256 == "" || len(res.Warnings) > 0 {
			b.Fatalf("unexpected result: %+v", res)
		}
		return res.Bytes, d, cpu
	}

	// The first writer of a fresh tmpfs file after the data was made pays
	// for getting the pages from the kernel; later runs reuse the pages
	// the previous output freed. One run that is not counted evens that.
	_, _, _ = runTarDD()

	var tarBytes, ourBytes int64
	var tarTime, ourTime, tarCPU, ourCPU time.Duration
	var sha float64
	b.ResetTimer()
	b.StartTimer()
	for range b.N {
		for _, ours := range []bool{false, true, true, false} {
			if ours {
				n, d, cpu := runOurs()
				ourBytes, ourTime, ourCPU = ourBytes+n, ourTime+d, ourCPU+cpu
				b.Logf("ours:     %6.0f MB/s, CPU %.2f ns/byte", float64(n)/d.Seconds()/1e6, float64(cpu)/float64(n))
			} else {
				n, d, cpu := runTarDD()
				tarBytes, tarTime, tarCPU = tarBytes+n, tarTime+d, tarCPU+cpu
				b.Logf("tar | dd: %6.0f MB/s, CPU %.2f ns/byte", float64(n)/d.Seconds()/1e6, float64(cpu)/float64(n))
			}
		}
		sha += shaRate() / float64(b.N)
	}
	b.StopTimer()
	os.Remove(out)
	tarRate := float64(tarBytes) / tarTime.Seconds() / 1e6
	ourRate := float64(ourBytes) / ourTime.Seconds() / 1e6
	b.ReportMetric(tarRate, "tar|dd-MB/s")
	b.ReportMetric(ourRate, "ours-MB/s")
	b.ReportMetric(ourRate/tarRate, "ratio")
	b.ReportMetric(sha, "sha256-1core-MB/s")
	b.ReportMetric(float64(tarCPU)/float64(tarBytes), "tar|dd-CPU-ns/B")
	b.ReportMetric(float64(ourCPU)/float64(ourBytes), "ours-CPU-ns/B")
}
