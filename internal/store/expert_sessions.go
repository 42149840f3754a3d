package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection expert_sessions: _id = session id (carried in the expert's
// JWT), so the per-request lookup is by _id. The link token's hash is kept
// so that a re-issued or revoked link ends the session: the API resolves it
// again on every request.

const colExpertSessions = "expert_sessions"

type expertSessionDoc struct {
	ID        string     `bson:"_id"`
	ExpertID  string     `bson:"expert_id"`
	SurveyID  string     `bson:"survey_id"`
	TokenHash string     `bson:"token_hash"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

// CreateExpertSession stores sess (ID set by the caller). EINVALID without
// ID, expert or study; ECONFLICT if the ID exists.
func (s *Store) CreateExpertSession(ctx context.Context, sess *delphi.ExpertSession) error {
	switch {
	case sess.ID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "id", "session id is required")
	case sess.ExpertID == "" || sess.SurveyID == "":
		return delphi.FieldErrorf(delphi.EINVALID, "expert_id", "expert and study are required")
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	doc := expertSessionDoc{
		ID: sess.ID, ExpertID: sess.ExpertID, SurveyID: sess.SurveyID, TokenHash: sess.TokenHash,
		CreatedAt: sess.CreatedAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC(), RevokedAt: msPtr(sess.RevokedAt),
	}
	_, err := s.db.Collection(colExpertSessions).InsertOne(ctx, doc)
	return mapErr(err, "expert session")
}

// ExpertSessionByID returns the session. ENOTFOUND.
func (s *Store) ExpertSessionByID(ctx context.Context, id string) (*delphi.ExpertSession, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var d expertSessionDoc
	if err := s.db.Collection(colExpertSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "expert session")
	}
	return &delphi.ExpertSession{
		ID: d.ID, ExpertID: d.ExpertID, SurveyID: d.SurveyID, TokenHash: d.TokenHash,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, RevokedAt: d.RevokedAt,
	}, nil
}

// RevokeExpertSession marks the session revoked at the given time. ENOTFOUND.
func (s *Store) RevokeExpertSession(ctx context.Context, id string, at time.Time) (err error) {
	defer s.locks.Lock(colExpertSessions + "/" + id)()
	defer s.changes.done(sessionLockKey(id), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := s.db.Collection(colExpertSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC().Truncate(time.Millisecond)}}}})
	if err != nil {
		return mapErr(err, "expert session")
	}
	if res.MatchedCount == 0 {
		return delphi.Errorf(delphi.ENOTFOUND, "expert session not found")
	}
	return nil
}

// participationIndexes are the secondary indexes of rounds, responses and
// expert sessions (used by MongoDB; FerretDB/SQLite scans anyway).
func participationIndexes() []indexSpec {
	return []indexSpec{
		{colRounds, "rounds_status", bson.D{{Key: "status", Value: 1}}, false},
		{colLegacyResponses, "responses_survey_round", bson.D{{Key: "survey_id", Value: 1}, {Key: "round", Value: 1}}, false},
		{colExpertSessions, "expert_sessions_expert_id", bson.D{{Key: "expert_id", Value: 1}}, false},
	}
}

var (
	_ delphi.RoundStore         = (*Store)(nil)
	_ delphi.AnswerStore        = (*Store)(nil)
	_ delphi.ExpertSessionStore = (*Store)(nil)
)
