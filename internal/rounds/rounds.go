// Package rounds runs the round lifecycle of a study: round 1 from the
// definition, round n+1 prepared from round n's frozen results (carry-over,
// new items, changed wording), opening, closing with the feedback snapshot,
// reopening, and the deadline: a round closes itself when its deadline has
// passed, either through the server's sweep or lazily on the next request
// that touches it, so correctness never depends on the sweep running.
//
// Reopening keeps the round's snapshot until it is closed again; that close
// recomputes and replaces it. Only the latest round can be reopened, so a
// snapshot that a later round shows as feedback never changes.
//
// Each check that spans two rounds (prepare or open round n+1 only after
// round n is closed; reopen round n only while round n+1 does not exist) is
// made inside the conditional write of the round it changes, and preparing
// round n+1 writes round n first (delphi.RoundStore.CreateNextRound), so a
// reopen of round n and the next round exclude each other: in one process
// under the store's lock of round n, across processes by its revision.
package rounds

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/keylock"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// Service runs the lifecycle. Its stores are usually all one *store.Store.
// Build one per process (Main): its closes of a round run one at a time.
type Service struct {
	Surveys delphi.SurveyStore
	Rounds  delphi.RoundStore
	// Results computes a closed round's snapshot and reads it back (the
	// one results.Service of the process).
	Results *results.Service
	// Responses, optional, counts a round's responses for View.
	Responses delphi.ResponseStore
	Audit     delphi.AuditStore
	// Protocol, optional, freezes the locked analysis protocol when round
	// 1 opens (reporting.Service).
	Protocol interface {
		Freeze(ctx context.Context, actorID string, sv *delphi.Survey, at time.Time) (*delphi.Protocol, error)
	}
	Now    func() time.Time // injectable clock
	Logger *slog.Logger
	// Curated, optional, gives the items curated from round 0's
	// suggestions (curation.Service), which round 1 of a study with an
	// open round 0 asks besides the definition's.
	Curated Curated

	closing keylock.KeyLock // one close per round at a time in this process
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) audit(ctx context.Context, actorID, action, surveyID string, n int, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["round"] = n
	return s.Audit.AppendAudit(ctx, &delphi.AuditEntry{
		At: s.now(), ActorID: actorID, Action: action, SurveyID: surveyID, Target: delphi.RoundKey(surveyID, n), Details: details,
	})
}

// NewItem is an item added to a round, with its section.
type NewItem struct {
	SectionID string      `json:"section_id"`
	Item      delphi.Item `json:"item"`
	Reason    string      `json:"reason,omitempty"`
}

// ChangedItem is a new wording of a carried-over item, with the reason.
type ChangedItem struct {
	ItemID string      `json:"item_id"`
	Text   delphi.Text `json:"text"`
	Help   delphi.Text `json:"help,omitempty"` // replaces the help text when given
	Reason string      `json:"reason"`
}

// PrepareRequest creates round 1 (no carry-over, new or changed items) or
// prepares the next round from the latest, closed one.
type PrepareRequest struct {
	OpensAt      *time.Time        `json:"opens_at"`
	Deadline     *time.Time        `json:"deadline"`
	CarryOver    *delphi.CarryOver `json:"carry_over"`
	NewItems     []NewItem         `json:"new_items"`
	ChangedItems []ChangedItem     `json:"changed_items"`
}

func checkReason(field, reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return delphi.FieldErrorf(delphi.EINVALID, field, "give a reason")
	}
	return delphi.CheckText(field, reason, delphi.LongText)
}

func checkDates(opensAt, deadline *time.Time) error {
	if opensAt != nil && deadline != nil && !opensAt.Before(*deadline) {
		return delphi.FieldErrorf(delphi.EINVALID, "deadline", "the deadline must come after the opening time")
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// Prepare creates the next round of sv: round 1 with every item of the
// definition, or round n+1 from round n (which must be closed) by the
// carry-over policy (the request's, else the study's), with new items and
// changed wording. The round is a draft until opened. EINVALID naming the
// field (a round needs a deadline in the future: a draft without one could
// never be opened); ECONFLICT if the latest round is not closed or another
// coordinator prepared the round at the same time.
func (s *Service) Prepare(ctx context.Context, actorID string, sv *delphi.Survey, req PrepareRequest) (*delphi.Round, error) {
	switch {
	case req.Deadline == nil:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "deadline", "give the round a deadline")
	case !req.Deadline.After(s.now()):
		return nil, delphi.FieldErrorf(delphi.EINVALID, "deadline", "the deadline must lie in the future")
	}
	if err := checkDates(req.OpensAt, req.Deadline); err != nil {
		return nil, err
	}
	existing, err := s.Rounds.ListRounds(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	def := sv.Definition
	if def.Realtime() && len(existing) > 0 {
		return nil, delphi.Errorf(delphi.ECONFLICT, "a real-time study has one continuous round; round %d cannot be prepared (reopen round 1 instead)", len(existing)+1).WithReason(delphi.ReasonRealtimeOneRound, nil)
	}
	if len(existing) == 0 && def.HasRound0() {
		return s.prepareAfterRound0(ctx, actorID, sv, req)
	}
	r := &delphi.Round{SurveyID: sv.ID, Number: len(existing) + 1, Status: delphi.RoundDraft, OpensAt: utcPtr(req.OpensAt), Deadline: utcPtr(req.Deadline)}
	details := map[string]any{}
	if len(existing) == 0 {
		if req.CarryOver != nil || len(req.NewItems) > 0 || len(req.ChangedItems) > 0 {
			return nil, delphi.FieldErrorf(delphi.EINVALID, "new_items", "round 1 asks every item of the study definition; carry-over, new and changed items apply from round 2 on")
		}
		for _, sec := range def.Sections {
			for _, it := range sec.Items {
				r.Items = append(r.Items, delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginInitial})
			}
		}
	} else {
		prev, err := s.Refresh(ctx, existing[len(existing)-1])
		if err != nil {
			return nil, err
		}
		existing[len(existing)-1] = prev
		if prev.Status != delphi.RoundClosed {
			return nil, delphi.Errorf(delphi.ECONFLICT, "round %d is %s; close it before preparing round %d", prev.Number, prev.Status, r.Number)
		}
		res, err := s.Results.Frozen(ctx, sv.ID, prev.Number)
		if err != nil {
			return nil, err
		}
		if r.Items, err = nextItems(def, existing, res, req, details); err != nil {
			return nil, err
		}
	}
	if len(r.Items) == 0 {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "carry_over", "round %d would have no items: choose items to carry over or add new ones", r.Number)
	}
	var prev *delphi.Round
	if len(existing) > 0 {
		prev = existing[len(existing)-1]
	}
	return s.create(ctx, actorID, sv.ID, r, prev, details)
}

// create stores the new round r, after prev (which it marks first, see
// CreateNextRound; it fails if prev was reopened or closed again since it
// was read) or as the study's first round when prev is nil, and audits it.
// ECONFLICT when someone else created or changed a round meanwhile.
func (s *Service) create(ctx context.Context, actorID, surveyID string, r, prev *delphi.Round, details map[string]any) (*delphi.Round, error) {
	r.History = []delphi.RoundEvent{{At: s.now(), Action: delphi.RoundActionCreate, ActorID: actorID}}
	var err error
	if prev == nil {
		err = s.Rounds.CreateRound(ctx, r)
	} else {
		err = s.Rounds.CreateNextRound(ctx, r, prev)
	}
	if err != nil {
		if delphi.ErrorCode(err) == delphi.ECONFLICT {
			return nil, delphi.Errorf(delphi.ECONFLICT, "round %d was just created or changed by someone else; reload", r.Number)
		}
		return nil, err
	}
	details["items"] = len(r.Items)
	if err := s.audit(ctx, actorID, "round.create", surveyID, r.Number, details); err != nil {
		return nil, err
	}
	return r, nil
}

// carried returns the ids of round prev's items that go on under mode.
func carried(prev *delphi.Round, res *analysis.RoundResults, co delphi.CarryOver) (map[string]bool, error) {
	out := map[string]bool{}
	switch co.Mode {
	case delphi.CarryAll:
		for _, ri := range prev.Items {
			out[ri.Item.ID] = true
		}
	case delphi.CarryChosen:
		for i, id := range co.Items {
			if _, ok := prev.Item(id); !ok {
				return nil, delphi.ForItem(delphi.FieldErrorf(delphi.EINVALID, fmt.Sprintf("carry_over.items[%d]", i), "item %q was not asked in round %d", id, prev.Number), id)
			}
			out[id] = true
		}
	case delphi.CarryNoConsensus, "":
		for _, ri := range prev.Items {
			if NeedsAnotherRound(ri.Item, res) {
				out[ri.Item.ID] = true
			}
		}
	default:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "carry_over.mode", "carry-over mode must be no_consensus, all or chosen")
	}
	return out, nil
}

// NeedsAnotherRound applies the no_consensus policy to one item: a rating
// goes on unless its overall outcome is consensus_in or consensus_out; a
// multi_rating goes on if any criterion lacks consensus; a numeric item
// goes on unless the study's consensus_numeric gives it consensus; choice
// and ranking items (which have no consensus) go on; text items do not:
// open questions are asked once, and coordinators turn their answers into
// new items.
func NeedsAnotherRound(it delphi.Item, res *analysis.RoundResults) bool {
	decided := func(o string) bool { return o == analysis.ConsensusIn || o == analysis.ConsensusOut }
	ir, ok := res.Item(it.ID)
	switch {
	case it.Type == delphi.ItemText:
		return false
	case !ok:
		return true
	case ir.Rating != nil:
		return !decided(ir.Rating.Consensus.Outcome)
	case it.Type == delphi.ItemMultiRating:
		if len(ir.Criteria) == 0 {
			return true
		}
		for _, c := range ir.Criteria {
			if !decided(c.Consensus.Outcome) {
				return true
			}
		}
		return false
	case ir.Numeric != nil && ir.Numeric.Consensus != nil:
		return !decided(ir.Numeric.Consensus.Outcome)
	}
	return true
}

// nextItems builds the item list of the round after the last of existing.
func nextItems(def *delphi.Definition, existing []*delphi.Round, res *analysis.RoundResults, req PrepareRequest, details map[string]any) ([]delphi.RoundItem, error) {
	prev := existing[len(existing)-1]
	co := def.Rounds.CarryOver
	if req.CarryOver != nil {
		co = *req.CarryOver
	}
	keep, err := carried(prev, res, co)
	if err != nil {
		return nil, err
	}
	items := map[string]delphi.RoundItem{}
	for _, ri := range prev.Items {
		if keep[ri.Item.ID] {
			items[ri.Item.ID] = delphi.RoundItem{SectionID: ri.SectionID, Item: ri.Item, Origin: delphi.OriginCarried}
		}
	}
	changedIDs, err := applyChanged(def, items, req.ChangedItems)
	if err != nil {
		return nil, err
	}
	used := usedIDs(def, existing)
	bySection, newIDs, err := addNewItems(def, used, req.NewItems)
	if err != nil {
		return nil, err
	}
	// The definition's section order; within a section the previous
	// round's order, then the new items.
	out := orderItems(def, prev.Items, items, bySection)
	carriedIDs := make([]string, 0, len(keep))
	for _, ri := range prev.Items {
		if keep[ri.Item.ID] {
			carriedIDs = append(carriedIDs, ri.Item.ID)
		}
	}
	details["carry_over"] = co.Mode
	details["carried"] = carriedIDs
	details["new"] = newIDs
	details["changed"] = changedIDs
	return out, nil
}

// applyChanged applies the new wordings of changed to items (by id), which
// must hold each, and returns the changed ids. EINVALID naming the field.
func applyChanged(def *delphi.Definition, items map[string]delphi.RoundItem, changed []ChangedItem) ([]string, error) {
	var changedIDs []string
	for i, ch := range changed {
		p := fmt.Sprintf("changed_items[%d].", i)
		ri, ok := items[ch.ItemID]
		if !ok {
			return nil, delphi.ForItem(delphi.FieldErrorf(delphi.EINVALID, p+"item_id", "item %q is not carried over into this round", ch.ItemID), ch.ItemID)
		}
		if slices.Contains(changedIDs, ch.ItemID) {
			return nil, delphi.ForItem(delphi.FieldErrorf(delphi.EINVALID, p+"item_id", "item %q is changed twice", ch.ItemID), ch.ItemID)
		}
		if err := def.CheckLangText(p+"text", ch.Text, true); err != nil {
			return nil, err
		}
		if err := def.CheckLangText(p+"help", ch.Help, false); err != nil {
			return nil, err
		}
		if err := checkReason(p+"reason", ch.Reason); err != nil {
			return nil, err
		}
		ri.Item.Text = ch.Text
		if ch.Help != nil {
			ri.Item.Help = ch.Help
		}
		ri.Origin, ri.Reason = delphi.OriginChanged, strings.TrimSpace(ch.Reason)
		items[ch.ItemID] = ri
		changedIDs = append(changedIDs, ch.ItemID)
	}
	return changedIDs, nil
}

// usedIDs returns every item id of the definition and of the rounds.
func usedIDs(def *delphi.Definition, existing []*delphi.Round) map[string]bool {
	used := map[string]bool{}
	for _, it := range def.Items() {
		used[it.ID] = true
	}
	for _, r := range existing {
		for _, ri := range r.Items {
			used[ri.Item.ID] = true
		}
	}
	return used
}

// addNewItems checks the new items against the definition and the used
// ids and returns them by section, with their ids. EINVALID naming the
// field.
func addNewItems(def *delphi.Definition, used map[string]bool, newItems []NewItem) (map[string][]delphi.RoundItem, []string, error) {
	bySection := map[string][]delphi.RoundItem{}
	var newIDs []string
	for i, ni := range newItems {
		p := fmt.Sprintf("new_items[%d].", i)
		if !slices.ContainsFunc(def.Sections, func(s delphi.Section) bool { return s.ID == ni.SectionID }) {
			return nil, nil, delphi.FieldErrorf(delphi.EINVALID, p+"section_id", "section %q does not exist in this study", ni.SectionID)
		}
		it := ni.Item
		if it.Type == delphi.ItemText && it.MaxLength == 0 {
			it.MaxLength = delphi.MaxTextLength
		}
		if err := def.CheckItem(p+"item.", it); err != nil {
			return nil, nil, err
		}
		if used[it.ID] || slices.Contains(newIDs, it.ID) {
			return nil, nil, delphi.ForItem(delphi.FieldErrorf(delphi.EINVALID, p+"item.id", "item id %q is already used in this study", it.ID), it.ID)
		}
		if err := delphi.CheckText(p+"reason", ni.Reason, delphi.LongText); err != nil {
			return nil, nil, err
		}
		newIDs = append(newIDs, it.ID)
		bySection[ni.SectionID] = append(bySection[ni.SectionID], delphi.RoundItem{SectionID: ni.SectionID, Item: it, Origin: delphi.OriginNew, Reason: strings.TrimSpace(ni.Reason)})
	}
	return bySection, newIDs, nil
}

// orderItems lists items (by id) in the definition's section order; within
// a section in the order of prev, then the section's new items.
func orderItems(def *delphi.Definition, prev []delphi.RoundItem, items map[string]delphi.RoundItem, bySection map[string][]delphi.RoundItem) []delphi.RoundItem {
	var out []delphi.RoundItem
	sections := make([]string, 0, len(def.Sections))
	for _, sec := range def.Sections {
		sections = append(sections, sec.ID)
	}
	for _, ri := range prev {
		if !slices.Contains(sections, ri.SectionID) {
			sections = append(sections, ri.SectionID)
		}
	}
	for _, sec := range sections {
		for _, ri := range prev {
			if got, ok := items[ri.Item.ID]; ok && ri.SectionID == sec {
				out = append(out, got)
			}
		}
		out = append(out, bySection[sec]...)
	}
	return out
}

// Get returns round n after the lazy deadline check. ENOTFOUND.
func (s *Service) Get(ctx context.Context, surveyID string, n int) (*delphi.Round, error) {
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	return s.Refresh(ctx, r)
}

// List returns the study's rounds after the lazy deadline check.
func (s *Service) List(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	rs, err := s.Rounds.ListRounds(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		if rs[i], err = s.Refresh(ctx, r); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// Current returns the round experts work on: the open round, else the
// latest closed one (read-only). ENOTFOUND if no round was opened yet.
func (s *Service) Current(ctx context.Context, surveyID string) (*delphi.Round, error) {
	rs, err := s.List(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Status != delphi.RoundDraft {
			return rs[i], nil
		}
	}
	if r0, err := s.round0(ctx, surveyID); err != nil || r0 != nil && r0.Status != delphi.RoundDraft {
		return r0, err
	}
	return nil, delphi.Errorf(delphi.ENOTFOUND, "no round has opened yet")
}

// dueToClose reports whether r must be closed now: its deadline has passed,
// or a close of it was interrupted (delphi.Round.CloseStalled).
func dueToClose(r *delphi.Round, now time.Time) bool {
	return r.Overdue(now) || r.CloseStalled(now)
}

// Refresh closes r if its deadline has passed (the lazy close) or a close of
// it was interrupted, and returns the round as it is now.
func (s *Service) Refresh(ctx context.Context, r *delphi.Round) (*delphi.Round, error) {
	if !dueToClose(r, s.now()) {
		return r, nil
	}
	return s.close(ctx, delphi.SystemActor, r.SurveyID, r.Number, true)
}

// Accept admits one write of an expert's answer or submission to round n:
// it reads the round under its answer guard (delphi.RoundStore.AnswerGuard;
// the state fresh, the items possibly shared: read-only) and checks that
// the round accepts answers now (delphi.Round.Accepting). The caller
// writes, then calls release: a close that begins meanwhile waits for the
// write and counts it in its snapshot, and a write admitted after the
// close began is refused. ECONFLICT for a round that does not accept
// answers; ENOTFOUND.
func (s *Service) Accept(ctx context.Context, surveyID string, n int) (r *delphi.Round, release func(), err error) {
	r, release, err = s.Rounds.AnswerGuard(ctx, surveyID, n)
	if err != nil {
		return nil, nil, err
	}
	if err := r.Accepting(s.now()); err != nil {
		release()
		return nil, nil, err
	}
	return r, release, nil
}

// Open opens a draft round: it needs a deadline in the future. Opening
// round 1 freezes the study's analysis protocol (Service.Protocol). EINVALID
// (field deadline); ECONFLICT if the round is not a draft or an earlier
// round is still open; ENOTFOUND.
func (s *Service) Open(ctx context.Context, actorID, surveyID string, n int) (*delphi.Round, error) {
	hasPrev := n > 1
	if n == 1 { // round 0, if the study has one
		if _, err := s.Rounds.Round(ctx, surveyID, 0); err == nil {
			hasPrev = true
		} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
	}
	if hasPrev {
		if _, err := s.Get(ctx, surveyID, n-1); err != nil { // closes it if overdue
			return nil, err
		}
	}
	now := s.now()
	r, err := s.Rounds.UpdateRound(ctx, surveyID, n, func(r *delphi.Round) error {
		if hasPrev {
			// Checked again inside the update: round n exists, so round n−1
			// can no longer be reopened (see the package comment).
			prev, err := s.Rounds.Round(ctx, surveyID, n-1)
			if err != nil {
				return err
			}
			if prev.Status != delphi.RoundClosed {
				return delphi.Errorf(delphi.ECONFLICT, "round %d is still %s", prev.Number, prev.Status)
			}
		}
		switch {
		case r.Status == delphi.RoundOpen:
			return delphi.Errorf(delphi.ECONFLICT, "round %d is already open", n)
		case r.Status == delphi.RoundClosed:
			return delphi.Errorf(delphi.ECONFLICT, "round %d is closed; reopen it with a reason instead", n)
		case r.Deadline == nil || !r.Deadline.After(now):
			return delphi.FieldErrorf(delphi.EINVALID, "deadline", "set a deadline in the future before opening round %d", n).WithReason(delphi.ReasonDeadlinePast, nil)
		}
		r.Status, r.OpenedAt = delphi.RoundOpen, &now
		r.History = append(r.History, delphi.RoundEvent{At: now, Action: delphi.RoundActionOpen, ActorID: actorID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n == 1 && s.Protocol != nil {
		s.freeze(ctx, actorID, r)
	}
	return r, s.audit(ctx, actorID, "round.open", surveyID, n, map[string]any{"deadline": r.Deadline})
}

// freeze freezes the analysis protocol of the study of round 1, r, which
// has just opened. A failure is logged only: the round is open, and the
// protocol is frozen from the same revision on the next read of it or
// import (reporting.Service.Protocol).
func (s *Service) freeze(ctx context.Context, actorID string, r *delphi.Round) {
	sv, err := s.Surveys.SurveyByID(ctx, r.SurveyID)
	if err == nil {
		_, err = s.Protocol.Freeze(ctx, actorID, sv, *r.OpenedAt)
	}
	if err != nil {
		s.log().Warn("freezing the analysis protocol after round 1 opened", "survey_id", r.SurveyID, "err", err)
	}
}

// Close closes an open round now and stores its feedback snapshot. A
// closed round is returned as it is. ECONFLICT for a draft; ENOTFOUND.
func (s *Service) Close(ctx context.Context, actorID, surveyID string, n int) (*delphi.Round, error) {
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	if r.Status == delphi.RoundDraft {
		return nil, delphi.Errorf(delphi.ECONFLICT, "round %d has not been opened", n)
	}
	return s.close(ctx, actorID, surveyID, n, false)
}

// close closes round n and audits the close. The protocol, top to bottom:
//
//  1. Mark the round closing (MarkClosing, a compare-and-set): from then on
//     no process accepts an answer for it (Accept refuses).
//  2. Wait for this process's writes that Accept admitted before the mark
//     (AwaitAnswers), so the snapshot reads every answer that was
//     acknowledged.
//  3. Compute the snapshot from the stored answers of rounds n and n−1:
//     results.Service.Snapshot, the numbers the live view showed.
//  4. Store it (PutSnapshot) as generation "closes so far + 1", replacing
//     the snapshot of an earlier close after a reopen.
//  5. Mark the round closed (MarkClosed, a compare-and-set on the mark of
//     step 1).
//
// If step 3 or 4 fails, the mark is removed, so the round accepts answers
// again; a mark left by a crashed close stalls after delphi.CloseStall and
// the next close takes it over. Closes of one round in this process run one
// at a time; the first closes it, the others find it closed. Across
// processes the marks decide: a round another process is closing, or has
// closed meanwhile, is returned as it is.
//
// Across MongoDB instances a save that was admitted on another instance
// just before step 1 can still land after step 3 (a window of one write,
// not of the whole computation); closing it would need the response write
// itself to be conditional on a mark on the round's responses.
func (s *Service) close(ctx context.Context, actorID, surveyID string, n int, automatic bool) (*delphi.Round, error) {
	defer s.closing.Lock(delphi.RoundKey(surveyID, n))()
	r, err := s.Rounds.Round(ctx, surveyID, n)
	if err != nil || r.Status != delphi.RoundOpen {
		return r, err
	}
	sv, err := s.Surveys.SurveyByID(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// 1.
	if r, err = s.Rounds.MarkClosing(ctx, surveyID, n, now); err != nil {
		return s.closedMeanwhile(ctx, surveyID, n, err)
	}
	// 2.
	s.Rounds.AwaitAnswers(surveyID, n)
	// 3. and 4. (round 0 asks no items: it has no results)
	if r.Number > 0 {
		var snap *delphi.Snapshot
		snap, err = s.Results.Snapshot(ctx, sv.Definition, r, now)
		if err == nil {
			err = s.Rounds.PutSnapshot(ctx, snap, r.Closes()+1)
		}
	}
	if err != nil {
		s.unmarkClosing(ctx, r)
		return nil, err
	}
	// 5.
	if r, err = s.Rounds.MarkClosed(ctx, surveyID, n, *r.ClosingAt, delphi.RoundEvent{At: now, Action: delphi.RoundActionClose, ActorID: actorID}); err != nil {
		return s.closedMeanwhile(ctx, surveyID, n, err)
	}
	details := map[string]any{"automatic": automatic}
	if r.Deadline != nil {
		details["deadline"] = r.Deadline
	}
	if err := s.audit(ctx, actorID, "round.close", surveyID, n, details); err != nil {
		return nil, err
	}
	s.log().Info("round closed", "survey_id", surveyID, "round", n, "automatic", automatic)
	return r, nil
}

// closedMeanwhile handles err from a compare-and-set of close: when another
// process has closed the round meanwhile, or is closing it now, the round
// is returned as it is (that close audits); otherwise err.
func (s *Service) closedMeanwhile(ctx context.Context, surveyID string, n int, err error) (*delphi.Round, error) {
	if delphi.ErrorCode(err) != delphi.ECONFLICT {
		return nil, err
	}
	r, rerr := s.Rounds.Round(ctx, surveyID, n)
	if rerr == nil && (r.Status == delphi.RoundClosed || r.Status == delphi.RoundOpen && r.ClosingAt != nil && !r.CloseStalled(s.now())) {
		return r, nil
	}
	return nil, err
}

// unmarkClosing removes the closing mark of r after a failed close, so the
// round accepts answers again. A failure is only logged: the next close
// takes the mark over once it has stalled.
func (s *Service) unmarkClosing(ctx context.Context, r *delphi.Round) {
	if err := s.Rounds.UnmarkClosing(context.WithoutCancel(ctx), r.SurveyID, r.Number, *r.ClosingAt); err != nil {
		s.log().Warn("removing the closing mark after a failed close", "round", r.Key(), "err", err)
	}
}

// Reopen opens a closed round again; the reason goes to the audit log.
// Only the latest round can be reopened. A deadline is needed when the
// stored one has passed. The old snapshot stays until the next close.
// EINVALID (reason, deadline); ECONFLICT; ENOTFOUND.
func (s *Service) Reopen(ctx context.Context, actorID, surveyID string, n int, reason string, deadline *time.Time) (*delphi.Round, error) {
	if err := checkReason("reason", reason); err != nil {
		return nil, err
	}
	now := s.now()
	if deadline != nil && !deadline.After(now) {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "deadline", "the new deadline must lie in the future").WithReason(delphi.ReasonDeadlinePast, nil)
	}
	reason = strings.TrimSpace(reason)
	r, err := s.Rounds.UpdateRound(ctx, surveyID, n, func(r *delphi.Round) error {
		if r.Status != delphi.RoundClosed {
			return delphi.Errorf(delphi.ECONFLICT, "round %d is %s, not closed", n, r.Status)
		}
		// Inside the update of round n, which the creation of round n+1
		// marks before inserting it (see the package comment).
		if _, err := s.Rounds.Round(ctx, surveyID, n+1); err == nil {
			return delphi.Errorf(delphi.ECONFLICT, "round %d exists; only the latest round can be reopened", n+1)
		} else if delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return err
		}
		if r.NextCreatedAt != nil {
			if now.Before(r.NextCreatedAt.Add(abandonedNext)) {
				return delphi.Errorf(delphi.ECONFLICT, "round %d is being prepared; only the latest round can be reopened", n+1)
			}
			r.NextCreatedAt = nil // its creation failed after the mark
		}
		if deadline != nil {
			r.Deadline = utcPtr(deadline)
		}
		if r.Deadline == nil || !r.Deadline.After(now) {
			return delphi.FieldErrorf(delphi.EINVALID, "deadline", "the deadline has passed; give a new one").WithReason(delphi.ReasonDeadlinePast, nil)
		}
		r.Status, r.ClosedAt = delphi.RoundOpen, nil
		r.History = append(r.History, delphi.RoundEvent{At: now, Action: delphi.RoundActionReopen, ActorID: actorID, Reason: reason})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, s.audit(ctx, actorID, "round.reopen", surveyID, n, map[string]any{"reason": reason, "deadline": r.Deadline})
}

// abandonedNext is how long after marking round n the creation of round
// n+1 counts as in flight (it inserts the round within the store's
// operation timeouts); a mark that old without a round n+1 is void.
const abandonedNext = time.Minute

// Update changes the opening time and the deadline of a draft or open
// round; one of them must be given. An open round's deadline must lie in
// the future. EINVALID (field deadline); ECONFLICT for a closed round;
// ENOTFOUND.
func (s *Service) Update(ctx context.Context, actorID, surveyID string, n int, opensAt, deadline *time.Time) (*delphi.Round, error) {
	if opensAt == nil && deadline == nil {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "deadline", "give a deadline or an opening time")
	}
	now := s.now()
	if _, err := s.Get(ctx, surveyID, n); err != nil {
		return nil, err
	}
	r, err := s.Rounds.UpdateRound(ctx, surveyID, n, func(r *delphi.Round) error {
		if r.Status == delphi.RoundClosed {
			return delphi.Errorf(delphi.ECONFLICT, "round %d is closed; reopen it to change its deadline", n)
		}
		if opensAt != nil {
			r.OpensAt = utcPtr(opensAt)
		}
		if deadline != nil {
			r.Deadline = utcPtr(deadline)
		}
		if r.Status == delphi.RoundOpen && deadline != nil && !deadline.After(now) {
			return delphi.FieldErrorf(delphi.EINVALID, "deadline", "the deadline of an open round must lie in the future; close the round instead").WithReason(delphi.ReasonDeadlinePast, nil)
		}
		if err := checkDates(r.OpensAt, r.Deadline); err != nil {
			return err
		}
		r.History = append(r.History, delphi.RoundEvent{At: now, Action: delphi.RoundActionUpdate, ActorID: actorID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, s.audit(ctx, actorID, "round.update", surveyID, n, map[string]any{"opens_at": r.OpensAt, "deadline": r.Deadline})
}

// CloseOverdue closes every open round whose deadline has passed (or whose
// close was interrupted) and returns how many it closed. It goes on after a
// failure and returns the first error.
func (s *Service) CloseOverdue(ctx context.Context) (int, error) {
	open, err := s.Rounds.OpenRounds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, r := range open {
		if !dueToClose(r, s.now()) {
			continue
		}
		if _, err := s.close(ctx, delphi.SystemActor, r.SurveyID, r.Number, true); err != nil {
			s.log().Error("closing an overdue round", "survey_id", r.SurveyID, "round", r.Number, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}
