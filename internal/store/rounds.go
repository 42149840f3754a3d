package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections:
//   rounds     _id = "<survey>#<n>"; one round: status, times, history and
//              items_ref, the round_items document of its item list. rev
//              counts the writes: every update is a replace guarded by the
//              rev read, so two instances cannot overwrite each other's
//              change.
//   round_items _id = SHA-256 of an item list as JSON (like definitions);
//              written once per content, never changed (see roundItemsDoc).
//   snapshots  _id = "<survey>#<n>"; the frozen analysis of a closed round
//              (results as JSON). generation is the number of the close that
//              computed it: the first close inserts it (a duplicate _id means
//              another instance did), a close after a reopen replaces an
//              older generation only.
//
// Answers and the close. The store offers the steps of a close as plain
// compare-and-set writes; rounds.Service.Close runs them in order and
// documents why (MarkClosing, AwaitAnswers, PutSnapshot, MarkClosed, and
// UnmarkClosing after a failure). A save reads the round's state through
// AnswerGuard, which holds the round's answer guard shared until the save
// has written; AwaitAnswers takes the guard exclusively, so it waits for
// the saves of this process that read the round before its closing mark.
//
// Reopening and the next round. Round n may be reopened only while round
// n+1 does not exist. CreateNextRound first marks round n (next_created_at,
// a compare-and-set that needs round n still closed by the same close) and
// only then inserts round n+1; a reopen changes round n by a compare-and-set
// that needs the mark absent. Both write round n, so one of them fails:
// in-process under round n's KeyLock, across instances by its rev.

const (
	colRounds     = "rounds"
	colSnapshots  = "snapshots"
	colRoundItems = "round_items"
)

// maxRounds bounds the _id walk of ListRounds.
const maxRounds = 1000

type roundDoc struct {
	ID        string          `bson:"_id"`
	SurveyID  string          `bson:"survey_id"`
	Number    int             `bson:"number"`
	Status    string          `bson:"status"`
	ItemsJSON string          `bson:"items_json,omitempty"` // before migration 5 only: the items inline
	ItemsRef  string          `bson:"items_ref,omitempty"`  // the round_items document holding the items
	MailJSON  string          `bson:"mail_json,omitempty"`
	OpensAt   *time.Time      `bson:"opens_at,omitempty"`
	Deadline  *time.Time      `bson:"deadline,omitempty"`
	OpenedAt  *time.Time      `bson:"opened_at,omitempty"`
	ClosedAt  *time.Time      `bson:"closed_at,omitempty"`
	ClosingAt *time.Time      `bson:"closing_at,omitempty"` // a close is computing the snapshot since
	NextAt    *time.Time      `bson:"next_created_at,omitempty"`
	History   []roundEventDoc `bson:"history"`
	CreatedAt time.Time       `bson:"created_at"`
	UpdatedAt time.Time       `bson:"updated_at"`
	Rev       int64           `bson:"rev"`
}

type roundEventDoc struct {
	At      time.Time `bson:"at"`
	Action  string    `bson:"action"`
	ActorID string    `bson:"actor_id"`
	Reason  string    `bson:"reason,omitempty"`
}

type snapshotDoc struct {
	ID          string    `bson:"_id"`
	SurveyID    string    `bson:"survey_id"`
	Round       int       `bson:"round"`
	ComputedAt  time.Time `bson:"computed_at"`
	ResultsJSON string    `bson:"results_json"`
	Generation  int       `bson:"generation"`
}

func msPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

func toRoundDoc(r *delphi.Round, rev int64) (*roundDoc, error) {
	items := r.Items
	if items == nil {
		items = []delphi.RoundItem{}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return nil, delphi.Internal(fmt.Errorf("round %s: encode items: %w", r.Key(), err))
	}
	d := &roundDoc{
		ID: r.Key(), SurveyID: r.SurveyID, Number: r.Number, Status: r.Status, ItemsJSON: string(b),
		OpensAt: msPtr(r.OpensAt), Deadline: msPtr(r.Deadline), OpenedAt: msPtr(r.OpenedAt), ClosedAt: msPtr(r.ClosedAt),
		ClosingAt: msPtr(r.ClosingAt), NextAt: msPtr(r.NextCreatedAt),
		History: make([]roundEventDoc, 0, len(r.History)), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Rev: rev,
	}
	if len(r.Mail) > 0 {
		m, err := json.Marshal(r.Mail)
		if err != nil {
			return nil, delphi.Internal(err)
		}
		d.MailJSON = string(m)
	}
	for _, e := range r.History {
		d.History = append(d.History, roundEventDoc{At: e.At.UTC().Truncate(time.Millisecond), Action: e.Action, ActorID: e.ActorID, Reason: e.Reason})
	}
	return d, nil
}

// round decodes d. Its items come from the round_items document d refers
// to (read once per process, then from s.roundItems) or, in a document
// written before migration 5, from d itself. With shared, the Items slice
// is the cached one, read-only; otherwise the caller's own copy.
func (s *Store) round(ctx context.Context, d *roundDoc, shared bool) (*delphi.Round, error) {
	r := d.state()
	if d.ItemsRef != "" {
		items, err := s.itemsOf(ctx, d.ItemsRef, shared)
		if err != nil {
			return nil, err
		}
		r.Items = items
	} else if err := json.Unmarshal([]byte(d.ItemsJSON), &r.Items); err != nil {
		return nil, delphi.Internal(fmt.Errorf("round %s: decode items: %w", d.ID, err))
	}
	if d.MailJSON != "" {
		if err := json.Unmarshal([]byte(d.MailJSON), &r.Mail); err != nil {
			return nil, delphi.Internal(fmt.Errorf("round %s: decode mail: %w", d.ID, err))
		}
	}
	return r, nil
}

// Collection round_items: _id = the SHA-256 (hex) of a round's item list
// as JSON, items_json = that JSON. A round document refers to its list by
// items_ref. The list is the round's largest part by far (about as large
// as the study's definition), and FerretDB decodes a whole document even
// for a projection, so every save's read of the round state decoded it;
// a list stored by its content never changes, so a process reads and
// decodes each once. A list no round refers to any more (a draft round's
// items edited) stays behind: it holds the study's item texts, nothing
// about a person.
type roundItemsDoc struct {
	ID        string `bson:"_id"`
	ItemsJSON string `bson:"items_json"`
}

// roundItemsAt is a decoded item list with the JSON it came from.
type roundItemsAt struct {
	json  string
	items []delphi.RoundItem
}

// putItems stores the item list of d (inline in ItemsJSON, as toRoundDoc
// leaves it) in round_items and leaves only the reference in d.
func (s *Store) putItems(ctx context.Context, d *roundDoc) error {
	if d.ItemsRef != "" {
		return nil
	}
	sum := sha256.Sum256([]byte(d.ItemsJSON))
	ref := hex.EncodeToString(sum[:])
	if _, ok := s.roundItems.Get(ref); !ok {
		_, err := s.db.Collection(colRoundItems).InsertOne(ctx, roundItemsDoc{ID: ref, ItemsJSON: d.ItemsJSON})
		if err != nil && !mongo.IsDuplicateKeyError(err) { // a duplicate holds the same list
			return mapErr(err, "round items")
		}
	}
	d.ItemsRef, d.ItemsJSON = ref, ""
	return nil
}

// itemsOf returns the item list stored under ref: with shared the cached
// slice (read-only), else a copy of its own decoded from the JSON.
func (s *Store) itemsOf(ctx context.Context, ref string, shared bool) ([]delphi.RoundItem, error) {
	c, ok := s.roundItems.Get(ref)
	if !ok {
		var d roundItemsDoc
		if err := s.db.Collection(colRoundItems).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d); err != nil {
			return nil, mapErr(err, "round items")
		}
		c.json = d.ItemsJSON
		if err := json.Unmarshal([]byte(c.json), &c.items); err != nil {
			return nil, delphi.Internal(fmt.Errorf("round items %s: decode: %w", ref, err))
		}
		c.items = slices.Clip(c.items) // an append by a reader copies
		s.roundItems.Put(ref, c)
	}
	if shared {
		return c.items, nil
	}
	var items []delphi.RoundItem
	if err := json.Unmarshal([]byte(c.json), &items); err != nil {
		return nil, delphi.Internal(fmt.Errorf("round items %s: decode: %w", ref, err))
	}
	return items, nil
}

// state is the round without its Items and Mail.
func (d *roundDoc) state() *delphi.Round {
	r := &delphi.Round{
		SurveyID: d.SurveyID, Number: d.Number, Status: d.Status, OpensAt: d.OpensAt, Deadline: d.Deadline,
		OpenedAt: d.OpenedAt, ClosedAt: d.ClosedAt, ClosingAt: d.ClosingAt, NextCreatedAt: d.NextAt,
		History:   make([]delphi.RoundEvent, 0, len(d.History)),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, e := range d.History {
		r.History = append(r.History, delphi.RoundEvent{At: e.At, Action: e.Action, ActorID: e.ActorID, Reason: e.Reason})
	}
	return r
}

// withoutItems is the projection of a round read that leaves out a list
// of items stored inline (documents written before migration 5).
var withoutItems = options.FindOne().SetProjection(bson.D{{Key: "items_json", Value: 0}})

// roundLockKey is the KeyLock (and change) key of round id.
func roundLockKey(id string) string { return colRounds + "/" + id }

// roundState is a round document as read (its items by reference) or its
// absence, with the change mark (Store.changes) taken before the read.
type roundState struct {
	d      roundDoc
	absent bool
	mark   uint64
}

// cachedRound reads round id: its state fresh, its items from s.roundItems
// by the document's items_ref. The Items slice is shared with other
// readers: read-only.
//
// "Fresh" on MongoDB is a read of the database: another instance may have
// changed the round. On FerretDB, which one process uses (see Store.ferret),
// every write of a round goes through this store value and bumps the
// round's change mark when it has finished (CreateRound, replaceRound,
// the migration in slim.go), so the state read under an unchanged mark is
// the state stored: it is kept and not read again (s.roundStates). That
// takes the one read of the round off every save; a close still works as
// before, since MarkClosing's write bumps the mark before it returns, and
// the saves that took the answer guard earlier are awaited by AwaitAnswers.
func (s *Store) cachedRound(ctx context.Context, id string) (*delphi.Round, error) {
	var mark uint64
	if s.ferret {
		mark = s.changes.mark(roundLockKey(id))
		if c, ok := s.roundStates.Get(id); ok && c.mark == mark {
			if c.absent {
				return nil, mapErr(mongo.ErrNoDocuments, "round")
			}
			d := c.d
			return s.round(ctx, &d, true)
		}
	}
	var d roundDoc
	if err := s.db.Collection(colRounds).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, withoutItems).Decode(&d); err != nil {
		err = mapErr(err, "round")
		if s.ferret && delphi.ErrorCode(err) == delphi.ENOTFOUND {
			s.roundStates.Put(id, roundState{absent: true, mark: mark})
		}
		return nil, err
	}
	if s.ferret && d.ItemsRef != "" {
		s.roundStates.Put(id, roundState{d: d, mark: mark})
	}
	if d.ItemsRef == "" { // written before migration 5: read it whole
		full, err := s.roundDoc(ctx, id)
		if err != nil {
			return nil, err
		}
		return s.round(ctx, full, false)
	}
	return s.round(ctx, &d, true)
}

func validRoundStatus(st string) bool {
	return st == delphi.RoundDraft || st == delphi.RoundOpen || st == delphi.RoundClosed
}

// CreateRound stores r, setting CreatedAt and UpdatedAt (and Status draft
// when empty). EINVALID without survey id, with a negative number or an
// unknown status; ECONFLICT if the round exists. Round 0 is a study's
// open round 0 (delphi.Round0); ListRounds leaves it out.
func (s *Store) CreateRound(ctx context.Context, r *delphi.Round) (err error) {
	switch {
	case r.SurveyID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
	case r.Number < 0:
		return delphi.FieldErrorf(delphi.EINVALID, "number", "round numbers start at 0 (the open round 0) or 1")
	case r.Status != "" && !validRoundStatus(r.Status):
		return delphi.FieldErrorf(delphi.EINVALID, "status", "unknown round status %q", r.Status)
	}
	nr := *r
	if nr.Status == "" {
		nr.Status = delphi.RoundDraft
	}
	now := s.now()
	nr.CreatedAt, nr.UpdatedAt = now, now
	d, err := toRoundDoc(&nr, 1)
	if err != nil {
		return err
	}
	defer s.locks.Lock(roundLockKey(d.ID))()
	defer s.changes.done(roundLockKey(d.ID), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if err := s.putItems(ctx, d); err != nil {
		return err
	}
	if _, err := s.db.Collection(colRounds).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return delphi.Errorf(delphi.ECONFLICT, "round %d of %s already exists", r.Number, r.SurveyID)
		}
		return mapErr(err, "round")
	}
	// The round's responses collection, prepared before any expert can
	// answer. If that fails the first save creates it (FerretDB does on
	// insert), only without the _id index until the next start.
	if err := s.createResponses(ctx, r.SurveyID, r.Number); err != nil {
		s.logger.Warn("preparing the responses collection of a new round", "round", d.ID, "err", err)
	}
	out, err := s.round(ctx, d, false)
	if err != nil {
		return err
	}
	*r = *out
	return nil
}

// CreateNextRound marks prev (round r.Number−1 as the caller read it) as
// followed and then stores r (see delphi.RoundStore). EINVALID if prev is
// not the round before r; ECONFLICT if the stored prev is no longer closed
// by the close the caller read (prev.ClosedAt), was changed meanwhile by
// another process, or r exists; ENOTFOUND.
func (s *Store) CreateNextRound(ctx context.Context, r *delphi.Round, prev *delphi.Round) error {
	if prev == nil || prev.SurveyID != r.SurveyID || prev.Number != r.Number-1 || r.Number < 1 {
		return delphi.FieldErrorf(delphi.EINVALID, "number", "round %d does not follow the given round", r.Number)
	}
	if err := s.markNext(ctx, prev); err != nil {
		return err
	}
	// Between the mark and the insert, a reopen of prev is refused as
	// "being prepared"; if the insert fails, the mark stays until the
	// caller tries again (rounds.Service.Reopen treats an old mark without
	// a next round as void).
	return s.CreateRound(ctx, r)
}

// markNext sets next_created_at on round prev, which must still be closed by
// the close the caller read. A set mark is left as it is.
func (s *Store) markNext(ctx context.Context, prev *delphi.Round) error {
	id := prev.Key()
	defer s.locks.Lock(roundLockKey(id))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.roundDoc(ctx, id)
	if err != nil {
		return err
	}
	if d.Status != delphi.RoundClosed || d.ClosedAt == nil || prev.ClosedAt == nil || !d.ClosedAt.Equal(prev.ClosedAt.UTC().Truncate(time.Millisecond)) {
		return delphi.Errorf(delphi.ECONFLICT, "round %d was reopened or closed again meanwhile; reload", prev.Number)
	}
	if d.NextAt != nil {
		return nil
	}
	r, err := s.round(ctx, d, false)
	if err != nil {
		return err
	}
	now := s.now().Truncate(time.Millisecond)
	r.NextCreatedAt = &now
	_, err = s.replaceRound(ctx, r, d.Rev)
	return err
}

func (s *Store) roundDoc(ctx context.Context, id string) (*roundDoc, error) {
	var d roundDoc
	if err := s.db.Collection(colRounds).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "round")
	}
	return &d, nil
}

// Round returns round number of the study. ENOTFOUND.
func (s *Store) Round(ctx context.Context, surveyID string, number int) (*delphi.Round, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.cachedRound(ctx, delphi.RoundKey(surveyID, number))
}

// ListRounds returns the study's rounds in ascending order. Rounds are
// numbered without gaps, so it walks the _ids 1, 2, … (indexed lookups)
// until one is missing.
func (s *Store) ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out := []*delphi.Round{}
	for n := 1; n <= maxRounds; n++ {
		r, err := s.cachedRound(ctx, delphi.RoundKey(surveyID, n))
		if delphi.ErrorCode(err) == delphi.ENOTFOUND {
			break
		} else if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// OpenRounds returns the open rounds of every study, ordered by _id. It
// scans the rounds collection, which holds a few documents per study.
func (s *Store) OpenRounds(ctx context.Context) ([]*delphi.Round, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colRounds).Find(ctx, bson.D{{Key: "status", Value: delphi.RoundOpen}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "rounds")
	}
	var docs []roundDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "rounds")
	}
	out := make([]*delphi.Round, 0, len(docs))
	for i := range docs {
		r, err := s.round(ctx, &docs[i], true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// replaceRound stores r over the document read at rev. ECONFLICT if the
// stored rev moved on (another instance wrote the round).
func (s *Store) replaceRound(ctx context.Context, r *delphi.Round, rev int64) (_ *delphi.Round, err error) {
	r.UpdatedAt = s.now()
	d, err := toRoundDoc(r, rev+1)
	if err != nil {
		return nil, err
	}
	if err := s.putItems(ctx, d); err != nil {
		return nil, err
	}
	defer s.changes.done(roundLockKey(d.ID), &err)
	res, err := s.db.Collection(colRounds).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: rev}}, d)
	if err != nil {
		return nil, mapErr(err, "round")
	}
	if res.MatchedCount == 0 {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d was changed at the same time; reload and try again", r.Number)
	}
	return s.round(ctx, d, false)
}

// UpdateRound applies fn to the stored round and stores the result (see
// delphi.RoundStore). fn must not change SurveyID or Number. ENOTFOUND,
// ECONFLICT, EINVALID for an unknown status, or fn's error.
func (s *Store) UpdateRound(ctx context.Context, surveyID string, number int, fn func(r *delphi.Round) error) (*delphi.Round, error) {
	id := delphi.RoundKey(surveyID, number)
	defer s.locks.Lock(roundLockKey(id))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.roundDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := s.round(ctx, d, false)
	if err != nil {
		return nil, err
	}
	if err := fn(r); err != nil {
		return nil, err
	}
	if r.SurveyID != surveyID || r.Number != number {
		return nil, delphi.Internal(fmt.Errorf("UpdateRound %s: the update changed the round's key", id))
	}
	if !validRoundStatus(r.Status) {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "status", "unknown round status %q", r.Status)
	}
	return s.replaceRound(ctx, r, d.Rev)
}

// roundAnswersKey is the KeyLock key of the answer guard of round id (not
// the round document's key: the guard is held while responses are written).
func roundAnswersKey(id string) string { return "round-answers/" + id }

// AnswerGuard reads the round and holds the round's answer guard shared
// until release is called (see delphi.RoundStore). ENOTFOUND.
//
// Every save takes it, and it is the save's only read of the round: the
// state fresh, the items from s.roundItems (cachedRound), so a save decodes
// no item list (that cost the saves about a fifth of their throughput in
// the load test).
func (s *Store) AnswerGuard(ctx context.Context, surveyID string, number int) (*delphi.Round, func(), error) {
	id := delphi.RoundKey(surveyID, number)
	release := s.locks.RLock(roundAnswersKey(id))
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	r, err := s.cachedRound(ctx, id)
	if err != nil {
		release()
		return nil, nil, err
	}
	return r, release, nil
}

// AwaitAnswers waits until the answer guards of the round that this
// process's saves took before the call are released (see delphi.RoundStore).
func (s *Store) AwaitAnswers(surveyID string, number int) {
	s.locks.Lock(roundAnswersKey(delphi.RoundKey(surveyID, number)))()
}

// MarkClosing sets the closing mark of an open round (see
// delphi.RoundStore). A mark younger than delphi.CloseStall is another
// process's close in progress, except on FerretDB, which only one process
// uses: there any mark is left over from a failed close (the process's own
// closes of a round run one at a time) and is taken over. ENOTFOUND;
// ECONFLICT.
func (s *Store) MarkClosing(ctx context.Context, surveyID string, number int, at time.Time) (*delphi.Round, error) {
	at = at.UTC().Truncate(time.Millisecond)
	return s.UpdateRound(ctx, surveyID, number, func(r *delphi.Round) error {
		switch {
		case r.Status != delphi.RoundOpen:
			return delphi.Errorf(delphi.ECONFLICT, "round %d is %s, not open", number, r.Status)
		case r.ClosingAt != nil && !r.CloseStalled(at) && !s.ferret:
			return delphi.Errorf(delphi.ECONFLICT, "round %d is being closed", number)
		}
		r.ClosingAt = &at
		return nil
	})
}

// MarkClosed closes the round marked closing at closingAt with ev (see
// delphi.RoundStore). ENOTFOUND; ECONFLICT if the round no longer carries
// that mark.
func (s *Store) MarkClosed(ctx context.Context, surveyID string, number int, closingAt time.Time, ev delphi.RoundEvent) (*delphi.Round, error) {
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	return s.UpdateRound(ctx, surveyID, number, func(r *delphi.Round) error {
		if err := markedAt(r, closingAt); err != nil {
			return err
		}
		r.Status, r.ClosedAt, r.ClosingAt = delphi.RoundClosed, &ev.At, nil
		r.History = append(r.History, ev)
		return nil
	})
}

// UnmarkClosing removes the closing mark set at closingAt (see
// delphi.RoundStore). ENOTFOUND; ECONFLICT if the round no longer carries
// that mark.
func (s *Store) UnmarkClosing(ctx context.Context, surveyID string, number int, closingAt time.Time) error {
	_, err := s.UpdateRound(ctx, surveyID, number, func(r *delphi.Round) error {
		if err := markedAt(r, closingAt); err != nil {
			return err
		}
		r.ClosingAt = nil
		return nil
	})
	return err
}

// markedAt checks that r is open with the closing mark closingAt.
func markedAt(r *delphi.Round, closingAt time.Time) error {
	if r.Status != delphi.RoundOpen || r.ClosingAt == nil || !r.ClosingAt.Equal(closingAt.UTC().Truncate(time.Millisecond)) {
		return delphi.Errorf(delphi.ECONFLICT, "round %d is no longer being closed by this close", r.Number)
	}
	return nil
}

// PutSnapshot writes the snapshot of generation gen (see
// delphi.RoundStore): it replaces an older generation after a reopen, and
// the same generation left by a close whose last step then failed (the
// round is still open, so that snapshot missed the answers saved since);
// never a newer one, which is left as it is.
func (s *Store) PutSnapshot(ctx context.Context, snap *delphi.Snapshot, gen int) error {
	if snap == nil || len(snap.Results) == 0 {
		return delphi.Internal(fmt.Errorf("empty snapshot"))
	}
	doc := snapshotDoc{
		ID: delphi.RoundKey(snap.SurveyID, snap.Round), SurveyID: snap.SurveyID, Round: snap.Round, ComputedAt: snap.ComputedAt.UTC().Truncate(time.Millisecond),
		ResultsJSON: string(snap.Results), Generation: gen,
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_, err := s.db.Collection(colSnapshots).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "generation", Value: bson.D{{Key: "$lte", Value: gen}}}}, doc, upsert())
	if mongo.IsDuplicateKeyError(err) {
		return nil // a newer generation exists, or another instance inserted at the same moment
	}
	return mapErr(err, "snapshot")
}

// Snapshot returns the feedback snapshot of a round. ENOTFOUND.
func (s *Store) Snapshot(ctx context.Context, surveyID string, number int) (*delphi.Snapshot, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var d snapshotDoc
	if err := s.db.Collection(colSnapshots).FindOne(ctx, bson.D{{Key: "_id", Value: delphi.RoundKey(surveyID, number)}}).Decode(&d); err != nil {
		return nil, mapErr(err, "snapshot")
	}
	return &delphi.Snapshot{SurveyID: d.SurveyID, Round: d.Round, ComputedAt: d.ComputedAt, Results: json.RawMessage(d.ResultsJSON)}, nil
}
