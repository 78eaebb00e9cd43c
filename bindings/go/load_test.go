package ray

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ray-client/ray-client/bindings/go/internal/cheap"
)

// vmRSS is this process's resident set size in bytes (/proc/self/status VmRSS).
func vmRSS(t testing.TB) int64 { return procStatus(t, "VmRSS:") * 1024 }

// procStatus is the number of a /proc/self/status line ("VmRSS:" in kB, "Threads:").
func procStatus(t testing.TB, field string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// sampleRSS collects garbage (running the cleanups of dropped handles) and returns
// free memory of the Go heap and of the C heap (malloc_trim) to the OS before reading
// VmRSS, so that the sample measures what is live rather than what allocators cache.
func sampleRSS(t testing.TB) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(50 * time.Millisecond) // let cleanups queued by the collection run
	runtime.GC()
	debug.FreeOSMemory()
	cheap.Trim()
	return vmRSS(t)
}

// TestLoad64Goroutines: 64 goroutines share one client running a mixed workload
// (tasks, put/get, actor calls, KV, wait) for RAY_CLIENT_LOAD_SECONDS (default 240).
// It asserts that every operation succeeds with the right result, that every goroutine
// finishes (no deadlock), and that the RSS after the warm-up (the first half, so two
// minutes of load follow it by default) grows by less than 5% by the end (asserted
// without -race; see below). With glibc's default of up to 8 malloc arenas per core,
// the C heap's pages spread over more arenas as threads take turns, and RSS creeps
// while the bytes in use stay flat; tests/run-go runs this check with
// MALLOC_ARENA_MAX=2 (a usual setting for many-threaded programs) so that the bound
// measures leaks, not arena spread. Each sample also logs the C heap in use, the Go heap, the
// live C handles and the goroutines, to tell a leak's place.
func TestLoad64Goroutines(t *testing.T) {
	seconds := 240.0
	if s := os.Getenv("RAY_CLIENT_LOAD_SECONDS"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			t.Fatalf("RAY_CLIENT_LOAD_SECONDS=%q: want a positive number of seconds", s)
		}
		seconds = v
	}
	duration := time.Duration(seconds * float64(time.Second))
	// RSS settles slowly: the whole process is only about 20 MiB, and most of its creep
	// is glibc's per-thread caches (tcache: up to 7 free blocks per size class per
	// thread, counted as in use) filling as each of the ~75 threads (64 goroutines' cgo
	// calls run on threads of their own) meets more block sizes: the C heap "in use"
	// grows from 1.5 to 2.2 MiB over 6 minutes, ever more slowly. With the caches off
	// (GLIBC_TUNABLES=glibc.malloc.tcache_count=0) the C heap in use stays at 0.8 MiB and
	// RSS is flat (-0.8% over 160 s), so this is not a leak; tests/run-go runs this test
	// with them off, as tests/load.rs runs itself (with them, a run crept +5.9%: cgo
	// kept adding threads, 94 -> 101, each with caches to fill). Measured with them:
	// +4% from 60 s to 120 s, +1% from 120 s to 360 s; a baseline taken at 40 s judged
	// the filling as growth (+6% in CI), so the warm-up is the first half.
	warmup := duration / 2
	// Samples every twelfth of the run, at least 10 s apart (each sample collects garbage
	// and trims the C heap, which the workers feel).
	interval := duration / 12
	if interval < 10*time.Second {
		interval = 10 * time.Second
	}
	ctx := context.Background()
	c := connectTest(t, WithLogsOff())
	var actors []*ActorHandle
	for i := 0; i < 4; i++ {
		a := must(c.ActorClass(tasks, "Counter").Options(MaxConcurrency(8), NumCPUs(0)).Remote(ctx))(t)
		defer a.Close()
		actors = append(actors, a)
	}
	kv := c.KV(fmt.Sprintf("go-load-%d", os.Getpid()))

	const workers = 64
	var (
		stop    atomic.Bool
		ops     atomic.Int64
		perOps  [workers]atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		firstEr error
	)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; !stop.Load(); i++ {
				if err := mixedOp(ctx, c, actors[w%len(actors)], kv, w, i); err != nil {
					errOnce.Do(func() { firstEr = fmt.Errorf("worker %d op %d: %w", w, i, err) })
					stop.Store(true)
					return
				}
				ops.Add(1)
				perOps[w].Add(1)
			}
		}(w)
	}

	var baseline, last, peak int64
	lastOps := int64(0)
	for elapsed := time.Duration(0); elapsed < duration && !stop.Load(); elapsed = time.Since(start) {
		next := interval
		if left := duration - elapsed; left < next {
			next = left
		}
		time.Sleep(next)
		n := ops.Load()
		rss := sampleRSS(t)
		el := time.Since(start)
		t.Logf("%5.1fs: %d ops (+%d), RSS %.1f MiB, C heap %.2f MiB, Go heap %.1f MiB, %d live handles, %d goroutines, %d threads", el.Seconds(), n, n-lastOps, float64(rss)/(1<<20), float64(cheap.InUse())/(1<<20), heapMiB(), liveHandles(), runtime.NumGoroutine(), procStatus(t, "Threads:"))
		if n == lastOps {
			// Not a failure by itself (no time limits in tests): a real deadlock shows
			// as workers that never finish (wg.Wait below, under go test's -timeout).
			t.Logf("no operation completed in the last %v", next)
		}
		lastOps = n
		if baseline == 0 && el >= warmup {
			baseline = rss
		}
		if baseline != 0 && rss > peak {
			peak = rss
		}
		last = rss
	}
	stop.Store(true)
	wg.Wait()
	if firstEr != nil {
		t.Fatal(firstEr)
	}
	for w := range perOps {
		if perOps[w].Load() == 0 {
			t.Errorf("worker %d completed no operation", w)
		}
	}
	if _, err := kv.DeletePrefix(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if baseline == 0 {
		t.Fatal("the run ended before the warm-up did")
	}
	growth := float64(last-baseline) / float64(baseline)
	t.Logf("%d ops in %v by %d goroutines; RSS after warm-up %.1f MiB, at the end %.1f MiB (%+.2f%%), peak %.1f MiB",
		ops.Load(), time.Since(start).Round(time.Second), workers, float64(baseline)/(1<<20),
		float64(last)/(1<<20), 100*growth, float64(peak)/(1<<20))
	if raceEnabled {
		// The race detector's own memory (shadow and per-thread state, outside the Go
		// heap) grows under this load while the Go heap and the live handles stay
		// flat, so RSS measures the detector here: tests/run-go runs this test again
		// without -race, where the bound holds.
		t.Logf("built with -race: RSS growth %.2f%% not asserted (see tests/run-go's run without -race)", 100*growth)
		return
	}
	if growth >= 0.05 {
		t.Fatalf("RSS grew by %.2f%% after the warm-up (limit 5%%)", 100*growth)
	}
}

func heapMiB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}
