package store

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collection protocols: _id = survey id; the locked analysis protocol
// (delphi.Protocol) as its JSON in protocol_json, and the deviations, each
// as its JSON, in order. Both are JSON strings for the same reasons as a
// definition (see surveys.go): an exact round trip, and nothing queries
// inside them.
const colProtocols = "protocols"

type protocolDoc struct {
	ID           string   `bson:"_id"`
	ProtocolJSON string   `bson:"protocol_json"`
	Deviations   []string `bson:"deviations"`
	Count        int      `bson:"deviation_count"` // len(Deviations), the compare-and-set of AddDeviation
}

var _ delphi.ProtocolStore = (*Store)(nil)

func (d *protocolDoc) decode() (*delphi.Protocol, []delphi.Deviation, error) {
	var p delphi.Protocol
	if err := json.Unmarshal([]byte(d.ProtocolJSON), &p); err != nil {
		return nil, nil, delphi.Internal(fmt.Errorf("protocol %s: %w", d.ID, err))
	}
	devs := make([]delphi.Deviation, len(d.Deviations))
	for i, s := range d.Deviations {
		if err := json.Unmarshal([]byte(s), &devs[i]); err != nil {
			return nil, nil, delphi.Internal(fmt.Errorf("protocol %s deviation %d: %w", d.ID, i, err))
		}
	}
	return &p, devs, nil
}

func (s *Store) protocolDoc(ctx context.Context, id string) (*protocolDoc, error) {
	var d protocolDoc
	if err := s.db.Collection(colProtocols).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "protocol")
	}
	return &d, nil
}

// CreateProtocol inserts p under its survey id; the insert fails on a
// duplicate _id, so of concurrent calls (across processes too) one
// creates and the others get the stored record back with created false.
func (s *Store) CreateProtocol(ctx context.Context, p *delphi.Protocol) (*delphi.Protocol, bool, error) {
	if p.SurveyID == "" {
		return nil, false, delphi.FieldErrorf(delphi.EINVALID, "survey_id", "the protocol needs a survey id")
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, false, delphi.Internal(err)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	_, err = s.db.Collection(colProtocols).InsertOne(ctx, protocolDoc{ID: p.SurveyID, ProtocolJSON: string(raw), Deviations: []string{}})
	if err == nil {
		out := *p
		return &out, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, false, mapErr(err, "protocol")
	}
	d, err := s.protocolDoc(ctx, p.SurveyID)
	if err != nil {
		return nil, false, err
	}
	stored, _, err := d.decode()
	return stored, false, err
}

// Protocol returns the study's protocol and deviations. ENOTFOUND.
func (s *Store) Protocol(ctx context.Context, surveyID string) (*delphi.Protocol, []delphi.Deviation, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.protocolDoc(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	return d.decode()
}

// AddDeviation appends dev unless a deviation of its revision is stored:
// a read, then an update conditional on the count read (serialised in this
// process by the store's lock of the document). ENOTFOUND; ECONFLICT if
// another process added one in between.
func (s *Store) AddDeviation(ctx context.Context, surveyID string, dev delphi.Deviation) error {
	raw, err := json.Marshal(dev)
	if err != nil {
		return delphi.Internal(err)
	}
	defer s.locks.Lock(colProtocols + "/" + surveyID)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.protocolDoc(ctx, surveyID)
	if err != nil {
		return err
	}
	_, devs, err := d.decode()
	if err != nil {
		return err
	}
	for _, old := range devs {
		if old.Revision == dev.Revision {
			return nil
		}
	}
	res, err := s.db.Collection(colProtocols).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: surveyID}, {Key: "deviation_count", Value: d.Count}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deviations", Value: append(d.Deviations, string(raw))}, {Key: "deviation_count", Value: d.Count + 1}}}})
	if err != nil {
		return mapErr(err, "protocol")
	}
	if res.MatchedCount == 0 {
		return delphi.Errorf(delphi.ECONFLICT, "the protocol of %s was changed concurrently; try again", surveyID)
	}
	return nil
}
