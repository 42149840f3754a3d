package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// A send is an immutable mail_sends document plus its history in
// mail_events. Its state is the fold of the history. Every step is an
// insert of the next sequence number, so of two processes acting on the
// same state only one succeeds (a duplicate key), and the dispatcher's hot
// path is inserts and finds by _id only: FerretDB/SQLite scans a whole
// collection for every update, but finds and inserts by _id use its index.
//
// A delivery is also recorded outside the sequence, as the marker
// <send id>#sent in mail_events, inserted before the "sent" event and
// whether or not the reporting process still holds the lease. A send with a
// marker is sent, whatever its events say, so no later lease sends it
// again: not after the "sent" event failed to be stored, nor after a lease
// ran out while its holder was still recording the delivery. An insert by
// _id is the one write FerretDB makes both exclusive and reliable.

// mailSendDoc is the claim of one send; never updated.
type mailSendDoc struct {
	ID        string    `bson:"_id"`
	SurveyID  string    `bson:"survey_id"`
	Round     int       `bson:"round"`
	ExpertID  string    `bson:"expert_id"`
	Kind      string    `bson:"kind"`
	JobID     string    `bson:"job_id"`
	IssueLink bool      `bson:"issue_link"`
	CreatedAt time.Time `bson:"created_at"`
}

// Event types of a send's history.
const (
	evLease   = "lease"   // a dispatcher took the send
	evSent    = "sent"    // delivered to the SMTP server
	evRetry   = "retry"   // failed; next attempt at next_attempt_at
	evFailed  = "failed"  // gave up
	evSkipped = "skipped" // no longer due
	evReset   = "reset"   // a coordinator retries a failed send

	// evDelivered is the type of the delivery marker (not in the sequence).
	evDelivered = "delivered"
)

type mailEventDoc struct {
	ID            string     `bson:"_id"` // send id#seq
	SendID        string     `bson:"send_id"`
	SurveyID      string     `bson:"survey_id"`
	Round         int        `bson:"round"`
	Seq           int        `bson:"seq"`
	Type          string     `bson:"type"`
	Owner         string     `bson:"owner,omitempty"`
	LeaseUntil    *time.Time `bson:"lease_until,omitempty"`
	NextAttemptAt *time.Time `bson:"next_attempt_at,omitempty"`
	Error         string     `bson:"error,omitempty"`
	At            time.Time  `bson:"at"`
}

func eventID(sendID string, seq int) string { return sendID + "#" + strconv.Itoa(seq) }

// deliveredID is the _id of a send's delivery marker; no sequence number
// collides with it.
func deliveredID(sendID string) string { return sendID + "#sent" }

func mailSendLock(id string) string { return colMailSends + "/" + id }

// fold computes the send's state from its claim and its events (in seq
// order), and the delivery marker if there is one: a marked send is sent.
func fold(d *mailSendDoc, events []mailEventDoc, delivered *mailEventDoc) (*delphi.MailSend, int) {
	m := &delphi.MailSend{
		ID: d.ID, SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Kind: d.Kind, JobID: d.JobID,
		IssueLink: d.IssueLink, Status: delphi.SendPending, NextAttemptAt: d.CreatedAt, CreatedAt: d.CreatedAt, UpdatedAt: d.CreatedAt,
	}
	seq := 0
	for _, e := range events {
		seq = e.Seq
		m.UpdatedAt = e.At
		switch e.Type {
		case evLease:
			m.Status, m.LeaseOwner, m.LeaseUntil = delphi.SendSending, e.Owner, e.LeaseUntil
			m.Attempts++
		case evSent:
			at := e.At
			m.Status, m.SentAt, m.Error = delphi.SendSent, &at, ""
		case evRetry:
			m.Status, m.Error = delphi.SendPending, e.Error
			if e.NextAttemptAt != nil {
				m.NextAttemptAt = *e.NextAttemptAt
			}
		case evFailed:
			m.Status, m.Error = delphi.SendFailed, e.Error
		case evSkipped:
			m.Status, m.Error = delphi.SendSkipped, e.Error
		case evReset:
			m.Status, m.Attempts, m.NextAttemptAt, m.Error = delphi.SendPending, 0, e.At, ""
		}
		if e.Type != evLease {
			m.LeaseOwner, m.LeaseUntil = "", nil
		}
	}
	if delivered != nil && m.Status != delphi.SendSent {
		at := delivered.At
		m.Status, m.SentAt, m.Error, m.LeaseOwner, m.LeaseUntil = delphi.SendSent, &at, "", "", nil
		if at.After(m.UpdatedAt) {
			m.UpdatedAt = at
		}
	}
	return m, seq
}

// sendRecord is a send as stored: its claim, its events and its delivery
// marker (nil if none).
type sendRecord struct {
	doc       *mailSendDoc
	events    []mailEventDoc
	delivered *mailEventDoc
}

// leasedBy reports whether owner ever held a lease on the send.
func (r *sendRecord) leasedBy(owner string) bool {
	for _, e := range r.events {
		if e.Type == evLease && e.Owner == owner {
			return true
		}
	}
	return false
}

// state folds the record; seq is the last event's sequence number.
func (r *sendRecord) state() (m *delphi.MailSend, seq int) {
	return fold(r.doc, r.events, r.delivered)
}

// loadSend reads the claim, the delivery marker and the events by _id: #1,
// #2, ... until one is missing.
func (s *Store) loadSend(ctx context.Context, id string) (*sendRecord, error) {
	var d mailSendDoc
	if err := s.db.Collection(colMailSends).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "mail send")
	}
	r := &sendRecord{doc: &d}
	col := s.db.Collection(colMailEvents)
	var mark mailEventDoc
	err := col.FindOne(ctx, bson.D{{Key: "_id", Value: deliveredID(id)}}).Decode(&mark)
	if err == nil {
		r.delivered = &mark
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, mapErr(err, "mail send")
	}
	for seq := 1; ; seq++ {
		var e mailEventDoc
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: eventID(id, seq)}}).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return r, nil
		} else if err != nil {
			return nil, mapErr(err, "mail send")
		}
		r.events = append(r.events, e)
	}
}

// markDelivered inserts the send's delivery marker unless it exists.
func (s *Store) markDelivered(ctx context.Context, r *sendRecord, at time.Time) error {
	if r.delivered != nil {
		return nil
	}
	d := r.doc
	e := mailEventDoc{ID: deliveredID(d.ID), SendID: d.ID, SurveyID: d.SurveyID, Round: d.Round, Type: evDelivered, At: at.UTC().Truncate(time.Millisecond)}
	_, err := s.db.Collection(colMailEvents).InsertOne(ctx, e)
	if err != nil && !mongo.IsDuplicateKeyError(err) { // a duplicate: recorded already
		return mapErr(err, "mail send")
	}
	r.delivered = &e
	return nil
}

// appendEvent inserts the event after seq; ECONFLICT if another process
// got there first.
func (s *Store) appendEvent(ctx context.Context, d *mailSendDoc, seq int, e mailEventDoc) error {
	e.ID, e.SendID, e.SurveyID, e.Round, e.Seq = eventID(d.ID, seq+1), d.ID, d.SurveyID, d.Round, seq+1
	e.At = e.At.UTC().Truncate(time.Millisecond)
	_, err := s.db.Collection(colMailEvents).InsertOne(ctx, e)
	if mongo.IsDuplicateKeyError(err) {
		return delphi.Errorf(delphi.ECONFLICT, "mail send %s was changed by another process", d.ID)
	}
	return mapErr(err, "mail send")
}

// MailSend returns the send with its current state. ENOTFOUND.
func (s *Store) MailSend(ctx context.Context, id string) (*delphi.MailSend, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	r, err := s.loadSend(ctx, id)
	if err != nil {
		return nil, err
	}
	m, _ := r.state()
	return m, nil
}

// ListMailSends returns a study's sends (of one round if round > 0) with
// their states, ordered by creation and id: two scans filtered by study,
// fine for panels of a few thousand experts.
func (s *Store) ListMailSends(ctx context.Context, surveyID string, round int) ([]*delphi.MailSend, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	filter := bson.D{{Key: "survey_id", Value: surveyID}}
	if round > 0 {
		filter = append(filter, bson.E{Key: "round", Value: round})
	}
	cur, err := s.db.Collection(colMailSends).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "mail sends")
	}
	var docs []mailSendDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "mail sends")
	}
	cur, err = s.db.Collection(colMailEvents).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(err, "mail events")
	}
	var events []mailEventDoc
	if err := cur.All(ctx, &events); err != nil {
		return nil, mapErr(err, "mail events")
	}
	bySend := map[string][]mailEventDoc{}
	delivered := map[string]*mailEventDoc{}
	for i, e := range events {
		if e.Type == evDelivered {
			delivered[e.SendID] = &events[i]
			continue
		}
		bySend[e.SendID] = append(bySend[e.SendID], e)
	}
	out := make([]*delphi.MailSend, len(docs))
	for i := range docs {
		evs := bySend[docs[i].ID]
		slices.SortFunc(evs, func(a, b mailEventDoc) int { return cmp.Compare(a.Seq, b.Seq) })
		out[i], _ = fold(&docs[i], evs, delivered[docs[i].ID])
	}
	slices.SortFunc(out, func(a, b *delphi.MailSend) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// LeaseMailSend takes a due send (pending and due at now, or sending with
// an expired lease) for owner until now+lease, counting the attempt.
// ECONFLICT if it is not due (a send with a delivery marker never is) or
// another process took it.
func (s *Store) LeaseMailSend(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*delphi.MailSend, error) {
	defer s.locks.Lock(mailSendLock(id))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	r, err := s.loadSend(ctx, id)
	if err != nil {
		return nil, err
	}
	m, seq := r.state()
	now = now.UTC().Truncate(time.Millisecond)
	due := (m.Status == delphi.SendPending && !m.NextAttemptAt.After(now)) ||
		(m.Status == delphi.SendSending && m.LeaseUntil != nil && m.LeaseUntil.Before(now))
	if !due {
		return nil, delphi.Errorf(delphi.ECONFLICT, "mail send %s is not due", id)
	}
	until := now.Add(lease)
	e := mailEventDoc{Type: evLease, Owner: owner, LeaseUntil: &until, At: now}
	if err := s.appendEvent(ctx, r.doc, seq, e); err != nil {
		return nil, err
	}
	e.Seq = seq + 1
	m, _ = fold(r.doc, append(r.events, e), r.delivered)
	return m, nil
}

// FinishMailSend records the outcome of the attempt owner leased.
// ECONFLICT if owner no longer holds the lease. A delivery (SendSent) by an
// owner who held a lease on the send is recorded even then, by its marker,
// and recording it again is a no-op, so the caller may retry after any
// error.
func (s *Store) FinishMailSend(ctx context.Context, id, owner string, o delphi.SendOutcome) error {
	defer s.locks.Lock(mailSendLock(id))()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	r, err := s.loadSend(ctx, id)
	if err != nil {
		return err
	}
	// The lease is judged by the events alone: the marker makes a send
	// sent, not unleased.
	m, seq := fold(r.doc, r.events, nil)
	if o.Status == delphi.SendSent && r.leasedBy(owner) {
		if err := s.markDelivered(ctx, r, o.At); err != nil {
			return err
		}
		if m.Status == delphi.SendSent {
			return nil // a retry after the first record's answer was lost
		}
	}
	if m.Status != delphi.SendSending || m.LeaseOwner != owner {
		return delphi.Errorf(delphi.ECONFLICT, "the lease on mail send %s was lost", id)
	}
	e := mailEventDoc{Error: o.Error, At: o.At}
	switch o.Status {
	case delphi.SendSent:
		e.Type, e.Error = evSent, ""
	case delphi.SendPending:
		next := o.NextAttemptAt.UTC().Truncate(time.Millisecond)
		e.Type, e.NextAttemptAt = evRetry, &next
	case delphi.SendFailed:
		e.Type = evFailed
	case delphi.SendSkipped:
		e.Type = evSkipped
	default:
		return delphi.Errorf(delphi.EINVALID, "unknown send outcome %q", o.Status)
	}
	return s.appendEvent(ctx, r.doc, seq, e)
}

// RetryFailedMailSends makes a round's failed sends pending again with
// fresh attempts, and their jobs running. It returns how many.
func (s *Store) RetryFailedMailSends(ctx context.Context, surveyID string, round int, now time.Time) (int, error) {
	sends, err := s.ListMailSends(ctx, surveyID, round)
	if err != nil {
		return 0, err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	n := 0
	jobs := map[string]bool{}
	for _, m := range sends {
		if m.Status != delphi.SendFailed {
			continue
		}
		err := func() error {
			defer s.locks.Lock(mailSendLock(m.ID))()
			r, err := s.loadSend(ctx, m.ID)
			if err != nil {
				return err
			}
			cur, seq := r.state()
			if cur.Status != delphi.SendFailed {
				return nil
			}
			if err := s.appendEvent(ctx, r.doc, seq, mailEventDoc{Type: evReset, At: now}); err != nil {
				return err
			}
			n++
			jobs[m.JobID] = true
			return nil
		}()
		if err != nil && delphi.ErrorCode(err) != delphi.ECONFLICT {
			return n, err
		}
	}
	for id := range jobs {
		if err := s.SetMailJobStatus(ctx, id, delphi.JobRunning); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ScrubMailSends replaces the error texts (which may quote the address) of
// an expert's sends; used on erasure, so an update scan is fine here.
func (s *Store) ScrubMailSends(ctx context.Context, surveyID, expertID string) error {
	sends, err := s.ListMailSends(ctx, surveyID, 0)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	col := s.db.Collection(colMailEvents)
	for _, m := range sends {
		if m.ExpertID != expertID {
			continue
		}
		r, err := s.loadSend(ctx, m.ID)
		if err != nil {
			return err
		}
		for _, e := range r.events {
			if e.Error == "" {
				continue
			}
			if err := updateByID(ctx, col, e.ID, bson.D{{Key: "$set", Value: bson.D{{Key: "error", Value: "(erased)"}}}}); err != nil {
				return mapErr(err, "mail event")
			}
		}
	}
	return nil
}
