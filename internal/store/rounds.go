package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections:
//   rounds     _id = "<survey>#<n>"; one round with its item list (as JSON,
//              like definitions), status, times and history. rev counts the
//              writes: every update is a replace guarded by the rev read, so
//              two instances cannot overwrite each other's change.
//   snapshots  _id = "<survey>#<n>"; the frozen analysis of a closed round
//              (results as JSON). generation is the number of the close that
//              computed it: the first close inserts it (a duplicate _id means
//              another instance did), a close after a reopen replaces an
//              older generation only.
//
// Answers and the close. The raw export and the transitions read the stored
// answers of a closed round, the numbers read its snapshot: they agree only
// if no answer is stored after the close's computation has read them. A save
// checks that the round accepts answers and then writes the response, another
// document, without a transaction. So CloseRound
//  1. marks the round closing (closing_at, a compare-and-set on rev): a save
//     that reads the round after this, in any process, refuses (Accepting);
//  2. takes the round's answer guard exclusively, which waits for the saves
//     of this process that read the round before the mark: GuardRound holds
//     the guard shared from its read of the round to the end of the write;
//  3. computes and stores the snapshot, then marks the round closed.
// In one process this is exact, and the embedded database admits only one.
// Across MongoDB instances a save that read the round on another instance
// just before step 1 can still land after step 3 (a window of one write, not
// of the whole computation): closing it needs the response write itself to
// be conditional on a mark that the close sets on the round's responses
// before step 3, which is the answer store's compare-and-set to carry.
// Ignoring, when reading a closed round, the answers saved after ClosedAt
// would not do instead: a later save has overwritten the value the snapshot
// counted, saves carry the clock of the instance that took them, and a save
// stamped before the close can land after the computation's read.
//
// Reopening and the next round. Round n may be reopened only while round
// n+1 does not exist. CreateNextRound first marks round n (next_created_at,
// a compare-and-set that needs round n still closed by the same close) and
// only then inserts round n+1; a reopen changes round n by a compare-and-set
// that needs the mark absent. Both write round n, so one of them fails:
// in-process under round n's KeyLock, across instances by its rev.

const (
	colRounds    = "rounds"
	colSnapshots = "snapshots"
)

// maxRounds bounds the _id walk of ListRounds.
const maxRounds = 1000

type roundDoc struct {
	ID        string          `bson:"_id"`
	SurveyID  string          `bson:"survey_id"`
	Number    int             `bson:"number"`
	Status    string          `bson:"status"`
	ItemsJSON string          `bson:"items_json"`
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

func (d *roundDoc) round() (*delphi.Round, error) {
	r := &delphi.Round{
		SurveyID: d.SurveyID, Number: d.Number, Status: d.Status, OpensAt: d.OpensAt, Deadline: d.Deadline,
		OpenedAt: d.OpenedAt, ClosedAt: d.ClosedAt, ClosingAt: d.ClosingAt, NextCreatedAt: d.NextAt,
		History:   make([]delphi.RoundEvent, 0, len(d.History)),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if err := json.Unmarshal([]byte(d.ItemsJSON), &r.Items); err != nil {
		return nil, delphi.Internal(fmt.Errorf("round %s: decode items: %w", d.ID, err))
	}
	if d.MailJSON != "" {
		if err := json.Unmarshal([]byte(d.MailJSON), &r.Mail); err != nil {
			return nil, delphi.Internal(fmt.Errorf("round %s: decode mail: %w", d.ID, err))
		}
	}
	for _, e := range d.History {
		r.History = append(r.History, delphi.RoundEvent{At: e.At, Action: e.Action, ActorID: e.ActorID, Reason: e.Reason})
	}
	return r, nil
}

func validRoundStatus(st string) bool {
	return st == delphi.RoundDraft || st == delphi.RoundOpen || st == delphi.RoundClosed
}

// CreateRound stores r, setting CreatedAt and UpdatedAt (and Status draft
// when empty). EINVALID without survey id, with a number below 1 or an
// unknown status; ECONFLICT if the round exists.
func (s *Store) CreateRound(ctx context.Context, r *delphi.Round) error {
	switch {
	case r.SurveyID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
	case r.Number < 1:
		return delphi.FieldErrorf(delphi.EINVALID, "number", "round numbers start at 1")
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
	defer s.locks.Lock(colRounds + "/" + d.ID)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
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
	out, err := d.round()
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
	if prev == nil || prev.SurveyID != r.SurveyID || prev.Number != r.Number-1 || r.Number < 2 {
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
	defer s.locks.Lock(colRounds + "/" + id)()
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
	r, err := d.round()
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
	d, err := s.roundDoc(ctx, delphi.RoundKey(surveyID, number))
	if err != nil {
		return nil, err
	}
	return d.round()
}

// ListRounds returns the study's rounds in ascending order. Rounds are
// numbered without gaps, so it walks the _ids 1, 2, … (indexed lookups)
// until one is missing.
func (s *Store) ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	out := []*delphi.Round{}
	for n := 1; n <= maxRounds; n++ {
		d, err := s.roundDoc(ctx, delphi.RoundKey(surveyID, n))
		if delphi.ErrorCode(err) == delphi.ENOTFOUND {
			break
		} else if err != nil {
			return nil, err
		}
		r, err := d.round()
		if err != nil {
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
		r, err := docs[i].round()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// replaceRound stores r over the document read at rev. ECONFLICT if the
// stored rev moved on (another instance wrote the round).
func (s *Store) replaceRound(ctx context.Context, r *delphi.Round, rev int64) (*delphi.Round, error) {
	r.UpdatedAt = s.now()
	d, err := toRoundDoc(r, rev+1)
	if err != nil {
		return nil, err
	}
	res, err := s.db.Collection(colRounds).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: rev}}, d)
	if err != nil {
		return nil, mapErr(err, "round")
	}
	if res.MatchedCount == 0 {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d was changed at the same time; reload and try again", r.Number)
	}
	return d.round()
}

// UpdateRound applies fn to the stored round and stores the result (see
// delphi.RoundStore). fn must not change SurveyID or Number. ENOTFOUND,
// ECONFLICT, EINVALID for an unknown status, or fn's error.
func (s *Store) UpdateRound(ctx context.Context, surveyID string, number int, fn func(r *delphi.Round) error) (*delphi.Round, error) {
	id := delphi.RoundKey(surveyID, number)
	defer s.locks.Lock(colRounds + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.roundDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := d.round()
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

// GuardRound reads the round and runs fn with it while holding the round's
// answer guard shared (see delphi.RoundStore and "Answers and the close"
// above). fn must not close the round. ENOTFOUND, or fn's error.
//
// Every save runs it, so it reads the round's state alone: the round fn
// gets has no Items, Mail or History (decoding the items, a large JSON
// string, cost the saves about a fifth of their throughput in the load test).
func (s *Store) GuardRound(ctx context.Context, surveyID string, number int, fn func(r *delphi.Round) error) error {
	id := delphi.RoundKey(surveyID, number)
	defer s.locks.RLock(roundAnswersKey(id))()
	rctx, cancel := withTimeout(ctx)
	var d roundDoc
	err := s.db.Collection(colRounds).FindOne(rctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "items_json", Value: 0}, {Key: "mail_json", Value: 0}, {Key: "history", Value: 0}})).Decode(&d)
	cancel()
	if err != nil {
		return mapErr(err, "round")
	}
	return fn(&delphi.Round{
		SurveyID: d.SurveyID, Number: d.Number, Status: d.Status, OpensAt: d.OpensAt, Deadline: d.Deadline,
		OpenedAt: d.OpenedAt, ClosedAt: d.ClosedAt, ClosingAt: d.ClosingAt, NextCreatedAt: d.NextAt,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	})
}

// CloseRound closes an open round and stores its snapshot (see
// delphi.RoundStore and "Answers and the close" above). A round that another
// process is closing (closingElsewhere) is returned unchanged with closed ==
// false; a mark left by a crashed or failed close is taken over. ENOTFOUND,
// ECONFLICT, or compute's error (nothing is stored then).
func (s *Store) CloseRound(ctx context.Context, surveyID string, number int, ev delphi.RoundEvent, compute func(r *delphi.Round) (*delphi.Snapshot, error)) (*delphi.Round, bool, error) {
	id := delphi.RoundKey(surveyID, number)
	defer s.locks.Lock(colRounds + "/" + id)()
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	rctx, cancel := withTimeout(ctx)
	d, err := s.roundDoc(rctx, id)
	if err != nil {
		cancel()
		return nil, false, err
	}
	r, err := d.round()
	if err != nil || r.Status != delphi.RoundOpen || s.closingElsewhere(r, ev.At) {
		cancel()
		if err != nil {
			return nil, false, err
		}
		return r, false, nil
	}
	// 1. The mark: from here on no process accepts an answer for the round.
	closingAt := ev.At
	r.ClosingAt = &closingAt
	r, err = s.replaceRound(rctx, r, d.Rev)
	cancel()
	if err != nil {
		return s.closedMeanwhile(ctx, id, err)
	}
	rev := d.Rev + 1
	// 2. Wait for this process's saves that read the round before the mark.
	s.locks.Lock(roundAnswersKey(id))()
	// 3. The computation reads the whole round and may take long on a big
	// panel; the writes after it get their own operation timeout.
	snap, err := compute(r)
	if err != nil {
		s.unmarkClosing(ctx, r, rev)
		return nil, false, err
	}
	ctx, cancel = withTimeout(ctx)
	defer cancel()
	if err := s.putSnapshot(ctx, r, snap, r.Closes()+1); err != nil {
		s.unmarkClosing(ctx, r, rev)
		return nil, false, err
	}
	r.Status, r.ClosedAt, r.ClosingAt = delphi.RoundClosed, &ev.At, nil
	r.History = append(r.History, ev)
	out, err := s.replaceRound(ctx, r, rev)
	if err != nil {
		return s.closedMeanwhile(ctx, id, err)
	}
	return out, true, nil
}

// closingElsewhere reports whether another process is closing r: r has a
// closing mark younger than delphi.CloseStall at now. The caller holds the
// round's lock, so no close of this process is running; on FerretDB (one
// process: the embedded database) any mark is left over from a failed close.
func (s *Store) closingElsewhere(r *delphi.Round, now time.Time) bool {
	return r.ClosingAt != nil && !r.CloseStalled(now) && !s.ferret
}

// closedMeanwhile handles err from a write of CloseRound: if it is
// ECONFLICT and another process has closed the round meanwhile, its
// snapshot (or ours, whichever was written) stands and the closed round is
// returned with closed == false; otherwise err.
func (s *Store) closedMeanwhile(ctx context.Context, id string, err error) (*delphi.Round, bool, error) {
	if delphi.ErrorCode(err) != delphi.ECONFLICT {
		return nil, false, err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if d, rerr := s.roundDoc(ctx, id); rerr == nil && d.Status == delphi.RoundClosed {
		r, err := d.round()
		return r, false, err
	}
	return nil, false, err
}

// unmarkClosing removes the closing mark of r (stored at rev) after a
// failed close, so that the round accepts answers again. A failure is only
// logged: the next close takes the mark over once it is stale.
func (s *Store) unmarkClosing(ctx context.Context, r *delphi.Round, rev int64) {
	ctx, cancel := withTimeout(context.WithoutCancel(ctx))
	defer cancel()
	r.ClosingAt = nil
	if _, err := s.replaceRound(ctx, r, rev); err != nil {
		s.logger.Warn("removing the closing mark after a failed close", "round", r.Key(), "err", err)
	}
}

// putSnapshot writes the snapshot of generation gen (the round's n-th
// close), replacing an older generation after a reopen, and the same
// generation left by a close whose round update then failed (the round is
// still open, so that snapshot missed the answers saved since); never a
// newer one.
func (s *Store) putSnapshot(ctx context.Context, r *delphi.Round, snap *delphi.Snapshot, gen int) error {
	if snap == nil || len(snap.Results) == 0 {
		return delphi.Internal(fmt.Errorf("round %s: empty snapshot", r.Key()))
	}
	doc := snapshotDoc{
		ID: r.Key(), SurveyID: r.SurveyID, Round: r.Number, ComputedAt: snap.ComputedAt.UTC().Truncate(time.Millisecond),
		ResultsJSON: string(snap.Results), Generation: gen,
	}
	col := s.db.Collection(colSnapshots)
	_, err := col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "generation", Value: bson.D{{Key: "$lte", Value: gen}}}}, doc, upsert())
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
