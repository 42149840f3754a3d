package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection responses: _id = "<survey>#<round>#<expert id>", one document
// per expert × round holding the status times and every answer. The answers
// are one compact JSON string (item id → answer), not sub-documents:
// FerretDB on SQLite converts nested documents slowly, and a round is read
// whole anyway (measured: 1,000 responses of 150 answers took about 20 s as
// sub-documents and under 1 s as one string; see docs/PERFORMANCE.md).
//
// Writes to one response are serialised by the KeyLock of its _id (FerretDB
// loses concurrent updates of one document). On MongoDB each write is also a
// compare-and-set on the "saves" counter, which every answer write
// increments, so it is safe across instances; a lost race is read again and
// retried. On FerretDB the writes filter on _id alone (see Store.ferret):
// any other filter is evaluated in FerretDB over every document of the
// collection, which made an autosave cost time in proportion to all
// responses of all rounds (docs/PERFORMANCE.md, "Autosave under load").

const colResponses = "responses"

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
	AnswersJSON    string     `bson:"answers_json"`    // map item id → storedAnswer
}

// storedAnswer is one answer inside AnswersJSON; survey, round, expert,
// pseudonym and group come from the response.
type storedAnswer struct {
	Value         json.RawMessage `json:"v"` // the JSON of delphi.Value
	Comment       string          `json:"c,omitempty"`
	Justification string          `json:"j,omitempty"`
	Seq           int64           `json:"s"`
	FirstSavedAt  msTime          `json:"f"`
	LastSavedAt   msTime          `json:"l,omitzero"` // omitted when equal to FirstSavedAt (see lastSaved)
	Revisions     int             `json:"r,omitempty"`
}

// msTime is a time in AnswersJSON: written as Unix milliseconds (UTC; the
// zero time as 0), read from that or from the RFC 3339 string of responses
// written before. The number is about a third of the string's length and
// much cheaper to parse, and FerretDB decodes the whole string on every
// read of a response (docs/PERFORMANCE.md, "Round results").
type msTime struct{ time.Time }

func (t msTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("0"), nil
	}
	return strconv.AppendInt(nil, t.UnixMilli(), 10), nil
}

func (t *msTime) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return t.Time.UnmarshalJSON(b) // RFC 3339, the format before
	}
	if string(b) == "null" {
		return nil
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if ms == 0 {
		t.Time = time.Time{}
	} else {
		t.Time = time.UnixMilli(ms).UTC()
	}
	return nil
}

func responseID(surveyID string, round int, expertID string) string {
	return surveyID + "#" + strconv.Itoa(round) + "#" + expertID
}

func (d *responseDoc) answers() (map[string]storedAnswer, error) {
	m := map[string]storedAnswer{}
	if d.AnswersJSON == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(d.AnswersJSON), &m); err != nil {
		return nil, delphi.Internal(fmt.Errorf("response %s: decode answers: %w", d.ID, err))
	}
	return m, nil
}

func (d *responseDoc) answer(itemID string, sa storedAnswer) (delphi.Answer, error) {
	a := delphi.Answer{
		SurveyID: d.SurveyID, Round: d.Round, ItemID: itemID, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
		Comment: sa.Comment, Justification: sa.Justification, Seq: sa.Seq,
		FirstSavedAt: sa.FirstSavedAt.Time, LastSavedAt: lastSaved(sa.FirstSavedAt, sa.LastSavedAt), Revisions: sa.Revisions,
	}
	if len(sa.Value) > 0 {
		if err := json.Unmarshal(sa.Value, &a.Value); err != nil {
			return a, delphi.Internal(fmt.Errorf("answer %s/%s: decode value: %w", d.ID, itemID, err))
		}
	}
	return a, nil
}

// readAnswer is storedAnswer for reading a whole response: the value is
// decoded in the same pass as the rest (storedAnswer keeps it raw for the
// compare on save, which cost a second json.Unmarshal per answer).
type readAnswer struct {
	Value         delphi.Value `json:"v"`
	Comment       string       `json:"c,omitempty"`
	Justification string       `json:"j,omitempty"`
	Seq           int64        `json:"s"`
	FirstSavedAt  msTime       `json:"f"`
	LastSavedAt   msTime       `json:"l,omitzero"`
	Revisions     int          `json:"r,omitempty"`
}

func (d *responseDoc) response() (*delphi.Response, error) {
	m := map[string]readAnswer{}
	if d.AnswersJSON != "" {
		var err error
		if m, err = decodeAnswers(d.AnswersJSON); err != nil {
			return nil, delphi.Internal(fmt.Errorf("response %s: decode answers: %w", d.ID, err))
		}
	}
	r := &delphi.Response{
		SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
		FirstOpenedAt: d.FirstOpenedAt, LastActivityAt: d.LastActivityAt, StartedAt: d.StartedAt,
		SubmittedAt: d.SubmittedAt, Submissions: d.Submissions, Answers: make(map[string]delphi.Answer, len(m)),
	}
	for id, ra := range m {
		r.Answers[id] = delphi.Answer{
			SurveyID: d.SurveyID, Round: d.Round, ItemID: id, ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group,
			Value: ra.Value, Comment: ra.Comment, Justification: ra.Justification, Seq: ra.Seq,
			FirstSavedAt: ra.FirstSavedAt.Time, LastSavedAt: lastSaved(ra.FirstSavedAt, ra.LastSavedAt), Revisions: ra.Revisions,
		}
	}
	return r, nil
}

// lastSaved is the LastSavedAt of an answer: encodeAnswers leaves it out
// when it equals FirstSavedAt (an answer saved once, the usual case).
func lastSaved(first, last msTime) time.Time {
	if last.IsZero() {
		return first.Time
	}
	return last.Time
}

// encodeAnswers encodes m for AnswersJSON. It clears the LastSavedAt of the
// entries where it equals FirstSavedAt (m is not used afterwards).
func encodeAnswers(m map[string]storedAnswer) (string, error) {
	for id, sa := range m {
		if !sa.LastSavedAt.IsZero() && sa.LastSavedAt.Equal(sa.FirstSavedAt.Time) {
			sa.LastSavedAt = msTime{}
			m[id] = sa
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", delphi.Internal(err)
	}
	return string(b), nil
}

func (s *Store) responseDoc(ctx context.Context, id string) (*responseDoc, error) {
	var d responseDoc
	if err := s.db.Collection(colResponses).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "response")
	}
	return &d, nil
}

// Response returns one expert's response to a round. ENOTFOUND if the
// expert has not opened the round.
func (s *Store) Response(ctx context.Context, surveyID string, round int, expertID string) (*delphi.Response, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.responseDoc(ctx, responseID(surveyID, round, expertID))
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
	if len(rounds) == 0 {
		return out, nil
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	filter := bson.D{{Key: "survey_id", Value: surveyID}, {Key: "round", Value: rounds[0]}}
	if len(rounds) > 1 {
		filter[1].Value = bson.D{{Key: "$in", Value: rounds}}
	}
	cur, err := s.db.Collection(colResponses).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "responses")
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d responseDoc
		if err := cur.Decode(&d); err != nil {
			return nil, mapErr(err, "responses")
		}
		if _, ok := out[d.Round]; !ok {
			continue
		}
		r, err := d.response()
		if err != nil {
			return nil, err
		}
		out[d.Round] = append(out[d.Round], r)
	}
	if err := cur.Err(); err != nil {
		return nil, mapErr(err, "responses")
	}
	for _, rs := range out {
		sortResponses(rs)
	}
	return out, nil
}

func sortResponses(rs []*delphi.Response) {
	slices.SortFunc(rs, func(a, b *delphi.Response) int {
		return cmp.Or(cmp.Compare(a.Pseudonym, b.Pseudonym), cmp.Compare(a.ExpertID, b.ExpertID))
	})
}

// ensureResponse inserts an empty response from tmpl unless one exists.
// Runs under the response's lock.
func (s *Store) ensureResponse(ctx context.Context, id string, tmpl *delphi.Response, opened *time.Time) error {
	doc := responseDoc{
		ID: id, SurveyID: tmpl.SurveyID, Round: tmpl.Round, ExpertID: tmpl.ExpertID, Pseudonym: tmpl.Pseudonym, Group: tmpl.Group,
		FirstOpenedAt: opened, LastActivityAt: opened, AnswersJSON: "{}",
	}
	_, err := s.db.Collection(colResponses).InsertOne(ctx, doc)
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return mapErr(err, "response")
	}
	return nil
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
	case round < 1:
		return delphi.FieldErrorf(delphi.EINVALID, "round", "round must be at least 1")
	case expertID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "expert_id", "expert id is required")
	}
	return nil
}

// TouchResponse creates the response if missing, sets FirstOpenedAt once
// and LastActivityAt to at, and returns it. EINVALID without survey, round
// or expert.
func (s *Store) TouchResponse(ctx context.Context, tmpl *delphi.Response, at time.Time) (*delphi.Response, error) {
	if err := checkResponseKey(tmpl.SurveyID, tmpl.Round, tmpl.ExpertID); err != nil {
		return nil, err
	}
	id := responseID(tmpl.SurveyID, tmpl.Round, tmpl.ExpertID)
	at = at.UTC().Truncate(time.Millisecond)
	defer s.locks.Lock(colResponses + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colResponses)
	if s.ferret {
		// Under the lock nobody else writes this response: read, then one
		// update by _id.
		d, err := s.responseDoc(ctx, id)
		if delphi.ErrorCode(err) == delphi.ENOTFOUND {
			if err := s.ensureResponse(ctx, id, tmpl, &at); err != nil {
				return nil, err
			}
			d, err = s.responseDoc(ctx, id)
		}
		if err != nil {
			return nil, err
		}
		set := bson.D{{Key: "last_activity_at", Value: at}}
		if d.FirstOpenedAt == nil {
			set = append(set, bson.E{Key: "first_opened_at", Value: at})
			d.FirstOpenedAt = &at
		}
		if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return nil, mapErr(err, "response")
		}
		d.LastActivityAt = &at
		return d.response()
	}
	if err := s.ensureResponse(ctx, id, tmpl, &at); err != nil {
		return nil, err
	}
	// Two updates, each idempotent: first_opened_at only where it is unset.
	if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "first_opened_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "first_opened_at", Value: at}}}}); err != nil {
		return nil, mapErr(err, "response")
	}
	if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_activity_at", Value: at}}}}); err != nil {
		return nil, mapErr(err, "response")
	}
	d, err := s.responseDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.response()
}

// SaveAnswer stores a if a.Seq is higher than the stored answer's seq for
// the item (see delphi.AnswerStore). The response is created if missing.
// Revisions counts the applied saves that changed value, comment or
// justification after the first. EINVALID for a missing key, item or a
// seq below 1.
func (s *Store) SaveAnswer(ctx context.Context, a *delphi.Answer, at time.Time) (*delphi.Answer, bool, error) {
	if err := checkResponseKey(a.SurveyID, a.Round, a.ExpertID); err != nil {
		return nil, false, err
	}
	if a.ItemID == "" {
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "item_id", "item id is required")
	}
	if a.Seq < 1 {
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "seq", "seq must be at least 1")
	}
	value, err := json.Marshal(a.Value)
	if err != nil {
		return nil, false, delphi.Internal(err)
	}
	id := responseID(a.SurveyID, a.Round, a.ExpertID)
	at = at.UTC().Truncate(time.Millisecond)

	defer s.locks.Lock(colResponses + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	tmpl := &delphi.Response{SurveyID: a.SurveyID, Round: a.Round, ExpertID: a.ExpertID, Pseudonym: a.Pseudonym, Group: a.Group}
	col := s.db.Collection(colResponses)
	created := false
	for range casRetries {
		d, err := s.responseDoc(ctx, id)
		if delphi.ErrorCode(err) == delphi.ENOTFOUND && !created {
			// The first save of a round nobody opened: create the response
			// (an insert, not an attempt on every save), then read it.
			if err := s.ensureResponse(ctx, id, tmpl, nil); err != nil {
				return nil, false, err
			}
			created = true
			continue
		}
		if err != nil {
			return nil, false, err
		}
		m, err := d.answers()
		if err != nil {
			return nil, false, err
		}
		prev, had := m[a.ItemID]
		if had && prev.Seq >= a.Seq {
			stored, err := d.answer(a.ItemID, prev)
			return &stored, false, err
		}
		next := storedAnswer{Value: value, Comment: a.Comment, Justification: a.Justification, Seq: a.Seq, FirstSavedAt: msTime{at}, LastSavedAt: msTime{at}}
		if had {
			next.FirstSavedAt, next.Revisions = prev.FirstSavedAt, prev.Revisions
			if string(prev.Value) != string(next.Value) || prev.Comment != next.Comment || prev.Justification != next.Justification {
				next.Revisions++
			}
		}
		m[a.ItemID] = next
		enc, err := encodeAnswers(m)
		if err != nil {
			return nil, false, err
		}
		set := bson.D{{Key: "answers_json", Value: enc}, {Key: "last_activity_at", Value: at}}
		if d.StartedAt == nil {
			set = append(set, bson.E{Key: "started_at", Value: at})
		}
		res, err := col.UpdateOne(ctx, s.writeFilter(id, bson.E{Key: "saves", Value: d.Saves}),
			bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "saves", Value: 1}}}})
		if err != nil {
			return nil, false, mapErr(err, "answer")
		}
		if res.MatchedCount == 1 {
			stored, err := d.answer(a.ItemID, next)
			return &stored, true, err
		}
		// Another instance wrote this response since the read: read again.
	}
	return nil, false, delphi.Errorf(delphi.ECONFLICT, "the answer was changed concurrently; try again")
}

// SubmitResponse records a submission (see delphi.AnswerStore). ENOTFOUND
// if the response does not exist.
func (s *Store) SubmitResponse(ctx context.Context, surveyID string, round int, expertID string, at time.Time) (*delphi.Response, bool, error) {
	if err := checkResponseKey(surveyID, round, expertID); err != nil {
		return nil, false, err
	}
	id := responseID(surveyID, round, expertID)
	at = at.UTC().Truncate(time.Millisecond)
	defer s.locks.Lock(colResponses + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colResponses)
	for range casRetries {
		d, err := s.responseDoc(ctx, id)
		if err != nil {
			return nil, false, err
		}
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
			return nil, false, mapErr(err, "response")
		}
		if res.MatchedCount == 1 {
			d, err := s.responseDoc(ctx, id)
			if err != nil {
				return nil, false, err
			}
			r, err := d.response()
			return r, true, err
		}
	}
	return nil, false, delphi.Errorf(delphi.ECONFLICT, "the response was changed concurrently; try again")
}
