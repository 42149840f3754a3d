// Package arguments is the use case of arguments between rounds (study
// option arguments: true): experts post short pro and con arguments on the
// items of the open round, edit or withdraw their own, and rate other
// experts' arguments as convincing (1–5) once; the next round's feedback
// shows each item's top-rated pro and con arguments; researchers read every
// argument with its author's pseudonym and group and its ratings, and
// coordinators hide and unhide arguments (audited).
//
// Anonymity: what experts receive (PanelArgument) never carries an
// expert id or pseudonym, and the author's group only under the study's
// min_group_n rule (GroupsShown).
package arguments

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// The per-expert rate limit of posts, edits, withdrawals and ratings: at
// most RateLimit in RateWindow, counted by one atomic Reserve each.
const (
	RateLimit  = 60
	RateWindow = 10 * time.Minute
)

// Service runs the use cases of arguments. Build one per process (Main).
type Service struct {
	// Rounds gives the current round and admits writes (Accept), so a
	// round's close either sees an argument or rating or refuses it: the
	// arguments and ratings of a closed round are frozen with it.
	Rounds    *rounds.Service
	Arguments delphi.ArgumentStore
	Responses delphi.ResponseStore
	Limiter   delphi.LimiterStore
	Audit     delphi.AuditStore
	Now       func() time.Time

	// answering caches, per study and round, the groups' members who
	// answered (the responses' part of GroupsShown) for GroupsTTL.
	mu        sync.Mutex
	answering map[string]answeringEntry
}

// GroupsTTL is how long the panel's group rule reuses a round's reading
// of the responses. A round's responses only grow; a member who answers
// within the TTL is missed only for the groups of other authors' arguments,
// which never name that member's group (the arguments' own authors are
// always read fresh).
const GroupsTTL = 30 * time.Second

type answeringEntry struct {
	at      time.Time
	members groupMembers
}

// groupMembers maps a group to the ids of its members taking part.
type groupMembers map[string]map[string]bool

func (m groupMembers) add(group, expert string) {
	if m[group] == nil {
		m[group] = map[string]bool{}
	}
	m[group][expert] = true
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Expert is the authenticated expert of a request and their study.
type Expert struct {
	Expert *delphi.Expert
	Survey *delphi.Survey
}

// Ratings is the rating summary experts see.
type Ratings struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"` // 0 when N is 0
}

// PanelArgument is an argument as an expert sees it: never the author's id
// or pseudonym; the group only where GroupsShown allows.
type PanelArgument struct {
	ID       string  `json:"id"`
	ItemID   string  `json:"item_id"`
	OptionID string  `json:"option_id,omitempty"`
	Stance   string  `json:"stance"`
	Text     string  `json:"text"`
	Group    string  `json:"group,omitempty"`
	Own      bool    `json:"own"`                 // the expert's own argument
	MyRating int     `json:"my_rating,omitempty"` // the expert's rating, 0 for none
	Ratings  Ratings `json:"ratings"`
}

// Top is an item's top arguments in the next round's feedback.
type Top struct {
	Pro []PanelArgument `json:"pro"`
	Con []PanelArgument `json:"con"`
}

// PanelView is what GET /participation/arguments answers.
type PanelView struct {
	Enabled bool `json:"enabled"` // the study has arguments
	// Round is the number of the current round (0 before the first);
	// Open says whether arguments can be posted and rated now.
	Round int  `json:"round"`
	Open  bool `json:"open"`
	// The study's limits (docs/STUDY-FORMAT.md).
	MaxPerItem int `json:"max_per_item"`
	MaxLength  int `json:"max_length"`
	// Arguments are the visible arguments of the current round.
	Arguments []PanelArgument `json:"arguments"`
	// Top holds, per item of the current round, the previous round's top
	// arguments (TopArguments), for the feedback.
	Top map[string]Top `json:"top"`
}

// Input is an argument as an expert posts or edits it.
type Input struct {
	ItemID   string `json:"item_id"` // ignored by Edit
	OptionID string `json:"option_id"`
	Stance   string `json:"stance"`
	Text     string `json:"text"`
}

// StaffArgument is an argument as researchers and coordinators see it.
type StaffArgument struct {
	ID        string                 `json:"id"`
	Round     int                    `json:"round"`
	ItemID    string                 `json:"item_id"`
	OptionID  string                 `json:"option_id,omitempty"`
	Stance    string                 `json:"stance"`
	Text      string                 `json:"text"`
	Pseudonym string                 `json:"pseudonym"`
	Group     string                 `json:"group"`
	Ratings   delphi.RatingSummary   `json:"ratings"`
	Hidden    *delphi.ArgumentHidden `json:"hidden,omitempty"`
	CreatedAt time.Time              `json:"created_at"`
	UpdatedAt time.Time              `json:"updated_at"`
}

func disabled() error {
	return delphi.Errorf(delphi.ENOTFOUND, "this study has no arguments between rounds")
}

// newID returns a random argument id: nothing in it points to its author.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ---------------------------------------------------------------- experts

// Panel returns the arguments of the current round and the previous
// round's top arguments. With the study's hide_until_answered, an item's
// top arguments come only once the expert has answered it (as its
// statistics). Errors: the stores'.
func (s *Service) Panel(ctx context.Context, e Expert) (*PanelView, error) {
	def := e.Survey.Definition
	rules := def.ArgumentRules()
	out := &PanelView{Enabled: def.Arguments, MaxPerItem: rules.MaxPerItem, MaxLength: rules.MaxLength, Arguments: []PanelArgument{}, Top: map[string]Top{}}
	if !def.Arguments {
		return out, nil
	}
	r, err := s.Rounds.Current(ctx, e.Survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	out.Round = r.Number
	out.Open = r.Accepting(s.now()) == nil && e.Expert.DeclinedAt == nil
	cur, err := s.round(ctx, e.Survey, r.Number)
	if err != nil {
		return nil, err
	}
	for _, a := range cur.args {
		if a.Hidden != nil {
			continue
		}
		out.Arguments = append(out.Arguments, cur.panel(a, e.Expert.ID))
	}
	if r.Number < 2 {
		return out, nil
	}
	prev, err := s.round(ctx, e.Survey, r.Number-1)
	if err != nil {
		return nil, err
	}
	var answered map[string]delphi.Answer
	if def.Rounds.Feedback.HideUntilAnswered {
		resp, err := s.Responses.Response(ctx, e.Survey.ID, r.Number, e.Expert.ID)
		if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
			return nil, err
		}
		answered = map[string]delphi.Answer{}
		if resp != nil {
			answered = resp.Answers
		}
	}
	for item, top := range TopArguments(prev.rated(), rules) {
		ri, ok := r.Item(item)
		if !ok || ri.Origin == delphi.OriginNew {
			continue
		}
		if answered != nil {
			if a, ok := answered[item]; !ok || a.Value.Empty() {
				continue
			}
		}
		t := Top{Pro: []PanelArgument{}, Con: []PanelArgument{}}
		for _, a := range top.Pro {
			t.Pro = append(t.Pro, prev.panel(a.Argument, ""))
		}
		for _, a := range top.Con {
			t.Con = append(t.Con, prev.panel(a.Argument, ""))
		}
		out.Top[item] = t
	}
	return out, nil
}

// admit checks that the expert may write arguments now, reserves one
// write under the per-expert rate limit and holds the open round's answer
// guard until the caller releases it. Errors: ENOTFOUND without
// arguments; ECONFLICT without an open round, before consent or after
// declining; ERATELIMIT.
func (s *Service) admit(ctx context.Context, e Expert) (*delphi.Round, func(), error) {
	switch {
	case !e.Survey.Definition.Arguments:
		return nil, nil, disabled()
	case e.Expert.DeclinedAt != nil:
		return nil, nil, delphi.Errorf(delphi.ECONFLICT, "you have left this study")
	case e.Expert.ConsentAt == nil:
		return nil, nil, delphi.Errorf(delphi.ECONFLICT, "please accept the privacy notice first; nothing is stored before you do")
	}
	cur, err := s.Rounds.Current(ctx, e.Survey.ID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, nil, delphi.Errorf(delphi.ECONFLICT, "no round is open yet")
	} else if err != nil {
		return nil, nil, err
	}
	ok, wait, err := s.Limiter.Reserve(ctx, "arguments:"+e.Survey.ID+":"+e.Expert.ID, s.now(), RateWindow, RateLimit)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, &delphi.Error{Code: delphi.ERATELIMIT, Message: "too many changes to arguments; please wait a few minutes", RetryAfter: max(1, int(wait.Seconds()+0.999))}
	}
	r, release, err := s.Rounds.Accept(ctx, e.Survey.ID, cur.Number)
	if err != nil {
		return nil, nil, err
	}
	// Once: Edit and Rate release the guard before they read the round
	// for their answer, and the deferred release then does nothing.
	return r, sync.OnceFunc(release), nil
}

// hiddenConflict refuses the author's edit of an argument a coordinator
// has hidden: the hiding's reason in the audit log refers to its text.
func hiddenConflict() error {
	return delphi.Errorf(delphi.ECONFLICT, "a coordinator has hidden this argument; it can no longer be edited, only withdrawn").WithReason(delphi.ReasonArgumentHidden, nil)
}

// check validates an argument's option, stance and text against its item.
func check(def *delphi.Definition, it delphi.Item, in Input) error {
	if in.Stance != delphi.StancePro && in.Stance != delphi.StanceCon {
		return delphi.FieldErrorf(delphi.EINVALID, "stance", "the stance must be pro or con")
	}
	switch it.Type {
	case delphi.ItemSingleChoice, delphi.ItemMultipleChoice, delphi.ItemRanking:
		if in.OptionID != "" && !slices.ContainsFunc(it.Options, func(o delphi.Option) bool { return o.ID == in.OptionID }) {
			return delphi.FieldErrorf(delphi.EINVALID, "option_id", "option %q is not an option of item %s", in.OptionID, it.ID)
		}
	default:
		if in.OptionID != "" {
			return delphi.FieldErrorf(delphi.EINVALID, "option_id", "item %s has no options", it.ID)
		}
	}
	if strings.TrimSpace(in.Text) == "" {
		return delphi.FieldErrorf(delphi.EINVALID, "text", "the argument is empty")
	}
	return delphi.CheckText("text", in.Text, delphi.TextLimit{Max: def.ArgumentRules().MaxLength, Multiline: true})
}

// Post stores a new argument of the expert on an item of the open round.
// Errors: those of admit; ENOTFOUND (field item_id) for an item not in the
// round; EINVALID naming the field (stance, option_id, text: empty, too
// long, a control character); ECONFLICT with reason argument_limit when
// the expert holds max_per_item arguments on the item.
func (s *Service) Post(ctx context.Context, e Expert, in Input) (*PanelArgument, error) {
	r, release, err := s.admit(ctx, e)
	if err != nil {
		return nil, err
	}
	defer release()
	ri, ok := r.Item(in.ItemID)
	if !ok {
		return nil, delphi.FieldErrorf(delphi.ENOTFOUND, "item_id", "item %q is not part of round %d", in.ItemID, r.Number)
	}
	def := e.Survey.Definition
	if err := check(def, ri.Item, in); err != nil {
		return nil, delphi.ForItem(err, in.ItemID)
	}
	now := s.now()
	a := &delphi.Argument{
		ID: newID(), SurveyID: e.Survey.ID, Round: r.Number, ItemID: in.ItemID, OptionID: in.OptionID, Stance: in.Stance, Text: in.Text,
		ExpertID: e.Expert.ID, Pseudonym: e.Expert.Pseudonym, Group: e.Expert.Group, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Arguments.CreateArgument(ctx, a, def.ArgumentRules().MaxPerItem); err != nil {
		return nil, delphi.ForItem(err, in.ItemID)
	}
	return &PanelArgument{ID: a.ID, ItemID: a.ItemID, OptionID: a.OptionID, Stance: a.Stance, Text: a.Text, Own: true}, nil
}

// own returns the expert's argument id of the open round r. ENOTFOUND if it
// is not theirs (as if it did not exist) or of another round.
func (s *Service) own(ctx context.Context, e Expert, r *delphi.Round, id string) (*delphi.Argument, error) {
	a, err := s.Arguments.Argument(ctx, e.Survey.ID, id)
	if err != nil {
		return nil, err
	}
	if a.ExpertID != e.Expert.ID {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "argument not found")
	}
	if a.Round != r.Number {
		return nil, delphi.Errorf(delphi.ECONFLICT, "the argument belongs to round %d, which is closed", a.Round)
	}
	return a, nil
}

// Edit changes the stance, option and text of the expert's own argument
// of the open round. A change of any of them clears the argument's
// ratings, which were given to what it said before. Errors: those of
// admit and Post's checks; ENOTFOUND for another expert's argument.
func (s *Service) Edit(ctx context.Context, e Expert, id string, in Input) (*PanelArgument, error) {
	r, release, err := s.admit(ctx, e)
	if err != nil {
		return nil, err
	}
	defer release()
	a, err := s.own(ctx, e, r, id)
	if err != nil {
		return nil, err
	}
	if a.Hidden != nil {
		return nil, hiddenConflict()
	}
	ri, ok := r.Item(a.ItemID)
	if !ok {
		return nil, delphi.Errorf(delphi.ECONFLICT, "item %s is no longer part of round %d", a.ItemID, r.Number)
	}
	if err := check(e.Survey.Definition, ri.Item, in); err != nil {
		return nil, delphi.ForItem(err, a.ItemID)
	}
	changed := false
	a, err = s.Arguments.UpdateArgument(ctx, e.Survey.ID, id, func(a *delphi.Argument) error {
		if a.Hidden != nil { // hidden since own read it
			return hiddenConflict()
		}
		changed = a.Stance != in.Stance || a.OptionID != in.OptionID || a.Text != in.Text
		a.Stance, a.OptionID, a.Text = in.Stance, in.OptionID, in.Text
		if changed {
			// Strictly later than the version replaced, at the store's
			// millisecond precision: the version a rating's Of names.
			prev, now := a.UpdatedAt.Truncate(time.Millisecond), s.now()
			if !now.Truncate(time.Millisecond).After(prev) {
				now = prev.Add(time.Millisecond)
			}
			a.UpdatedAt = now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if changed {
		// Only the ratings of older versions: a rating of the new text
		// that lands between the replace and this delete was accepted
		// and stays (its Of is the new UpdatedAt).
		if err := s.Arguments.DeleteArgumentRatings(ctx, e.Survey.ID, id, a.UpdatedAt); err != nil {
			return nil, err
		}
	}
	release()
	return s.view(ctx, e, a)
}

// Withdraw deletes the expert's own argument of the open round with its
// ratings. Errors: those of admit; ENOTFOUND for another expert's argument.
func (s *Service) Withdraw(ctx context.Context, e Expert, id string) error {
	r, release, err := s.admit(ctx, e)
	if err != nil {
		return err
	}
	defer release()
	a, err := s.own(ctx, e, r, id)
	if err != nil {
		return err
	}
	return s.Arguments.DeleteArgument(ctx, a)
}

// Rate records the expert's rating (1–5) of another expert's visible
// argument of the open round, once. Errors: those of admit; EINVALID
// (field value) for a value outside 1–5; ENOTFOUND for an unknown or
// hidden argument; ECONFLICT for an argument of a closed round, and with
// reason already_rated for a second rating (of parallel ratings exactly
// one is stored); EFORBIDDEN with reason own_argument for the expert's
// own argument.
func (s *Service) Rate(ctx context.Context, e Expert, id string, value int) (*PanelArgument, error) {
	if value < delphi.ArgumentRatingMin || value > delphi.ArgumentRatingMax {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "value", "a rating is a whole number from %d to %d", delphi.ArgumentRatingMin, delphi.ArgumentRatingMax)
	}
	r, release, err := s.admit(ctx, e)
	if err != nil {
		return nil, err
	}
	defer release()
	a, err := s.Arguments.Argument(ctx, e.Survey.ID, id)
	switch {
	case err != nil:
		return nil, err
	case a.Hidden != nil:
		return nil, delphi.Errorf(delphi.ENOTFOUND, "argument not found")
	case a.ExpertID == e.Expert.ID:
		return nil, delphi.Errorf(delphi.EFORBIDDEN, "you cannot rate your own argument").WithReason(delphi.ReasonOwnArgument, nil)
	case a.Round != r.Number:
		return nil, delphi.Errorf(delphi.ECONFLICT, "the argument belongs to round %d, which is closed", a.Round)
	}
	err = s.Arguments.RateArgument(ctx, &delphi.ArgumentRating{ArgumentID: id, SurveyID: e.Survey.ID, Round: r.Number, ExpertID: e.Expert.ID, Value: value, At: s.now(), Of: a.UpdatedAt})
	if err != nil {
		return nil, err
	}
	release()
	return s.view(ctx, e, a)
}

// view returns the argument a of the current round as the expert sees it
// now, with its ratings.
func (s *Service) view(ctx context.Context, e Expert, a *delphi.Argument) (*PanelArgument, error) {
	cur, err := s.round(ctx, e.Survey, a.Round)
	if err != nil {
		return nil, err
	}
	v := cur.panel(a, e.Expert.ID)
	return &v, nil
}

// ---------------------------------------------------------------- staff

// List returns the study's arguments of round n (every round for 0) with
// their authors' pseudonyms and groups, their ratings and their hiding,
// oldest first (none for a study without arguments). Errors: the stores'.
func (s *Service) List(ctx context.Context, sv *delphi.Survey, n int) ([]StaffArgument, error) {
	rated, err := s.Rated(ctx, sv, n)
	if err != nil {
		return nil, err
	}
	out := make([]StaffArgument, len(rated))
	for i, a := range rated {
		out[i] = StaffArgument{
			ID: a.ID, Round: a.Round, ItemID: a.ItemID, OptionID: a.OptionID, Stance: a.Stance, Text: a.Text,
			Pseudonym: a.Pseudonym, Group: a.Group, Ratings: a.Ratings, Hidden: a.Hidden, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		}
	}
	return out, nil
}

// Rated returns the study's arguments of round n (every round for 0) with
// their ratings' summaries, ordered by round, then creation: what the
// export's arguments sheet lists. Hidden arguments are included.
func (s *Service) Rated(ctx context.Context, sv *delphi.Survey, n int) ([]delphi.RatedArgument, error) {
	ra, err := s.load(ctx, sv.ID, n)
	if err != nil {
		return nil, err
	}
	out := ra.rated()
	slices.SortStableFunc(out, func(a, b delphi.RatedArgument) int { return cmp.Compare(a.Round, b.Round) })
	return out, nil
}

// SetHidden hides (hide true, with a reason) or shows again an argument
// and records it in the audit log (argument.hide, argument.unhide, with
// the reason, the item and the round). A hidden argument vanishes from
// experts' lists and from the feedback, and stays in the export marked as
// hidden. Errors: ENOTFOUND; EINVALID (field reason) for a hiding without
// a reason or a reason that breaks delphi.LongText; ECONFLICT when the
// argument is hidden already (hide) or not hidden (unhide).
func (s *Service) SetHidden(ctx context.Context, actorID string, sv *delphi.Survey, id string, hide bool, reason string) (*StaffArgument, error) {
	if !sv.Definition.Arguments {
		return nil, disabled()
	}
	if err := delphi.CheckText("reason", reason, delphi.LongText); err != nil {
		return nil, err
	}
	if hide && strings.TrimSpace(reason) == "" {
		return nil, delphi.FieldErrorf(delphi.EINVALID, "reason", "give a reason for hiding the argument")
	}
	now := s.now()
	a, err := s.Arguments.UpdateArgument(ctx, sv.ID, id, func(a *delphi.Argument) error {
		switch {
		case hide && a.Hidden != nil:
			return delphi.Errorf(delphi.ECONFLICT, "the argument is hidden already")
		case !hide && a.Hidden == nil:
			return delphi.Errorf(delphi.ECONFLICT, "the argument is not hidden")
		case hide:
			a.Hidden = &delphi.ArgumentHidden{At: now, By: actorID, Reason: reason}
		default:
			a.Hidden = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	action := "argument.unhide"
	if hide {
		action = "argument.hide"
	}
	details := map[string]any{"item": a.ItemID, "round": a.Round}
	if reason != "" {
		details["reason"] = reason
	}
	if err := delphi.Audit(ctx, s.Audit, now, actorID, action, sv.ID, a.ID, details); err != nil {
		return nil, err
	}
	list, err := s.List(ctx, sv, a.Round)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == a.ID {
			return &list[i], nil
		}
	}
	return nil, delphi.Errorf(delphi.ENOTFOUND, "argument not found")
}

// ---------------------------------------------------------------- the round's arguments

// roundArguments are one round's arguments with their ratings and whether
// their groups may be shown to the panel.
type roundArguments struct {
	args       []*delphi.Argument
	ratings    map[string][]*delphi.ArgumentRating // by argument id
	groupsShow bool
}

// load reads the study's arguments of round n (every round for 0) with
// their ratings.
func (s *Service) load(ctx context.Context, surveyID string, n int) (*roundArguments, error) {
	args, err := s.Arguments.ListArguments(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	ratings, err := s.Arguments.ListArgumentRatings(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	out := &roundArguments{args: args, ratings: map[string][]*delphi.ArgumentRating{}}
	byID := make(map[string]*delphi.Argument, len(args))
	for _, a := range args {
		byID[a.ID] = a
	}
	for _, r := range ratings {
		// A rating of an older version, left by an edit because it
		// arrived after the edit's delete, does not count.
		if a := byID[r.ArgumentID]; a != nil && r.Current(a) {
			out.ratings[r.ArgumentID] = append(out.ratings[r.ArgumentID], r)
		}
	}
	return out, nil
}

// round is load for round n with the group rule of the panel's view. The
// responses' part of the rule comes from answered, read at most once per
// GroupsTTL and study round.
func (s *Service) round(ctx context.Context, sv *delphi.Survey, n int) (*roundArguments, error) {
	out, err := s.load(ctx, sv.ID, n)
	if err != nil || len(out.args) == 0 || len(sv.Definition.Groups) == 0 {
		return out, err
	}
	members, err := s.answered(ctx, sv.ID, n)
	if err != nil {
		return nil, err
	}
	out.groupsShow = groupsShown(sv.Definition, members, out.args)
	return out, nil
}

// answered returns the members per group with an answer stored in round n,
// from the cache while it is younger than GroupsTTL. The map is shared:
// read only.
func (s *Service) answered(ctx context.Context, surveyID string, n int) (groupMembers, error) {
	key := surveyID + "#" + strconv.Itoa(n)
	now := s.now()
	s.mu.Lock()
	e, ok := s.answering[key]
	s.mu.Unlock()
	if ok && now.Sub(e.at) < GroupsTTL && !now.Before(e.at) {
		return e.members, nil
	}
	responses, err := s.Responses.ListResponses(ctx, surveyID, n)
	if err != nil {
		return nil, err
	}
	members := answering(responses)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answering == nil {
		s.answering = map[string]answeringEntry{}
	}
	for k, old := range s.answering { // forget the rounds no one asks about
		if now.Sub(old.at) >= GroupsTTL {
			delete(s.answering, k)
		}
	}
	s.answering[key] = answeringEntry{at: now, members: members}
	return members, nil
}

// answering returns the members per group with an answer stored (drafts
// included).
func answering(responses []*delphi.Response) groupMembers {
	members := groupMembers{}
	for _, r := range responses {
		for _, a := range r.Answers {
			if !a.Value.Empty() {
				members.add(r.Group, r.ExpertID)
				break
			}
		}
	}
	return members
}

// GroupsShown is the min_group_n rule of arguments: the panel sees the
// authors' groups of a round's arguments only when every group with a
// member taking part in the round (an answer stored, drafts included, or
// an argument posted) has at least feedback.min_group_n such members.
// Otherwise no argument of the round shows a group: blanking only the
// small group's arguments would name it by elimination.
func GroupsShown(def *delphi.Definition, responses []*delphi.Response, args []*delphi.Argument) bool {
	return groupsShown(def, answering(responses), args)
}

// groupsShown is GroupsShown with the answering members read already; it
// does not change answered.
func groupsShown(def *delphi.Definition, answered groupMembers, args []*delphi.Argument) bool {
	authors := groupMembers{}
	for _, a := range args {
		if !answered[a.Group][a.ExpertID] {
			authors.add(a.Group, a.ExpertID)
		}
	}
	minN := def.Rounds.Feedback.MinGroup()
	for _, m := range []groupMembers{answered, authors} {
		for g := range m {
			if len(answered[g])+len(authors[g]) < minN {
				return false
			}
		}
	}
	return true
}

func (ra *roundArguments) summary(id string) delphi.RatingSummary {
	vs := make([]int, 0, len(ra.ratings[id]))
	for _, r := range ra.ratings[id] {
		vs = append(vs, r.Value)
	}
	return delphi.SummarizeRatings(vs)
}

// panel returns a as the expert viewer sees it ("" for nobody's own).
func (ra *roundArguments) panel(a *delphi.Argument, viewer string) PanelArgument {
	sum := ra.summary(a.ID)
	v := PanelArgument{
		ID: a.ID, ItemID: a.ItemID, OptionID: a.OptionID, Stance: a.Stance, Text: a.Text,
		Own: viewer != "" && a.ExpertID == viewer, Ratings: Ratings{N: sum.N, Mean: sum.Mean},
	}
	if ra.groupsShow {
		v.Group = a.Group
	}
	for _, r := range ra.ratings[a.ID] {
		if viewer != "" && r.ExpertID == viewer {
			v.MyRating = r.Value
		}
	}
	return v
}

// rated returns the round's arguments with their summaries.
func (ra *roundArguments) rated() []delphi.RatedArgument {
	out := make([]delphi.RatedArgument, len(ra.args))
	for i, a := range ra.args {
		out[i] = delphi.RatedArgument{Argument: a, Ratings: ra.summary(a.ID)}
	}
	return out
}

// TopSet is an item's top arguments by stance.
type TopSet struct {
	Pro []delphi.RatedArgument
	Con []delphi.RatedArgument
}

// TopArguments chooses, per item, the top pro and the top con arguments of
// a round: among the arguments not hidden with at least rules.MinRatings
// ratings, the highest mean rating first; ties by more ratings, then the
// earlier post, then the id; rules.Top of each stance. An item without
// such an argument has no entry.
func TopArguments(args []delphi.RatedArgument, rules delphi.ArgumentOptions) map[string]TopSet {
	eligible := make([]delphi.RatedArgument, 0, len(args))
	for _, a := range args {
		if a.Hidden == nil && a.Ratings.N >= rules.MinRatings {
			eligible = append(eligible, a)
		}
	}
	slices.SortFunc(eligible, func(a, b delphi.RatedArgument) int {
		return cmp.Or(
			cmp.Compare(b.Ratings.Mean, a.Ratings.Mean),
			cmp.Compare(b.Ratings.N, a.Ratings.N),
			a.CreatedAt.Compare(b.CreatedAt),
			strings.Compare(a.ID, b.ID),
		)
	})
	out := map[string]TopSet{}
	for _, a := range eligible {
		t := out[a.ItemID]
		switch {
		case a.Stance == delphi.StancePro && len(t.Pro) < rules.Top:
			t.Pro = append(t.Pro, a)
		case a.Stance == delphi.StanceCon && len(t.Con) < rules.Top:
			t.Con = append(t.Con, a)
		}
		out[a.ItemID] = t
	}
	return out
}
