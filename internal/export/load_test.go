package export

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// fakeStore serves the fixture as the stores would.
type fakeStore struct {
	fx     *fixture
	rounds []*delphi.Round
}

func (f *fakeStore) SurveyByID(_ context.Context, id string) (*delphi.Survey, error) {
	if id != f.fx.in.Survey.ID {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "no study")
	}
	return f.fx.in.Survey, nil
}

func (f *fakeStore) ListRounds(context.Context, string) ([]*delphi.Round, error) {
	return f.rounds, nil
}

func (f *fakeStore) Round(_ context.Context, _ string, n int) (*analysis.RoundResults, error) {
	for i, r := range f.fx.in.Rounds {
		if r.Number == n {
			return f.fx.in.Results[i], nil
		}
	}
	return nil, delphi.Errorf(delphi.ECONFLICT, "round %d has no results", n)
}

func (f *fakeStore) Response(context.Context, string, int, string) (*delphi.Response, error) {
	return nil, delphi.Errorf(delphi.ENOTFOUND, "unused")
}

func (f *fakeStore) ListResponses(_ context.Context, _ string, round int) ([]*delphi.Response, error) {
	return f.fx.responses[round], nil
}

func (f *fakeStore) ListExperts(context.Context, string) ([]*delphi.Expert, error) {
	now := time.Now()
	var out []*delphi.Expert
	for _, r := range f.fx.responses[1] {
		e := &delphi.Expert{ID: r.ExpertID, Pseudonym: r.Pseudonym, Group: r.Group, Name: secretName, Email: "erika@example.org"}
		if r.Pseudonym == "E-10" {
			e.DeclinedAt = &now
		}
		out = append(out, e)
	}
	return out, nil
}

func (f *fakeStore) ListMailSends(_ context.Context, _ string, round int) ([]*delphi.MailSend, error) {
	var out []*delphi.MailSend
	for i, r := range f.fx.responses[1] {
		status := delphi.SendSent
		if i == 0 && round == 2 {
			status = delphi.SendFailed
		}
		out = append(out, &delphi.MailSend{Round: round, ExpertID: r.ExpertID, Kind: delphi.MailInvite, Status: status},
			&delphi.MailSend{Round: round, ExpertID: r.ExpertID, Kind: "reminder-1", Status: delphi.SendSent})
	}
	return out, nil
}

func TestLoad(t *testing.T) {
	fx := newFixture(t)
	st := &fakeStore{fx: fx}
	for i := range fx.in.Rounds {
		st.rounds = append(st.rounds, &fx.in.Rounds[i])
	}
	st.rounds = append(st.rounds, &delphi.Round{Number: 3, Status: delphi.RoundDraft})
	src := Sources{Surveys: st, Rounds: st, Results: st, Responses: st, Experts: st, Mail: st}
	ctx := context.Background()

	in, err := Load(ctx, src, Request{SurveyID: "teststudie", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{in.Rounds[0].Number, in.Rounds[1].Number}; len(in.Rounds) != 2 || !slices.Equal(got, []int{1, 2}) || in.Results[1] != fx.in.Results[1] {
		t.Errorf("rounds = %v: the draft round 3 must be left out", got)
	}
	p := in.Panel
	if p.Experts["praxis"] != 5 || p.Declined["forschung"] != 1 || p.InvitedUnknown {
		t.Errorf("panel = %+v", p)
	}
	// Round 2: expert 1's invitation failed, but they answered with the
	// link they held (invited, by file); expert 9 opened without answering
	// (started, counted by StartedAt).
	if got := p.Rounds[2]["praxis"]; got != (Participation{Invited: 5, InvitedMail: 4, InvitedFile: 1, Started: 5, Completed: 5}) {
		t.Errorf("round 2, praxis = %+v", got)
	}
	if got := p.Rounds[2]["forschung"]; got != (Participation{Invited: 5, InvitedMail: 5, Started: 5, Completed: 4}) {
		t.Errorf("round 2, forschung = %+v", got)
	}
	n := 0
	if err := in.Responses(1, func(*delphi.Response) error { n++; return nil }); err != nil || n != 10 {
		t.Errorf("responses of round 1: %d, %v", n, err)
	}

	in, err = Load(ctx, Sources{Surveys: st, Rounds: st, Results: st, Responses: st}, Request{SurveyID: "teststudie", Rounds: []int{2}})
	if err != nil || len(in.Rounds) != 1 || in.Rounds[0].Number != 2 || !in.Panel.InvitedUnknown || in.Panel.Experts != nil {
		t.Errorf("round 2 without experts and mail: %+v, %v", in.Panel, err)
	}
	for name, c := range map[string]struct {
		req  Request
		code string
	}{
		"unknown study": {Request{SurveyID: "nope"}, delphi.ENOTFOUND},
		"unknown round": {Request{SurveyID: "teststudie", Rounds: []int{9}}, delphi.ENOTFOUND},
		"draft round":   {Request{SurveyID: "teststudie", Rounds: []int{3}}, delphi.ECONFLICT},
		"language":      {Request{SurveyID: "teststudie", Lang: "fr"}, delphi.EINVALID},
	} {
		if _, err := Load(ctx, src, c.req); delphi.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

func TestParseRounds(t *testing.T) {
	for in, want := range map[string][]int{"": nil, "all": nil, "2,1": {1, 2}, " 3 ": {3}, "1,1,2": {1, 2}} {
		if got, err := ParseRounds(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseRounds(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "a", "1,,2", "-1", "1;2"} {
		if _, err := ParseRounds(in); delphi.ErrorCode(err) != delphi.EINVALID {
			t.Errorf("ParseRounds(%q): %v, want invalid", in, err)
		}
	}
}
