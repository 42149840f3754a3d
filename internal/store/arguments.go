package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Arguments between rounds (delphi.ArgumentStore), three collections:
//   - arguments: _id = the argument's random id; the argument with its
//     author, their slot and the hiding, if any;
//   - argument_slots: _id = "<survey>#<round>#<item>#<expert id>#<slot>",
//     the claim of one of an expert's places on an item, inserted before
//     the argument: a duplicate key means the slot is taken, so the
//     number of arguments per expert and item holds under parallel
//     requests and across instances;
//   - argument_ratings: _id = "<argument id>#<expert id>", one rating,
//     inserted once: a duplicate key is the second rating.
//
// Listing a round's arguments or ratings filters on survey and round, a
// scan on FerretDB; they are read by the pages that show them, not by the
// saves.
const (
	colArguments       = "arguments"
	colArgumentSlots   = "argument_slots"
	colArgumentRatings = "argument_ratings"
)

func init() {
	collections = append(collections, colArguments, colArgumentSlots, colArgumentRatings)
}

var _ delphi.ArgumentStore = (*Store)(nil)

type argumentHiddenDoc struct {
	At     time.Time `bson:"at"`
	By     string    `bson:"by"`
	Reason string    `bson:"reason"`
}

type argumentDoc struct {
	ID        string             `bson:"_id"`
	SurveyID  string             `bson:"survey_id"`
	Round     int                `bson:"round"`
	ItemID    string             `bson:"item_id"`
	OptionID  string             `bson:"option_id,omitempty"`
	Stance    string             `bson:"stance"`
	Text      string             `bson:"text"`
	ExpertID  string             `bson:"expert_id"`
	Pseudonym string             `bson:"pseudonym"`
	Group     string             `bson:"group,omitempty"`
	Slot      int                `bson:"slot"`
	CreatedAt time.Time          `bson:"created_at"`
	UpdatedAt time.Time          `bson:"updated_at"`
	Hidden    *argumentHiddenDoc `bson:"hidden,omitempty"`
	Rev       int                `bson:"rev"` // the compare-and-set of UpdateArgument on MongoDB
}

func argumentToDoc(a *delphi.Argument, rev int) argumentDoc {
	d := argumentDoc{
		ID: a.ID, SurveyID: a.SurveyID, Round: a.Round, ItemID: a.ItemID, OptionID: a.OptionID, Stance: a.Stance, Text: a.Text,
		ExpertID: a.ExpertID, Pseudonym: a.Pseudonym, Group: a.Group, Slot: a.Slot,
		CreatedAt: a.CreatedAt.UTC().Truncate(time.Millisecond), UpdatedAt: a.UpdatedAt.UTC().Truncate(time.Millisecond), Rev: rev,
	}
	if h := a.Hidden; h != nil {
		d.Hidden = &argumentHiddenDoc{At: h.At.UTC().Truncate(time.Millisecond), By: h.By, Reason: h.Reason}
	}
	return d
}

func (d *argumentDoc) argument() *delphi.Argument {
	a := &delphi.Argument{
		ID: d.ID, SurveyID: d.SurveyID, Round: d.Round, ItemID: d.ItemID, OptionID: d.OptionID, Stance: d.Stance, Text: d.Text,
		ExpertID: d.ExpertID, Pseudonym: d.Pseudonym, Group: d.Group, Slot: d.Slot,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if h := d.Hidden; h != nil {
		a.Hidden = &delphi.ArgumentHidden{At: h.At.UTC(), By: h.By, Reason: h.Reason}
	}
	return a
}

type argumentSlotDoc struct {
	ID         string `bson:"_id"`
	ArgumentID string `bson:"argument_id"`
}

func argumentSlotID(a *delphi.Argument, slot int) string {
	return a.SurveyID + "#" + strconv.Itoa(a.Round) + "#" + a.ItemID + "#" + a.ExpertID + "#" + strconv.Itoa(slot)
}

type argumentRatingDoc struct {
	ID         string    `bson:"_id"`
	ArgumentID string    `bson:"argument_id"`
	SurveyID   string    `bson:"survey_id"`
	Round      int       `bson:"round"`
	ExpertID   string    `bson:"expert_id"`
	Value      int       `bson:"value"`
	At         time.Time `bson:"at"`
	Of         time.Time `bson:"of"` // the UpdatedAt of the version rated; absent before it existed
}

// CreateArgument claims the first free slot of the author (an insert into
// argument_slots each), then inserts the argument; a failed insert gives
// the slot back.
func (s *Store) CreateArgument(ctx context.Context, a *delphi.Argument, maxSlots int) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	slots := s.db.Collection(colArgumentSlots)
	for slot := 1; slot <= maxSlots; slot++ {
		id := argumentSlotID(a, slot)
		_, err := slots.InsertOne(ctx, argumentSlotDoc{ID: id, ArgumentID: a.ID})
		if mongo.IsDuplicateKeyError(err) {
			continue
		} else if err != nil {
			return mapErr(err, "argument slot")
		}
		a.Slot = slot
		if _, err := s.db.Collection(colArguments).InsertOne(ctx, argumentToDoc(a, 1)); err != nil {
			_, _ = slots.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: id}})
			return mapErr(err, "argument")
		}
		return nil
	}
	return delphi.Errorf(delphi.ECONFLICT, "you have %d arguments on this item already, the most one expert may post; edit or withdraw one", maxSlots).WithReason(delphi.ReasonArgumentLimit, map[string]any{"max": maxSlots})
}

func (s *Store) argumentDoc(ctx context.Context, surveyID, id string) (*argumentDoc, error) {
	var d argumentDoc
	if err := s.db.Collection(colArguments).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "argument")
	}
	if d.SurveyID != surveyID {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "argument not found")
	}
	return &d, nil
}

// Argument returns one argument of the study.
func (s *Store) Argument(ctx context.Context, surveyID, id string) (*delphi.Argument, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.argumentDoc(ctx, surveyID, id)
	if err != nil {
		return nil, err
	}
	return d.argument(), nil
}

// roundFilter filters a study's documents by round, every round for n == 0.
func roundFilter(surveyID string, n int) bson.D {
	f := bson.D{{Key: "survey_id", Value: surveyID}}
	if n > 0 {
		f = append(f, bson.E{Key: "round", Value: n})
	}
	return f
}

// ListArguments returns the study's arguments of round n (all for 0),
// oldest first.
func (s *Store) ListArguments(ctx context.Context, surveyID string, n int) ([]*delphi.Argument, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colArguments).Find(ctx, roundFilter(surveyID, n),
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr(err, "arguments")
	}
	var docs []argumentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "arguments")
	}
	out := make([]*delphi.Argument, len(docs))
	for i := range docs {
		out[i] = docs[i].argument()
	}
	return out, nil
}

// UpdateArgument is a read and a replace under the argument's KeyLock, on
// MongoDB conditional on the revision read.
func (s *Store) UpdateArgument(ctx context.Context, surveyID, id string, fn func(a *delphi.Argument) error) (*delphi.Argument, error) {
	defer s.locks.Lock(colArguments + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	d, err := s.argumentDoc(ctx, surveyID, id)
	if err != nil {
		return nil, err
	}
	a := d.argument()
	if err := fn(a); err != nil {
		return nil, err
	}
	a.ID, a.SurveyID, a.Round, a.ExpertID, a.Slot = d.ID, d.SurveyID, d.Round, d.ExpertID, d.Slot
	filter := bson.D{{Key: "_id", Value: id}}
	if !s.ferret {
		filter = append(filter, bson.E{Key: "rev", Value: d.Rev})
	}
	res, err := s.db.Collection(colArguments).ReplaceOne(ctx, filter, argumentToDoc(a, d.Rev+1))
	if err != nil {
		return nil, mapErr(err, "argument")
	}
	if res.MatchedCount == 0 {
		return nil, delphi.Errorf(delphi.ECONFLICT, "the argument was changed concurrently; try again")
	}
	return a, nil
}

// DeleteArgument removes the argument first (so it is gone from every
// list), then its ratings and its slot.
func (s *Store) DeleteArgument(ctx context.Context, a *delphi.Argument) error {
	defer s.locks.Lock(colArguments + "/" + a.ID)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	res, err := s.db.Collection(colArguments).DeleteOne(ctx, bson.D{{Key: "_id", Value: a.ID}})
	if err != nil {
		return mapErr(err, "argument")
	}
	if res.DeletedCount == 0 {
		return delphi.Errorf(delphi.ENOTFOUND, "argument not found")
	}
	if _, err := s.db.Collection(colArgumentRatings).DeleteMany(ctx, bson.D{{Key: "argument_id", Value: a.ID}}); err != nil {
		return mapErr(err, "argument ratings")
	}
	if _, err := s.db.Collection(colArgumentSlots).DeleteOne(ctx, bson.D{{Key: "_id", Value: argumentSlotID(a, a.Slot)}}); err != nil {
		return mapErr(err, "argument slot")
	}
	return nil
}

// RateArgument inserts the rating under its key (argument and rater). On a
// duplicate key, a stored rating of an older version of the argument (one
// an edit left behind because it arrived after the edit's delete) is
// replaced, conditional on its Of, so of parallel ratings one wins.
func (s *Store) RateArgument(ctx context.Context, r *delphi.ArgumentRating) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	of := r.Of.UTC().Truncate(time.Millisecond)
	d := argumentRatingDoc{
		ID: r.ArgumentID + "#" + r.ExpertID, ArgumentID: r.ArgumentID, SurveyID: r.SurveyID, Round: r.Round,
		ExpertID: r.ExpertID, Value: r.Value, At: r.At.UTC().Truncate(time.Millisecond), Of: of,
	}
	ratings := s.db.Collection(colArgumentRatings)
	_, err := ratings.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		res, err := ratings.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "of", Value: bson.D{{Key: "$lt", Value: of}}}}, d)
		if err != nil {
			return mapErr(err, "argument rating")
		}
		if res.MatchedCount == 1 {
			return nil
		}
		return delphi.Errorf(delphi.ECONFLICT, "you have rated this argument already").WithReason(delphi.ReasonAlreadyRated, nil)
	}
	return mapErr(err, "argument rating")
}

// DeleteArgumentRatings removes the argument's ratings of versions older
// than before: Of before it, or, in ratings stored without Of, At.
func (s *Store) DeleteArgumentRatings(ctx context.Context, surveyID, argumentID string, before time.Time) error {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	t := before.UTC().Truncate(time.Millisecond)
	_, err := s.db.Collection(colArgumentRatings).DeleteMany(ctx, bson.D{
		{Key: "argument_id", Value: argumentID}, {Key: "survey_id", Value: surveyID},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "of", Value: bson.D{{Key: "$lt", Value: t}}}},
			bson.D{{Key: "of", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "at", Value: bson.D{{Key: "$lt", Value: t}}}},
		}},
	})
	return mapErr(err, "argument ratings")
}

// ListArgumentRatings returns the ratings of round n's arguments (all for 0).
func (s *Store) ListArgumentRatings(ctx context.Context, surveyID string, n int) ([]*delphi.ArgumentRating, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colArgumentRatings).Find(ctx, roundFilter(surveyID, n))
	if err != nil {
		return nil, mapErr(err, "argument ratings")
	}
	var docs []argumentRatingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "argument ratings")
	}
	out := make([]*delphi.ArgumentRating, len(docs))
	for i, d := range docs {
		if d.Value < delphi.ArgumentRatingMin || d.Value > delphi.ArgumentRatingMax {
			return nil, delphi.Internal(fmt.Errorf("argument rating %s: value %d", d.ID, d.Value))
		}
		of := d.Of
		if of.IsZero() {
			of = d.At
		}
		out[i] = &delphi.ArgumentRating{ArgumentID: d.ArgumentID, SurveyID: d.SurveyID, Round: d.Round, ExpertID: d.ExpertID, Value: d.Value, At: d.At.UTC(), Of: of.UTC()}
	}
	return out, nil
}
