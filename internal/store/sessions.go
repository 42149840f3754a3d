package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection sessions: _id = session id (chosen by the caller, carried in
// the JWT), so the per-request lookup is by _id.

type sessionDoc struct {
	ID        string     `bson:"_id"`
	UserID    string     `bson:"user_id"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

func (d *sessionDoc) session() *delphi.Session {
	return &delphi.Session{ID: d.ID, UserID: d.UserID, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, RevokedAt: d.RevokedAt}
}

// CreateSession stores sess; its ID is set by the caller. Times are kept to
// the millisecond. EINVALID without ID, ECONFLICT if the ID exists.
func (s *Store) CreateSession(ctx context.Context, sess *delphi.Session) error {
	if sess.ID == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "id", "session id is required")
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	doc := sessionDoc{ID: sess.ID, UserID: sess.UserID, CreatedAt: sess.CreatedAt, ExpiresAt: sess.ExpiresAt, RevokedAt: sess.RevokedAt}
	_, err := s.db.Collection(colSessions).InsertOne(ctx, doc)
	return mapErr(err, "session")
}

// SessionByID returns the session. ENOTFOUND.
func (s *Store) SessionByID(ctx context.Context, id string) (*delphi.Session, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var d sessionDoc
	if err := s.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "session")
	}
	return d.session(), nil
}

// RevokeSession marks the session revoked at the given time. ENOTFOUND.
func (s *Store) RevokeSession(ctx context.Context, id string, at time.Time) error {
	defer s.locks.Lock(colSessions + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at.UTC()}}}})
	if err != nil {
		return mapErr(err, "session")
	}
	if res.MatchedCount == 0 {
		return delphi.Errorf(delphi.ENOTFOUND, "session not found")
	}
	return nil
}

// RevokeUserSessions revokes every active session of a user at the given
// time (after a password change) and returns how many it revoked. A scan of
// the user's sessions, which is rare enough not to need an _id design.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, at time.Time) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colSessions).Find(ctx, bson.D{{Key: "user_id", Value: userID}})
	if err != nil {
		return 0, mapErr(err, "sessions")
	}
	var docs []sessionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, mapErr(err, "sessions")
	}
	n := 0
	for _, d := range docs {
		if d.RevokedAt != nil {
			continue
		}
		if err := s.RevokeSession(ctx, d.ID, at); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
