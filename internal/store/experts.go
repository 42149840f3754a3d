package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections of the panel:
//
//	experts            _id = expert id; survey, pseudonym, group, language,
//	                   status times and the hash of the current link token.
//	expert_identities  _id = expert id; name, e-mail, organisation, notes.
//	                   Deleted on erasure, so answers stay pseudonymous.
//	expert_emails      _id = survey id|lower-cased e-mail → expert id; the
//	                   unique claim and the indexed lookup by e-mail.
//	pseudonyms         _id = survey id|code → expert id; reserves the code.
//	access_tokens      _id = SHA-256 hex of a link token → expert, survey.
//
// Every claim is an insert, whose duplicate key FerretDB and MongoDB report
// alike; writes to one expert run under the KeyLock of its id, then (if
// needed) of its e-mail claim.
const (
	colExperts          = "experts"
	colExpertIdentities = "expert_identities"
	colExpertEmails     = "expert_emails"
	colPseudonyms       = "pseudonyms"
	colAccessTokens     = "access_tokens"
)

// claimGrace is how long a claim whose expert is not (yet) complete counts
// as in flight in another process before it may be reclaimed as an orphan.
const claimGrace = time.Minute

type expertDoc struct {
	ID           string     `bson:"_id"`
	SurveyID     string     `bson:"survey_id"`
	Pseudonym    string     `bson:"pseudonym"`
	Group        string     `bson:"group"`
	Language     string     `bson:"language"`
	TokenHash    string     `bson:"token_hash,omitempty"`
	ConsentAt    *time.Time `bson:"consent_at,omitempty"`
	DeclinedAt   *time.Time `bson:"declined_at,omitempty"`
	ErasedAt     *time.Time `bson:"erased_at,omitempty"`
	LinkIssuedAt *time.Time `bson:"link_issued_at,omitempty"`
	CreatedAt    time.Time  `bson:"created_at"`
	UpdatedAt    time.Time  `bson:"updated_at"`
}

type identityDoc struct {
	ID           string `bson:"_id"`
	SurveyID     string `bson:"survey_id"`
	Name         string `bson:"name"`
	Email        string `bson:"email"`
	Organisation string `bson:"organisation"`
	Notes        string `bson:"notes"`
}

type claimDoc struct {
	ID        string    `bson:"_id"`
	SurveyID  string    `bson:"survey_id"`
	ExpertID  string    `bson:"expert_id"`
	CreatedAt time.Time `bson:"created_at"`
}

type accessTokenDoc struct {
	Hash      string    `bson:"_id"`
	SurveyID  string    `bson:"survey_id"`
	ExpertID  string    `bson:"expert_id"`
	CreatedAt time.Time `bson:"created_at"`
}

func (d *expertDoc) expert(id *identityDoc) *delphi.Expert {
	e := &delphi.Expert{
		ID: d.ID, SurveyID: d.SurveyID, Pseudonym: d.Pseudonym, Group: d.Group, Language: d.Language,
		ConsentAt: d.ConsentAt, DeclinedAt: d.DeclinedAt, ErasedAt: d.ErasedAt, LinkIssuedAt: d.LinkIssuedAt,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if id != nil && d.ErasedAt == nil {
		e.Name, e.Email, e.Organisation, e.Notes = id.Name, id.Email, id.Organisation, id.Notes
	}
	return e
}

func emailKey(surveyID, email string) string    { return surveyID + "|" + email }
func pseudonymKey(surveyID, code string) string { return surveyID + "|" + code }
func expertLockKey(id string) string            { return colExperts + "/" + id }
func emailLockKey(surveyID, email string) string {
	return colExpertEmails + "/" + emailKey(surveyID, email)
}

// pseudonymAlphabet leaves out 0, O, 1 and I, which readers confuse.
const pseudonymAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// PseudonymLength is the number of characters after "E-".
const PseudonymLength = 4

// NewPseudonym returns a random code such as E-7K3M from crypto/rand.
func NewPseudonym() string {
	var b [PseudonymLength]byte
	_, _ = rand.Read(b[:]) // never fails
	out := []byte("E-")
	for _, c := range b {
		out = append(out, pseudonymAlphabet[int(c)%len(pseudonymAlphabet)]) // 256 % 32 == 0: uniform
	}
	return string(out)
}

// CreateExpert stores e, assigning ID, a unique Pseudonym (if empty) and the
// timestamps, and normalising the e-mail to lower case. EINVALID without
// survey id or e-mail; ECONFLICT (field email) if the e-mail exists in the
// study, (field pseudonym) if a given pseudonym is taken.
//
// Order: claim the e-mail, reserve the pseudonym, insert the identity, then
// the expert. A crash leaves claims behind that later calls reclaim.
func (s *Store) CreateExpert(ctx context.Context, e *delphi.Expert) error {
	ne := *e
	ne.Normalize()
	if ne.SurveyID == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
	}
	if ne.Email == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "email", "e-mail is required")
	}
	defer s.locks.Lock(emailLockKey(ne.SurveyID, ne.Email))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	ne.ID = newID()
	now := s.now()
	if err := s.claimEmail(ctx, ne.SurveyID, ne.Email, ne.ID, now); err != nil {
		return err
	}
	undo := func() {
		dctx, dcancel := withTimeout(context.WithoutCancel(ctx))
		defer dcancel()
		_, _ = s.db.Collection(colExpertEmails).DeleteOne(dctx, bson.D{{Key: "_id", Value: emailKey(ne.SurveyID, ne.Email)}})
		_, _ = s.db.Collection(colExpertIdentities).DeleteOne(dctx, bson.D{{Key: "_id", Value: ne.ID}})
	}
	code, err := s.reservePseudonym(ctx, ne.SurveyID, ne.Pseudonym, ne.ID, now)
	if err != nil {
		undo()
		return err
	}
	ne.Pseudonym = code
	ne.CreatedAt, ne.UpdatedAt = now, now
	ne.ErasedAt, ne.LinkIssuedAt = nil, nil
	id := identityDoc{ID: ne.ID, SurveyID: ne.SurveyID, Name: ne.Name, Email: ne.Email, Organisation: ne.Organisation, Notes: ne.Notes}
	if _, err := s.db.Collection(colExpertIdentities).InsertOne(ctx, id); err != nil {
		undo()
		return mapErr(err, "expert")
	}
	doc := expertDoc{
		ID: ne.ID, SurveyID: ne.SurveyID, Pseudonym: ne.Pseudonym, Group: ne.Group, Language: ne.Language,
		ConsentAt: ne.ConsentAt, DeclinedAt: ne.DeclinedAt, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := s.db.Collection(colExperts).InsertOne(ctx, doc); err != nil {
		undo()
		return mapErr(err, "expert")
	}
	*e = *doc.expert(&id)
	return nil
}

// claimEmail inserts the e-mail claim for expertID. A taken claim is a
// conflict unless it is an orphan: its expert's identity no longer carries
// this e-mail (changed or erased by a crashed write), or the expert was never
// completed and the claim is older than claimGrace. Runs under the e-mail lock.
func (s *Store) claimEmail(ctx context.Context, surveyID, email, expertID string, now time.Time) error {
	col := s.db.Collection(colExpertEmails)
	claim := claimDoc{ID: emailKey(surveyID, email), SurveyID: surveyID, ExpertID: expertID, CreatedAt: now}
	_, err := col.InsertOne(ctx, claim)
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return mapErr(err, "expert")
	}
	conflict := delphi.FieldErrorf(delphi.ECONFLICT, "email", "an expert with this e-mail address is already in the panel")
	var old claimDoc
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: claim.ID}}).Decode(&old); errors.Is(err, mongo.ErrNoDocuments) {
		return conflict // released meanwhile; the caller may retry
	} else if err != nil {
		return mapErr(err, "expert")
	}
	var id identityDoc
	err = s.db.Collection(colExpertIdentities).FindOne(ctx, bson.D{{Key: "_id", Value: old.ExpertID}}).Decode(&id)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return mapErr(err, "expert")
	}
	if err == nil && id.Email == email {
		err := s.db.Collection(colExperts).FindOne(ctx, bson.D{{Key: "_id", Value: old.ExpertID}}).Err()
		if err == nil || now.Sub(old.CreatedAt) < claimGrace {
			if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
				return mapErr(err, "expert")
			}
			return conflict
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return mapErr(err, "expert")
		}
		// An identity without expert: a CreateExpert crashed. Remove it.
		if _, err := s.db.Collection(colExpertIdentities).DeleteOne(ctx, bson.D{{Key: "_id", Value: old.ExpertID}}); err != nil {
			return mapErr(err, "expert")
		}
	}
	s.logger.Warn("reclaiming orphaned expert e-mail claim", "survey_id", surveyID, "orphan_expert_id", old.ExpertID)
	_, err = col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: claim.ID}}, claim)
	return mapErr(err, "expert")
}

// reservePseudonym inserts the pseudonym claim: the given code, or fresh
// random codes until one is free.
func (s *Store) reservePseudonym(ctx context.Context, surveyID, code, expertID string, now time.Time) (string, error) {
	col := s.db.Collection(colPseudonyms)
	if code != "" {
		_, err := col.InsertOne(ctx, claimDoc{ID: pseudonymKey(surveyID, code), SurveyID: surveyID, ExpertID: expertID, CreatedAt: now})
		if mongo.IsDuplicateKeyError(err) {
			return "", delphi.FieldErrorf(delphi.ECONFLICT, "pseudonym", "pseudonym %s is taken", code)
		}
		return code, mapErr(err, "pseudonym")
	}
	// 32^4 ≈ 1M codes: with a few thousand experts a clash is rare, and 50
	// clashes in a row mean the space is nearly used up.
	for range 50 {
		code = NewPseudonym()
		_, err := col.InsertOne(ctx, claimDoc{ID: pseudonymKey(surveyID, code), SurveyID: surveyID, ExpertID: expertID, CreatedAt: now})
		if err == nil {
			return code, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return "", mapErr(err, "pseudonym")
		}
	}
	return "", delphi.Internal(errors.New("no free pseudonym after 50 attempts"))
}

// ExpertByID returns the expert with its identity (empty after erasure).
// ENOTFOUND unless it exists in that study.
func (s *Store) ExpertByID(ctx context.Context, surveyID, id string) (*delphi.Expert, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.expertDoc(ctx, surveyID, id)
	if err != nil {
		return nil, err
	}
	return s.withIdentity(ctx, d)
}

func (s *Store) expertDoc(ctx context.Context, surveyID, id string) (*expertDoc, error) {
	var d expertDoc
	if err := s.db.Collection(colExperts).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "expert")
	}
	if surveyID != "" && d.SurveyID != surveyID {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "expert not found")
	}
	return &d, nil
}

func (s *Store) withIdentity(ctx context.Context, d *expertDoc) (*delphi.Expert, error) {
	if d.ErasedAt != nil {
		return d.expert(nil), nil
	}
	var id identityDoc
	err := s.db.Collection(colExpertIdentities).FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&id)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d.expert(nil), nil
	} else if err != nil {
		return nil, mapErr(err, "expert")
	}
	return d.expert(&id), nil
}

// ExpertByEmail looks the e-mail up case-insensitively within a study.
// ENOTFOUND.
func (s *Store) ExpertByEmail(ctx context.Context, surveyID, email string) (*delphi.Expert, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	email = normEmail(email)
	var claim claimDoc
	if err := s.db.Collection(colExpertEmails).FindOne(ctx, bson.D{{Key: "_id", Value: emailKey(surveyID, email)}}).Decode(&claim); err != nil {
		return nil, mapErr(err, "expert")
	}
	d, err := s.expertDoc(ctx, surveyID, claim.ExpertID)
	if err != nil {
		return nil, err
	}
	e, err := s.withIdentity(ctx, d)
	if err != nil {
		return nil, err
	}
	if e.Email != email { // an orphaned claim
		return nil, delphi.Errorf(delphi.ENOTFOUND, "expert not found")
	}
	return e, nil
}

// ListExperts returns the study's panel ordered by pseudonym, erased experts
// included (without identity). Two collection scans filtered by survey id:
// fine for panels of a few thousand.
func (s *Store) ListExperts(ctx context.Context, surveyID string) ([]*delphi.Expert, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	filter := bson.D{{Key: "survey_id", Value: surveyID}}
	cur, err := s.db.Collection(colExperts).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "experts")
	}
	var docs []expertDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "experts")
	}
	cur, err = s.db.Collection(colExpertIdentities).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "experts")
	}
	var ids []identityDoc
	if err := cur.All(ctx, &ids); err != nil {
		return nil, mapErr(err, "experts")
	}
	byID := make(map[string]*identityDoc, len(ids))
	for i := range ids {
		byID[ids[i].ID] = &ids[i]
	}
	out := make([]*delphi.Expert, len(docs))
	for i := range docs {
		out[i] = docs[i].expert(byID[docs[i].ID])
	}
	slices.SortFunc(out, func(a, b *delphi.Expert) int { return cmp.Compare(a.Pseudonym, b.Pseudonym) })
	return out, nil
}

// UpdateExpert replaces group, language and identity fields, sets
// UpdatedAt and fills e with the stored expert. It never writes the consent
// or declined time (e's are ignored), so an edit made from a copy read
// before the expert consented or declined keeps them: those go through
// SetConsent, SetDeclined and ClearDeclined, which write their field alone.
// ECONFLICT (field email) if a changed e-mail exists in the study, ECONFLICT
// if identity fields are given for an erased expert. ENOTFOUND.
func (s *Store) UpdateExpert(ctx context.Context, e *delphi.Expert) (err error) {
	ne := *e
	ne.Normalize()
	defer s.locks.Lock(expertLockKey(ne.ID))()
	defer s.changes.done(expertLockKey(ne.ID), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	d, err := s.expertDoc(ctx, ne.SurveyID, ne.ID)
	if err != nil {
		return err
	}
	if ne.SurveyID == "" {
		ne.SurveyID = d.SurveyID
	}
	now := s.now()
	set := bson.D{
		{Key: "group", Value: ne.Group},
		{Key: "language", Value: ne.Language},
		{Key: "updated_at", Value: now},
	}
	if d.ErasedAt != nil {
		if ne.Name != "" || ne.Email != "" || ne.Organisation != "" || ne.Notes != "" {
			return delphi.Errorf(delphi.ECONFLICT, "the expert's identity was erased")
		}
	} else {
		if ne.Email == "" {
			return delphi.FieldErrorf(delphi.EINVALID, "email", "e-mail is required")
		}
		cur, err := s.withIdentity(ctx, d)
		if err != nil {
			return err
		}
		if cur.Email != ne.Email {
			unlock := s.locks.Lock(emailLockKey(ne.SurveyID, ne.Email))
			err := s.claimEmail(ctx, ne.SurveyID, ne.Email, ne.ID, now)
			unlock()
			if err != nil {
				return err
			}
		}
		id := identityDoc{ID: ne.ID, SurveyID: ne.SurveyID, Name: ne.Name, Email: ne.Email, Organisation: ne.Organisation, Notes: ne.Notes}
		if _, err := s.db.Collection(colExpertIdentities).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ne.ID}}, id, upsert()); err != nil {
			return mapErr(err, "expert")
		}
		if cur.Email != ne.Email && cur.Email != "" {
			s.releaseEmail(ctx, ne.SurveyID, cur.Email, ne.ID)
		}
	}
	if err := updateByID(ctx, s.db.Collection(colExperts), ne.ID, bson.D{{Key: "$set", Value: set}}); err != nil {
		return mapErr(err, "expert")
	}
	got, err := s.ExpertByID(ctx, ne.SurveyID, ne.ID)
	if err != nil {
		return err
	}
	*e = *got
	return nil
}

// SetConsent records that the expert accepted the privacy notice at at,
// unless a consent is stored already, and returns the stored expert. It
// writes consent_at (and updated_at) only, so a coordinator's concurrent
// change of the expert stays. ENOTFOUND unless the expert exists in the
// study.
func (s *Store) SetConsent(ctx context.Context, surveyID, id string, at time.Time) (*delphi.Expert, error) {
	return s.setOnce(ctx, surveyID, id, "consent_at", at)
}

// SetDeclined records that the expert left the study at at (the expert's
// own decline or the coordinator's toggle), unless a decline is stored
// already, and returns the stored expert; like SetConsent it writes
// declined_at (and updated_at) only. ENOTFOUND.
func (s *Store) SetDeclined(ctx context.Context, surveyID, id string, at time.Time) (*delphi.Expert, error) {
	return s.setOnce(ctx, surveyID, id, "declined_at", at)
}

// ClearDeclined takes an expert's decline back (the coordinator's toggle)
// and returns the stored expert. It unsets declined_at (and sets
// updated_at) alone, under the expert's lock, filtering by _id; without a
// stored decline it writes nothing. ENOTFOUND unless the expert exists in
// the study.
func (s *Store) ClearDeclined(ctx context.Context, surveyID, id string) (_ *delphi.Expert, err error) {
	defer s.locks.Lock(expertLockKey(id))()
	defer s.changes.done(expertLockKey(id), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.expertDoc(ctx, surveyID, id)
	if err != nil {
		return nil, err
	}
	if d.DeclinedAt != nil {
		update := bson.D{
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.now()}}},
			{Key: "$unset", Value: bson.D{{Key: "declined_at", Value: ""}}},
		}
		if err := updateByID(ctx, s.db.Collection(colExperts), id, update); err != nil {
			return nil, mapErr(err, "expert")
		}
	}
	return s.ExpertByID(ctx, d.SurveyID, id)
}

// setOnce sets the time field of expert id to at if it is unset: a $set of
// that field alone, under the expert's lock. On MongoDB the filter also
// requires the field unset (null or missing), so that across instances the
// first time stays; FerretDB filters by _id alone (one process, and any
// other filter makes it scan the collection).
func (s *Store) setOnce(ctx context.Context, surveyID, id, field string, at time.Time) (_ *delphi.Expert, err error) {
	defer s.locks.Lock(expertLockKey(id))()
	defer s.changes.done(expertLockKey(id), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.expertDoc(ctx, surveyID, id)
	if err != nil {
		return nil, err
	}
	cur := d.ConsentAt
	if field == "declined_at" {
		cur = d.DeclinedAt
	}
	if cur == nil {
		filter := bson.D{{Key: "_id", Value: id}}
		if !s.ferret {
			filter = append(filter, bson.E{Key: field, Value: nil})
		}
		set := bson.D{{Key: field, Value: at.UTC().Truncate(time.Millisecond)}, {Key: "updated_at", Value: s.now()}}
		if _, err := s.db.Collection(colExperts).UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: set}}); err != nil {
			return nil, mapErr(err, "expert")
		}
	}
	return s.ExpertByID(ctx, d.SurveyID, id)
}

// releaseEmail deletes the e-mail claim if it still belongs to expertID.
// A failure is only logged: a later claim reclaims the orphan.
func (s *Store) releaseEmail(ctx context.Context, surveyID, email, expertID string) {
	defer s.locks.Lock(emailLockKey(surveyID, email))()
	if err := s.deleteOwnClaim(ctx, emailKey(surveyID, email), expertID); err != nil {
		s.logger.Warn("release expert e-mail claim", "survey_id", surveyID, "expert_id", expertID, "err", err)
	}
}

// deleteOwnClaim deletes the e-mail claim key if it belongs to expertID.
// Read and delete filter by _id alone (FerretDB scans for any other
// filter); the caller holds the e-mail's lock.
func (s *Store) deleteOwnClaim(ctx context.Context, key, expertID string) error {
	col := s.db.Collection(colExpertEmails)
	var c claimDoc
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.ExpertID != expertID) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = col.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return err
}

// EraseExpert deletes the identity (name, e-mail, organisation, notes) and
// its e-mail claim, revokes the access link and scrubs the error texts of
// the expert's mail sends (ScrubMailSends); pseudonym, group and answers
// stay. Then it calls Erased (the embedded database's checkpoint), so the
// identity leaves the database files too. Erasing again repeats the steps
// and keeps the first ErasedAt. ENOTFOUND.
func (s *Store) EraseExpert(ctx context.Context, surveyID, id string, at time.Time) (err error) {
	defer s.locks.Lock(expertLockKey(id))()
	defer s.changes.done(expertLockKey(id), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	d, err := s.expertDoc(ctx, surveyID, id)
	if err != nil {
		return err
	}
	cur, err := s.withIdentity(ctx, &expertDoc{ID: d.ID, SurveyID: d.SurveyID}) // even if already marked erased
	if err != nil {
		return err
	}
	erasedAt := d.ErasedAt
	if erasedAt == nil {
		t := at.UTC().Truncate(time.Millisecond)
		erasedAt = &t
	}
	// Mark erased and drop the link in force in one write (the session
	// check, ExpertByLink, reads only this document, so every session ends
	// here), then delete the link document and the personal data: each
	// step is safe to repeat when a crash interrupts the sequence (a link
	// document left behind resolves to an erased expert, which
	// ExpertByTokenHash refuses).
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "erased_at", Value: erasedAt}, {Key: "updated_at", Value: s.now()}}},
		{Key: "$unset", Value: bson.D{{Key: "token_hash", Value: ""}}},
	}
	if err := updateByID(ctx, s.db.Collection(colExperts), id, update); err != nil {
		return mapErr(err, "expert")
	}
	if d.TokenHash != "" {
		if _, err := s.db.Collection(colAccessTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.TokenHash}}); err != nil {
			return mapErr(err, "access token")
		}
	}
	if _, err := s.db.Collection(colExpertIdentities).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return mapErr(err, "expert")
	}
	if cur.Email != "" {
		unlock := s.locks.Lock(emailLockKey(d.SurveyID, cur.Email))
		err := s.deleteOwnClaim(ctx, emailKey(d.SurveyID, cur.Email), id)
		unlock()
		if err != nil {
			return mapErr(err, "expert")
		}
	}
	if err := s.ScrubMailSends(ctx, d.SurveyID, id); err != nil {
		return err
	}
	if s.Erased != nil {
		if err := s.Erased(ctx); err != nil {
			return delphi.Internal(err)
		}
	}
	return nil
}

// SetAccessToken stores the SHA-256 (hex) of the expert's new link token;
// the previous token stops working. ECONFLICT for an erased expert, EINVALID
// for an empty hash, ENOTFOUND.
func (s *Store) SetAccessToken(ctx context.Context, surveyID, expertID, tokenHash string, at time.Time) (err error) {
	if tokenHash == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "token", "token hash is required")
	}
	defer s.locks.Lock(expertLockKey(expertID))()
	defer s.changes.done(expertLockKey(expertID), &err)
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	d, err := s.expertDoc(ctx, surveyID, expertID)
	if err != nil {
		return err
	}
	if d.ErasedAt != nil {
		return delphi.Errorf(delphi.ECONFLICT, "the expert's identity was erased")
	}
	at = at.UTC().Truncate(time.Millisecond)
	tokens := s.db.Collection(colAccessTokens)
	if _, err := tokens.InsertOne(ctx, accessTokenDoc{Hash: tokenHash, SurveyID: d.SurveyID, ExpertID: expertID, CreatedAt: at}); err != nil {
		return mapErr(err, "access token")
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "token_hash", Value: tokenHash}, {Key: "link_issued_at", Value: at}, {Key: "updated_at", Value: s.now()},
	}}}
	if err := updateByID(ctx, s.db.Collection(colExperts), expertID, update); err != nil {
		return mapErr(err, "expert")
	}
	if d.TokenHash != "" && d.TokenHash != tokenHash {
		// ExpertByTokenHash also compares with the expert's current hash, so
		// the old token is dead even if this delete fails.
		if _, err := tokens.DeleteOne(ctx, bson.D{{Key: "_id", Value: d.TokenHash}}); err != nil {
			s.logger.Warn("delete revoked access token", "expert_id", expertID, "err", err)
		}
	}
	return nil
}

// ExpertByTokenHash resolves a link token's hash by _id. ENOTFOUND for
// unknown, replaced or revoked tokens and for erased experts, with the same
// message in every case.
func (s *Store) ExpertByTokenHash(ctx context.Context, tokenHash string) (*delphi.Expert, error) {
	notFound := delphi.Errorf(delphi.ENOTFOUND, "link not found")
	if tokenHash == "" {
		return nil, notFound
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var t accessTokenDoc
	err := s.db.Collection(colAccessTokens).FindOne(ctx, bson.D{{Key: "_id", Value: tokenHash}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notFound
	} else if err != nil {
		return nil, mapErr(err, "access token")
	}
	d, err := s.expertDoc(ctx, t.SurveyID, t.ExpertID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if d.ErasedAt != nil || d.TokenHash != tokenHash {
		return nil, notFound
	}
	return s.withIdentity(ctx, d)
}

// ExpertByLink returns the expert of study surveyID whose current link
// has the hash tokenHash, without the identity (name, e-mail,
// organisation, notes): the one read a session check makes on every
// request. ENOTFOUND, with ExpertByTokenHash's message, for an unknown
// expert, another study, an erased expert or a link replaced or revoked
// since (the expert's token_hash is the link in force: SetAccessToken sets
// it, EraseExpert removes it).
func (s *Store) ExpertByLink(ctx context.Context, surveyID, expertID, tokenHash string) (*delphi.Expert, error) {
	notFound := delphi.Errorf(delphi.ENOTFOUND, "link not found")
	if tokenHash == "" || expertID == "" {
		return nil, notFound
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.expertDoc(ctx, surveyID, expertID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if d.ErasedAt != nil || d.TokenHash != tokenHash {
		return nil, notFound
	}
	return d.expert(nil), nil
}

var _ delphi.ExpertStore = (*Store)(nil)

// panelIndexes are the secondary indexes of the panel and mail collections
// (used by MongoDB; FerretDB/SQLite scans for any non-_id filter anyway).
func panelIndexes() []indexSpec {
	return []indexSpec{
		{colExperts, "experts_survey_id", bson.D{{Key: "survey_id", Value: 1}}, false},
		{colExpertIdentities, "expert_identities_survey_id", bson.D{{Key: "survey_id", Value: 1}}, false},
		{colMailSends, "mail_sends_survey_round", bson.D{{Key: "survey_id", Value: 1}, {Key: "round", Value: 1}}, false},
		{colMailEvents, "mail_events_survey_round", bson.D{{Key: "survey_id", Value: 1}, {Key: "round", Value: 1}}, false},
		{colMailJobs, "mail_jobs_survey_round", bson.D{{Key: "survey_id", Value: 1}, {Key: "round", Value: 1}}, false},
	}
}

// CreateExperts creates many experts at once, as CreateExpert does for each
// (the errors are per expert, nil for success), with a few bulk inserts
// instead of four single ones per expert: the panel import of thousands.
// E-mails already claimed take the single path (conflict or orphan reclaim).
func (s *Store) CreateExperts(ctx context.Context, es []*delphi.Expert) []error {
	errs := make([]error, len(es))
	ctx, cancel := context.WithTimeout(ctx, 6*opTimeout)
	defer cancel()
	now := s.now()
	type item struct {
		i  int
		ne delphi.Expert
	}
	var items []item
	var later []int
	seen := map[string]bool{}
	defer func() {
		for _, i := range later {
			errs[i] = s.CreateExpert(ctx, es[i])
		}
	}()
	for i, e := range es {
		ne := *e
		ne.Normalize()
		switch {
		case ne.SurveyID == "":
			errs[i] = delphi.FieldErrorf(delphi.EINVALID, "survey_id", "survey id is required")
		case ne.Email == "":
			errs[i] = delphi.FieldErrorf(delphi.EINVALID, "email", "e-mail is required")
		case ne.Pseudonym != "" || seen[emailKey(ne.SurveyID, ne.Email)]:
			later = append(later, i) // rare paths: a given pseudonym, a repeated e-mail
		default:
			seen[emailKey(ne.SurveyID, ne.Email)] = true
			ne.ID = newID()
			items = append(items, item{i, ne})
		}
	}
	if len(items) == 0 {
		return errs
	}
	fail := func(it item, err error) { errs[it.i] = mapErr(err, "expert") }

	// 1. Claim the e-mails; taken ones go the single way.
	claims := make([]any, len(items))
	for k, it := range items {
		claims[k] = claimDoc{ID: emailKey(it.ne.SurveyID, it.ne.Email), SurveyID: it.ne.SurveyID, ExpertID: it.ne.ID, CreatedAt: now}
	}
	dups, err := s.insertClaims(ctx, s.db.Collection(colExpertEmails), claims)
	if err != nil {
		for _, it := range items {
			fail(it, err)
		}
		return errs
	}
	var rest []item
	for k, it := range items {
		if dups[k] {
			errs[it.i] = s.CreateExpert(ctx, es[it.i])
		} else {
			rest = append(rest, it)
		}
	}
	items = rest

	// 2. Reserve pseudonyms, drawing again for the clashes.
	pending := make([]int, len(items))
	for k := range items {
		pending[k] = k
	}
	for round := 0; len(pending) > 0; round++ {
		if round == 20 {
			for _, k := range pending {
				fail(items[k], errors.New("no free pseudonym"))
			}
			break
		}
		docs := make([]any, len(pending))
		for n, k := range pending {
			items[k].ne.Pseudonym = NewPseudonym()
			docs[n] = claimDoc{ID: pseudonymKey(items[k].ne.SurveyID, items[k].ne.Pseudonym), SurveyID: items[k].ne.SurveyID, ExpertID: items[k].ne.ID, CreatedAt: now}
		}
		dups, err := s.insertClaims(ctx, s.db.Collection(colPseudonyms), docs)
		if err != nil {
			for _, k := range pending {
				fail(items[k], err)
			}
			break
		}
		var again []int
		for n, k := range pending {
			if dups[n] {
				again = append(again, k)
			}
		}
		pending = again
	}

	// 3. Identities, then experts.
	var ids, exps []any
	var ok []item
	for _, it := range items {
		if errs[it.i] != nil {
			continue
		}
		ne := it.ne
		ok = append(ok, it)
		ids = append(ids, identityDoc{ID: ne.ID, SurveyID: ne.SurveyID, Name: ne.Name, Email: ne.Email, Organisation: ne.Organisation, Notes: ne.Notes})
		exps = append(exps, expertDoc{ID: ne.ID, SurveyID: ne.SurveyID, Pseudonym: ne.Pseudonym, Group: ne.Group, Language: ne.Language,
			ConsentAt: ne.ConsentAt, DeclinedAt: ne.DeclinedAt, CreatedAt: now, UpdatedAt: now})
	}
	for _, step := range []struct {
		col  string
		docs []any
	}{{colExpertIdentities, ids}, {colExperts, exps}} {
		if len(step.docs) == 0 {
			break
		}
		if _, err := s.insertClaims(ctx, s.db.Collection(step.col), step.docs); err != nil {
			// Unexpected (ids are fresh): report every expert of the batch
			// that is not readable as failed; claims are reclaimed later.
			for _, it := range ok {
				if _, gerr := s.ExpertByID(ctx, it.ne.SurveyID, it.ne.ID); gerr != nil {
					fail(it, err)
				}
			}
			return errs
		}
	}
	for _, it := range ok {
		ne := it.ne
		ne.CreatedAt, ne.UpdatedAt, ne.ErasedAt, ne.LinkIssuedAt = now, now, nil, nil
		*es[it.i] = ne
	}
	return errs
}
