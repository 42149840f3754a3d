package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The revision history of a real-time study (#21), one collection per study,
// "revisions.<survey id>", append-only: each AppendRevisions call (one save
// request) inserts ONE document holding its revisions as one compact JSON
// string, so a save in a real-time study costs one extra insert however
// many items changed, and nothing ever updates or filters by anything but
// the whole collection (FerretDB scans for any filter but _id equality;
// reading one study's history reads that study's collection only).
//
//	_id        "<16 hex: store time ns><8 hex: process sequence><8 hex: random>"
//	survey_id  the study
//	revs       [{"i":item,"e":expert,"p":pseudonym,"g":group,"v":value,"t":at,"f":saw feedback,"d":draft,"o":outside IQR}, …]
//
// The _id orders the documents in storing order within a process (time,
// then a sequence) and keeps two instances from colliding (random tail).
// ListRevisions sorts by At, ties in storing order.
//
// Erasure of an expert leaves the revisions as it leaves the responses:
// they carry the pseudonym and group only, never identity fields
// (EraseExpert deletes the identity, the answers stay pseudonymous).

// colRevisionsPrefix starts the name of every revisions collection.
const colRevisionsPrefix = "revisions."

var _ delphi.RevisionStore = (*Store)(nil)

// revisionsName is the collection of the revision history of a study.
func revisionsName(surveyID string) string { return colRevisionsPrefix + surveyID }

// revisionSeq orders the revision documents stored by this process.
var revisionSeq atomic.Uint32

// revisionsCreated remembers the revisions collections this process has
// created (or found), so that only the first append of a study pays for it.
var revisionsCreated sync.Map // db name + "." + collection → true

type revisionsDoc struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"survey_id"`
	Revs     string `bson:"revs"`
}

// storedRevision is one revision in a revisions document; the study is
// the document's.
type storedRevision struct {
	Item        string       `json:"i"`
	Expert      string       `json:"e"`
	Pseudonym   string       `json:"p"`
	Group       string       `json:"g,omitempty"`
	Value       delphi.Value `json:"v"`
	At          time.Time    `json:"t"`
	SawFeedback bool         `json:"f,omitempty"`
	Draft       bool         `json:"d,omitempty"`
	OutsideIQR  bool         `json:"o,omitempty"`
}

// createRevisions creates the study's revisions collection unless this
// process already did, and then calls CollectionCreated (the embedded
// database's _id index), as createResponses does for a round.
func (s *Store) createRevisions(ctx context.Context, surveyID string) error {
	name := revisionsName(surveyID)
	key := s.db.Name() + "." + name
	if _, ok := revisionsCreated.Load(key); ok {
		return nil
	}
	var ce mongo.CommandError
	if err := s.db.CreateCollection(ctx, name); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
		return mapErr(err, "revisions")
	}
	if s.CollectionCreated != nil {
		if err := s.CollectionCreated(ctx); err != nil {
			return delphi.Internal(fmt.Errorf("prepare the revisions of %s: %w", surveyID, err))
		}
	}
	revisionsCreated.Store(key, true)
	return nil
}

// AppendRevisions stores revs (all of one study) after the ones kept, in
// one insert. Nothing to store for none. EINVALID if they name more than
// one study or none.
func (s *Store) AppendRevisions(ctx context.Context, revs []delphi.Revision) error {
	if len(revs) == 0 {
		return nil
	}
	surveyID := revs[0].SurveyID
	stored := make([]storedRevision, len(revs))
	for i, r := range revs {
		if r.SurveyID != surveyID || surveyID == "" {
			return delphi.Errorf(delphi.EINVALID, "revisions of more than one study in one append (%q, %q)", surveyID, r.SurveyID)
		}
		stored[i] = storedRevision{
			Item: r.ItemID, Expert: r.ExpertID, Pseudonym: r.Pseudonym, Group: r.Group,
			Value: r.Value, At: r.At.UTC(), SawFeedback: r.SawFeedback, Draft: r.Draft, OutsideIQR: r.OutsideIQR,
		}
	}
	text, err := json.Marshal(stored)
	if err != nil {
		return delphi.Internal(fmt.Errorf("encode revisions: %w", err))
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if err := s.createRevisions(ctx, surveyID); err != nil {
		return err
	}
	id := fmt.Sprintf("%016x%08x%s", uint64(time.Now().UnixNano()), revisionSeq.Add(1), newID()[:8])
	doc := revisionsDoc{ID: id, SurveyID: surveyID, Revs: string(text)}
	if _, err := s.db.Collection(revisionsName(surveyID)).InsertOne(ctx, doc); err != nil {
		return mapErr(err, "revisions")
	}
	return nil
}

// ListRevisions returns every revision of the study in the order they
// were stored (At ascending, ties in storing order); none (an empty,
// non-nil slice) for a study without any.
func (s *Store) ListRevisions(ctx context.Context, surveyID string) ([]delphi.Revision, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(revisionsName(surveyID)).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err, "revisions")
	}
	defer cur.Close(ctx)
	var docs []revisionsDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "revisions")
	}
	slices.SortFunc(docs, func(a, b revisionsDoc) int { return cmp.Compare(a.ID, b.ID) })
	out := []delphi.Revision{}
	for _, d := range docs {
		var stored []storedRevision
		if err := json.Unmarshal([]byte(d.Revs), &stored); err != nil {
			return nil, delphi.Internal(fmt.Errorf("revisions %s of %s: %w", d.ID, surveyID, err))
		}
		for _, r := range stored {
			out = append(out, delphi.Revision{
				SurveyID: surveyID, ItemID: r.Item, ExpertID: r.Expert, Pseudonym: r.Pseudonym, Group: r.Group,
				Value: r.Value, At: r.At.UTC(), SawFeedback: r.SawFeedback, Draft: r.Draft, OutsideIQR: r.OutsideIQR,
			})
		}
	}
	slices.SortStableFunc(out, func(a, b delphi.Revision) int { return a.At.Compare(b.At) })
	return out, nil
}
