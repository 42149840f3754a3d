package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Collections:
//   users        _id = generated user id; the account.
//   user_emails  _id = lower-cased e-mail, user_id; the unique e-mail claim
//                and the indexed lookup by e-mail.

type userDoc struct {
	ID           string     `bson:"_id"`
	Email        string     `bson:"email"`
	Name         string     `bson:"name"`
	Role         string     `bson:"role"`
	SurveyIDs    []string   `bson:"survey_ids"`
	PasswordHash string     `bson:"password_hash"`
	CreatedAt    time.Time  `bson:"created_at"`
	UpdatedAt    time.Time  `bson:"updated_at"`
	DisabledAt   *time.Time `bson:"disabled_at,omitempty"` // written by SetUserDisabled alone
}

type userEmailDoc struct {
	Email  string `bson:"_id"`
	UserID string `bson:"user_id"`
}

func toUserDoc(u *delphi.User) userDoc {
	ids := u.SurveyIDs
	if ids == nil {
		ids = []string{}
	}
	d := userDoc{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, SurveyIDs: ids,
		PasswordHash: u.PasswordHash, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
	if u.DisabledAt != nil {
		at := u.DisabledAt.UTC().Truncate(time.Millisecond)
		d.DisabledAt = &at
	}
	return d
}

func (d *userDoc) user() *delphi.User {
	ids := d.SurveyIDs
	if ids == nil {
		ids = []string{}
	}
	return &delphi.User{
		ID: d.ID, Email: d.Email, Name: d.Name, Role: d.Role, SurveyIDs: ids,
		PasswordHash: d.PasswordHash, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		DisabledAt: d.DisabledAt,
	}
}

// normEmail is the stored form of an e-mail address.
func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores u, assigning ID, CreatedAt and UpdatedAt and
// lower-casing Email. ECONFLICT (field email) if the e-mail is taken,
// EINVALID if it is empty.
//
// The e-mail is claimed first by inserting its user_emails document: a
// duplicate _id on insert is reported reliably by FerretDB and MongoDB alike.
func (s *Store) CreateUser(ctx context.Context, u *delphi.User) error {
	email := normEmail(u.Email)
	if email == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "email", "e-mail is required")
	}
	defer s.locks.Lock(colUserEmails + "/" + email)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	id := newID()
	emails := s.db.Collection(colUserEmails)
	_, err := emails.InsertOne(ctx, userEmailDoc{Email: email, UserID: id})
	if mongo.IsDuplicateKeyError(err) {
		err = s.reclaimOrphanEmail(ctx, email, id)
	}
	if err != nil {
		return mapErr(err, "user")
	}

	now := s.now()
	nu := *u
	nu.ID, nu.Email, nu.CreatedAt, nu.UpdatedAt = id, email, now, now
	doc := toUserDoc(&nu)
	if _, err := s.db.Collection(colUsers).InsertOne(ctx, doc); err != nil {
		// Release the claim so the e-mail is not blocked; if this fails too,
		// the next CreateUser reclaims the orphan.
		dctx, dcancel := withTimeout(context.WithoutCancel(ctx))
		_, _ = emails.DeleteOne(dctx, bson.D{{Key: "_id", Value: email}})
		dcancel()
		return mapErr(err, "user")
	}
	*u = *doc.user()
	return nil
}

// reclaimOrphanEmail handles a taken e-mail claim. If the claim points to a
// user that exists, the e-mail is in use: ECONFLICT. If it points nowhere
// (a crash between the two inserts of CreateUser), the claim is handed to
// newUserID. Runs under the e-mail's lock.
func (s *Store) reclaimOrphanEmail(ctx context.Context, email, newUserID string) error {
	conflict := delphi.FieldErrorf(delphi.ECONFLICT, "email", "a user with this e-mail address already exists")
	var claim userEmailDoc
	err := s.db.Collection(colUserEmails).FindOne(ctx, bson.D{{Key: "_id", Value: email}}).Decode(&claim)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return conflict // removed meanwhile by another process; let the caller retry
	} else if err != nil {
		return err
	}
	err = s.db.Collection(colUsers).FindOne(ctx, bson.D{{Key: "_id", Value: claim.UserID}}).Err()
	if err == nil {
		return conflict
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return err
	}
	s.logger.Warn("reclaiming orphaned e-mail claim", "orphan_user_id", claim.UserID)
	_, err = s.db.Collection(colUserEmails).ReplaceOne(ctx, bson.D{{Key: "_id", Value: email}}, userEmailDoc{Email: email, UserID: newUserID})
	return err
}

// UserByID returns the user with the given id. ENOTFOUND.
func (s *Store) UserByID(ctx context.Context, id string) (*delphi.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.userByID(ctx, id)
}

func (s *Store) userByID(ctx context.Context, id string) (*delphi.User, error) {
	var d userDoc
	if err := s.db.Collection(colUsers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, mapErr(err, "user")
	}
	return d.user(), nil
}

// UserByEmail returns the user with the given e-mail, compared
// case-insensitively. ENOTFOUND.
func (s *Store) UserByEmail(ctx context.Context, email string) (*delphi.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	email = normEmail(email)
	var claim userEmailDoc
	if err := s.db.Collection(colUserEmails).FindOne(ctx, bson.D{{Key: "_id", Value: email}}).Decode(&claim); err != nil {
		return nil, mapErr(err, "user")
	}
	u, err := s.userByID(ctx, claim.UserID)
	if err != nil {
		return nil, err // ENOTFOUND for an orphaned claim
	}
	if u.Email != email {
		return nil, delphi.Internal(errors.New("user_emails entry " + email + " points to user " + u.ID + " with e-mail " + u.Email))
	}
	return u, nil
}

// UpdateUser replaces u's name, role, survey ids and password hash, sets
// UpdatedAt and fills u with the stored user. The e-mail and the disabled
// state (SetUserDisabled) are not changed, so a copy read before an admin
// disabled the account cannot enable it again. ENOTFOUND.
func (s *Store) UpdateUser(ctx context.Context, u *delphi.User) error {
	if u.ID == "" {
		return delphi.Errorf(delphi.ENOTFOUND, "user not found")
	}
	defer s.locks.Lock(colUsers + "/" + u.ID)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	ids := u.SurveyIDs
	if ids == nil {
		ids = []string{}
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: u.Name},
		{Key: "role", Value: u.Role},
		{Key: "survey_ids", Value: ids},
		{Key: "password_hash", Value: u.PasswordHash},
		{Key: "updated_at", Value: s.now()},
	}}}
	var d userDoc
	err := s.db.Collection(colUsers).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: u.ID}}, update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return mapErr(err, "user")
	}
	*u = *d.user()
	return nil
}

// SetUserDisabled disables the account at *at or, with at == nil, enables
// it, and returns the stored user and whether this call changed its state.
// It writes disabled_at (a $set, or an $unset to enable) and updated_at
// alone, under the user's lock and filtering by _id, so a concurrent
// UpdateUser keeps its fields and cannot undo the state. Disabling a
// disabled account keeps the earlier time and enabling an enabled one
// writes nothing. On MongoDB, where several instances may write, the
// disable is also a compare-and-set on disabled_at being absent. ENOTFOUND.
func (s *Store) SetUserDisabled(ctx context.Context, id string, at *time.Time) (*delphi.User, bool, error) {
	defer s.locks.Lock(colUsers + "/" + id)()
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	u, err := s.userByID(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if u.Disabled() == (at != nil) {
		return u, false, nil
	}
	filter := bson.D{{Key: "_id", Value: id}}
	var update bson.D
	if at != nil {
		if !s.ferret {
			filter = append(filter, bson.E{Key: "disabled_at", Value: nil})
		}
		update = bson.D{{Key: "$set", Value: bson.D{
			{Key: "disabled_at", Value: at.UTC().Truncate(time.Millisecond)},
			{Key: "updated_at", Value: s.now()},
		}}}
	} else {
		if !s.ferret {
			filter = append(filter, bson.E{Key: "disabled_at", Value: bson.D{{Key: "$ne", Value: nil}}})
		}
		update = bson.D{
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.now()}}},
			{Key: "$unset", Value: bson.D{{Key: "disabled_at", Value: ""}}},
		}
	}
	res, err := s.db.Collection(colUsers).UpdateOne(ctx, filter, update)
	if err != nil {
		return nil, false, mapErr(err, "user")
	}
	if u, err = s.userByID(ctx, id); err != nil {
		return nil, false, err
	}
	// The filter holds the state read (on FerretDB the lock does), so a
	// match is this call's change.
	return u, res.MatchedCount > 0, nil
}

// ListUsers returns all staff accounts ordered by e-mail.
func (s *Store) ListUsers(ctx context.Context) ([]*delphi.User, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cur, err := s.db.Collection(colUsers).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err, "users")
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(err, "users")
	}
	users := make([]*delphi.User, len(docs))
	for i := range docs {
		users[i] = docs[i].user()
	}
	slices.SortFunc(users, func(a, b *delphi.User) int { return cmp.Compare(a.Email, b.Email) })
	return users, nil
}

// CountUsers returns the number of staff accounts.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	n, err := s.db.Collection(colUsers).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, mapErr(err, "users")
	}
	return int(n), nil
}
