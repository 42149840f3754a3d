package store

import (
	"sync"
	"sync/atomic"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// changeStripes is the number of counters the change marks are spread
// over: documents that share a counter only cost each other a re-read.
const changeStripes = 1024

// changes counts this store value's writes of the documents a verified
// expert session rests on (the expert session, the expert, the study), in
// counters striped by the document's KeyLock key, plus an epoch that
// DropDatabase raises. A reader takes a mark (the sum of the counters of
// its documents) before it reads them; while the mark is unchanged, no
// write of those documents has finished in this process since. Bounded
// memory, no clean-up; the zero value is ready.
type changes struct {
	epoch atomic.Uint64
	n     [changeStripes]atomic.Uint64

	// unsure holds the keys whose last write failed in a way that leaves
	// open whether it was applied (a timeout: the database may commit it
	// after the driver gave up, with no bump after it); nUnsure counts
	// them. While a key is unsure, mark returns a new value on every call,
	// so nothing read of it is kept; the next successful write ends it.
	unsure  sync.Map // key → struct{}
	nUnsure atomic.Int64
	once    atomic.Uint64 // the never-repeating marks of unsure keys
}

// stripe is key's counter (FNV-1a: a collision costs a re-read only).
func (c *changes) stripe(key string) *atomic.Uint64 {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return &c.n[h%changeStripes]
}

// bump records that a write of the document key has finished (or failed:
// it may have been applied). Call it after the write, under its KeyLock.
func (c *changes) bump(key string) { c.stripe(key).Add(1) }

// done is bump for a write that ended with *err (nil: applied): a failure
// the database may still apply later (EUNAVAILABLE, EINTERNAL: a timeout,
// a lost connection) makes key unsure until a write of it succeeds. Defer
// it with the writer's named error result, under the KeyLock.
func (c *changes) done(key string, err *error) {
	switch delphi.ErrorCode(*err) {
	case "":
		if _, ok := c.unsure.LoadAndDelete(key); ok {
			c.nUnsure.Add(-1)
		}
	case delphi.EUNAVAILABLE, delphi.EINTERNAL:
		if _, loaded := c.unsure.LoadOrStore(key, struct{}{}); !loaded {
			c.nUnsure.Add(1)
		}
	}
	c.bump(key)
}

// mark returns the sum of the epoch and the counters of keys: it changes
// whenever one of them is bumped. While one of keys is unsure (done) it
// returns a value no other call returns, so no kept read matches it.
func (c *changes) mark(keys ...string) uint64 {
	if c.nUnsure.Load() > 0 {
		for _, k := range keys {
			if _, ok := c.unsure.Load(k); ok {
				return 1<<63 | c.once.Add(1)
			}
		}
	}
	m := c.epoch.Load()
	for _, k := range keys {
		m += c.stripe(k).Load()
	}
	return m
}

// sessionLockKey is the KeyLock (and change) key of expert session id.
func sessionLockKey(id string) string { return colExpertSessions + "/" + id }

// surveyLockKey is the KeyLock (and change) key of study id.
func surveyLockKey(id string) string { return colSurveys + "/" + id }

// ExpertCheckMark returns a number that changes whenever this store value
// finishes a write of the expert session sessionID, the expert expertID or
// the study surveyID (a revoked session; consent, decline, an edit, a new
// link, an erasure; a new revision or status of the study), or drops the
// database. Take it before reading those documents: while it is unchanged,
// what was read is what this process last wrote. Writes of other
// processes do not change it (session.Service bounds their delay by a
// TTL).
func (s *Store) ExpertCheckMark(sessionID, surveyID, expertID string) uint64 {
	return s.changes.mark(sessionLockKey(sessionID), surveyLockKey(surveyID), expertLockKey(expertID))
}
