package store

import "sync"

// responseCacheBytes bounds the stored bytes of the responses a store
// value keeps (about 2,000 responses of 150 ratings and 10 long free
// texts; 1,000 experts of the load test take under 1 MiB).
const responseCacheBytes = 32 << 20

// responseCache keeps, per response _id, the document as this store value
// last wrote it (or read it under the response's KeyLock), so that the
// next save of the response skips its read: a save is then the fresh read
// of the round's state and one write.
//
// It is written only under the response's KeyLock ("responses/" + id), by
// the methods that write responses (SaveAnswers, TouchResponse,
// SubmitResponse), after their write; a read outside the lock (Response)
// must not fill it, or an older read could overwrite a newer write's copy.
// On FerretDB Response reads it: the copy is what is stored, as a read
// racing the write would see either.
//
// Whether a cached copy can be trusted depends on the database:
//   - FerretDB (Store.ferret): the embedded database admits one process,
//     and every write of a response in it runs under the KeyLock, so the
//     copy is what is stored. (Against an external FerretDB, run one
//     instance, as for its non-atomic updates.)
//   - MongoDB: another instance may have written since. The write is a
//     compare-and-set on the response's saves and submissions counters,
//     which every save and every submission changes, so a stale copy
//     matches nothing: the copy is dropped and the response read again
//     (SaveAnswers's retry).
//
// Past responseCacheBytes it drops entries at random; a dropped entry
// costs one read. The zero value is ready; safe for concurrent use.
type responseCache struct {
	mu    sync.Mutex
	m     map[string]responseDoc
	bytes int
}

// size is about what an entry holds.
func (d *responseDoc) size() int {
	return len(d.ID) + len(d.SurveyID) + len(d.ExpertID) + len(d.Pseudonym) + len(d.Group) + len(d.Answers) + len(d.AnswersJSON) + 256
}

// get returns a copy of the document id, if kept. The copy's fields may
// be set; the times it points to are shared and never changed.
func (c *responseCache) get(id string) (*responseDoc, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.m[id]
	if !ok {
		return nil, false
	}
	return &d, true
}

// put keeps a copy of d as the stored document d.ID.
func (c *responseCache) put(d *responseDoc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]responseDoc{}
	}
	if old, ok := c.m[d.ID]; ok {
		c.bytes -= old.size()
	}
	c.m[d.ID] = *d
	c.bytes += d.size()
	for id, old := range c.m { // random order: drop any until within the bound
		if c.bytes <= responseCacheBytes {
			break
		}
		if id != d.ID {
			delete(c.m, id)
			c.bytes -= old.size()
		}
	}
}

// drop forgets the document id: its state in the database is unknown
// (a failed or lost write).
func (c *responseCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[id]; ok {
		delete(c.m, id)
		c.bytes -= old.size()
	}
}

// clear forgets everything (the database was dropped).
func (c *responseCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.bytes = nil, 0
}
