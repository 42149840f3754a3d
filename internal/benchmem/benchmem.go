// Package benchmem measures the heap of a piece of work, for benchmarks
// that report memory next to time (docs/EXPORT.md, docs/PERFORMANCE.md).
package benchmem

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Heap is what Peak measures, in bytes above the state before.
type Heap struct {
	InUse uint64 // peak HeapInuse: live objects and garbage not yet collected
	Live  uint64 // peak live heap as marked by the collections during the run
	Alloc uint64 // bytes allocated
}

// MiB converts bytes to mebibytes.
func MiB(b uint64) float64 { return float64(b) / (1 << 20) }

// Peak runs fn while sampling the heap every millisecond. The live heap
// is known only at the end of a collection, so Peak runs fn with the
// collector's target at 10 % (GOGC=10): a collection then ends whenever
// the heap grew by a tenth, and the peak it reports is within about a
// tenth of the true one, however seldom fn alone would collect. fn runs
// slower under it: time fn apart from Peak.
func Peak(fn func()) Heap {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	// Twice: a sync.Pool keeps its contents through one collection (the
	// engine's scratch, tens of MiB after a large round), and they would
	// count in the heap before fn, then go during it.
	runtime.GC()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	live0 := sample[0].Value.Uint64()
	done := make(chan struct{})
	result := make(chan Heap)
	go func() {
		var m runtime.MemStats
		var top Heap
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			metrics.Read(sample)
			top.InUse = max(top.InUse, m.HeapInuse)
			top.Live = max(top.Live, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- top
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	runtime.GC() // one more mark, so the live peak covers the end of fn
	close(done)
	top := <-result
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	h := Heap{Alloc: after.TotalAlloc - before.TotalAlloc}
	if top.InUse > before.HeapInuse {
		h.InUse = top.InUse - before.HeapInuse
	}
	if top.Live > live0 {
		h.Live = top.Live - live0
	}
	return h
}
