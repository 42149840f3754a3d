package store

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection responses: _id = "<survey>#<round>#<expert id>", one document
// per expert × round holding the status times and every answer. The answers
// are one compact string (item id → answer, format 2 in answers_codec.go;
// compressed when long, format 3 in answers_z.go),
// not sub-documents: FerretDB on SQLite converts nested documents slowly and
// decodes the whole of every document a filtered read touches, and a round
// is read whole anyway (measured: 1,000 responses of 150 answers took about
// 20 s as sub-documents; reading 2,000 of 3,000 took 0.75 s with the
// answers as one JSON string and 0.38 s in format 2; see
// docs/PERFORMANCE.md).
//
// Writes to one response are serialised by the KeyLock of its _id (FerretDB
// loses concurrent updates of one document). On MongoDB each write is also a
// compare-and-set on the "saves" counter, which every answer write
// increments, so it is safe across instances; a lost race is read again and
// retried. On FerretDB the writes filter on _id alone (see Store.ferret):
// any other filter is evaluated in FerretDB over every document of the
// collection, which made an autosave cost time in proportion to all
// responses of all rounds (docs/PERFORMANCE.md, "Autosave under load").

// colResponsesPrefix starts the name of every responses collection: one
// per study and round, "responses.<survey id>.<round>". FerretDB on SQLite
// decodes every document of a collection that a filter but _id equality
// reads, so reading a round must not read the other rounds and studies
// (docs/PERFORMANCE.md, "Round results"). Saves find their response by _id.
const colResponsesPrefix = "responses."

// responsesName is the collection of the responses to round n of a study.
func responsesName(surveyID string, n int) string {
	return colResponsesPrefix + surveyID + "." + strconv.Itoa(n)
}

// responses is the collection of the responses to round n of a study.
func (s *Store) responses(surveyID string, n int) *mongo.Collection {
	return s.db.Collection(responsesName(surveyID, n))
}

// casRetries bounds the compare-and-set retries of one write.
const casRetries = 8

type responseDoc struct {
	ID             string     `bson:"_id"`
	SurveyID       string     `bson:"survey_id"`
	Round          int        `bson:"round"`
	ExpertID       string     `bson:"expert_id"`
	Pseudonym      string     `bson:"pseudonym"`
	Group          string     `bson:"group"`
	FirstOpenedAt  *time.Time `bson:"first_opened_at,omitempty"`
	LastActivityAt *time.Time `bson:"last_activity_at,omitempty"`
	StartedAt      *time.Time `bson:"started_at,omitempty"`
	SubmittedAt    *time.Time `bson:"submitted_at,omitempty"`
	Submissions    int        `bson:"submissions"`
	Saves          int64      `bson:"saves"`           // answer writes applied; the compare-and-set version
	SavesAtSubmit  int64      `bson:"saves_at_submit"` // Saves at the last submission
	Answers        encAnswers `bson:"answers,omitempty"`
	// AnswersJSON holds the answers of a response last written before
	// format 2 (format 1, answers_decode.go); the next save replaces it
	// with Answers.
	AnswersJSON string `bson:"answers_json,omitempty"`
	// spooled is, for a read of ReadResponses, 1 + the number of its
	// answers in the read's answerSpool (0: not spooled).
	spooled int32
}

func responseID(surveyID string, round int, expertID string) string {
	return surveyID + "#" + strconv.Itoa(round) + "#" + expertID
}

// answers returns the stored answers by item id.
func (d *responseDoc) answers() (map[string]storedAnswer, error) {
	m := map[string]storedAnswer{}
	err := d.eachAnswer(func(id string, a storedAnswer) { m[id] = a })
	return m, err
}

// answer is the delphi.Answer of the stored answer sa to item itemID.
func (d *responseDoc) answer(itemID string, sa storedAnswer) delphi.Answer {
	var a delphi.Answer
	d.fill(&a, itemID, &sa)
	return a
}

// fill sets a to the stored answer sa to item itemID (in place: an Answer
// is large, and a round's results build hundreds of thousands).
func (d *responseDoc) fill(a *delphi.Answer, itemID string, sa *storedAnswer) {
	a.SurveyID, a.Round, a.ItemID, a.ExpertID, a.Pseudonym, a.Group = d.SurveyID, d.Round, itemID, d.ExpertID, d.Pseudonym, d.Group
	a.Value, a.Comment, a.Justification, a.Seq = sa.Value, sa.Comment, sa.Justification, sa.Seq
	a.FirstSavedAt, a.LastSavedAt, a.Revisions = sa.FirstSavedAt, sa.LastSavedAt, sa.Revisions
	a.Draft = d.SubmittedAt == nil
}

func (d *responseDoc) response() (*delphi.Response, error) {
	r := d.responseOf(nil)
	r.Answers = make(map[string]delphi.Answer, d.Answers.sizeHint())
	err := d.eachAnswer(func(id string, a storedAnswer) { r.Answers[id] = d.answer(id, a) })
	if err != nil {
		return nil, err
	}
	return r, nil
}

// responseOf is the response with the stored answers m.
func (d *responseDoc) responseOf(m map[string]storedAnswer) *delphi.Response {
	r := &delphi.Response{
		SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
		FirstOpenedAt: d.FirstOpenedAt, LastActivityAt: d.LastActivityAt, StartedAt: d.StartedAt,
		SubmittedAt: d.SubmittedAt, Submissions: d.Submissions, Answers: make(map[string]delphi.Answer, len(m)),
	}
	for id, a := range m {
		r.Answers[id] = d.answer(id, a)
	}
	return r
}

// flatAnswers appends the response's answers to out in ascending item id
// order (the order of results.Answers).
func (d *responseDoc) flatAnswers(out []delphi.Answer) ([]delphi.Answer, error) {
	start, sorted := len(out), true
	err := d.eachAnswer(func(id string, a storedAnswer) {
		if n := len(out); n > start && out[n-1].ItemID >= id {
			sorted = false
		}
		out = append(out, delphi.Answer{})
		d.fill(&out[len(out)-1], id, &a)
	})
	if err != nil || sorted {
		return out, err
	}
	// Format 1, or a format 2 text not written by encodeAnswers: as a map
	// would have it (the last entry of an id wins), sorted.
	m := make(map[string]delphi.Answer, len(out)-start)
	for _, a := range out[start:] {
		m[a.ItemID] = a
	}
	out = out[:start]
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id])
	}
	return out, nil
}

func (s *Store) responseDoc(ctx context.Context, col *mongo.Collection, id string) (*responseDoc, error) {
	var d responseDoc
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "response")
	}
	return &d, nil
}

// Response returns one expert's response to a round. ENOTFOUND if the
// expert has not opened the round. On FerretDB, whose data one process
// owns, a response this store wrote is taken from its copy (responseCache)
// without a read.
func (s *Store) Response(ctx context.Context, surveyID string, round int, expertID string) (*delphi.Response, error) {
	id := responseID(surveyID, round, expertID)
	if s.ferret {
		if d, ok := s.respCache.get(id); ok {
			return d.response()
		}
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.responseDoc(ctx, s.responses(surveyID, round), id)
	if err != nil {
		return nil, err
	}
	return d.response()
}

// ListResponses returns every response of a round, ordered by pseudonym.
func (s *Store) ListResponses(ctx context.Context, surveyID string, round int) ([]*delphi.Response, error) {
	m, err := s.ListResponsesRounds(ctx, surveyID, round)
	if err != nil {
		return nil, err
	}
	return m[round], nil
}

// ListResponsesRounds returns every response of each of the given rounds,
// each ordered by pseudonym, in one read: round → responses, with an empty
// (non-nil) slice for a round without responses. On FerretDB any filter but
// _id equality reads every document of the collection, so reading rounds n
// and n−1 together halves the cost of reading them one by one.
func (s *Store) ListResponsesRounds(ctx context.Context, surveyID string, rounds ...int) (map[int][]*delphi.Response, error) {
	out := make(map[int][]*delphi.Response, len(rounds))
	for _, n := range rounds {
		out[n] = []*delphi.Response{}
	}
	err := s.scanRounds(ctx, surveyID, rounds, func(d *responseDoc) error {
		r, err := d.response()
		if err != nil {
			return err
		}
		out[d.Round] = append(out[d.Round], r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, rs := range out {
		sortResponses(rs)
	}
	return out, nil
}

// ListAnswersRounds returns every answer of each of the given rounds, in
// one read: round → answers ordered by expert id, then item id, which is
// results.Answers of ListResponsesRounds without building the responses
// (what the results of a round read, docs/PERFORMANCE.md).
func (s *Store) ListAnswersRounds(ctx context.Context, surveyID string, rounds ...int) (map[int][]delphi.Answer, error) {
	docs := make(map[int][]*responseDoc, len(rounds))
	err := s.scanRounds(ctx, surveyID, rounds, func(d *responseDoc) error {
		docs[d.Round] = append(docs[d.Round], d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int][]delphi.Answer, len(rounds))
	for _, n := range rounds {
		if out[n], err = flatAnswers(docs[n]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// flatAnswers returns the answers of the responses ds ordered by expert id,
// then item id (it reorders ds).
func flatAnswers(ds []*responseDoc) ([]delphi.Answer, error) {
	slices.SortFunc(ds, func(a, b *responseDoc) int { return cmp.Compare(a.ExpertID, b.ExpertID) })
	size := 0 // about the number of answers, to decode into one slice without growing it
	for _, d := range ds {
		size += d.Answers.sizeHint()
	}
	as := make([]delphi.Answer, 0, size+len(ds))
	for _, d := range ds {
		var err error
		if as, err = d.flatAnswers(as); err != nil {
			return nil, err
		}
	}
	return as, nil
}

// scanRounds calls fn with each response of the given rounds of a study:
// a read of each round's collection.
func (s *Store) scanRounds(ctx context.Context, surveyID string, rounds []int, fn func(*responseDoc) error) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	for _, n := range rounds {
		if err := s.scan(ctx, s.responses(surveyID, n), nil, func(d *responseDoc) error {
			if d.SurveyID != surveyID || d.Round != n {
				return nil // not written by this store
			}
			return fn(d)
		}); err != nil {
			return err
		}
	}
	return nil
}

// scan calls fn with every document of the responses collection col (with
// the given projection, if any).
func (s *Store) scan(ctx context.Context, col *mongo.Collection, projection bson.D, fn func(*responseDoc) error) error {
	opts := options.Find()
	if projection != nil {
		opts.SetProjection(projection)
	}
	cur, err := col.Find(ctx, bson.D{}, opts)
	if err != nil {
		return mapErr(err, "responses")
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d responseDoc
		if err := cur.Decode(&d); err != nil {
			return mapErr(err, "responses")
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return mapErr(cur.Err(), "responses")
}

func sortResponses(rs []*delphi.Response) {
	slices.SortFunc(rs, func(a, b *delphi.Response) int {
		return compareResponses(a.Pseudonym, a.ExpertID, b.Pseudonym, b.ExpertID)
	})
}

// compareResponses orders responses by pseudonym, then expert id.
func compareResponses(pseudonymA, expertA, pseudonymB, expertB string) int {
	return cmp.Or(cmp.Compare(pseudonymA, pseudonymB), cmp.Compare(expertA, expertB))
}

// ensureResponse inserts an empty response from tmpl unless one exists,
// and returns it when it inserted it (nil when one existed). Runs under the
// response's lock.
func (s *Store) ensureResponse(ctx context.Context, id string, tmpl *delphi.Response, opened *time.Time) (*responseDoc, error) {
	doc := &responseDoc{
		ID: id, SurveyID: tmpl.SurveyID, Round: tmpl.Round, ExpertID: tmpl.ExpertID, Pseudonym: tmpl.Pseudonym, Group: tmpl.Group,
		FirstOpenedAt: opened, LastActivityAt: opened, Answers: "{}",
	}
	_, err := s.responses(tmpl.SurveyID, tmpl.Round).InsertOne(ctx, doc)
	switch {
	case mongo.IsDuplicateKeyError(err):
		return nil, nil
	case err != nil:
		return nil, mapErr(err, "response")
	}
	return doc, nil
}

// writeFilter is the filter of a write to response id that read the state
// cond: a compare-and-set on MongoDB, the _id alone on FerretDB.
func (s *Store) writeFilter(id string, cond ...bson.E) bson.D {
	f := bson.D{{Key: "_id", Value: id}}
	if !s.ferret {
		f = append(f, cond...)
	}
	return f
}

func checkResponseKey(surveyID string, round int, expertID string) error {
	switch {
	case surveyID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
	case round < 0:
		return delphi.FieldErrorf(delphi.EINVALID, "round", "round must be at least 0 (round 0 of a study with an open round 0)")
	case expertID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "expert_id", "expert id is required")
	}
	return nil
}

// TouchResponse creates the response if missing, sets FirstOpenedAt once
// and LastActivityAt to at unless the stored one is less than
// delphi.TouchEvery older, and returns it. EINVALID without survey, round
// or expert.
func (s *Store) TouchResponse(ctx context.Context, tmpl *delphi.Response, at time.Time) (*delphi.Response, error) {
	if err := checkResponseKey(tmpl.SurveyID, tmpl.Round, tmpl.ExpertID); err != nil {
		return nil, err
	}
	id := responseID(tmpl.SurveyID, tmpl.Round, tmpl.ExpertID)
	at = at.UTC().Truncate(time.Millisecond)
	defer s.locks.Lock("responses/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.responses(tmpl.SurveyID, tmpl.Round)
	if s.ferret {
		// Under the lock nobody else writes this response: read (or take
		// the copy last written), then one update by _id.
		d, cached := s.respCache.get(id)
		var err error
		if !cached {
			d, err = s.responseDoc(ctx, col, id)
		}
		if delphi.ErrorCode(err) == delphi.ENOTFOUND {
			created, cerr := s.ensureResponse(ctx, id, tmpl, &at)
			if cerr != nil {
				return nil, cerr
			}
			if created != nil { // opened now: nothing more to write
				s.respCache.put(created)
				return created.response()
			}
			d, err = s.responseDoc(ctx, col, id) // inserted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if d.FirstOpenedAt != nil && d.LastActivityAt != nil && at.Sub(*d.LastActivityAt) < delphi.TouchEvery && !at.Before(*d.LastActivityAt) {
			return d.response() // a reload: nothing to record
		}
		set := bson.D{{Key: "last_activity_at", Value: at}}
		if d.FirstOpenedAt == nil {
			set = append(set, bson.E{Key: "first_opened_at", Value: at})
			d.FirstOpenedAt = &at
		}
		if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			s.respCache.drop(id)
			return nil, mapErr(err, "response")
		}
		d.LastActivityAt = &at
		s.respCache.put(d)
		return d.response()
	}
	if _, err := s.ensureResponse(ctx, id, tmpl, &at); err != nil {
		return nil, err
	}
	// Two updates, each idempotent: first_opened_at only where it is unset.
	if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "first_opened_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "first_opened_at", Value: at}}}}); err != nil {
		return nil, mapErr(err, "response")
	}
	// last_activity_at only where it is unset or at least TouchEvery older
	// (or newer: a clock set back).
	if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "last_activity_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "last_activity_at", Value: bson.D{{Key: "$lte", Value: at.Add(-delphi.TouchEvery)}}}},
		bson.D{{Key: "last_activity_at", Value: bson.D{{Key: "$gt", Value: at}}}},
	}}}, bson.D{{Key: "$set", Value: bson.D{{Key: "last_activity_at", Value: at}}}}); err != nil {
		return nil, mapErr(err, "response")
	}
	d, err := s.responseDoc(ctx, col, id)
	if err != nil {
		return nil, err
	}
	s.respCache.put(d)
	return d.response()
}

// SaveAnswer stores a if a.Seq is higher than the stored answer's seq for
// the item (see delphi.AnswerStore): SaveAnswers with one answer.
func (s *Store) SaveAnswer(ctx context.Context, a *delphi.Answer, at time.Time) (*delphi.Answer, bool, error) {
	r, applied, err := s.SaveAnswers(ctx, []delphi.Answer{*a}, at, nil)
	if err != nil {
		return nil, false, err
	}
	stored := r.Answers[a.ItemID]
	return &stored, applied[0], nil
}

// SaveAnswers stores the answers as, all to one response, in one
// read-modify-write (see delphi.AnswerStore): under the response's KeyLock
// one read and one write (an insert for a response that does not exist
// yet), on MongoDB a compare-and-set on the saves counter, read again and
// retried when another instance wrote meanwhile. Revisions counts the
// applied saves that changed value, comment or justification after the
// first. EINVALID for no answers, a missing key or item, answers to more
// than one response, or a seq below 1.
func (s *Store) SaveAnswers(ctx context.Context, as []delphi.Answer, at time.Time, check func(*delphi.Response) error) (*delphi.Response, []bool, error) {
	if len(as) == 0 {
		return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "answers", "no answers to save")
	}
	a0 := &as[0]
	if err := checkResponseKey(a0.SurveyID, a0.Round, a0.ExpertID); err != nil {
		return nil, nil, err
	}
	for i := range as {
		a := &as[i]
		switch {
		case a.SurveyID != a0.SurveyID || a.Round != a0.Round || a.ExpertID != a0.ExpertID:
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "expert_id", "the answers of one save belong to one response")
		case a.ItemID == "":
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "item_id", "item id is required")
		case a.Seq < 1:
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, "seq", "seq must be at least 1")
		}
	}
	id := responseID(a0.SurveyID, a0.Round, a0.ExpertID)
	at = at.UTC().Truncate(time.Millisecond)

	defer s.locks.Lock("responses/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.responses(a0.SurveyID, a0.Round)
	for range casRetries {
		// The copy this store value last wrote, if kept (responseCache):
		// on MongoDB the compare-and-set below finds out when it is stale.
		d, cached := s.respCache.get(id)
		var err error
		if !cached {
			if d, err = s.responseDoc(ctx, col, id); err == nil {
				s.respCache.put(d)
			}
		}
		missing := delphi.ErrorCode(err) == delphi.ENOTFOUND
		if missing {
			// The first save of a round nobody opened: the response is
			// inserted with the answers (a duplicate _id: another instance
			// was first, read again).
			d = &responseDoc{ID: id, SurveyID: a0.SurveyID, Round: a0.Round, ExpertID: a0.ExpertID, Pseudonym: a0.Pseudonym, Group: a0.Group}
		} else if err != nil {
			return nil, nil, err
		}
		m, err := d.answers()
		if err != nil {
			return nil, nil, err
		}
		r := d.responseOf(m)
		if check != nil {
			checked := r
			if missing {
				checked = nil
			}
			if err := check(checked); err != nil {
				return nil, nil, err
			}
		}
		applied := make([]bool, len(as))
		changed := false
		for i := range as {
			a := &as[i]
			prev, had := m[a.ItemID]
			if had && prev.Seq >= a.Seq {
				continue
			}
			next := storedAnswer{Value: a.Value, Comment: a.Comment, Justification: a.Justification, Seq: a.Seq, FirstSavedAt: at, LastSavedAt: at}
			if had {
				next.FirstSavedAt, next.Revisions = prev.FirstSavedAt, prev.Revisions
				if !sameValue(prev.Value, next.Value) || prev.Comment != next.Comment || prev.Justification != next.Justification {
					next.Revisions++
				}
			}
			m[a.ItemID] = next
			r.Answers[a.ItemID] = d.answer(a.ItemID, next)
			applied[i], changed = true, true
		}
		if !changed { // (never for a missing response: every seq ≥ 1 applies there)
			return r, applied, nil
		}
		enc, err := encodeAnswers(m)
		if err != nil {
			return nil, nil, err
		}
		r.LastActivityAt = &at
		if r.StartedAt == nil {
			r.StartedAt = &at
		}
		if missing {
			d.Answers, d.LastActivityAt, d.StartedAt, d.Saves = enc, &at, &at, 1
			if _, err := col.InsertOne(ctx, d); mongo.IsDuplicateKeyError(err) {
				continue
			} else if err != nil {
				return nil, nil, mapErr(err, "answer")
			}
			s.respCache.put(d)
			return r, applied, nil
		}
		set := bson.D{{Key: "answers", Value: enc}, {Key: "last_activity_at", Value: at}}
		if d.StartedAt == nil {
			set = append(set, bson.E{Key: "started_at", Value: at})
		}
		update := bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "saves", Value: 1}}}}
		if d.AnswersJSON != "" { // format 1 until now
			update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "answers_json", Value: ""}}})
		}
		// On MongoDB a compare-and-set on both counters: every save changes
		// saves, every submission submissions (which the check may read).
		res, err := col.UpdateOne(ctx, s.writeFilter(id, bson.E{Key: "saves", Value: d.Saves}, bson.E{Key: "submissions", Value: d.Submissions}), update)
		if err != nil {
			s.respCache.drop(id)
			return nil, nil, mapErr(err, "answer")
		}
		if res.MatchedCount == 1 {
			d.Answers, d.AnswersJSON, d.LastActivityAt, d.Saves = enc, "", &at, d.Saves+1
			if d.StartedAt == nil {
				d.StartedAt = &at
			}
			s.respCache.put(d)
			return r, applied, nil
		}
		// Another instance wrote this response since the read (or since
		// this store value's copy): read again.
		s.respCache.drop(id)
	}
	return nil, nil, delphi.Errorf(delphi.ECONFLICT, "the answer was changed concurrently; try again")
}

// SubmitResponse records a submission (see delphi.AnswerStore). ENOTFOUND
// if the response does not exist.
func (s *Store) SubmitResponse(ctx context.Context, surveyID string, round int, expertID string, at time.Time) (*delphi.Response, bool, error) {
	if err := checkResponseKey(surveyID, round, expertID); err != nil {
		return nil, false, err
	}
	id := responseID(surveyID, round, expertID)
	at = at.UTC().Truncate(time.Millisecond)
	defer s.locks.Lock("responses/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.responses(surveyID, round)
	for range casRetries {
		d, err := s.responseDoc(ctx, col, id)
		if err != nil {
			return nil, false, err
		}
		s.respCache.put(d)
		if d.Submissions > 0 && d.Saves == d.SavesAtSubmit {
			r, err := d.response()
			return r, false, err
		}
		set := bson.D{{Key: "submissions", Value: d.Submissions + 1}, {Key: "saves_at_submit", Value: d.Saves}, {Key: "last_activity_at", Value: at}}
		if d.SubmittedAt == nil {
			set = append(set, bson.E{Key: "submitted_at", Value: at})
		}
		res, err := col.UpdateOne(ctx, s.writeFilter(id, bson.E{Key: "submissions", Value: d.Submissions}, bson.E{Key: "saves", Value: d.Saves}),
			bson.D{{Key: "$set", Value: set}})
		if err != nil {
			s.respCache.drop(id)
			return nil, false, mapErr(err, "response")
		}
		if res.MatchedCount == 1 {
			d, err := s.responseDoc(ctx, col, id)
			if err != nil {
				s.respCache.drop(id)
				return nil, false, err
			}
			s.respCache.put(d)
			r, err := d.response()
			return r, true, err
		}
	}
	return nil, false, delphi.Errorf(delphi.ECONFLICT, "the response was changed concurrently; try again")
}
