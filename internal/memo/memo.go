// Package memo is a small bounded in-process map for values that never
// change once written (a study revision's definition, a round's item list
// by the hash of its content, a closed round's feedback), so hot paths
// do not read and decode them again on every request, and for hints that
// are checked on every use (a study's current round number, which the
// fresh read of that round's state confirms or sends back to the lookup).
package memo

import "sync"

// DefaultMax is the bound of a Memo whose Max is 0.
const DefaultMax = 256

// Memo maps keys to shared, read-only values. Past Max entries it starts
// empty again: what it held is read again on demand, so the bound costs a
// few reads, never a wrong answer. The zero value is ready; safe for
// concurrent use.
type Memo[V any] struct {
	Max int
	mu  sync.Mutex
	m   map[string]V
}

// Get returns the value of key and whether there is one.
func (c *Memo[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Put stores v under key.
func (c *Memo[V]) Put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	if c.m == nil || len(c.m) >= limit {
		c.m = make(map[string]V)
	}
	c.m[key] = v
}
