package store_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// A response stored in format 2 (the answers as a string) keeps reading,
// and its next save rewrites it in format 3 (compressed, a binary) once the
// answers are long: every read gives the same answers before and after.
func TestResponseFormat2ToFormat3(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	text := strings.Repeat("Schulen und Ärzte in der Nähe, 'schnelles' Internet. ", 40)
	two := `{'I1':[4,2,1793523600123],'T1':[[{'text':'` + strings.ReplaceAll(text, "'", `\'`) + `'}],1,1793523600000]}`
	col := s.DB().Collection("responses.sv.1")
	if _, err := col.InsertOne(ctx, bson.D{
		{Key: "_id", Value: "sv#1#x1"}, {Key: "survey_id", Value: "sv"}, {Key: "round", Value: 1},
		{Key: "expert_id", Value: "x1"}, {Key: "pseudonym", Value: "E-1"}, {Key: "group", Value: "g"},
		{Key: "submissions", Value: 0}, {Key: "saves", Value: int64(2)}, {Key: "saves_at_submit", Value: int64(0)},
		{Key: "answers", Value: two},
	}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Response(ctx, "sv", 1, "x1")
	if err != nil {
		t.Fatal(err)
	}
	if a := before.Answers["T1"]; a.Value.Text != text || a.Seq != 1 {
		t.Fatalf("T1 = %+v", a)
	}

	at := time.Date(2026, 11, 3, 8, 0, 0, 456e6, time.UTC)
	three := 3
	saved, ok, err := s.SaveAnswer(ctx, &delphi.Answer{SurveyID: "sv", Round: 1, ExpertID: "x1", Pseudonym: "E-1", Group: "g",
		ItemID: "I2", Value: delphi.Value{Point: &three}, Seq: 1}, at)
	if err != nil || !ok {
		t.Fatalf("SaveAnswer = %v, %v", ok, err)
	}
	var raw bson.Raw
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: "sv#1#x1"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	sub, data, isBinary := raw.Lookup("answers").BinaryOK()
	if !isBinary || sub != bson.TypeBinaryGeneric || len(data) == 0 || data[0] != 3 || len(data) > len(two)/2 {
		t.Fatalf("answers after a save: %v", raw.Lookup("answers"))
	}

	after, err := s.Response(ctx, "sv", 1, "x1")
	if err != nil {
		t.Fatal(err)
	}
	want := before.Answers
	want["I2"] = *saved
	if !reflect.DeepEqual(after.Answers, want) {
		t.Fatalf("after the save\n%+v\nwant\n%+v", after.Answers, want)
	}
	flat, err := s.ListAnswersRounds(ctx, "sv", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(flat[1]) != 3 || flat[1][0].ItemID != "I1" || !reflect.DeepEqual(flat[1][1], *saved) || flat[1][2].Value.Text != text {
		t.Fatalf("ListAnswersRounds = %+v", flat[1])
	}
	items, err := s.AnsweredItems(ctx, "sv")
	if err != nil || len(items) != 3 || !items["T1"] {
		t.Fatalf("AnsweredItems = %v, %v", items, err)
	}
}
