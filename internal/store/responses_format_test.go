package store_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Responses written in format 1 (answers_json), even those from before the
// answer times became Unix milliseconds (RFC 3339 strings), must keep
// reading; a save rewrites them in format 2 (answers). ListResponsesRounds
// and ListAnswersRounds must split the rounds they read in one pass.
func TestResponseOldTimeFormatAndRounds(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	old := `{"I1":{"v":{"point":4},"c":"alt","s":2,"f":"2026-11-01T09:00:00.123Z","l":"2026-11-02T10:30:00Z","r":1},` +
		`"I2":{"v":{"criteria":{"a":{"point":1},"b":{"abstain":true}}},"s":1,"f":"2026-11-01T09:00:00Z","l":"2026-11-01T09:00:00Z"}}`
	if _, err := s.DB().Collection("responses.sv.1").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "sv#1#x1"}, {Key: "survey_id", Value: "sv"}, {Key: "round", Value: 1},
		{Key: "expert_id", Value: "x1"}, {Key: "pseudonym", Value: "E-1"}, {Key: "group", Value: "g"},
		{Key: "submissions", Value: 0}, {Key: "saves", Value: int64(3)}, {Key: "saves_at_submit", Value: int64(0)},
		{Key: "answers_json", Value: old},
	}); err != nil {
		t.Fatal(err)
	}
	check := func(r *delphi.Response) {
		t.Helper()
		a := r.Answers["I1"]
		if a.Value.Point == nil || *a.Value.Point != 4 || a.Comment != "alt" || a.Seq != 2 || a.Revisions != 1 ||
			!a.FirstSavedAt.Equal(time.Date(2026, 11, 1, 9, 0, 0, 123e6, time.UTC)) ||
			!a.LastSavedAt.Equal(time.Date(2026, 11, 2, 10, 30, 0, 0, time.UTC)) || a.ItemID != "I1" || a.Pseudonym != "E-1" {
			t.Fatalf("I1 = %+v", a)
		}
		b := r.Answers["I2"]
		if p := b.Value.Criteria["a"].Point; p == nil || *p != 1 || !b.Value.Criteria["b"].Abstain {
			t.Fatalf("I2 = %+v", b)
		}
	}
	r, err := s.Response(ctx, "sv", 1, "x1")
	if err != nil {
		t.Fatal(err)
	}
	check(r)

	// A save rewrites the answers in format 2, every time as Unix milliseconds.
	at := time.Date(2026, 11, 3, 8, 0, 0, 456e6, time.UTC)
	three := 3
	if _, ok, err := s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "sv", Round: 1, ExpertID: "x1", Pseudonym: "E-1", Group: "g",
		ItemID: "I3", Value: delphi.Value{Point: &three}, Seq: 1}, at); err != nil || !ok {
		t.Fatalf("SaveAnswer = %v, %v", ok, err)
	}
	var raw bson.M
	if err := s.DB().Collection("responses.sv.1").FindOne(ctx, bson.D{{Key: "_id", Value: "sv#1#x1"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["answers_json"]; ok {
		t.Fatalf("answers_json kept after a save: %v", raw)
	}
	if a, _ := raw["answers"].(string); a != `{'I1':[4,2,1793523600123,1793615400000,1,'alt'],`+
		`'I2':[{'a':1,'b':true},1,1793523600000],'I3':[3,1,1793692800456]}` {
		t.Fatalf("answers after a save = %q", a)
	}
	if _, _, err := s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "sv", Round: 2, ExpertID: "x1", Pseudonym: "E-1", Group: "g",
		ItemID: "I1", Value: delphi.Value{Point: &three}, Seq: 1}, at); err != nil {
		t.Fatal(err)
	}
	m, err := s.ListResponsesRounds(ctx, "sv", 2, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || len(m[1]) != 1 || len(m[2]) != 1 || m[5] == nil || len(m[5]) != 0 {
		t.Fatalf("ListResponsesRounds = %v", m)
	}
	check(m[1][0])
	if a := m[1][0].Answers["I3"]; a.Value.Point == nil || *a.Value.Point != 3 || !a.FirstSavedAt.Equal(at) || !a.LastSavedAt.Equal(at) {
		t.Fatalf("I3 = %+v", a)
	}
	if a := m[2][0].Answers["I1"]; a.Round != 2 || !a.LastSavedAt.Equal(at) || a.LastSavedAt.Location() != time.UTC {
		t.Fatalf("round 2 I1 = %+v", a)
	}

	// The flat read gives the same answers, ordered by expert and item.
	flat, err := s.ListAnswersRounds(ctx, "sv", 2, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(flat) != 3 || len(flat[5]) != 0 || flat[5] == nil {
		t.Fatalf("ListAnswersRounds = %v", flat)
	}
	for _, n := range []int{1, 2} {
		var want []delphi.Answer
		for _, id := range []string{"I1", "I2", "I3"} {
			if a, ok := m[n][0].Answers[id]; ok {
				want = append(want, a)
			}
		}
		if !reflect.DeepEqual(flat[n], want) {
			t.Fatalf("round %d: ListAnswersRounds\n%+v\nwant\n%+v", n, flat[n], want)
		}
	}
}

// Schema version 4 moves the responses of the one collection all studies
// and rounds shared into one collection per study and round; the answers
// keep reading, in either format, and running it again changes nothing.
func TestSplitResponsesMigration(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	legacy := s.DB().Collection("responses")
	doc := func(survey string, round int, expert string, answers bson.E) bson.D {
		return bson.D{{Key: "_id", Value: survey + "#" + strconv.Itoa(round) + "#" + expert}, {Key: "survey_id", Value: survey},
			{Key: "round", Value: round}, {Key: "expert_id", Value: expert}, {Key: "pseudonym", Value: "P-" + expert}, {Key: "group", Value: "g"},
			{Key: "submissions", Value: 0}, {Key: "saves", Value: int64(1)}, {Key: "saves_at_submit", Value: int64(0)}, answers}
	}
	v1 := bson.E{Key: "answers_json", Value: `{"I1":{"v":{"point":4},"s":1,"f":1793523600000}}`}
	v2 := bson.E{Key: "answers", Value: `{'I1':[2,1,1793523600000]}`}
	for _, d := range []bson.D{doc("a", 1, "x1", v1), doc("a", 1, "x2", v2), doc("a", 2, "x1", v2), doc("b", 1, "x1", v1)} {
		if _, err := legacy.InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// A crash after moving one document: it exists in its new place already.
	if _, err := s.DB().Collection("responses.a.1").InsertOne(ctx, doc("a", 1, "x1", v1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Collection("schema_migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: 4}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	names, err := s.DB().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, "responses") {
		t.Fatalf("the old responses collection is left: %v", names)
	}
	want := map[string]int{"a#1#x1": 4, "a#1#x2": 2, "a#2#x1": 2, "b#1#x1": 4}
	for id, p := range want {
		parts := strings.Split(id, "#")
		n, _ := strconv.Atoi(parts[1])
		r, err := s.Response(ctx, parts[0], n, parts[2])
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if a := r.Answers["I1"]; a.Value.Point == nil || *a.Value.Point != p || r.Pseudonym != "P-"+parts[2] {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	if got, err := s.ListResponses(ctx, "a", 1); err != nil || len(got) != 2 {
		t.Fatalf("ListResponses(a, 1) = %d, %v", len(got), err)
	}
	items, err := s.AnsweredItems(ctx, "a")
	if err != nil || !items["I1"] || len(items) != 1 {
		t.Fatalf("AnsweredItems = %v, %v", items, err)
	}
}
