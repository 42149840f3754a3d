package store

import "sync"

// KeyLock serialises work per key inside one process: callers holding the
// same key run one after another, different keys run in parallel. The zero
// value is ready to use.
//
// FerretDB loses concurrent updates of one document, so every
// read-modify-write of a document runs under the lock of its _id. Hold at
// most one key at a time, or always take keys in the same order.
type KeyLock struct {
	mu    sync.Mutex
	locks map[string]*keyLockEntry
}

type keyLockEntry struct {
	mu   sync.Mutex
	refs int // holders and waiters; the entry is dropped at 0
}

// Lock blocks until key is free, locks it and returns the function that
// unlocks it. Call the returned function exactly once.
func (l *KeyLock) Lock(key string) func() {
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

	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		l.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(l.locks, key)
		}
		l.mu.Unlock()
	}
}
