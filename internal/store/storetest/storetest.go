// Package storetest is the behaviour suite of package store. The same tests
// run against every backend: the embedded FerretDB always, MongoDB when
// MONGODB_TEST_URI is set.
package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// RunContract runs the suite. newStore must return a migrated store on an
// empty database of its own and close it when the test ends.
func RunContract(t *testing.T, newStore func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"MigrateIsIdempotent", testMigrate},
		{"Users", testUsers},
		{"UsersConcurrentCreateSameEmail", testUsersConcurrentCreate},
		{"UsersDisable", testUsersDisable},
		{"Sessions", testSessions},
		{"Surveys", testSurveys},
		{"SurveysConcurrentPut", testSurveysConcurrentPut},
		{"Audit", testAudit},
		{"Limiter", testLimiter},
		{"LimiterConcurrentReserve", testLimiterConcurrentReserve},
	}
	tests = append(tests, expertTests...)
	tests = append(tests, mailTests...)
	tests = append(tests, participationTests...)
	tests = append(tests, roundTests...)
	tests = append(tests, answerTests...)
	tests = append(tests, revisionTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// clock is a settable store clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(s *store.Store) *clock {
	c := &clock{t: time.Date(2026, 1, 26, 10, 15, 0, 0, time.UTC)}
	s.Now = c.Now
	return c
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := delphi.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testMigrate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	v1, err := s.SchemaVersion(ctx)
	must(t, err)
	if v1 < 1 {
		t.Fatalf("schema version after Migrate = %d, want >= 1", v1)
	}
	must(t, s.Migrate(ctx))
	must(t, s.Migrate(ctx))
	v2, err := s.SchemaVersion(ctx)
	must(t, err)
	if v2 != v1 {
		t.Fatalf("schema version after repeated Migrate = %d, want %d", v2, v1)
	}
}

func testUsers(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)

	n, err := s.CountUsers(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("CountUsers on empty store = %d", n)
	}
	users, err := s.ListUsers(ctx)
	must(t, err)
	if len(users) != 0 {
		t.Fatalf("ListUsers on empty store = %v", users)
	}

	bob := &delphi.User{Email: " Bob@Example.ORG ", Name: "Bob", Role: delphi.RoleCoordinator, SurveyIDs: []string{"s1"}, PasswordHash: "$argon2id$x"}
	must(t, s.CreateUser(ctx, bob))
	if bob.ID == "" || bob.Email != "bob@example.org" || !bob.CreatedAt.Equal(clk.Now()) || !bob.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateUser did not fill id, lower-case e-mail and times: %+v", bob)
	}
	alice := &delphi.User{Email: "alice@example.org", Name: "Alice", Role: delphi.RoleAdmin}
	must(t, s.CreateUser(ctx, alice))
	if alice.ID == bob.ID {
		t.Fatal("two users got the same id")
	}

	got, err := s.UserByID(ctx, bob.ID)
	must(t, err)
	if !reflect.DeepEqual(got, bob) {
		t.Fatalf("UserByID = %+v, want %+v", got, bob)
	}
	got, err = s.UserByEmail(ctx, "BOB@example.org")
	must(t, err)
	if !reflect.DeepEqual(got, bob) {
		t.Fatalf("UserByEmail = %+v, want %+v", got, bob)
	}

	err = s.CreateUser(ctx, &delphi.User{Email: "ALICE@Example.org", Name: "Other", Role: delphi.RoleResearcher})
	wantCode(t, err, delphi.ECONFLICT)
	err = s.CreateUser(ctx, &delphi.User{Email: "  ", Role: delphi.RoleResearcher})
	wantCode(t, err, delphi.EINVALID)

	_, err = s.UserByID(ctx, "nobody")
	wantCode(t, err, delphi.ENOTFOUND)
	_, err = s.UserByEmail(ctx, "nobody@example.org")
	wantCode(t, err, delphi.ENOTFOUND)

	clk.Add(time.Hour)
	upd := &delphi.User{ID: bob.ID, Email: "ignored@example.org", Name: "Robert", Role: delphi.RoleResearcher, SurveyIDs: []string{"s2", "s3"}, PasswordHash: "$argon2id$y"}
	must(t, s.UpdateUser(ctx, upd))
	want := *bob
	want.Name, want.Role, want.SurveyIDs, want.PasswordHash, want.UpdatedAt = "Robert", delphi.RoleResearcher, []string{"s2", "s3"}, "$argon2id$y", clk.Now()
	if !reflect.DeepEqual(upd, &want) {
		t.Fatalf("UpdateUser filled %+v, want %+v", upd, &want)
	}
	got, err = s.UserByID(ctx, bob.ID)
	must(t, err)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("after UpdateUser: %+v, want %+v", got, &want)
	}
	wantCode(t, s.UpdateUser(ctx, &delphi.User{ID: "nobody", Role: delphi.RoleAdmin}), delphi.ENOTFOUND)

	users, err = s.ListUsers(ctx)
	must(t, err)
	if len(users) != 2 || users[0].Email != "alice@example.org" || users[1].Email != "bob@example.org" {
		t.Fatalf("ListUsers not ordered by e-mail: %v", users)
	}
	n, err = s.CountUsers(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
}

// testUsersDisable: SetUserDisabled writes the disabled time alone, keeps
// the first time, reports whether it changed the state, and survives an
// UpdateUser from a copy read before (which cannot enable the account).
func testUsersDisable(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	bob := &delphi.User{Email: "bob@example.org", Name: "Bob", Role: delphi.RoleCoordinator, SurveyIDs: []string{"s1"}, PasswordHash: "$argon2id$x"}
	must(t, s.CreateUser(ctx, bob))
	alice := &delphi.User{Email: "alice@example.org", Name: "Alice", Role: delphi.RoleAdmin}
	must(t, s.CreateUser(ctx, alice))
	stale := *bob // an admin's copy, read before the disable

	clk.Add(time.Minute)
	at := clk.Now().Add(123456 * time.Nanosecond) // kept to the millisecond
	got, changed, err := s.SetUserDisabled(ctx, bob.ID, &at)
	must(t, err)
	disabled := at.Truncate(time.Millisecond)
	want := *bob
	want.DisabledAt, want.UpdatedAt = &disabled, clk.Now()
	if !changed || !reflect.DeepEqual(got, &want) || !got.Disabled() {
		t.Fatalf("SetUserDisabled = %+v, %v; want %+v, true", got, changed, &want)
	}
	stored, err := s.UserByID(ctx, bob.ID)
	must(t, err)
	if !reflect.DeepEqual(stored, got) {
		t.Fatalf("stored %+v, returned %+v", stored, got)
	}
	if byEmail, err := s.UserByEmail(ctx, "bob@example.org"); err != nil || !byEmail.Disabled() {
		t.Fatalf("UserByEmail of a disabled user: %+v, %v", byEmail, err)
	}

	// A second disable keeps the first time and writes nothing.
	clk.Add(time.Minute)
	later := clk.Now()
	again, changed, err := s.SetUserDisabled(ctx, bob.ID, &later)
	must(t, err)
	if changed || !reflect.DeepEqual(again, got) {
		t.Fatalf("a second disable: %+v, changed %v; want %+v unchanged", again, changed, got)
	}

	// UpdateUser from the stale copy changes its fields, not the state.
	stale.Name, stale.PasswordHash = "Robert", "$argon2id$new"
	must(t, s.UpdateUser(ctx, &stale))
	if !stale.Disabled() || !stale.DisabledAt.Equal(disabled) || stale.Name != "Robert" || stale.PasswordHash != "$argon2id$new" {
		t.Fatalf("UpdateUser from a copy read before the disable: %+v", stale)
	}
	// Nor does a copy that claims another state.
	forged := stale
	forged.DisabledAt = nil
	must(t, s.UpdateUser(ctx, &forged))
	if !forged.Disabled() {
		t.Fatalf("UpdateUser enabled the account: %+v", forged)
	}

	// The list shows the state; other accounts are untouched.
	users, err := s.ListUsers(ctx)
	must(t, err)
	if len(users) != 2 || users[0].Disabled() || !users[1].Disabled() || delphi.EnabledAdmins(users) != 1 {
		t.Fatalf("ListUsers after the disable: %+v", users)
	}

	// Enabling unsets the time alone; a second enable writes nothing.
	clk.Add(time.Minute)
	got, changed, err = s.SetUserDisabled(ctx, bob.ID, nil)
	must(t, err)
	if !changed || got.Disabled() || got.Name != "Robert" || got.PasswordHash != "$argon2id$new" || !got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("enable: %+v, changed %v", got, changed)
	}
	clk.Add(time.Minute)
	again, changed, err = s.SetUserDisabled(ctx, bob.ID, nil)
	must(t, err)
	if changed || !reflect.DeepEqual(again, got) {
		t.Fatalf("a second enable: %+v, changed %v; want %+v unchanged", again, changed, got)
	}

	_, _, err = s.SetUserDisabled(ctx, "nobody", &later)
	wantCode(t, err, delphi.ENOTFOUND)
	_, _, err = s.SetUserDisabled(ctx, "nobody", nil)
	wantCode(t, err, delphi.ENOTFOUND)

	// Concurrent disables of one account: one changes it, all see one time.
	const workers = 8
	results := make([]*delphi.User, workers)
	changes := make([]bool, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			at := clk.Now().Add(time.Duration(i) * time.Second)
			u, ch, err := s.SetUserDisabled(ctx, alice.ID, &at)
			if err != nil {
				t.Errorf("SetUserDisabled: %v", err)
				return
			}
			results[i], changes[i] = u, ch
		})
	}
	wg.Wait()
	stored, err = s.UserByID(ctx, alice.ID)
	must(t, err)
	n := 0
	for i, u := range results {
		if changes[i] {
			n++
		}
		if u == nil || !u.DisabledAt.Equal(*stored.DisabledAt) {
			t.Fatalf("disable %d returned %+v, stored %v", i, u, stored.DisabledAt)
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent disables changed the state, want 1", n)
	}
}

func testUsersConcurrentCreate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const workers = 16
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			email := "same@example.org"
			if i%2 == 1 {
				email = "SAME@Example.org"
			}
			errs[i] = s.CreateUser(ctx, &delphi.User{Email: email, Name: fmt.Sprint(i), Role: delphi.RoleCoordinator})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch delphi.ErrorCode(err) {
		case "":
			ok++
		case delphi.ECONFLICT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent CreateUser calls succeeded, want exactly 1", ok)
	}
	n, err := s.CountUsers(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("CountUsers = %d, want 1", n)
	}
}

func testSessions(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	sess := &delphi.Session{ID: "sess-1", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
	must(t, s.CreateSession(ctx, sess))
	wantCode(t, s.CreateSession(ctx, &delphi.Session{ID: "sess-1", UserID: "u2"}), delphi.ECONFLICT)
	wantCode(t, s.CreateSession(ctx, &delphi.Session{UserID: "u2"}), delphi.EINVALID)

	got, err := s.SessionByID(ctx, "sess-1")
	must(t, err)
	if !reflect.DeepEqual(got, sess) || !got.Active(now.Add(time.Hour)) {
		t.Fatalf("SessionByID = %+v, want active %+v", got, sess)
	}
	_, err = s.SessionByID(ctx, "nope")
	wantCode(t, err, delphi.ENOTFOUND)

	at := now.Add(2 * time.Hour)
	must(t, s.RevokeSession(ctx, "sess-1", at))
	got, err = s.SessionByID(ctx, "sess-1")
	must(t, err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(at) || got.Active(now.Add(3*time.Hour)) {
		t.Fatalf("after RevokeSession: %+v", got)
	}
	wantCode(t, s.RevokeSession(ctx, "nope", at), delphi.ENOTFOUND)

	// RevokeUserSessions ends the user's other active sessions, not another user's.
	must(t, s.CreateSession(ctx, &delphi.Session{ID: "sess-2", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}))
	must(t, s.CreateSession(ctx, &delphi.Session{ID: "sess-3", UserID: "u1", CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}))
	must(t, s.CreateSession(ctx, &delphi.Session{ID: "other", UserID: "u2", CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour)}))
	n, err := s.RevokeUserSessions(ctx, "u1", at)
	must(t, err)
	if n != 2 {
		t.Errorf("RevokeUserSessions revoked %d, want 2 (sess-1 was revoked already)", n)
	}
	for id, active := range map[string]bool{"sess-2": false, "sess-3": false, "other": true} {
		got, err := s.SessionByID(ctx, id)
		must(t, err)
		if got.Active(now.Add(3*time.Hour)) != active {
			t.Errorf("%s active = %v, want %v", id, !active, active)
		}
	}
}

// definition returns a definition touching every kind of field.
func definition(id, title string) *delphi.Definition {
	lo, hi := 0.0, 1e6
	no := false
	return &delphi.Definition{
		ID: id, Version: "2020-10", Languages: []string{"de", "en"},
		Title:       delphi.Text{"de": title, "en": title + " (en)"},
		Description: delphi.Text{"de": "Ümläute & <html>"},
		TimeZone:    "Europe/Berlin",
		Contact:     &delphi.Contact{Name: "Koordination", Email: "k@example.org"},
		Groups:      []delphi.Group{{ID: "wiss", Label: delphi.Text{"de": "Wissenschaft"}}},
		Scales: []delphi.Scale{{
			ID:           "imp5",
			Points:       []delphi.ScalePoint{{Value: 1, Label: delphi.Text{"de": "gar nicht"}}, {Value: 5, Label: delphi.Text{"de": "sehr"}}},
			Abstain:      &delphi.Abstain{Label: delphi.Text{"de": "kann ich nicht beurteilen"}},
			Agreement:    delphi.Band{Min: 4, Max: 5},
			Disagreement: &delphi.Band{Min: 1, Max: 2},
		}},
		QuantileType: delphi.QuantileType6,
		Consensus: delphi.Rule{MinN: 5, All: []delphi.Rule{
			{Agreement: &delphi.AgreementRule{MinPercent: 66.7}},
			{IQR: &delphi.MaxRule{Max: 1}},
		}},
		Rounds: delphi.RoundPlan{
			Planned:       3,
			Feedback:      delphi.Feedback{Statistics: []string{"median", "iqr"}, OwnPrevious: true},
			CarryOver:     delphi.CarryOver{Mode: delphi.CarryChosen, Items: []string{"q1"}},
			AllowRevision: &no,
		},
		Sections: []delphi.Section{{
			ID: "themen", Title: delphi.Text{"de": "Themen"},
			Items: []delphi.Item{
				{ID: "q1", Type: delphi.ItemRating, Text: delphi.Text{"de": "Wohnen"}, Scale: "imp5", Comment: true},
				{ID: "q2", Type: delphi.ItemNumeric, Text: delphi.Text{"de": "Einwohner"}, Numeric: &delphi.Numeric{Min: &lo, Max: &hi, Integer: true}},
				{ID: "q3", Type: delphi.ItemMultipleChoice, Text: delphi.Text{"de": "Wahl"}, MaxChoices: 2,
					Options: []delphi.Option{{ID: "a", Label: delphi.Text{"de": "A"}}, {ID: "b", Label: delphi.Text{"de": "B"}}}},
			},
		}},
	}
}

func testSurveys(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)

	_, err := s.SurveyByID(ctx, "nope")
	wantCode(t, err, delphi.ENOTFOUND)
	_, _, err = s.PutSurvey(ctx, &delphi.Survey{ID: "x"})
	wantCode(t, err, delphi.EINVALID)
	_, _, err = s.PutSurvey(ctx, &delphi.Survey{ID: "x", Definition: definition("y", "Y")})
	wantCode(t, err, delphi.EINVALID)

	def1 := definition("kleinstadt", "Kleinstadt")
	s1, changed, err := s.PutSurvey(ctx, &delphi.Survey{Definition: def1, CreatedBy: "u1"})
	must(t, err)
	if !changed || s1.ID != "kleinstadt" || s1.Revision != 1 || s1.Status != delphi.SurveyActive || s1.CreatedBy != "u1" ||
		!s1.CreatedAt.Equal(clk.Now()) || !reflect.DeepEqual(s1.Definition, def1) {
		t.Fatalf("first PutSurvey = %+v, changed %v", s1, changed)
	}

	clk.Add(time.Minute)
	same, changed, err := s.PutSurvey(ctx, &delphi.Survey{ID: "kleinstadt", Definition: definition("kleinstadt", "Kleinstadt"), CreatedBy: "u2"})
	must(t, err)
	if changed || !reflect.DeepEqual(same, s1) {
		t.Fatalf("identical PutSurvey = %+v, changed %v; want %+v unchanged", same, changed, s1)
	}

	clk.Add(time.Minute)
	def2 := definition("kleinstadt", "Kleinstadt 2")
	s2, changed, err := s.PutSurvey(ctx, &delphi.Survey{Definition: def2, CreatedBy: "u2"})
	must(t, err)
	if !changed || s2.Revision != 2 || !s2.CreatedAt.Equal(s1.CreatedAt) || !s2.UpdatedAt.Equal(clk.Now()) ||
		s2.CreatedBy != "u2" || !reflect.DeepEqual(s2.Definition, def2) {
		t.Fatalf("changed PutSurvey = %+v, changed %v", s2, changed)
	}

	latest, err := s.SurveyByID(ctx, "kleinstadt")
	must(t, err)
	if !reflect.DeepEqual(latest, s2) {
		t.Fatalf("SurveyByID = %+v, want %+v", latest, s2)
	}
	r1, err := s.SurveyRevision(ctx, "kleinstadt", 1)
	must(t, err)
	if !reflect.DeepEqual(r1, s1) {
		t.Fatalf("SurveyRevision 1 = %+v, want %+v", r1, s1)
	}
	_, err = s.SurveyRevision(ctx, "kleinstadt", 3)
	wantCode(t, err, delphi.ENOTFOUND)

	// Status is kept across revisions unless given.
	closed, _, err := s.PutSurvey(ctx, &delphi.Survey{Definition: definition("kleinstadt", "K3"), Status: delphi.SurveyClosed})
	must(t, err)
	s4, _, err := s.PutSurvey(ctx, &delphi.Survey{Definition: definition("kleinstadt", "K4")})
	must(t, err)
	if closed.Status != delphi.SurveyClosed || s4.Status != delphi.SurveyClosed || s4.Revision != 4 {
		t.Fatalf("status not kept: rev %d %s, rev %d %s", closed.Revision, closed.Status, s4.Revision, s4.Status)
	}
	_, _, err = s.PutSurvey(ctx, &delphi.Survey{Definition: definition("kleinstadt", "K5"), Status: "bogus"})
	wantCode(t, err, delphi.EINVALID)

	_, _, err = s.PutSurvey(ctx, &delphi.Survey{Definition: definition("alpha", "Alpha"), Status: delphi.SurveyDraft})
	must(t, err)
	all, err := s.ListSurveys(ctx, nil)
	must(t, err)
	if ids := surveyIDs(all); !slices.Equal(ids, []string{"alpha", "kleinstadt"}) || all[1].Revision != 4 {
		t.Fatalf("ListSurveys(nil) = %v", ids)
	}
	some, err := s.ListSurveys(ctx, []string{"kleinstadt", "missing", "kleinstadt"})
	must(t, err)
	if ids := surveyIDs(some); !slices.Equal(ids, []string{"kleinstadt"}) {
		t.Fatalf("ListSurveys(kleinstadt, missing) = %v", ids)
	}
	none, err := s.ListSurveys(ctx, []string{})
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("ListSurveys(empty) = %v", surveyIDs(none))
	}
}

func surveyIDs(ss []*delphi.Survey) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func testSurveysConcurrentPut(t *testing.T, s *store.Store) {
	ctx := t.Context()
	const workers = 8
	revs := make([]int, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			sv, changed, err := s.PutSurvey(ctx, &delphi.Survey{Definition: definition("race", fmt.Sprint("title ", i))})
			if err != nil || !changed {
				t.Errorf("PutSurvey %d: changed %v, err %v", i, changed, err)
				return
			}
			revs[i] = sv.Revision
		})
	}
	wg.Wait()
	slices.Sort(revs)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(revs, want) {
		t.Fatalf("revisions = %v, want %v", revs, want)
	}
	latest, err := s.SurveyByID(ctx, "race")
	must(t, err)
	if latest.Revision != workers {
		t.Fatalf("latest revision = %d, want %d", latest.Revision, workers)
	}
}

func testAudit(t *testing.T, s *store.Store) {
	ctx := t.Context()
	entries, err := s.ListAudit(ctx, "", 10)
	must(t, err)
	if len(entries) != 0 {
		t.Fatalf("ListAudit on empty store = %v", entries)
	}
	base := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	in := []*delphi.AuditEntry{
		{At: base, ActorID: "cli", Action: "survey.import", SurveyID: "s1", Details: map[string]any{"revision": 1, "file": "s1.yaml", "$odd.key": []any{"x"}}},
		{At: base.Add(time.Second), ActorID: "u1", Action: "user.create", Target: "u2"},
		{At: base.Add(2 * time.Second), ActorID: "u1", Action: "survey.import", SurveyID: "s1"},
		{At: base.Add(3 * time.Second), ActorID: "u1", Action: "survey.import", SurveyID: "s2"},
	}
	for _, e := range in {
		must(t, s.AppendAudit(ctx, e))
		if e.ID == "" {
			t.Fatal("AppendAudit assigned no id")
		}
	}
	all, err := s.ListAudit(ctx, "", 0)
	must(t, err)
	if len(all) != 4 || all[0].ID != in[3].ID || all[3].ID != in[0].ID {
		t.Fatalf("ListAudit not newest first: %v", auditActions(all))
	}
	want := map[string]any{"revision": 1.0, "file": "s1.yaml", "$odd.key": []any{"x"}}
	if !reflect.DeepEqual(all[3].Details, want) || !all[3].At.Equal(base) || all[3].ActorID != "cli" {
		t.Fatalf("audit entry round trip: %+v", all[3])
	}
	s1, err := s.ListAudit(ctx, "s1", 0)
	must(t, err)
	if len(s1) != 2 || s1[0].ID != in[2].ID || s1[1].ID != in[0].ID {
		t.Fatalf("ListAudit(s1) = %v", auditActions(s1))
	}
	two, err := s.ListAudit(ctx, "", 2)
	must(t, err)
	if len(two) != 2 || two[0].ID != in[3].ID || two[1].ID != in[2].ID {
		t.Fatalf("ListAudit limit 2 = %v", auditActions(two))
	}
}

func auditActions(es []*delphi.AuditEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "[%s %s %s] ", e.At.Format(time.RFC3339), e.Action, e.SurveyID)
	}
	return b.String()
}

func testLimiter(t *testing.T, s *store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	const w = 10 * time.Second
	reserve := func(key string, at time.Time, limit int) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := s.Reserve(ctx, key, at, w, limit)
		must(t, err)
		return ok, wait
	}
	attempts := func(key string, at time.Time) int {
		t.Helper()
		n, err := s.Attempts(ctx, key, at, w)
		must(t, err)
		return n
	}

	if n := attempts("ip:1", t0); n != 0 {
		t.Fatalf("Attempts on unknown key = %d", n)
	}
	for i := range 3 {
		if ok, wait := reserve("ip:1", t0.Add(time.Duration(i)*time.Second), 3); !ok || wait != 0 {
			t.Fatalf("Reserve %d = %v %v, want granted", i, ok, wait)
		}
		if n := attempts("ip:1", t0.Add(time.Duration(i)*time.Second)); n != i+1 {
			t.Fatalf("Attempts after %d reservations = %d", i+1, n)
		}
	}
	// The window [0s, 10s] holds 3: refused until the attempt at 0s has left it.
	ok, wait := reserve("ip:1", t0.Add(10*time.Second), 3)
	if ok || wait != time.Nanosecond {
		t.Fatalf("4th Reserve in the window = %v %v, want refused for 1ns", ok, wait)
	}
	ok, wait = reserve("ip:1", t0.Add(4*time.Second), 2)
	if ok || wait != 7*time.Second+time.Nanosecond {
		t.Fatalf("Reserve at 4s with limit 2 = %v %v, want refused for 7s+1ns (until the hit at 1s leaves)", ok, wait)
	}
	if n := attempts("ip:1", t0.Add(10*time.Second)); n != 3 {
		t.Fatalf("a refused reservation was recorded: %d", n)
	}
	// At t0+11.5s the window [1.5s, 11.5s] holds only the hit at 2s.
	if n := attempts("ip:1", t0.Add(11500*time.Millisecond)); n != 1 {
		t.Fatalf("Attempts after the window moved = %d, want 1", n)
	}
	// Hits outside the new window are dropped, the one at 2s stays.
	if ok, _ := reserve("ip:1", t0.Add(12*time.Second), 3); !ok {
		t.Fatal("Reserve after the window moved was refused")
	}
	if n := attempts("ip:1", t0.Add(12*time.Second)); n != 2 {
		t.Fatalf("Attempts after the window moved = %d, want 2", n)
	}
	// The window bound is inclusive.
	if n := attempts("ip:1", t0.Add(22*time.Second)); n != 1 {
		t.Fatalf("Attempts at the window's edge = %d, want 1", n)
	}
	if n := attempts("ip:2", t0); n != 0 {
		t.Fatalf("keys are not separate: %d", n)
	}
	// An attempt stamped after now (another clock runs ahead) counts.
	if ok, _ := reserve("ahead", t0.Add(time.Second), 1); !ok {
		t.Fatal("first Reserve refused")
	}
	if ok, _ := reserve("ahead", t0, 1); ok {
		t.Fatal("Reserve ignored an attempt stamped after now")
	}

	// TakeBack removes the one attempt at that time, and only that one.
	must(t, s.TakeBack(ctx, "ip:1", t0.Add(12*time.Second)))
	if n := attempts("ip:1", t0.Add(12*time.Second)); n != 1 {
		t.Fatalf("Attempts after TakeBack = %d, want 1", n)
	}
	must(t, s.TakeBack(ctx, "ip:1", t0.Add(12*time.Second))) // gone already
	must(t, s.TakeBack(ctx, "never-seen", t0))
	if n := attempts("ip:1", t0.Add(12*time.Second)); n != 1 {
		t.Fatalf("Attempts after a second TakeBack = %d, want 1", n)
	}
	for range 2 { // two attempts at one time: TakeBack removes one
		if ok, _ := reserve("same", t0, 5); !ok {
			t.Fatal("Reserve refused")
		}
	}
	must(t, s.TakeBack(ctx, "same", t0))
	if n := attempts("same", t0); n != 1 {
		t.Fatalf("TakeBack of one of two attempts at one time left %d", n)
	}

	must(t, s.Reset(ctx, "ip:1"))
	if n := attempts("ip:1", t0.Add(12*time.Second)); n != 0 {
		t.Fatalf("Attempts after Reset = %d", n)
	}
	must(t, s.Reset(ctx, "never-seen"))

	reserve("old", t0, 5)
	reserve("new", t0.Add(time.Minute), 5)
	purged, err := s.PurgeLimiter(ctx, t0.Add(30*time.Second))
	must(t, err)
	if purged != 3 { // old, ahead, same
		t.Fatalf("PurgeLimiter = %d, want 3", purged)
	}
	if n := attempts("old", t0); n != 0 {
		t.Fatalf("PurgeLimiter kept an old key")
	}
	if n := attempts("new", t0.Add(time.Minute)); n != 1 {
		t.Fatalf("PurgeLimiter removed a live key")
	}
}

// testLimiterConcurrentReserve: many requests reserve at once. Exactly
// limit are granted however they interleave, and below the limit none is
// lost.
func testLimiterConcurrentReserve(t *testing.T, s *store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 1, 26, 10, 0, 0, 0, time.UTC)
	const workers, limit = 30, 5
	if g := ReserveAtOnce(t, []*store.Store{s}, workers, "account:x", now, limit); g != limit {
		t.Fatalf("%d parallel reservations with limit %d: %d granted", workers, limit, g)
	}
	if n, err := s.Attempts(ctx, "account:x", now, time.Minute); err != nil || n != limit {
		t.Fatalf("Attempts after the parallel reservations = %d, %v; want %d", n, err, limit)
	}
	if g := ReserveAtOnce(t, []*store.Store{s}, workers, "account:y", now, workers+1); g != workers {
		t.Fatalf("%d parallel reservations below the limit: %d granted", workers, g)
	}
	if n, err := s.Attempts(ctx, "account:y", now, time.Minute); err != nil || n != workers {
		t.Fatalf("Attempts after %d parallel reservations = %d, %v (lost updates)", workers, n, err)
	}
}

// ReserveAtOnce starts perStore goroutines on each store, lets them call
// Reserve(key, now, one minute, limit) at the same moment and returns how
// many were granted.
func ReserveAtOnce(t *testing.T, stores []*store.Store, perStore int, key string, now time.Time, limit int) int {
	t.Helper()
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, s := range stores {
		for range perStore {
			wg.Go(func() {
				<-start
				ok, _, err := s.Reserve(t.Context(), key, now, time.Minute, limit)
				if err != nil {
					t.Errorf("Reserve: %v", err)
				}
				if ok {
					granted.Add(1)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	return int(granted.Load())
}
