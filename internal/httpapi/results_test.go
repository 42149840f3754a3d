package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

const ksaID = "kleinstadtakademie-2020"

// resultsEnv is an env with the Kleinstadtakademie study in three rounds:
// round 1 closed (snapshot stored), round 2 open, round 3 a draft.
type resultsEnv struct {
	*env
	def *delphi.Definition
	svc *results.Service
	seq int64
}

func newResultsEnv(t *testing.T) *resultsEnv {
	e := &resultsEnv{env: newEnv(t)}
	e.importStudies()
	ctx := context.Background()
	sv, err := e.st.SurveyByID(ctx, ksaID)
	if err != nil {
		t.Fatal(err)
	}
	e.def = sv.Definition
	e.svc = &results.Service{Surveys: e.st, Rounds: e.st, Responses: e.st, Snapshots: e.st, Now: e.clock.now}
	var items []delphi.RoundItem
	for _, s := range e.def.Sections {
		for _, it := range s.Items {
			items = append(items, delphi.RoundItem{SectionID: s.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	for n := 1; n <= 3; n++ {
		status := delphi.RoundOpen
		if n == 3 {
			status = delphi.RoundDraft
		}
		if err := e.st.CreateRound(ctx, &delphi.Round{SurveyID: ksaID, Number: n, Status: status, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	// Round 1: twelve experts in two groups, mostly agreeing on T01.
	for x := range 12 {
		imp := []int{5, 4, 5, 4, 4, 5, 3, 4, 5, 4, 2, 4}[x]
		e.answer(1, x, "T01", imp, 3, map[bool]string{true: "Resilienz ist zentral", false: ""}[x == 0])
	}
	// Round 1 closes with its snapshot, as the round lifecycle does.
	lifecycle := &rounds.Service{Surveys: e.st, Rounds: e.st, Results: e.svc, Audit: e.st, Now: e.clock.now}
	if r, err := lifecycle.Close(ctx, "test", ksaID, 1); err != nil || r.Status != delphi.RoundClosed {
		t.Fatalf("close round 1: %+v %v", r, err)
	}
	// Round 2 (open): ten of them answer so far.
	for x := range 10 {
		e.answer(2, x, "T01", 4, 4, "")
	}
	return e
}

// answer saves expert x's ratings of a multi_rating item in round n and
// submits the round (the results count submitted experts).
func (e *resultsEnv) answer(n, x int, item string, imp, feas int, comment string) {
	e.t.Helper()
	e.seq++
	groups := []string{"politik-verwaltung", "planungspraxis"}
	a := &delphi.Answer{SurveyID: ksaID, Round: n, ItemID: item, ExpertID: fmt.Sprintf("expert-%02d", x), Pseudonym: fmt.Sprintf("E-PS%02d", x),
		Group: groups[x%2], Seq: e.seq, Comment: comment,
		Value: delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: &imp}, "umsetzbarkeit": {Point: &feas}}}}
	if _, applied, err := e.st.SaveAnswer(context.Background(), a, e.clock.now()); err != nil || !applied {
		e.t.Fatalf("save answer: %v %v", applied, err)
	}
	if _, _, err := e.st.SubmitResponse(context.Background(), ksaID, n, a.ExpertID, e.clock.now()); err != nil {
		e.t.Fatalf("submit: %v", err)
	}
}

func (e *resultsEnv) get(as, url string) (int, []byte) {
	e.t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+e.login(as))
	status, _, body := e.do(req)
	return status, body
}

const (
	round1URL   = "/api/v1/surveys/" + ksaID + "/rounds/1/results"
	round2URL   = "/api/v1/surveys/" + ksaID + "/rounds/2/results"
	overviewURL = "/api/v1/surveys/" + ksaID + "/results/overview"
)

func TestResultsAccess(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	private := []string{"E-PS", "expert-0"} // no pseudonym or expert id ever leaves
	e.run([]scenario{
		{name: "researcher reads a closed round", method: "GET", url: round1URL, as: "researcher", status: 200,
			want: []string{`"round":1`, `"live":false`, `"item_id":"T01"`, `"criterion_id":"wichtigkeit"`, `"Resilienz ist zentral"`, `"by_group"`}, notWant: private},
		{name: "coordinator of the study reads", method: "GET", url: round2URL, as: "coord-a", status: 200, want: []string{`"live":true`}, notWant: private},
		{name: "admin reads", method: "GET", url: round2URL, as: "admin", status: 200},
		{name: "coordinator of another study gets 404", method: "GET", url: round1URL, as: "coord-b", status: 404, want: []string{`"code":"not_found"`}},
		{name: "another study's board is 404", method: "GET", url: overviewURL, as: "coord-b", status: 404},
		{name: "another study's transitions are 404", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/2/transitions", as: "coord-b", status: 404},
		{name: "the other study has no rounds", method: "GET", url: "/api/v1/surveys/cos-chronic-low-back-pain-example/rounds/1/results", as: "coord-b", status: 404},
		{name: "unknown round", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/9/results", as: "researcher", status: 404},
		{name: "round that is no number", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/zwei/results", as: "researcher", status: 404},
		{name: "draft round has no results", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/3/results", as: "researcher", status: 409, want: []string{`"code":"conflict"`}},
		{name: "unknown study", method: "GET", url: "/api/v1/surveys/nope/results/overview", as: "admin", status: 404},
		{name: "no auth", method: "GET", url: round1URL, status: 401},
		{name: "board", method: "GET", url: overviewURL, as: "researcher", status: 200,
			want: []string{`"rounds":[{"number":1,"status":"closed","live":false`, `{"number":2,"status":"open","live":true`, `"item_id":"T01","criterion_id":"wichtigkeit"`,
				`"planungspraxis":{"outcome":"consensus_in","n":6,"median":4}`, `"tally":[{"round":1,`, `"groups":["politik-verwaltung","planungspraxis"`}, notWant: private},
		{name: "transitions into round 2", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/2/transitions", as: "researcher", status: 200,
			want: []string{`"round":2,"from":1`, `"item_id":"T01","criterion_id":"wichtigkeit","values":[1,2,3,4,5],"overall":{"n_paired":10`}, notWant: private},
		{name: "round 1 has no transitions", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/1/transitions", as: "researcher", status: 404},
	})
}

// A closed round answers its snapshot: answers changed after the close do
// not change its numbers, though a fresh computation would.
func TestResultsClosedRoundReadsSnapshot(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	status, before := e.get("researcher", round1URL)
	if status != 200 {
		t.Fatalf("%d %s", status, before)
	}
	var r struct {
		Items []struct {
			ItemID   string `json:"item_id"`
			Criteria []struct {
				Overall struct {
					N      int     `json:"n"`
					Median float64 `json:"median"`
				} `json:"overall"`
			} `json:"criteria"`
		} `json:"items"`
	}
	if err := json.Unmarshal(before, &r); err != nil || r.Items[0].ItemID != "T01" || r.Items[0].Criteria[0].Overall.N != 12 || r.Items[0].Criteria[0].Overall.Median != 4 {
		t.Fatalf("round 1 T01: %+v %v", r.Items[0], err)
	}

	// Every expert now rates T01 1 in round 1, and a thirteenth joins.
	e.clock.add(10 * time.Minute)
	for x := range 13 {
		e.answer(1, x, "T01", 1, 1, "geändert")
	}
	status, after := e.get("researcher", round1URL)
	if status != 200 || !bytes.Equal(before, after) {
		t.Fatalf("closed round changed after its close:\nbefore %.400s\nafter  %.400s", before, after)
	}
	// The change is real: computed afresh, round 1 would now differ.
	rd, err := e.st.Round(context.Background(), ksaID, 1)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.svc.Compute(context.Background(), e.def, rd, e.clock.now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := fresh.Items[0].Criteria[0].Overall; got.N != 13 || got.Median.Value != 1 {
		t.Errorf("fresh computation: n %d median %v", got.N, got.Median)
	}
}

// An open round is computed live from the answers so far, with the time of
// computation.
func TestResultsOpenRoundIsLive(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	status, body := e.get("researcher", round2URL)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	for _, w := range []string{`"live":true`, `"computed_at":"2026-11-26T09:00:00Z"`, `"respondents":{"total":10,`} {
		if !bytes.Contains(body, []byte(w)) {
			t.Errorf("round 2 lacks %s: %.300s", w, body)
		}
	}
	// Stability against round 1 is part of the live results.
	if !bytes.Contains(body, []byte(`"stability":{"n_paired":10,`)) {
		t.Errorf("round 2 lacks stability against round 1: %.2000s", body)
	}

	e.clock.add(90 * time.Second)
	e.answer(2, 10, "T01", 5, 5, "")
	_, body = e.get("researcher", round2URL)
	for _, w := range []string{`"computed_at":"2026-11-26T09:01:30Z"`, `"respondents":{"total":11,`} {
		if !bytes.Contains(body, []byte(w)) {
			t.Errorf("after a new answer round 2 lacks %s: %.300s", w, body)
		}
	}
	_, board := e.get("researcher", overviewURL)
	if !bytes.Contains(board, []byte(`{"number":2,"status":"open","live":true,"computed_at":"2026-11-26T09:01:30Z"`)) {
		t.Errorf("board lacks the live round: %.400s", board)
	}
}
