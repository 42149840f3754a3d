package stats

import "sync"

// floatPool lends the sorted copies and differences the functions here
// need while they compute: a round's results call them thousands of times,
// and fresh memory for each call was a large part of the engine's time.
// Nothing returned points into a lent slice.
var floatPool = sync.Pool{New: func() any { return new([]float64) }}

// borrowFloats returns a slice of length 0 and capacity at least n from
// floatPool; give it back with giveBack.
func borrowFloats(n int) *[]float64 {
	p := floatPool.Get().(*[]float64)
	if cap(*p) < n {
		*p = make([]float64, 0, n)
	}
	*p = (*p)[:0]
	return p
}

// giveBack returns p to floatPool, keeping the array s grew into.
func giveBack(p *[]float64, s []float64) {
	*p = s[:0]
	floatPool.Put(p)
}
