// Package keylock serialises work per key inside one process. The store
// takes a document's key for every read-modify-write of it; the round
// lifecycle takes a round's key for its close.
package keylock

import "sync"

// KeyLock serialises work per key inside one process: callers holding the
// same key run one after another, different keys run in parallel. The zero
// value is ready to use.
//
// FerretDB loses concurrent updates of one document, so every
// read-modify-write of a document runs under the lock of its _id. Hold at
// most one key at a time, or always take keys in the same order.
//
// RLock takes a key shared: holders of RLock run together, Lock waits for
// them all (and, once waiting, keeps new RLock callers out).
type KeyLock struct {
	mu    sync.Mutex
	locks map[string]*keyLockEntry
}

type keyLockEntry struct {
	mu   sync.RWMutex
	refs int // holders and waiters; the entry is dropped at 0
}

// Lock blocks until key is free, locks it and returns the function that
// unlocks it. Call the returned function exactly once.
func (l *KeyLock) Lock(key string) func() {
	e := l.entry(key)
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		l.release(key, e)
	}
}

// RLock blocks until no Lock holds or waits for key, takes it shared and
// returns the function that releases it. Call the returned function exactly
// once, and do not take the same key again before that.
func (l *KeyLock) RLock(key string) func() {
	e := l.entry(key)
	e.mu.RLock()
	return func() {
		e.mu.RUnlock()
		l.release(key, e)
	}
}

// entry returns key's entry, counting the caller in.
func (l *KeyLock) entry(key string) *keyLockEntry {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*keyLockEntry)
	}
	e := l.locks[key]
	if e == nil {
		e = &keyLockEntry{}
		l.locks[key] = e
	}
	e.refs++
	l.mu.Unlock()
	return e
}

// release counts the caller out of key's entry, dropping it at 0.
func (l *KeyLock) release(key string, e *keyLockEntry) {
	l.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(l.locks, key)
	}
	l.mu.Unlock()
}
