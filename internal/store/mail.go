package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections of invitation and reminder mail:
//
//	mail_sends   _id = survey#round#expert#kind (kind "invite" or
//	             "reminder-<n>"); inserting it claims the send, so no expert
//	             gets the same mail twice. Never updated.
//	mail_events  _id = send id#seq (1, 2, ...); the send's history, insert
//	             only: lease, sent, retry, failed, skipped, reset. Inserting
//	             seq n+1 is the exclusive right to the next step, across
//	             processes, on MongoDB and FerretDB alike.
//	mail_jobs    _id = job id; one per accepted send request, listing its sends.
//	idempotency  _id = Idempotency-Key|user id; the stored response.
//	round_mail   _id = survey#round; the coordinator's subject and intro.
const (
	colMailSends   = "mail_sends"
	colMailEvents  = "mail_events"
	colMailJobs    = "mail_jobs"
	colIdempotency = "idempotency"
	colRoundMail   = "round_mail"
)

// idempotencyStale is how long a claimed key without answer blocks a retry
// (the request that claimed it may have crashed).
const idempotencyStale = 5 * time.Minute

type mailJobDoc struct {
	ID        string         `bson:"_id"`
	SurveyID  string         `bson:"survey_id"`
	Round     int            `bson:"round"`
	Kind      string         `bson:"kind"`
	KeepLinks bool           `bson:"keep_links"`
	Group     string         `bson:"group,omitempty"`
	Status    string         `bson:"status"`
	SendIDs   []string       `bson:"send_ids"`
	Queued    int            `bson:"queued"`
	Skipped   map[string]int `bson:"skipped"`
	CreatedBy string         `bson:"created_by"`
	CreatedAt time.Time      `bson:"created_at"`
	UpdatedAt time.Time      `bson:"updated_at"`
}

func (d *mailJobDoc) job() *delphi.MailJob {
	j := &delphi.MailJob{
		ID: d.ID, SurveyID: d.SurveyID, Round: d.Round, Kind: d.Kind, KeepLinks: d.KeepLinks, Group: d.Group,
		Status: d.Status, SendIDs: d.SendIDs, Queued: d.Queued, Skipped: d.Skipped, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if j.SendIDs == nil {
		j.SendIDs = []string{}
	}
	if j.Skipped == nil {
		j.Skipped = map[string]int{}
	}
	return j
}

func mailJobLock(id string) string { return colMailJobs + "/" + id }

// updateByID applies update to the document with _id id. FerretDB/SQLite
// scans the collection for updates (unlike finds by _id), so the hot path of
// sending avoids updates altogether (see mail_sends.go).
func updateByID(ctx context.Context, col *mongo.Collection, id string, update bson.D) error {
	_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	return err
}

// insertClaims inserts docs unordered and returns the indexes that failed
// with a duplicate key; any other failure is returned as error.
func (s *Store) insertClaims(ctx context.Context, col *mongo.Collection, docs []any) (map[int]bool, error) {
	dups := map[int]bool{}
	const batch = 1000
	for start := 0; start < len(docs); start += batch {
		end := min(start+batch, len(docs))
		_, err := col.InsertMany(ctx, docs[start:end], options.InsertMany().SetOrdered(false))
		if err == nil {
			continue
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, err
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) && we.Code != 11000 {
				return nil, err
			}
			dups[start+we.Index] = true
		}
	}
	return dups, nil
}

// CreateMailJob stores j with its sends; sends whose id exists are left
// out. The job is stored after the sends, so a dispatcher never sees a job
// whose sends are missing.
func (s *Store) CreateMailJob(ctx context.Context, j *delphi.MailJob, sends []*delphi.MailSend) ([]string, error) {
	if j.SurveyID == "" || j.Round < 0 {
		return nil, delphi.Errorf(delphi.EINVALID, "a mail job needs a study and a round")
	}
	ctx, cancel := context.WithTimeout(ctx, 4*opTimeout)
	defer cancel()
	now := s.now()
	if j.ID == "" {
		j.ID = newID()
	}
	docs := make([]any, len(sends))
	for i, m := range sends {
		docs[i] = mailSendDoc{
			ID: delphi.MailSendID(m.SurveyID, m.Round, m.ExpertID, m.Kind), SurveyID: m.SurveyID, Round: m.Round,
			ExpertID: m.ExpertID, Kind: m.Kind, JobID: j.ID, IssueLink: m.IssueLink, CreatedAt: now,
		}
	}
	dups, err := s.insertClaims(ctx, s.db.Collection(colMailSends), docs)
	if err != nil {
		return nil, mapErr(err, "mail sends")
	}
	created := make([]string, 0, len(sends)-len(dups))
	for i, d := range docs {
		if !dups[i] {
			created = append(created, d.(mailSendDoc).ID)
		}
	}
	j.SendIDs, j.Queued = created, len(created)
	j.Status = delphi.JobRunning
	if len(created) == 0 {
		j.Status = delphi.JobDone
	}
	if j.Skipped == nil {
		j.Skipped = map[string]int{}
	}
	j.CreatedAt, j.UpdatedAt = now, now
	doc := mailJobDoc{
		ID: j.ID, SurveyID: j.SurveyID, Round: j.Round, Kind: j.Kind, KeepLinks: j.KeepLinks, Group: j.Group,
		Status: j.Status, SendIDs: created, Queued: j.Queued, Skipped: j.Skipped, CreatedBy: j.CreatedBy,
		CreatedAt: now, UpdatedAt: now,
	}
	if _, err := s.db.Collection(colMailJobs).InsertOne(ctx, doc); err != nil {
		return nil, mapErr(err, "mail job")
	}
	return created, nil
}

// MailJob returns the job. ENOTFOUND.
func (s *Store) MailJob(ctx context.Context, id string) (*delphi.MailJob, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var d mailJobDoc
	if err := s.db.Collection(colMailJobs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "mail job")
	}
	return d.job(), nil
}

func (s *Store) findMailJobs(ctx context.Context, filter bson.D) ([]*delphi.MailJob, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colMailJobs).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "mail jobs")
	}
	var docs []mailJobDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "mail jobs")
	}
	out := make([]*delphi.MailJob, len(docs))
	for i := range docs {
		out[i] = docs[i].job()
	}
	slices.SortFunc(out, func(a, b *delphi.MailJob) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ListMailJobs returns a round's jobs, oldest first.
func (s *Store) ListMailJobs(ctx context.Context, surveyID string, round int) ([]*delphi.MailJob, error) {
	return s.findMailJobs(ctx, bson.D{{Key: "survey_id", Value: surveyID}, {Key: "round", Value: round}})
}

// RunningMailJobs returns every job still running, oldest first.
func (s *Store) RunningMailJobs(ctx context.Context) ([]*delphi.MailJob, error) {
	return s.findMailJobs(ctx, bson.D{{Key: "status", Value: delphi.JobRunning}})
}

// SetMailJobStatus sets the job's status. ENOTFOUND.
func (s *Store) SetMailJobStatus(ctx context.Context, id, status string) error {
	defer s.locks.Lock(mailJobLock(id))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colMailJobs)
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != nil {
		return mapErr(err, "mail job")
	}
	return mapErr(updateByID(ctx, col, id, bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "updated_at", Value: s.now()}}}}), "mail job")
}

type roundMailDoc struct {
	ID        string                     `bson:"_id"`
	SurveyID  string                     `bson:"survey_id"`
	Round     int                        `bson:"round"`
	Mail      map[string]delphi.MailText `bson:"mail"`
	UpdatedBy string                     `bson:"updated_by,omitempty"`
	UpdatedAt time.Time                  `bson:"updated_at"`
}

// RoundMail returns the round's mail texts. ENOTFOUND if none were set.
func (s *Store) RoundMail(ctx context.Context, surveyID string, round int) (*delphi.RoundMail, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	var d roundMailDoc
	if err := s.db.Collection(colRoundMail).FindOne(ctx, bson.D{{Key: "_id", Value: delphi.RoundKey(surveyID, round)}}).Decode(&d); err != nil {
		return nil, mapErr(err, "round mail")
	}
	m := &delphi.RoundMail{SurveyID: d.SurveyID, Round: d.Round, Mail: d.Mail, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt}
	if m.Mail == nil {
		m.Mail = map[string]delphi.MailText{}
	}
	return m, nil
}

// PutRoundMail replaces the round's mail texts and sets UpdatedAt.
func (s *Store) PutRoundMail(ctx context.Context, m *delphi.RoundMail) error {
	id := delphi.RoundKey(m.SurveyID, m.Round)
	defer s.locks.Lock(colRoundMail + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	m.UpdatedAt = s.now()
	if m.Mail == nil {
		m.Mail = map[string]delphi.MailText{}
	}
	doc := roundMailDoc{ID: id, SurveyID: m.SurveyID, Round: m.Round, Mail: m.Mail, UpdatedBy: m.UpdatedBy, UpdatedAt: m.UpdatedAt}
	_, err := s.db.Collection(colRoundMail).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, upsert())
	return mapErr(err, "round mail")
}

type idempotencyDoc struct {
	Key         string    `bson:"_id"`
	Fingerprint string    `bson:"fingerprint"`
	Done        bool      `bson:"done"`
	Status      int       `bson:"status"`
	Body        []byte    `bson:"body"`
	CreatedAt   time.Time `bson:"created_at"`
}

// BeginIdempotent claims key by insert. A key in use returns its record; a
// claim without answer older than idempotencyStale is taken over.
func (s *Store) BeginIdempotent(ctx context.Context, key, fingerprint string, now time.Time) (*delphi.Idempotent, bool, error) {
	defer s.locks.Lock(colIdempotency + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	now = now.UTC().Truncate(time.Millisecond)
	col := s.db.Collection(colIdempotency)
	doc := idempotencyDoc{Key: key, Fingerprint: fingerprint, CreatedAt: now}
	_, err := col.InsertOne(ctx, doc)
	if err == nil {
		return nil, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, false, mapErr(err, "idempotency key")
	}
	var old idempotencyDoc
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&old); err != nil {
		return nil, false, mapErr(err, "idempotency key")
	}
	if !old.Done && now.Sub(old.CreatedAt) > idempotencyStale {
		// A claim without answer for this long: its request died. Taken
		// over under the key's lock (filters by _id alone, see LeaseMailSend).
		if _, err := col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, doc); err != nil {
			return nil, false, mapErr(err, "idempotency key")
		}
		return nil, true, nil
	}
	return &delphi.Idempotent{Key: old.Key, Fingerprint: old.Fingerprint, Done: old.Done, Status: old.Status, Body: old.Body, CreatedAt: old.CreatedAt}, false, nil
}

// FinishIdempotent stores the answer for key.
func (s *Store) FinishIdempotent(ctx context.Context, key string, status int, body []byte) error {
	defer s.locks.Lock(colIdempotency + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colIdempotency)
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Err(); err != nil {
		return mapErr(err, "idempotency key")
	}
	return mapErr(updateByID(ctx, col, key, bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "status", Value: status}, {Key: "body", Value: body}}}}), "idempotency key")
}

// AbandonIdempotent deletes the claim of key.
func (s *Store) AbandonIdempotent(ctx context.Context, key string) error {
	defer s.locks.Lock(colIdempotency + "/" + key)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colIdempotency)
	var old idempotencyDoc
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && old.Done) {
		return nil
	} else if err != nil {
		return mapErr(err, "idempotency key")
	}
	_, err = col.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapErr(err, "idempotency key")
}

var _ delphi.MailStore = (*Store)(nil)
