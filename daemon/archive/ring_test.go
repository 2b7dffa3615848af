//go:build unix

package archive

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowSource returns chunks of size bytes, each after a pause.
type slowSource struct {
	chunks, size int
	pause        time.Duration
	sent         int
}

func (s *slowSource) Read(p []byte) (int, error) {
	if s.sent == s.chunks*s.size {
		time.Sleep(s.pause)
		return 0, io.EOF
	}
	if s.sent%s.size == 0 {
		time.Sleep(s.pause)
	}
	n := min(len(p), s.size-s.sent%s.size)
	clear(p[:n])
	s.sent += n
	return n, nil
}

func TestRingThresholdAndUnderruns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const bs = 4096
		counters := new(Counters)
		var fillAtWrite []int64
		var writeTimes, latencies []time.Duration
		start := time.Now()
		tp := &tape{onWrite: func(int) {
			fillAtWrite = append(fillAtWrite, counters.Snapshot().RingFill)
			writeTimes = append(writeTimes, time.Since(start))
		}}
		b := &Backup{
			// Each chunk is a 512-byte header and 4 blocks minus 512 bytes
			// of data: one chunk per second fills 4 slots.
			Source:     &slowSource{chunks: 5, size: 4*bs - 512, pause: time.Second},
			SourceName: "slow",
			ChunkSize:  4*bs - 512,
			BlockSize:  bs, RingSize: 8 * bs, StartThreshold: 0.5,
			UnderrunThreshold: 100 * time.Millisecond,
			Counters:          counters,
			WriteLatency:      func(d time.Duration) { latencies = append(latencies, d) },
		}
		res, err := b.Run(t.Context(), tp)
		require.NoError(t, err)

		// The writer starts at 4 slots (half the ring), never with less,
		// except for what is left when the source ends.
		require.Len(t, fillAtWrite, 21) // 5 chunks of 4 slots, then the end-of-archive block
		for i := 0; i < 20; i += 4 {
			assert.GreaterOrEqual(t, fillAtWrite[i], int64(4*bs), "write %d started below the threshold", i)
			assert.Equal(t, time.Duration(i/4+1)*time.Second, writeTimes[i], "write %d", i)
		}
		assert.Equal(t, int64(1024), fillAtWrite[20], "the end of the stream is written although below the threshold")
		// Four waits of one second between chunks, and the wait for the
		// end; the wait before the first block is not starvation.
		assert.Equal(t, Stats{
			Bytes: res.Bytes, Blocks: 21, Starved: 5 * time.Second, Underruns: 5,
			RingFill: 0, RingSize: 8 * bs,
		}, res.Stats)
		assert.Equal(t, res.Stats, counters.Snapshot())
		assert.Len(t, latencies, 21, "one latency per Write")
	})
}

func TestRingCountersReadConcurrently(t *testing.T) {
	defer checkNoLeaks(t)()
	counters := new(Counters)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s := counters.Snapshot()
				assert.LessOrEqual(t, s.RingFill, s.RingSize)
			}
		}
	})
	data := pattern(3, 3<<20)
	tp := &tape{}
	res, err := (&Backup{Source: bytes.NewReader(data), SourceName: "x", ChunkSize: 1 << 20, BlockSize: 8192, RingSize: 8 * 8192, Counters: counters}).Run(t.Context(), tp)
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	assert.Equal(t, res.Bytes, counters.Snapshot().Bytes)
	assert.Equal(t, sum(tp.data()), res.SHA256)
}

func TestRingAligned(t *testing.T) {
	for _, size := range []int{4096, 1 << 20, 3<<20 + 4096} {
		b := alignedBuffer(size)
		assert.Len(t, b, size)
		assert.Zero(t, uintptr(unsafe.Pointer(unsafe.SliceData(b)))%pageSize)
	}
}
