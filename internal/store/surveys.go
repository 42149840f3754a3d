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
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections:
//   surveys           _id = survey id; the latest revision.
//   survey_revisions  _id = "<survey id>#<revision>"; every revision, kept.
//
// The definition is stored as its canonical JSON in a string field
// (definition_json) of the revision; the surveys document leaves it out
// (since migration 5), so the read of a study's status and revision that
// every request makes decodes a small document: FerretDB decodes a whole
// document even for a projection. Its definition comes from the revision
// document, read once per process (s.definitions). json.Marshal of a delphi.Definition is deterministic
// (struct field order, sorted map keys), so "identical definition" is a
// string comparison, and the round trip is exact: no int/float drift, no
// nil-versus-empty changes, no "$"-key or Decimal128 trouble, and delphi
// needs no bson tags. Nothing queries inside a definition in the database.

type surveyDoc struct {
	ID             string    `bson:"_id"`
	SurveyID       string    `bson:"survey_id"`
	Revision       int       `bson:"revision"`
	DefinitionJSON string    `bson:"definition_json,omitempty"` // revisions; surveys only before migration 5
	Status         string    `bson:"status"`
	CreatedAt      time.Time `bson:"created_at"`
	UpdatedAt      time.Time `bson:"updated_at"`
	CreatedBy      string    `bson:"created_by,omitempty"`
}

// orphanRevisionAge is the age after which an unpublished revision counts as
// left over from a crash rather than being written by another process.
const orphanRevisionAge = time.Minute

func revisionID(surveyID string, revision int) string {
	return surveyID + "#" + strconv.Itoa(revision)
}

func (d *surveyDoc) survey() (*delphi.Survey, error) {
	var def delphi.Definition
	if err := json.Unmarshal([]byte(d.DefinitionJSON), &def); err != nil {
		return nil, delphi.Internal(fmt.Errorf("survey %s revision %d: decode definition: %w", d.SurveyID, d.Revision, err))
	}
	return &delphi.Survey{
		ID: d.SurveyID, Revision: d.Revision, Definition: &def, Status: d.Status,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, CreatedBy: d.CreatedBy,
	}, nil
}

func validSurveyStatus(st string) bool {
	return st == delphi.SurveyDraft || st == delphi.SurveyActive || st == delphi.SurveyClosed
}

// PutSurvey stores sv.Definition as a new revision of survey sv.ID (taken
// from the definition when empty). If the latest revision has the same
// canonical definition it is returned unchanged with changed == false.
// Otherwise the revision is latest+1 (1 for a new survey); Status defaults
// to the latest's status, or "active"; CreatedAt stays that of revision 1.
// EINVALID for a missing definition, an id mismatch or an unknown status;
// ECONFLICT if another process wrote the same revision meanwhile.
func (s *Store) PutSurvey(ctx context.Context, sv *delphi.Survey) (_ *delphi.Survey, _ bool, err error) {
	if sv.Definition == nil {
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "definition", "definition is required")
	}
	id := cmp.Or(sv.ID, sv.Definition.ID)
	switch {
	case id == "":
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "id", "survey id is required")
	case sv.Definition.ID != "" && sv.Definition.ID != id:
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "id", "survey id %q differs from the definition's id %q", id, sv.Definition.ID)
	case sv.Status != "" && !validSurveyStatus(sv.Status):
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "status", "unknown survey status %q", sv.Status)
	}
	canon, err := json.Marshal(sv.Definition)
	if err != nil {
		return nil, false, delphi.Internal(fmt.Errorf("survey %s: encode definition: %w", id, err))
	}

	defer s.locks.Lock(colSurveys + "/" + id)()
	defer s.changes.done(surveyLockKey(id), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	latest, err := s.surveyDoc(ctx, colSurveys, id, "survey")
	if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, false, err
	}
	now := s.now()
	doc := surveyDoc{
		SurveyID: id, Revision: 1, DefinitionJSON: string(canon),
		Status: cmp.Or(sv.Status, delphi.SurveyActive), CreatedAt: now, UpdatedAt: now, CreatedBy: sv.CreatedBy,
	}
	if latest != nil {
		if latest.DefinitionJSON == "" { // the latest's definition is its revision's
			rev, err := s.surveyDoc(ctx, colSurveyRevisions, revisionID(id, latest.Revision), "survey revision")
			if err != nil {
				return nil, false, err
			}
			latest.DefinitionJSON = rev.DefinitionJSON
		}
		if latest.DefinitionJSON == doc.DefinitionJSON {
			out, err := latest.survey()
			return out, false, err
		}
		doc.Revision = latest.Revision + 1
		doc.Status = cmp.Or(sv.Status, latest.Status)
		doc.CreatedAt = latest.CreatedAt
		doc.CreatedBy = cmp.Or(sv.CreatedBy, latest.CreatedBy)
	}

	// The revision first: its insert fails on a duplicate _id, which catches
	// a second process writing the same revision. Then publish it as latest.
	doc.ID = revisionID(id, doc.Revision)
	if _, err := s.db.Collection(colSurveyRevisions).InsertOne(ctx, doc); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return nil, false, mapErr(err, "survey revision")
		}
		// A revision without a matching latest: either left over from a
		// crash between the two writes, or another process is writing it.
		prev, perr := s.surveyDoc(ctx, colSurveyRevisions, doc.ID, "survey revision")
		switch {
		case perr != nil:
			return nil, false, perr
		case prev.DefinitionJSON == doc.DefinitionJSON:
			doc = *prev // same content: publish it
		case prev.UpdatedAt.Before(now.Add(-orphanRevisionAge)):
			// Too old to be in flight: an orphan. Overwrite it.
			if _, err := s.db.Collection(colSurveyRevisions).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc); err != nil {
				return nil, false, mapErr(err, "survey revision")
			}
		default:
			return nil, false, delphi.FieldErrorf(delphi.ECONFLICT, "id", "survey %s was changed concurrently; try again", id)
		}
	}
	doc.ID = id
	pub := doc
	pub.DefinitionJSON = "" // in the revision only
	if _, err := s.db.Collection(colSurveys).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, pub, upsert()); err != nil {
		return nil, false, mapErr(err, "survey")
	}
	out, err := doc.survey()
	if memo, merr := doc.survey(); err == nil && merr == nil {
		// What is now published under this revision (an orphan of a crash
		// may have been overwritten above); a copy of its own, as the
		// caller may change out.
		s.definitions.Put(revisionID(out.ID, out.Revision), memo.Definition)
	}
	return out, err == nil, err
}

// surveyDoc reads one document of colSurveys or colSurveyRevisions by _id.
func (s *Store) surveyDoc(ctx context.Context, col, id, what string) (*surveyDoc, error) {
	var d surveyDoc
	if err := s.db.Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, what)
	}
	return &d, nil
}

// surveyState is a surveys document as read without its definition, with
// the change mark taken before the read (cachedSurvey).
type surveyState struct {
	d    surveyDoc
	mark uint64
}

// withoutDefinition is the projection of a survey read that takes the
// definition from s.definitions.
var withoutDefinition = options.FindOne().SetProjection(bson.D{{Key: "definition_json", Value: 0}})

// cachedSurvey reads the survey document id of col (colSurveys or
// colSurveyRevisions) without its definition, which a revision never
// changes: that comes from s.definitions, decoded once per revision (a
// second read when it is not there). The Definition is shared with other
// readers: read-only.
//
// On FerretDB the surveys document itself is kept too, while its change
// mark holds: one process writes it, through PutSurvey (and the migration
// in slim.go), which bump the mark when the write has finished; see
// cachedRound. Every expert's first request reads the study, so this spares
// a panel invited at once one read per expert.
func (s *Store) cachedSurvey(ctx context.Context, col, id, what string) (*delphi.Survey, error) {
	keep := s.ferret && col == colSurveys
	var mark uint64
	var d surveyDoc
	if c, ok := s.surveyStates.Get(id); keep && ok && c.mark == s.changes.mark(surveyLockKey(id)) {
		d = c.d
	} else {
		mark = s.changes.mark(surveyLockKey(id))
		if err := s.db.Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, withoutDefinition).Decode(&d); err != nil {
			return nil, mapErr(err, what)
		}
		if keep {
			s.surveyStates.Put(id, surveyState{d: d, mark: mark})
		}
	}
	def, err := s.definitionOf(ctx, &d)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND && col == colSurveys {
		// Before migration 5 the surveys document held the definition,
		// and a revision may be missing: read it whole.
		var full *surveyDoc
		if full, err = s.surveyDoc(ctx, col, id, what); err == nil {
			def, err = s.definitionOf(ctx, full)
		}
	}
	if err != nil {
		return nil, err
	}
	return &delphi.Survey{
		ID: d.SurveyID, Revision: d.Revision, Definition: def, Status: d.Status,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, CreatedBy: d.CreatedBy,
	}, nil
}

// definitionOf returns the definition of d's revision: decoded from d when
// d holds it, else from s.definitions, else read from the revision
// document and remembered. Shared: read-only.
func (s *Store) definitionOf(ctx context.Context, d *surveyDoc) (*delphi.Definition, error) {
	key := revisionID(d.SurveyID, d.Revision)
	if def, ok := s.definitions.Get(key); ok {
		return def, nil
	}
	full := d
	if d.DefinitionJSON == "" {
		var err error
		if full, err = s.surveyDoc(ctx, colSurveyRevisions, key, "survey revision"); err != nil {
			return nil, err
		}
	}
	sv, err := full.survey()
	if err != nil {
		return nil, err
	}
	s.definitions.Put(key, sv.Definition)
	return sv.Definition, nil
}

// SurveyByID returns the latest revision of the survey. ENOTFOUND. Its
// Definition is shared with other readers: read-only.
func (s *Store) SurveyByID(ctx context.Context, id string) (*delphi.Survey, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.cachedSurvey(ctx, colSurveys, id, "survey")
}

// SurveyRevision returns the given revision of the survey. ENOTFOUND. Its
// Definition is shared with other readers: read-only.
func (s *Store) SurveyRevision(ctx context.Context, id string, revision int) (*delphi.Survey, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.cachedSurvey(ctx, colSurveyRevisions, revisionID(id, revision), "survey revision")
}

// ListSurveys returns the latest revisions ordered by id: all of them when
// ids is nil, otherwise those of ids that exist (each looked up by _id).
func (s *Store) ListSurveys(ctx context.Context, ids []string) ([]*delphi.Survey, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var docs []*surveyDoc
	if ids == nil {
		cur, err := s.db.Collection(colSurveys).Find(ctx, bson.D{})
		if err != nil {
			return nil, mapErr(err, "surveys")
		}
		if err := cur.All(ctx, &docs); err != nil {
			return nil, mapErr(err, "surveys")
		}
	} else {
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
		for _, id := range ids {
			d, err := s.surveyDoc(ctx, colSurveys, id, "survey")
			if delphi.ErrorCode(err) == delphi.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
	}
	out := make([]*delphi.Survey, 0, len(docs))
	for _, d := range docs {
		def, err := s.definitionOf(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, &delphi.Survey{
			ID: d.SurveyID, Revision: d.Revision, Definition: def, Status: d.Status,
			CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, CreatedBy: d.CreatedBy,
		})
	}
	slices.SortFunc(out, func(a, b *delphi.Survey) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
