package stats

import "testing"

func BenchmarkDescribe1000(b *testing.B) {
	xs := randLikert(newRand(), 1000, 9)
	opt := Options{ScalePoints: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, Agreement: &Band{7, 9}, Disagreement: &Band{1, 3}}
	b.ReportAllocs()
	for b.Loop() {
		Describe(xs, 10, opt)
	}
}
