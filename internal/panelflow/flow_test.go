package panelflow

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// at returns t0 + h hours.
func at(h int) *time.Time { t := t0.Add(time.Duration(h) * time.Hour); return &t }

func ip(v int) *int { return &v }

func expert(id, group string) *delphi.Expert {
	return &delphi.Expert{ID: id, SurveyID: "s", Pseudonym: "P-" + id, Group: group}
}

// resp is a response of expert id in group g: opened, started and
// submitted say which of the times are set.
func resp(round int, id, g string, opened, started, submitted bool) *delphi.Response {
	r := &delphi.Response{SurveyID: "s", Round: round, ExpertID: id, Group: g, Answers: map[string]delphi.Answer{}}
	if opened {
		r.FirstOpenedAt = at(round * 10)
	}
	if started {
		r.StartedAt = at(round*10 + 1)
	}
	if submitted {
		r.SubmittedAt = at(round*10 + 2)
	}
	return r
}

func invite(round int, ids ...string) []*delphi.MailSend {
	var out []*delphi.MailSend
	for _, id := range ids {
		out = append(out, &delphi.MailSend{SurveyID: "s", Round: round, ExpertID: id, Kind: delphi.MailInvite, Status: delphi.SendSent})
	}
	return out
}

func items(origins ...string) []delphi.RoundItem {
	var out []delphi.RoundItem
	for i := 0; i < len(origins); i += 2 {
		out = append(out, delphi.RoundItem{Item: delphi.Item{ID: origins[i], Type: delphi.ItemRating}, Origin: origins[i+1]})
	}
	return out
}

func outcomes(round int, kv ...string) *analysis.RoundResults {
	res := &analysis.RoundResults{Round: round}
	for i := 0; i < len(kv); i += 2 {
		res.Items = append(res.Items, analysis.ItemResult{ItemID: kv[i], Type: delphi.ItemRating,
			Rating: &analysis.RatingResult{Consensus: analysis.Consensus{Outcome: kv[i+1]}}})
	}
	return res
}

// flowFixture is two rounds of a panel of seven in groups a and b (group c
// has nobody). Round 1 runs from hour 1 to 10, round 2 from 11 to 20.
//
//	E1 a  mail r1, submits r1; mail r2, submits r2          → continued
//	E2 a  mail r1, submits r1; mail r2, opens r2 only        → dropped out
//	E3 a  mail r1, opens r1 only; mail r2, nothing
//	E4 b  mail r1, submits r1; mail r2, submits r2          → continued
//	E5 b  link issued at hour 2, starts r1; mail r2, submits r2
//	E6 b  no mail, submits r1 (opened with a link); mail r2; declines at hour 15 → dropped out, declined
//	E7 a  declined at hour 0, before round 1: never invited
func flowFixture() (*delphi.Definition, []*delphi.Expert, []RoundData) {
	def := &delphi.Definition{Groups: []delphi.Group{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	e5, e6, e7 := expert("E5", "b"), expert("E6", "b"), expert("E7", "a")
	e5.LinkIssuedAt = at(2)
	e6.DeclinedAt = at(15)
	e7.DeclinedAt = at(0)
	experts := []*delphi.Expert{expert("E1", "a"), expert("E2", "a"), expert("E3", "a"), expert("E4", "b"), e5, e6, e7}
	r1 := delphi.Round{SurveyID: "s", Number: 1, Status: delphi.RoundClosed, OpenedAt: at(1), ClosedAt: at(10),
		Items: items("q1", delphi.OriginInitial, "q2", delphi.OriginInitial, "q3", delphi.OriginInitial)}
	r2 := delphi.Round{SurveyID: "s", Number: 2, Status: delphi.RoundClosed, OpenedAt: at(11), ClosedAt: at(20),
		Items: items("q1", delphi.OriginCarried, "q2", delphi.OriginChanged, "q4", delphi.OriginNew)}
	rounds := []RoundData{
		{Round: r1, Sends: invite(1, "E1", "E2", "E3", "E4"),
			Responses: []*delphi.Response{
				resp(1, "E1", "a", true, true, true), resp(1, "E2", "a", true, true, true), resp(1, "E3", "a", true, false, false),
				resp(1, "E4", "b", true, true, true), resp(1, "E5", "b", true, true, false), resp(1, "E6", "b", true, true, true),
			},
			Results: outcomes(1, "q1", analysis.ConsensusIn, "q2", analysis.ConsensusNone, "q3", analysis.ConsensusOut)},
		{Round: r2, Sends: invite(2, "E1", "E2", "E3", "E4", "E5", "E6"),
			Responses: []*delphi.Response{
				resp(2, "E1", "a", true, true, true), resp(2, "E2", "a", true, false, false),
				resp(2, "E4", "b", true, true, true), resp(2, "E5", "b", true, true, true),
			},
			Results: outcomes(2, "q1", analysis.ConsensusIn, "q2", analysis.ConsensusIn, "q4", analysis.ConsensusNone)},
	}
	return def, experts, rounds
}

func TestFlowHandWorked(t *testing.T) {
	def, experts, rounds := flowFixture()
	f := ComputeFlow(def, experts, rounds)
	// Recruited: all 7; a = E1 E2 E3 E7, b = E4 E5 E6, c none.
	if f.Recruited != 7 || f.RecruitedByGroup["a"] != 4 || f.RecruitedByGroup["b"] != 3 || f.RecruitedByGroup["c"] != 0 {
		t.Errorf("recruited %d %v", f.Recruited, f.RecruitedByGroup)
	}
	if len(f.Groups) != 3 || f.Groups[0] != "a" || f.Groups[2] != "c" || len(f.Rounds) != 2 {
		t.Fatalf("groups %v, %d rounds", f.Groups, len(f.Rounds))
	}
	r1, r2 := f.Rounds[0], f.Rounds[1]
	// Round 1. Panel: E1–E6 (E7 declined before and was never asked).
	// Invited by mail E1–E4; by link E5 (link at hour 2, in [start, close
	// at 10)) and E6 (opened the round with a link it held). Opened: all six
	// have a response with first_opened_at. Started: all but E3.
	// Submitted: E1 E2 E4 E6. Declined: E7 (hour 0 < round 1's close), group a.
	want1 := FlowCounts{Panel: 6, Invited: 6, InvitedMail: 4, InvitedLink: 2, Opened: 6, Started: 5, Submitted: 4, Declined: 1}
	checkCounts(t, "round 1", r1.Participants, want1)
	checkCounts(t, "round 1 a", r1.ByGroup["a"], FlowCounts{Panel: 3, Invited: 3, InvitedMail: 3, Opened: 3, Started: 2, Submitted: 2, Declined: 1})
	checkCounts(t, "round 1 b", r1.ByGroup["b"], FlowCounts{Panel: 3, Invited: 3, InvitedMail: 1, InvitedLink: 2, Opened: 3, Started: 3, Submitted: 2})
	checkCounts(t, "round 1 c", r1.ByGroup["c"], FlowCounts{})
	// Round 2. Panel and invited: E1–E6 by mail. Opened E1 E2 E4 E5;
	// started (and submitted) E1 E4 E5. Declined: E6 (hour 15 in [10, 20)).
	// Of round 1's submitters E1 E2 E4 E6, E1 (a) and E4 (b) continued; E2
	// (a) and E6 (b) dropped out, E6 having declined before the close.
	// E5 submitted round 2 only: neither continued nor dropped out.
	want2 := FlowCounts{Panel: 6, Invited: 6, InvitedMail: 6, Opened: 4, Started: 3, Submitted: 3, Declined: 1,
		Continued: ip(2), DroppedOut: ip(2), DroppedOutDeclined: ip(1)}
	checkCounts(t, "round 2", r2.Participants, want2)
	checkCounts(t, "round 2 a", r2.ByGroup["a"], FlowCounts{Panel: 3, Invited: 3, InvitedMail: 3, Opened: 2, Started: 1, Submitted: 1,
		Continued: ip(1), DroppedOut: ip(1), DroppedOutDeclined: ip(0)})
	checkCounts(t, "round 2 b", r2.ByGroup["b"], FlowCounts{Panel: 3, Invited: 3, InvitedMail: 3, Opened: 2, Started: 2, Submitted: 2, Declined: 1,
		Continued: ip(1), DroppedOut: ip(1), DroppedOutDeclined: ip(1)})
	checkCounts(t, "round 2 c", r2.ByGroup["c"], FlowCounts{Continued: ip(0), DroppedOut: ip(0), DroppedOutDeclined: ip(0)})
	// Items: round 1 asks q1–q3 (initial); round 2 carries q1, changes q2,
	// adds q4 and drops q3. Outcomes: r1 in q1, none q2, out q3; r2 in q1 q2, none q4.
	if want := (ItemFlow{Total: 3, Initial: 3, ConsensusIn: 1, ConsensusOut: 1, ConsensusNone: 1}); r1.Items != want {
		t.Errorf("round 1 items %+v, want %+v", r1.Items, want)
	}
	if want := (ItemFlow{Total: 3, Carried: 1, Changed: 1, New: 1, Dropped: 1, ConsensusIn: 2, ConsensusNone: 1}); r2.Items != want {
		t.Errorf("round 2 items %+v, want %+v", r2.Items, want)
	}
	// Round 1 compares with nothing: JSON null.
	b, _ := json.Marshal(r1.Participants)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["continued"] != nil || m["dropped_out"] != nil {
		t.Errorf("round 1 JSON %s", b)
	}
}

func TestFlowOpenRoundHasNoDropOuts(t *testing.T) {
	def, experts, rounds := flowFixture()
	rounds[1].Round.Status, rounds[1].Round.ClosedAt = delphi.RoundOpen, nil
	f := ComputeFlow(def, experts, rounds)
	p := f.Rounds[1].Participants
	// Still open: who has not submitted yet may; only continued is known.
	// The decline window of an open round has no end: E6 still counts.
	if p.Continued == nil || *p.Continued != 2 || p.DroppedOut != nil || p.DroppedOutDeclined != nil || p.Declined != 1 {
		t.Errorf("%+v", p)
	}
	if f.Rounds[1].Status != delphi.RoundOpen {
		t.Errorf("status %q", f.Rounds[1].Status)
	}
}

func checkCounts(t *testing.T, name string, got, want FlowCounts) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", name, g, w)
	}
}
