package participation

import (
	"context"
	"maps"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/realtime"
)

// The real-time mode's part of the expert's use cases (realtime.Service):
// a save judges each value against the panel's current IQR before the
// write and records the revisions after it; the justification rule asks
// for a justification where that judgement said outside; a submission
// turns the expert's answers into submitted ones for the statistics.

// realtimeOn reports whether p's study runs in real-time mode here.
func (s *Service) realtimeOn(p Participant) bool {
	return s.Realtime != nil && p.Survey.Definition.Realtime()
}

// realtimeSave is one save of a real-time study in progress.
type realtimeSave struct {
	s       *Service
	p       Participant
	round   *delphi.Round
	as      []delphi.Answer
	outside []bool           // per answer: outside the IQR the expert could see (realtime.Service.Judge)
	before  *delphi.Response // the response as the write read it (a copy: the store goes on to change it)
	flagged map[string]bool  // after the write: the expert's items whose latest value was outside
}

// realtimeBefore judges the answers of a save before the write; nil for a
// study in rounds mode.
func (s *Service) realtimeBefore(ctx context.Context, p Participant, r *delphi.Round, as []delphi.Answer) (*realtimeSave, error) {
	if !s.realtimeOn(p) {
		return nil, nil
	}
	outside, err := s.Realtime.Judge(ctx, p.Survey, r, as)
	if err != nil {
		return nil, err
	}
	return &realtimeSave{s: s, p: p, round: r, as: as, outside: outside}, nil
}

// read keeps a copy of the response as the write read it (the store's
// check; nil: none yet). The last read counts when the write retried.
func (rs *realtimeSave) read(r *delphi.Response) {
	if rs == nil {
		return
	}
	rs.before = nil
	if r != nil {
		b := *r
		b.Answers = maps.Clone(r.Answers)
		rs.before = &b
	}
}

// after records the revisions of the write (the response before and after
// it, what the store applied) and reads the expert's justification flags.
// The answers are stored already: a failure is logged, not returned, so
// the expert's save succeeds (that save's revision is then missing from
// the history).
func (rs *realtimeSave) after(ctx context.Context, after *delphi.Response, applied []bool) {
	if rs == nil {
		return
	}
	s := rs.s
	err := s.Realtime.Record(ctx, rs.p.Survey, rs.round, rs.before, after, rs.as, applied, rs.outside)
	if err != nil {
		s.log().Error("recording the revisions of a real-time save", "survey_id", rs.p.Survey.ID, "expert_id", rs.p.Expert.ID, "err", err)
	}
	if rs.flagged, err = s.Realtime.Outside(ctx, rs.round, rs.p.Expert.ID); err != nil {
		s.log().Error("reading the justification flags of a real-time save", "survey_id", rs.p.Survey.ID, "err", err)
	}
}

// needsJustification: the stored answer a lay outside the IQR the expert
// could see when its value was saved, and has no justification.
func (rs *realtimeSave) needsJustification(a delphi.Answer, justify bool) bool {
	return justify && rs.flagged[a.ItemID] && strings.TrimSpace(a.Justification) == ""
}

// realtimeOutside returns the expert's items whose latest value lay
// outside the IQR they could see (none in rounds mode or without the
// justification rule).
func (s *Service) realtimeOutside(ctx context.Context, p Participant, r *delphi.Round) (map[string]bool, error) {
	if !s.realtimeOn(p) || !p.Survey.Definition.Rounds.Feedback.JustifyOutsideIQR || r == nil {
		return map[string]bool{}, nil
	}
	return s.Realtime.Outside(ctx, r, p.Expert.ID)
}

// realtimeJustifications sets NeedsJustification of the expert's answers
// in a real-time study (Load).
func (s *Service) realtimeJustifications(ctx context.Context, p Participant, r *delphi.Round, answers map[string]AnswerView) error {
	outside, err := s.realtimeOutside(ctx, p, r)
	if err != nil {
		return err
	}
	for id, v := range answers {
		if outside[id] && strings.TrimSpace(v.Justification) == "" {
			v.NeedsJustification = true
			answers[id] = v
		}
	}
	return nil
}

// RealtimeFeedback returns the panel's current statistics of each item the
// expert has answered in the current round of a real-time study, from the
// other experts' latest answers, and nothing for the items they have not
// answered (realtime.Service.Feedback). No round opened yet: no items.
// Errors: ECONFLICT for a study in rounds mode; the stores'.
func (s *Service) RealtimeFeedback(ctx context.Context, p Participant) (*realtime.View, error) {
	def := p.Survey.Definition
	if !s.realtimeOn(p) {
		return nil, delphi.Errorf(delphi.ECONFLICT, "this study runs in rounds; its feedback comes with the next round").WithReason(delphi.ReasonNotRealtime, nil)
	}
	r, err := s.Rounds.Current(ctx, p.Survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return &realtime.View{ComputedAt: s.now().UTC(), MinN: realtime.MinN(def), Items: map[string]realtime.ItemStatus{}}, nil
	} else if err != nil {
		return nil, err
	}
	return s.Realtime.Feedback(ctx, p.Survey, r, p.Expert.ID)
}
