package storetest

import (
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/store"
)

// expertTests are the ExpertStore part of the suite, run by RunContract.
var expertTests = []struct {
	name string
	fn   func(t *testing.T, s *store.Store)
}{
	{"Experts", testExperts},
	{"ExpertsErase", testExpertsErase},
	{"ExpertsAccessToken", testExpertsAccessToken},
	{"ExpertsConcurrentCreate", testExpertsConcurrentCreate},
	{"ExpertsBatchCreate", testExpertsBatchCreate},
	{"ExpertsConsentAndDeclineAlone", testExpertsConsentAndDecline},
	{"ExpertsUpdateKeepsConsentAndDecline", testExpertsUpdateKeepsConsentAndDecline},
}

var pseudonymRE = regexp.MustCompile(`^E-[2-9A-HJ-NP-Z]{4}$`)

func newExpert(survey, email string) *delphi.Expert {
	return &delphi.Expert{SurveyID: survey, Email: email, Name: "Name " + email, Organisation: "Org", Group: "wiss", Language: "de", Notes: "n"}
}

func testExperts(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)

	list, err := s.ListExperts(ctx, "s1")
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("ListExperts on empty store = %v", list)
	}
	a := newExpert("s1", " Anna@Example.ORG ")
	must(t, s.CreateExpert(ctx, a))
	if a.ID == "" || a.Email != "anna@example.org" || !pseudonymRE.MatchString(a.Pseudonym) || !a.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateExpert did not fill id, e-mail, pseudonym, times: %+v", a)
	}
	// Same e-mail, other case: conflict in the same study, fine in another.
	err = s.CreateExpert(ctx, newExpert("s1", "ANNA@example.org"))
	wantCode(t, err, delphi.ECONFLICT)
	if e := delphi.AsError(err); e.Field != "email" {
		t.Fatalf("conflict field = %q, want email", e.Field)
	}
	other := newExpert("s2", "anna@example.org")
	must(t, s.CreateExpert(ctx, other))
	wantCode(t, s.CreateExpert(ctx, newExpert("s1", "")), delphi.EINVALID)
	wantCode(t, s.CreateExpert(ctx, newExpert("", "x@example.org")), delphi.EINVALID)

	// A given pseudonym is reserved; taking it twice conflicts.
	b := newExpert("s1", "bert@example.org")
	b.Pseudonym = "E-2222"
	must(t, s.CreateExpert(ctx, b))
	c := newExpert("s1", "carl@example.org")
	c.Pseudonym = "E-2222"
	wantCode(t, s.CreateExpert(ctx, c), delphi.ECONFLICT)
	// The failed create released its e-mail claim.
	c.Pseudonym = ""
	must(t, s.CreateExpert(ctx, c))

	got, err := s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("ExpertByID = %+v, want %+v", got, a)
	}
	_, err = s.ExpertByID(ctx, "s2", a.ID)
	wantCode(t, err, delphi.ENOTFOUND)
	got, err = s.ExpertByEmail(ctx, "s1", "ANNA@example.org")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("ExpertByEmail = %s, want %s", got.ID, a.ID)
	}
	_, err = s.ExpertByEmail(ctx, "s1", "nobody@example.org")
	wantCode(t, err, delphi.ENOTFOUND)

	list, err = s.ListExperts(ctx, "s1")
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("ListExperts(s1) = %d experts, want 3", len(list))
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].Pseudonym >= list[i].Pseudonym {
			t.Fatalf("ListExperts not ordered by pseudonym: %s, %s", list[i-1].Pseudonym, list[i].Pseudonym)
		}
	}

	// Update: new e-mail frees the old one; a taken e-mail conflicts.
	clk.Add(time.Hour)
	upd := *a
	upd.Email, upd.Name, upd.Group, upd.Language = "Anna.New@example.org", "Anna N.", "prax", "en"
	must(t, s.UpdateExpert(ctx, &upd))
	if upd.Email != "anna.new@example.org" || upd.Name != "Anna N." || upd.Group != "prax" || upd.Language != "en" ||
		!upd.UpdatedAt.Equal(clk.Now()) || upd.Pseudonym != a.Pseudonym || !upd.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("UpdateExpert filled %+v", upd)
	}
	if _, err := s.ExpertByEmail(ctx, "s1", "anna@example.org"); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("old e-mail still found: %v", err)
	}
	must(t, s.CreateExpert(ctx, newExpert("s1", "anna@example.org"))) // the old address is free again
	taken := upd
	taken.Email = "BERT@example.org"
	wantCode(t, s.UpdateExpert(ctx, &taken), delphi.ECONFLICT)
	got, err = s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if got.Email != "anna.new@example.org" {
		t.Fatalf("failed update changed the e-mail to %q", got.Email)
	}
	wantCode(t, s.UpdateExpert(ctx, &delphi.Expert{ID: "nobody", SurveyID: "s1", Email: "n@example.org"}), delphi.ENOTFOUND)
}

func testExpertsErase(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	a := newExpert("s1", "anna@example.org")
	must(t, s.CreateExpert(ctx, a))
	_, hash := delphi.NewAccessToken()
	must(t, s.SetAccessToken(ctx, "s1", a.ID, hash, clk.Now()))

	clk.Add(time.Hour)
	must(t, s.EraseExpert(ctx, "s1", a.ID, clk.Now()))
	got, err := s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if !got.Erased() || got.Name != "" || got.Email != "" || got.Organisation != "" || got.Notes != "" {
		t.Fatalf("identity kept after erasure: %+v", got)
	}
	if got.Pseudonym != a.Pseudonym || got.Group != a.Group || got.Language != a.Language {
		t.Fatalf("erasure changed pseudonym, group or language: %+v", got)
	}
	_, err = s.ExpertByTokenHash(ctx, hash)
	wantCode(t, err, delphi.ENOTFOUND)
	_, err = s.ExpertByEmail(ctx, "s1", "anna@example.org")
	wantCode(t, err, delphi.ENOTFOUND)
	wantCode(t, s.SetAccessToken(ctx, "s1", a.ID, "h2", clk.Now()), delphi.ECONFLICT)
	// Identity cannot come back through an update; group still changes.
	back := *got
	back.Email = "anna@example.org"
	wantCode(t, s.UpdateExpert(ctx, &back), delphi.ECONFLICT)
	moved := *got
	moved.Group = "prax"
	must(t, s.UpdateExpert(ctx, &moved))
	if moved.Group != "prax" || !moved.Erased() {
		t.Fatalf("update of erased expert: %+v", moved)
	}

	// Erasing again keeps the first time; the e-mail is free for a new entry.
	first := *got.ErasedAt
	clk.Add(time.Hour)
	must(t, s.EraseExpert(ctx, "s1", a.ID, clk.Now()))
	got, err = s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if !got.ErasedAt.Equal(first) {
		t.Fatalf("second erasure moved ErasedAt to %v", got.ErasedAt)
	}
	must(t, s.CreateExpert(ctx, newExpert("s1", "anna@example.org")))
	list, err := s.ListExperts(ctx, "s1")
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("ListExperts after erasure = %d, want 2 (the erased one stays)", len(list))
	}
	wantCode(t, s.EraseExpert(ctx, "s1", "nobody", clk.Now()), delphi.ENOTFOUND)
	wantCode(t, s.EraseExpert(ctx, "s2", a.ID, clk.Now()), delphi.ENOTFOUND)
}

func testExpertsAccessToken(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	a := newExpert("s1", "anna@example.org")
	must(t, s.CreateExpert(ctx, a))

	_, err := s.ExpertByTokenHash(ctx, "unknown")
	wantCode(t, err, delphi.ENOTFOUND)
	unknownMsg := delphi.ErrorMessage(err)

	tok1, h1 := delphi.NewAccessToken()
	if delphi.HashAccessToken(tok1) != h1 || len(tok1) != 43 || len(h1) != 64 {
		t.Fatalf("token %q hash %q", tok1, h1)
	}
	must(t, s.SetAccessToken(ctx, "s1", a.ID, h1, clk.Now()))
	got, err := s.ExpertByTokenHash(ctx, h1)
	must(t, err)
	if got.ID != a.ID || got.Email != "anna@example.org" || got.LinkIssuedAt == nil || !got.LinkIssuedAt.Equal(clk.Now()) {
		t.Fatalf("ExpertByTokenHash = %+v", got)
	}

	clk.Add(time.Minute)
	_, h2 := delphi.NewAccessToken()
	must(t, s.SetAccessToken(ctx, "s1", a.ID, h2, clk.Now()))
	_, err = s.ExpertByTokenHash(ctx, h1)
	wantCode(t, err, delphi.ENOTFOUND)
	if msg := delphi.ErrorMessage(err); msg != unknownMsg {
		t.Fatalf("revoked token message %q differs from unknown token message %q", msg, unknownMsg)
	}
	got, err = s.ExpertByTokenHash(ctx, h2)
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("new token resolves to %s", got.ID)
	}
	wantCode(t, s.SetAccessToken(ctx, "s2", a.ID, "h3", clk.Now()), delphi.ENOTFOUND)
	wantCode(t, s.SetAccessToken(ctx, "s1", a.ID, "", clk.Now()), delphi.EINVALID)

	// ExpertByLink: the session check's one read agrees with
	// ExpertByTokenHash and carries no identity.
	got, err = s.ExpertByLink(ctx, "s1", a.ID, h2)
	must(t, err)
	if got.ID != a.ID || got.Pseudonym != a.Pseudonym || got.Email != "" || got.Name != "" {
		t.Fatalf("ExpertByLink = %+v, want the expert without identity", got)
	}
	for _, c := range []struct{ name, survey, expert, hash string }{
		{"replaced link", "s1", a.ID, h1},
		{"other study", "s2", a.ID, h2},
		{"unknown expert", "s1", "nobody", h2},
		{"empty hash", "s1", a.ID, ""},
	} {
		_, err := s.ExpertByLink(ctx, c.survey, c.expert, c.hash)
		wantCode(t, err, delphi.ENOTFOUND)
		if msg := delphi.ErrorMessage(err); msg != unknownMsg {
			t.Fatalf("ExpertByLink, %s: message %q, want %q", c.name, msg, unknownMsg)
		}
	}
	must(t, s.EraseExpert(ctx, "s1", a.ID, clk.Now()))
	_, err = s.ExpertByLink(ctx, "s1", a.ID, h2)
	wantCode(t, err, delphi.ENOTFOUND)
}

func testExpertsConcurrentCreate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	// Many experts at once: every pseudonym unique.
	const n = 40
	experts := make([]*delphi.Expert, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := newExpert("s1", fmt.Sprintf("e%d@example.org", i))
			if err := s.CreateExpert(ctx, e); err != nil {
				t.Errorf("CreateExpert %d: %v", i, err)
			}
			experts[i] = e
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, e := range experts {
		if seen[e.Pseudonym] {
			t.Fatalf("pseudonym %s given twice", e.Pseudonym)
		}
		seen[e.Pseudonym] = true
	}
	// The same pseudonym requested concurrently: exactly one wins.
	const workers = 8
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			e := newExpert("s2", fmt.Sprintf("p%d@example.org", i))
			e.Pseudonym = "E-ABCD"
			errs[i] = s.CreateExpert(ctx, e)
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
		t.Fatalf("%d concurrent creates with one pseudonym succeeded, want 1", ok)
	}
	// The same e-mail concurrently: exactly one wins.
	for i := range workers {
		wg.Go(func() {
			email := "same@example.org"
			if i%2 == 1 {
				email = "SAME@example.ORG"
			}
			errs[i] = s.CreateExpert(ctx, newExpert("s3", email))
		})
	}
	wg.Wait()
	ok = 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if delphi.ErrorCode(err) != delphi.ECONFLICT {
			t.Errorf("unexpected error: %v", err)
		}
	}
	list, err := s.ListExperts(ctx, "s3")
	must(t, err)
	if ok != 1 || len(list) != 1 {
		t.Fatalf("%d concurrent creates with one e-mail succeeded, %d stored; want 1", ok, len(list))
	}
}

func testExpertsBatchCreate(t *testing.T, s *store.Store) {
	ctx := t.Context()
	must(t, s.CreateExpert(ctx, newExpert("s1", "taken@example.org")))
	var batch []*delphi.Expert
	for i := range 300 {
		batch = append(batch, newExpert("s1", fmt.Sprintf("b%d@example.org", i)))
	}
	batch = append(batch, newExpert("s1", "TAKEN@example.org"), newExpert("s1", "B0@example.org"), newExpert("s1", ""))
	errs := s.CreateExperts(ctx, batch)
	for i := range 300 {
		if errs[i] != nil || batch[i].ID == "" || !pseudonymRE.MatchString(batch[i].Pseudonym) || batch[i].Email != fmt.Sprintf("b%d@example.org", i) {
			t.Fatalf("expert %d: %v %+v", i, errs[i], batch[i])
		}
	}
	wantCode(t, errs[300], delphi.ECONFLICT)
	wantCode(t, errs[301], delphi.ECONFLICT)
	wantCode(t, errs[302], delphi.EINVALID)
	list, err := s.ListExperts(ctx, "s1")
	must(t, err)
	if len(list) != 301 {
		t.Fatalf("ListExperts = %d, want 301", len(list))
	}
	seen := map[string]bool{}
	for _, e := range list {
		if seen[e.Pseudonym] {
			t.Fatalf("pseudonym %s twice", e.Pseudonym)
		}
		seen[e.Pseudonym] = true
	}
	got, err := s.ExpertByEmail(ctx, "s1", "b150@example.org")
	must(t, err)
	if !reflect.DeepEqual(got, batch[150]) {
		t.Fatalf("ExpertByEmail = %+v, want %+v", got, batch[150])
	}
}

// testExpertsConsentAndDecline: an expert's consent and decline write their
// own time once and nothing else, so a coordinator's edit made after the
// expert's request read the expert survives.
func testExpertsConsentAndDecline(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	a := newExpert("s1", "anna@example.org")
	must(t, s.CreateExpert(ctx, a))

	// The expert's request has read a; the coordinator changes the expert.
	clk.Add(time.Minute)
	edit := *a
	edit.Group, edit.Name, edit.Notes = "prax", "Anna Neu", "neu"
	must(t, s.UpdateExpert(ctx, &edit))
	clk.Add(time.Minute)
	consent := clk.Now()
	got, err := s.SetConsent(ctx, "s1", a.ID, consent)
	must(t, err)
	if got.ConsentAt == nil || !got.ConsentAt.Equal(consent) || got.Group != "prax" || got.Name != "Anna Neu" || got.Notes != "neu" ||
		got.DeclinedAt != nil || !got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("SetConsent after an edit: %+v", got)
	}
	clk.Add(time.Minute)
	again, err := s.SetConsent(ctx, "s1", a.ID, clk.Now())
	must(t, err)
	if !again.ConsentAt.Equal(consent) {
		t.Fatalf("a second consent moved the first from %v to %v", consent, again.ConsentAt)
	}

	edit = *got
	edit.Language, edit.Organisation = "en", "Institut"
	must(t, s.UpdateExpert(ctx, &edit))
	declined := clk.Now()
	got, err = s.SetDeclined(ctx, "s1", a.ID, declined)
	must(t, err)
	if got.DeclinedAt == nil || !got.DeclinedAt.Equal(declined) || !got.ConsentAt.Equal(consent) || got.Language != "en" ||
		got.Organisation != "Institut" || got.Group != "prax" || got.Email != "anna@example.org" {
		t.Fatalf("SetDeclined after an edit: %+v", got)
	}
	clk.Add(time.Minute)
	again, err = s.SetDeclined(ctx, "s1", a.ID, clk.Now())
	must(t, err)
	if !again.DeclinedAt.Equal(declined) {
		t.Fatalf("a second decline moved the first from %v to %v", declined, again.DeclinedAt)
	}
	stored, err := s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if !reflect.DeepEqual(stored, again) {
		t.Fatalf("stored %+v, returned %+v", stored, again)
	}

	_, err = s.SetConsent(ctx, "s2", a.ID, clk.Now())
	wantCode(t, err, delphi.ENOTFOUND)
	_, err = s.SetDeclined(ctx, "s1", "nobody", clk.Now())
	wantCode(t, err, delphi.ENOTFOUND)

	// Concurrent consents of one expert store one time, the first.
	b := newExpert("s1", "bert@example.org")
	must(t, s.CreateExpert(ctx, b))
	var wg sync.WaitGroup
	times := make([]time.Time, 8)
	for i := range times {
		wg.Go(func() {
			e, err := s.SetConsent(ctx, "s1", b.ID, clk.Now().Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Errorf("SetConsent: %v", err)
				return
			}
			times[i] = *e.ConsentAt
		})
	}
	wg.Wait()
	stored, err = s.ExpertByID(ctx, "s1", b.ID)
	must(t, err)
	for i, at := range times {
		if !at.Equal(*stored.ConsentAt) {
			t.Fatalf("consent %d returned %v, stored %v", i, at, stored.ConsentAt)
		}
	}
}

// testExpertsUpdateKeepsConsentAndDecline: UpdateExpert never writes the
// consent or declined time, so a coordinator's edit made from a copy read
// before the expert consented and declined keeps both, and a copy read
// while the expert was declined does not decline again after ClearDeclined.
// ClearDeclined unsets the decline alone.
func testExpertsUpdateKeepsConsentAndDecline(t *testing.T, s *store.Store) {
	ctx := t.Context()
	clk := newClock(s)
	a := newExpert("s1", "anna@example.org")
	must(t, s.CreateExpert(ctx, a))
	stale := *a // the coordinator's copy, read before the expert acted

	clk.Add(time.Minute)
	consent := clk.Now()
	_, err := s.SetConsent(ctx, "s1", a.ID, consent)
	must(t, err)
	clk.Add(time.Minute)
	declined := clk.Now()
	_, err = s.SetDeclined(ctx, "s1", a.ID, declined)
	must(t, err)

	clk.Add(time.Minute)
	stale.Group, stale.Name = "prax", "Anna Neu"
	must(t, s.UpdateExpert(ctx, &stale))
	if stale.ConsentAt == nil || !stale.ConsentAt.Equal(consent) || stale.DeclinedAt == nil || !stale.DeclinedAt.Equal(declined) ||
		stale.Group != "prax" || stale.Name != "Anna Neu" || !stale.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("UpdateExpert from a stale copy: %+v", stale)
	}
	stored, err := s.ExpertByID(ctx, "s1", a.ID)
	must(t, err)
	if !reflect.DeepEqual(stored, &stale) {
		t.Fatalf("stored %+v, UpdateExpert filled %+v", stored, stale)
	}

	// Times on the copy are ignored, whatever they say.
	forged := *stored
	later := clk.Now().Add(time.Hour)
	forged.ConsentAt, forged.DeclinedAt, forged.Notes = &later, &later, "neu"
	must(t, s.UpdateExpert(ctx, &forged))
	if !forged.ConsentAt.Equal(consent) || !forged.DeclinedAt.Equal(declined) || forged.Notes != "neu" {
		t.Fatalf("UpdateExpert wrote the copy's times: %+v", forged)
	}

	// ClearDeclined takes the decline back and nothing else.
	whileDeclined := forged
	clk.Add(time.Minute)
	edit := forged
	edit.Language = "en"
	must(t, s.UpdateExpert(ctx, &edit)) // a change ClearDeclined must keep
	clk.Add(time.Minute)
	got, err := s.ClearDeclined(ctx, "s1", a.ID)
	must(t, err)
	if got.DeclinedAt != nil || !got.ConsentAt.Equal(consent) || got.Language != "en" || got.Notes != "neu" || got.Name != "Anna Neu" ||
		!got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("ClearDeclined: %+v", got)
	}
	clk.Add(time.Minute)
	again, err := s.ClearDeclined(ctx, "s1", a.ID)
	must(t, err)
	if !reflect.DeepEqual(again, got) {
		t.Fatalf("a second ClearDeclined changed %+v to %+v", got, again)
	}
	_, err = s.ClearDeclined(ctx, "s2", a.ID)
	wantCode(t, err, delphi.ENOTFOUND)
	_, err = s.ClearDeclined(ctx, "s1", "nobody")
	wantCode(t, err, delphi.ENOTFOUND)

	// An edit from the copy read while declined does not decline again.
	whileDeclined.Organisation = "Institut"
	must(t, s.UpdateExpert(ctx, &whileDeclined))
	if whileDeclined.DeclinedAt != nil || !whileDeclined.ConsentAt.Equal(consent) || whileDeclined.Organisation != "Institut" {
		t.Fatalf("UpdateExpert from a copy read while declined: %+v", whileDeclined)
	}

	// A later decline stores its own time.
	clk.Add(time.Minute)
	got, err = s.SetDeclined(ctx, "s1", a.ID, clk.Now())
	must(t, err)
	if got.DeclinedAt == nil || !got.DeclinedAt.Equal(clk.Now()) {
		t.Fatalf("SetDeclined after ClearDeclined: %+v", got)
	}
}
