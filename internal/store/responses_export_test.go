package store_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// The export's reads give what ListResponses gives: EachResponse and
// ReadResponses's each every response in the same order with the same
// answers, ReadResponses's status the same responses without answers and
// its answers what ListAnswersRounds gives; each stops at fn's error and
// can be called once.
func TestExportReadsMatchListResponses(t *testing.T) {
	s := openStore(t, shared.URI())
	ctx := t.Context()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var rs []*delphi.Response
	for e := range 30 {
		r := &delphi.Response{SurveyID: "s", Round: 2, ExpertID: fmt.Sprintf("x%02d", e), Pseudonym: fmt.Sprintf("E-%02d", (e*7)%30), Group: "g",
			FirstOpenedAt: &at, Answers: map[string]delphi.Answer{}}
		if e%3 == 0 {
			r.StartedAt, r.SubmittedAt, r.Submissions = &at, &at, 1
		}
		for i := range e % 4 {
			p := 1 + (e+i)%5
			r.Answers[fmt.Sprintf("I%d", i)] = delphi.Answer{Value: delphi.Value{Point: &p}, Comment: "Größe " + fmt.Sprint(e), Seq: int64(i + 1), FirstSavedAt: at, LastSavedAt: at}
		}
		rs = append(rs, r)
	}
	if err := s.ImportResponses(ctx, rs); err != nil {
		t.Fatal(err)
	}
	want, err := s.ListResponses(ctx, "s", 2)
	if err != nil || len(want) != 30 {
		t.Fatalf("ListResponses: %d, %v", len(want), err)
	}
	var got []*delphi.Response
	if err := s.EachResponse(ctx, "s", 2, func(r *delphi.Response) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EachResponse differs from ListResponses:\n got %+v\nwant %+v", got, want)
	}
	tmp := t.TempDir() // the answers spool has no name there
	t.Setenv("TMPDIR", tmp)
	spools := openSpools(t)
	status, answers, each, release, err := s.ReadResponses(ctx, "s", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if n := openSpools(t); n != spools+1 {
		t.Errorf("%d answer spools open during a read, want %d", n, spools+1)
	}
	if ents, err := os.ReadDir(tmp); err != nil || len(ents) != 0 {
		t.Errorf("the temporary directory holds %v (%v) during a read, want nothing", ents, err)
	}
	wantAnswers, err := s.ListAnswersRounds(ctx, "s", 2)
	if err != nil {
		t.Fatal(err)
	}
	var gotAnswers []delphi.Answer
	if err := answers(func(a *delphi.Answer) error { gotAnswers = append(gotAnswers, *a); return nil }); err != nil ||
		!reflect.DeepEqual(gotAnswers, wantAnswers[2]) {
		t.Errorf("ReadResponses's answers differ from ListAnswersRounds (%v)", err)
	}
	calls := 0
	if err := answers(func(*delphi.Answer) error { calls++; return errors.New("stop") }); err == nil || err.Error() != "stop" || calls != 1 {
		t.Errorf("answers after fn's error: %v, %d calls", err, calls)
	}
	var fromEach []*delphi.Response
	if err := each(func(r *delphi.Response) error { fromEach = append(fromEach, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromEach, want) {
		t.Errorf("ReadResponses's each differs from ListResponses")
	}
	if err := each(func(*delphi.Response) error { return nil }); delphi.ErrorCode(err) != delphi.EINTERNAL {
		t.Errorf("each called twice: %v, want an internal error", err)
	}
	if n := openSpools(t); n != spools {
		t.Errorf("%d answer spools open after each, want %d", n, spools)
	}
	// A read that is never streamed (an export that failed) is released.
	_, answers2, each2, release2, err := s.ReadResponses(ctx, "s", 2)
	if err != nil {
		t.Fatal(err)
	}
	release2()
	release2() // again: nothing
	if n := openSpools(t); n != spools {
		t.Errorf("%d answer spools open after release, want %d", n, spools)
	}
	if err := answers2(func(*delphi.Answer) error { return nil }); delphi.ErrorCode(err) != delphi.EINTERNAL {
		t.Errorf("answers after release: %v, want an internal error", err)
	}
	if err := each2(func(*delphi.Response) error { return nil }); delphi.ErrorCode(err) != delphi.EINTERNAL {
		t.Errorf("each after release: %v, want an internal error", err)
	}
	if err := answers(func(*delphi.Answer) error { return nil }); delphi.ErrorCode(err) != delphi.EINTERNAL {
		t.Errorf("answers after each: %v, want an internal error", err)
	}
	for _, r := range want {
		r.Answers = nil
	}
	if !reflect.DeepEqual(status, want) {
		t.Errorf("ReadResponses's status differs from ListResponses without answers:\n got %+v\nwant %+v", status, want)
	}
	stop, n := errors.New("stop"), 0
	if err := s.EachResponse(ctx, "s", 2, func(*delphi.Response) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("EachResponse after fn's error: %v, %d calls", err, n)
	}
	if err := s.EachResponse(ctx, "s", 3, func(*delphi.Response) error { return stop }); err != nil {
		t.Errorf("EachResponse of a round without responses: %v", err)
	}
}

// A response whose answers cannot be decoded stops the export's stream
// with an internal error, after the responses before it.
func TestEachResponseStopsAtDamagedAnswers(t *testing.T) {
	s := openStore(t, shared.URI())
	ctx := t.Context()
	col := s.DB().Collection("responses.s.1")
	for e := range 20 {
		answers := any("{'I1':[4,1]}")
		if e == 12 {
			answers = bson.Binary{Data: []byte{3, 40, 1, 0xff, 0xfe}} // format 3, not DEFLATE
		}
		if _, err := col.InsertOne(ctx, bson.D{
			{Key: "_id", Value: fmt.Sprintf("s#1#x%02d", e)}, {Key: "survey_id", Value: "s"}, {Key: "round", Value: 1},
			{Key: "expert_id", Value: fmt.Sprintf("x%02d", e)}, {Key: "pseudonym", Value: fmt.Sprintf("E-%02d", e)}, {Key: "group", Value: "g"},
			{Key: "submissions", Value: 0}, {Key: "saves", Value: int64(1)}, {Key: "saves_at_submit", Value: int64(0)},
			{Key: "answers", Value: answers},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	err := s.EachResponse(ctx, "s", 1, func(r *delphi.Response) error {
		if *r.Answers["I1"].Value.Point != 4 {
			t.Errorf("%s: %+v", r.Pseudonym, r.Answers)
		}
		seen = append(seen, r.Pseudonym)
		return nil
	})
	if delphi.ErrorCode(err) != delphi.EINTERNAL || len(seen) != 12 || seen[11] != "E-11" {
		t.Fatalf("EachResponse = %v after %v", err, seen)
	}
}

// openSpools counts the process's open answer spools (ReadResponses): the
// open files whose removed name starts with expertenrunde-answers-.
func openSpools(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.Contains(target, "expertenrunde-answers-") {
			n++
		}
	}
	return n
}
