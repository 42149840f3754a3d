package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection audit: _id = "<At in UTC, fixed width, ns>-<random>", e.g.
// "20260126T101500.123456789Z-1a2b3c4d", so sorting by _id sorts by time and
// "newest first" is a sort on _id. Details are stored as a JSON string: they
// are free-form (map[string]any), and JSON keeps their round trip exact
// (keys starting with "$" or containing "." would trouble BSON documents).

const auditIDTime = "20060102T150405.000000000Z"

type auditDoc struct {
	ID          string    `bson:"_id"`
	At          time.Time `bson:"at"`
	ActorID     string    `bson:"actor_id"`
	Action      string    `bson:"action"`
	SurveyID    string    `bson:"survey_id,omitempty"`
	Target      string    `bson:"target,omitempty"`
	DetailsJSON string    `bson:"details_json,omitempty"`
}

func auditID(at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return at.UTC().Format(auditIDTime) + "-" + hex.EncodeToString(b[:])
}

// AppendAudit stores e, assigning ID (and At, when zero, from the store
// clock). At is kept to the millisecond; the ID keeps its nanoseconds.
func (s *Store) AppendAudit(ctx context.Context, e *delphi.AuditEntry) error {
	ne := *e
	if ne.At.IsZero() {
		ne.At = s.Now()
	}
	ne.At = ne.At.UTC()
	if ne.ID == "" {
		ne.ID = auditID(ne.At)
	}
	doc := auditDoc{ID: ne.ID, At: ne.At.Truncate(time.Millisecond), ActorID: ne.ActorID, Action: ne.Action, SurveyID: ne.SurveyID, Target: ne.Target}
	if len(ne.Details) > 0 {
		b, err := json.Marshal(ne.Details)
		if err != nil {
			return delphi.Internal(fmt.Errorf("audit %s: encode details: %w", ne.Action, err))
		}
		doc.DetailsJSON = string(b)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if _, err := s.db.Collection(colAudit).InsertOne(ctx, doc); err != nil {
		return mapErr(err, "audit entry")
	}
	ne.At = doc.At
	*e = ne
	return nil
}

// ListAudit returns up to limit entries (all when limit <= 0), newest
// first, of one survey or, when surveyID is "", of all.
func (s *Store) ListAudit(ctx context.Context, surveyID string, limit int) ([]*delphi.AuditEntry, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	filter := bson.D{}
	if surveyID != "" {
		filter = bson.D{{Key: "survey_id", Value: surveyID}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	cur, err := s.db.Collection(colAudit).Find(ctx, filter, opts)
	if err != nil {
		return nil, mapErr(err, "audit log")
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "audit log")
	}
	out := make([]*delphi.AuditEntry, len(docs))
	for i, d := range docs {
		e := &delphi.AuditEntry{ID: d.ID, At: d.At, ActorID: d.ActorID, Action: d.Action, SurveyID: d.SurveyID, Target: d.Target}
		if d.DetailsJSON != "" {
			if err := json.Unmarshal([]byte(d.DetailsJSON), &e.Details); err != nil {
				return nil, delphi.Internal(fmt.Errorf("audit entry %s: decode details: %w", d.ID, err))
			}
		}
		out[i] = e
	}
	return out, nil
}
