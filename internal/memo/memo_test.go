package memo

import (
	"strconv"
	"sync"
	"testing"
)

func TestMemoBoundedAndConcurrent(t *testing.T) {
	var m Memo[int]
	m.Max = 4
	if _, ok := m.Get("a"); ok {
		t.Fatal("an empty memo has a value")
	}
	for i := range 4 {
		m.Put(strconv.Itoa(i), i)
	}
	if v, ok := m.Get("3"); !ok || v != 3 {
		t.Fatalf("Get(3) = %d, %v", v, ok)
	}
	m.Put("4", 4) // past the bound: starts again
	if _, ok := m.Get("0"); ok {
		t.Fatal("the memo grew past its bound")
	}
	if v, ok := m.Get("4"); !ok || v != 4 {
		t.Fatalf("Get(4) = %d, %v", v, ok)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				k := strconv.Itoa(i*100 + j)
				m.Put(k, j)
				m.Get(k)
			}
		})
	}
	wg.Wait()
}
