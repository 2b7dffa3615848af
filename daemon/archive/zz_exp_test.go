//go:build unix

package archive

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
func cpuChildren() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(k string, d int) int { if s := os.Getenv(k); s != "" { n, _ := strconv.Atoi(s); return n }; return d }

func BenchmarkExp(b *testing.B) {
	dir := "/dev/shm/tw-exp"
	src := filepath.Join(dir, "src")
	if _, err := os.Stat(src); err != nil {
		os.MkdirAll(src, 0o755)
		makeBenchData(b, src, int64(envInt("GIB", 1))<<30)
	}
	out := filepath.Join(dir, "out")
	for range b.N {
		modes := []string{"tar", "ours", "ours", "tar"}
		if os.Getenv("ONLY") != "" { modes = []string{os.Getenv("ONLY"), os.Getenv("ONLY"), os.Getenv("ONLY")} }
		for _, mode := range modes {
			os.Remove(out)
			if mode == "tar" {
				c0 := cpuChildren()
				t0 := time.Now()
				cmd := exec.Command("sh", "-c", `tar -cf - -C "$1" src | dd of="$2" bs=256k 2>/dev/null`, "sh", dir, out)
				if err := cmd.Run(); err != nil { b.Fatal(err) }
				d := time.Since(t0); c := cpuChildren() - c0
				fi, _ := os.Stat(out)
				b.Logf("tar : %6.0f MB/s wall, cpu %.2f ns/B", float64(fi.Size())/d.Seconds()/1e6, float64(c)/float64(fi.Size()))
			} else {
				f, _ := os.Create(out)
				bk := &Backup{Paths: []string{src}, RingSize: envInt("RING", 64<<20), BlockSize: envInt("BS", 256<<10)}
				c0 := cpuNow()
				t0 := time.Now()
				res, err := bk.Run(b.Context(), fileBlockWriter{f})
				if err != nil { b.Fatal(err) }
				f.Close()
				d := time.Since(t0); c := cpuNow() - c0
				b.Logf("ours: %6.0f MB/s wall, cpu %.2f ns/B", float64(res.Bytes)/d.Seconds()/1e6, float64(c)/float64(res.Bytes))
			}
		}
	}
}
