package rounds

import (
	"context"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// A study with an open round 0 (delphi.Definition.HasRound0) starts with
// round 0: a round like the others (opened, closed, reopened, with a
// deadline, invitations and reminders) that asks no items; the experts
// suggest items per block instead (curation.Service). Round 1 then asks the
// definition's items and the items curated from the suggestions, added
// through the new-items mechanism. The store's ListRounds leaves round 0
// out, so the results, the export and the analyses see rounds 1, 2, …
// only; AllRounds and Current include it.

// Curated gives the items curated from a study's round 0, as new items of
// round 1 (their reasons name the curation).
type Curated interface {
	CuratedItems(ctx context.Context, sv *delphi.Survey) ([]NewItem, error)
}

// round0 returns the study's round 0 after the lazy deadline check, nil
// when there is none.
func (s *Service) round0(ctx context.Context, surveyID string) (*delphi.Round, error) {
	r, err := s.Get(ctx, surveyID, 0)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, nil
	}
	return r, err
}

// AllRounds returns List with round 0 first, when the study has one: the
// coordinators' list of rounds.
func (s *Service) AllRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	rs, err := s.List(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	r0, err := s.round0(ctx, surveyID)
	if err != nil || r0 == nil {
		return rs, err
	}
	return append([]*delphi.Round{r0}, rs...), nil
}

// prepareAfterRound0 prepares the first round of a study with an open
// round 0: round 0 itself, without items, or else round 1 after round 0
// has closed, with the definition's items (reworded by the request's
// changed items), the curated items and the request's new items. EINVALID
// naming the field; ECONFLICT while round 0 is not closed.
func (s *Service) prepareAfterRound0(ctx context.Context, actorID string, sv *delphi.Survey, req PrepareRequest) (*delphi.Round, error) {
	def := sv.Definition
	r0, err := s.round0(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	r := &delphi.Round{SurveyID: sv.ID, Status: delphi.RoundDraft, OpensAt: utcPtr(req.OpensAt), Deadline: utcPtr(req.Deadline), Items: []delphi.RoundItem{}}
	details := map[string]any{}
	if r0 == nil {
		if req.CarryOver != nil || len(req.NewItems) > 0 || len(req.ChangedItems) > 0 {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "new_items", "round 0 asks no items: the experts suggest them; new and changed items apply from round 1 on")
		}
	} else {
		if r0.Status != delphi.RoundClosed {
			return nil, delphi.Errorf(delphi.ECONFLICT, "round 0 is %s; close it before preparing round 1", r0.Status)
		}
		if req.CarryOver != nil {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "carry_over", "round 1 asks every item of the study definition; carry-over applies from round 2 on")
		}
		r.Number = 1
		items := map[string]delphi.RoundItem{}
		var initial []delphi.RoundItem
		for _, sec := range def.Sections {
			for _, it := range sec.Items {
				ri := delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginInitial}
				items[it.ID] = ri
				initial = append(initial, ri)
			}
		}
		changedIDs, err := applyChanged(def, items, req.ChangedItems)
		if err != nil {
			return nil, err
		}
		newItems := req.NewItems
		if s.Curated != nil {
			curated, err := s.Curated.CuratedItems(ctx, sv)
			if err != nil {
				return nil, err
			}
			newItems = append(curated, newItems...)
		}
		bySection, newIDs, err := addNewItems(def, usedIDs(def, nil), newItems)
		if err != nil {
			return nil, err
		}
		r.Items = orderItems(def, initial, items, bySection)
		details["new"], details["changed"] = newIDs, changedIDs
		if len(r.Items) == 0 {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "new_items", "round 1 would have no items: curate the suggestions of round 0 first")
		}
	}
	var prev *delphi.Round
	if r.Number == 1 {
		prev = r0 // marked first, as for any next round
	}
	return s.create(ctx, actorID, sv.ID, r, prev, details)
}
