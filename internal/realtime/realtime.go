// Package realtime runs the real-time mode of a study (mode: realtime,
// issue #21): one continuous round in which an expert, after answering an
// item, sees the panel's current statistics of it, computed from the other
// experts' latest answers; every change of a value is kept as a revision
// (delphi.RevisionStore), and the justification rule applies against the
// IQR the expert could see at the moment of the answer.
//
// A save must not recompute the whole round: the Service keeps, per study
// and round, every expert's latest answer to each item in memory (read from
// the database once, then updated by this process's saves and read again
// after TTL, so saves through another instance are seen within TTL), and
// computes the statistics of one item from it when they are asked for.
// The participation service calls it on every save and submission of a
// real-time study; the expert's feedback request reads it.
package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// DefaultTTL is how long the answers read from the database serve before
// they are read again (the live results' sharing time, results.LiveTTL in
// Main): saves through this process update them at once, this bounds how
// late a save through another instance shows.
const DefaultTTL = 5 * time.Second

// AnswersReader reads the stored answers of rounds (store.Store).
type AnswersReader interface {
	// ListAnswersRounds returns every answer of each of the given rounds.
	ListAnswersRounds(ctx context.Context, surveyID string, rounds ...int) (map[int][]delphi.Answer, error)
}

// Service keeps the real-time state of the studies in this process. Build
// one per process (Main).
type Service struct {
	Answers   AnswersReader
	Revisions delphi.RevisionStore
	// TTL: see DefaultTTL (used when zero).
	TTL time.Duration
	// Alone: no other process writes the answers (the embedded database
	// admits one), so they are read from the database once, not again
	// after TTL.
	Alone  bool
	Now    func() time.Time // injectable clock
	Logger *slog.Logger

	mu     sync.Mutex
	rounds map[string]*state // by delphi.RoundKey
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) ttl() time.Duration {
	if s.TTL <= 0 {
		return DefaultTTL
	}
	return s.TTL
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// entry is one expert's latest answer to an item, with the version of the
// state that wrote it (to merge a read from the database that began before).
type entry struct {
	answer  delphi.Answer
	version uint64
}

// flags are what the revision history says of one expert's item: shown,
// the panel's statistics were returned to them (SawFeedback of the next
// revision); outside, their latest value lay outside the IQR they could
// see when they saved it (delphi.Revision.OutsideIQR), decided for the
// save of time at (the revision's At: the latest decides).
type flags struct {
	shown, outside bool
	at             time.Time
}

// state is the real-time state of one round.
type state struct {
	mu      sync.Mutex
	answers map[string]map[string]entry // item id → expert id → latest answer
	flags   map[flagKey]flags
	version uint64 // counts the changes made in memory

	// items holds each item's version: the state's version when an answer
	// to it last changed (or the answers were read); cache, the
	// statistics computed at an item's version. Experts whose own answers
	// are alike (the same value, group, draft status, and comment where the
	// feedback shows comments) see the same statistics, so one computation
	// serves them all until the item changes.
	items map[string]uint64
	cache map[cacheKey]cached

	flagsRead bool
	// flagReads: how many of the coming reads of the answers read the
	// revisions again (another instance saved: its flags changed).
	flagReads int
	readAt    time.Time // when the answers were last read (zero: never)
	reading   bool      // a read of the answers is under way
}

type flagKey struct{ expert, item string }

type cacheKey struct{ item, own string }

// cached is the statistics of an item at its version under the study's
// definition of revision rev: a new revision (another min_group_n, the
// comments turned off) computes them again.
type cached struct {
	version uint64
	rev     int
	status  ItemStatus
}

// state returns round r's state, reading what it lacks or what is older
// than the TTL from the database.
func (s *Service) state(ctx context.Context, r *delphi.Round) (*state, error) {
	key := r.Key()
	s.mu.Lock()
	if s.rounds == nil {
		s.rounds = map[string]*state{}
	}
	st := s.rounds[key]
	if st == nil {
		st = &state{answers: map[string]map[string]entry{}, flags: map[flagKey]flags{}, items: map[string]uint64{}, cache: map[cacheKey]cached{}}
		s.rounds[key] = st
	}
	s.mu.Unlock()

	st.mu.Lock()
	if !st.flagsRead {
		// With the first read: the flags live in the revision history;
		// read again when another instance saved (below).
		revs, err := s.Revisions.ListRevisions(ctx, r.SurveyID)
		if err != nil {
			st.mu.Unlock()
			return nil, err
		}
		st.mergeFlags(revs)
		st.flagsRead = true
	}
	now := s.now()
	first := st.readAt.IsZero()
	if st.reading || (!first && (s.Alone || now.Sub(st.readAt) < s.ttl())) {
		st.mu.Unlock()
		return st, nil
	}
	// Read the answers: the first time with the lock held (there is
	// nothing to serve yet), later without it (the state serves meanwhile)
	// and merged afterwards.
	st.reading = true
	since := st.version
	if !first {
		st.mu.Unlock()
	}
	all, err := s.Answers.ListAnswersRounds(ctx, r.SurveyID, r.Number)
	if !first {
		st.mu.Lock()
	}
	defer st.mu.Unlock()
	st.reading = false
	if err != nil {
		if first {
			return nil, err
		}
		s.log().Warn("reading the answers of a real-time round again", "round", key, "err", err)
		return st, nil
	}
	fresh := map[string]map[string]entry{}
	foreign := false // a save this process has not seen
	for _, a := range all[r.Number] {
		m := fresh[a.ItemID]
		if m == nil {
			m = map[string]entry{}
			fresh[a.ItemID] = m
		}
		m[a.ExpertID] = entry{answer: a}
		kept, had := st.answers[a.ItemID][a.ExpertID]
		foreign = foreign || !first && (!had || kept.answer.Seq < a.Seq)
	}
	// What this process changed since the read began stays.
	for item, m := range st.answers {
		for expert, e := range m {
			if e.version <= since {
				continue
			}
			f, had := fresh[item][expert]
			var ok bool
			if e.answer, ok = latest(f.answer, had, e.answer); !ok {
				continue // another instance stored a later save
			}
			if fresh[item] == nil {
				fresh[item] = map[string]entry{}
			}
			fresh[item][expert] = e
		}
	}
	st.version++
	for item := range fresh {
		st.items[item] = st.version
	}
	for item := range st.answers {
		st.items[item] = st.version
	}
	st.answers, st.readAt = fresh, now
	// Another instance saved: its revisions hold the flags of its saves.
	// Read them now and with the next read too, as that instance appends
	// its revision after its write (which this read may have seen first).
	if foreign {
		st.flagReads = 2
	}
	if st.flagReads == 0 {
		return st, nil
	}
	st.flagReads--
	st.reading = true
	st.mu.Unlock()
	revs, err := s.Revisions.ListRevisions(ctx, r.SurveyID)
	st.mu.Lock()
	st.reading = false
	if err != nil {
		s.log().Warn("reading the revisions of a real-time round again", "round", key, "err", err)
		return st, nil
	}
	st.mergeFlags(revs)
	return st, nil
}

// mergeFlags takes the flags from revs (ordered by At): shown once any
// revision saw the feedback, outside from the latest revision of each
// expert's item unless this process recorded a later save (st.mu is held).
func (st *state) mergeFlags(revs []delphi.Revision) {
	for _, rv := range revs {
		k := flagKey{rv.ExpertID, rv.ItemID}
		f := st.flags[k]
		f.shown = f.shown || rv.SawFeedback
		if !rv.At.Before(f.at) {
			f.outside, f.at = rv.OutsideIQR, rv.At
		}
		st.flags[k] = f
	}
}

// put stores a as its expert's latest answer to its item unless the state
// keeps a later one (a higher Seq: two saves of one expert and item record
// in either order, as Record runs after the response's lock), and reports
// whether it did; st.mu is held. An equal Seq is the same answer (a
// submission's copy clears Draft), and a submitted answer stays submitted.
func (st *state) put(a delphi.Answer) bool {
	m := st.answers[a.ItemID]
	if m == nil {
		m = map[string]entry{}
		st.answers[a.ItemID] = m
	}
	kept, had := m[a.ExpertID]
	a, ok := latest(kept.answer, had, a)
	if !ok {
		return false
	}
	st.version++
	m[a.ExpertID] = entry{answer: a, version: st.version}
	st.items[a.ItemID] = st.version
	return true
}

// latest returns a as it replaces kept (if had) as the latest answer of
// its expert to its item, and false when it may not: its Seq is lower
// (the store applies a save only over a lower Seq). An equal Seq is the
// same answer; a submitted copy of it stays submitted (a response, once
// submitted, never turns back into a draft).
func latest(kept delphi.Answer, had bool, a delphi.Answer) (delphi.Answer, bool) {
	if !had {
		return a, true
	}
	if a.Seq < kept.Seq {
		return kept, false
	}
	if a.Seq == kept.Seq && !kept.Draft {
		a.Draft = false
	}
	return a, true
}

// others returns the latest answers to item of every expert but expertID
// (copies; st.mu is held).
func (st *state) others(item, expertID string) []delphi.Answer {
	m := st.answers[item]
	out := make([]delphi.Answer, 0, len(m))
	for e, x := range m {
		if e != expertID {
			out = append(out, x.answer)
		}
	}
	return out
}

// status returns the panel's statistics of item it as expertID sees them
// (the others' latest answers) under sv's definition, from the cache while
// the item and the definition's revision are unchanged. st.mu is not held.
func (st *state) status(sv *delphi.Survey, r *delphi.Round, it delphi.Item, expertID string, now time.Time) ItemStatus {
	def := sv.Definition
	st.mu.Lock()
	key := cacheKey{item: it.ID, own: ownKey(def, st.answers[it.ID][expertID])}
	version := st.items[it.ID]
	if c, ok := st.cache[key]; ok && c.version == version && c.rev == sv.Revision {
		st.mu.Unlock()
		return c.status
	}
	others := st.others(it.ID, expertID)
	st.mu.Unlock()
	out := status(def, r, it, others, now)
	st.mu.Lock()
	if c, ok := st.cache[key]; !ok || c.version <= version {
		st.cache[key] = cached{version: version, rev: sv.Revision, status: out}
	}
	st.mu.Unlock()
	return out
}

// ownKey describes what of an expert's own answer e the statistics of the
// others depend on (leaving it out of the panel's answers): its value,
// group and draft status, and its texts where the feedback shows comments.
// The empty entry (no answer) has a key of its own.
func ownKey(def *delphi.Definition, e entry) string {
	a := e.answer
	if a.ExpertID == "" {
		return ""
	}
	v, _ := json.Marshal(a.Value)
	k := fmt.Sprintf("%s\x00%s\x00%t", v, a.Group, a.Draft)
	if def.Rounds.Feedback.Comments {
		k += "\x00" + a.Comment + "\x00" + a.Justification
	}
	return k
}

// own returns the expert's latest answer to item (st.mu is held).
func (st *state) own(item, expertID string) (delphi.Answer, bool) {
	e, ok := st.answers[item][expertID]
	return e.answer, ok
}

// MinN is the fewest values of other experts the panel's statistics of
// an item are shown from ("cannot judge" not counted): the study's minimum
// group size of feedback (feedback.min_group_n, default 3). Fewer would
// give those few answers away, as a small group's would
// (docs/STUDY-FORMAT.md, "Real-time mode").
func MinN(def *delphi.Definition) int { return def.Rounds.Feedback.MinGroup() }

// ItemStatus is the panel's current statistics of one item as an expert
// may see them: N, the other experts' answers counted (by the study's
// feedback.count; "cannot judge" included), and Feedback, the statistics
// of the study's rounds.feedback from those answers, absent while fewer
// than MinN of them are values the statistics rest on (valid).
type ItemStatus struct {
	N        int                    `json:"n"`
	Feedback *analysis.ItemFeedback `json:"feedback,omitempty"`
}

// status computes the panel's statistics of item it from others, the
// other experts' latest answers.
func status(def *delphi.Definition, r *delphi.Round, it delphi.Item, others []delphi.Answer, now time.Time) ItemStatus {
	counted := analysis.Counted(def, others)
	n := 0
	for _, a := range counted {
		if !a.Value.Empty() {
			n++
		}
	}
	out := ItemStatus{N: n}
	if valid(it, counted) < MinN(def) {
		return out
	}
	res := analysis.Compute(analysis.Input{Def: def, Round: r.Number, Items: []delphi.Item{it}, Answers: others, ComputedAt: now, Live: true})
	fb := analysis.LiveFeedback(res, def.Rounds.Feedback)[it.ID]
	out.Feedback = &fb
	return out
}

// valid counts the values of as (answers to it) that its statistics rest
// on: "cannot judge" left out, and of a multi_rating item the fewest of
// any criterion (each criterion's median is shown).
func valid(it delphi.Item, as []delphi.Answer) int {
	rated := func(v delphi.Value) bool { return !v.Empty() && !v.Abstain }
	if len(it.Criteria) == 0 {
		n := 0
		for _, a := range as {
			if rated(a.Value) {
				n++
			}
		}
		return n
	}
	fewest := len(as)
	for _, c := range it.Criteria {
		n := 0
		for _, a := range as {
			if rated(a.Value.Criteria[c.ID]) {
				n++
			}
		}
		fewest = min(fewest, n)
	}
	return fewest
}

// Judge returns, per answer of as (one expert's, to round r of sv), whether
// its value lies outside the interquartile range of the item's panel
// statistics as the expert can see them now: the justification rule of a
// real-time study (feedback.justify_outside_iqr). Without the rule, for no
// value, or while the item's statistics are not shown, false.
func (s *Service) Judge(ctx context.Context, sv *delphi.Survey, r *delphi.Round, as []delphi.Answer) ([]bool, error) {
	out := make([]bool, len(as))
	def := sv.Definition
	if !def.Rounds.Feedback.JustifyOutsideIQR {
		return out, nil
	}
	st, err := s.state(ctx, r)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for k, a := range as {
		ri, ok := r.Item(a.ItemID)
		if !ok || a.Value.Empty() {
			continue
		}
		if f := st.status(sv, r, ri.Item, a.ExpertID, now).Feedback; f != nil {
			out[k] = len(f.OutsideIQR(a.Value)) > 0
		}
	}
	return out, nil
}

// Record takes note of a save of one expert's answers as (to round r of
// sv) that the store applied (applied[k]) with the response before and
// after the write: every item whose value changed gets a revision (one
// append for the save), saw_feedback when the expert had been shown the
// item's statistics before, outside_iqr from outside (Judge), and the
// state learns the new answers. A failed append is returned; the answers
// are stored by then.
func (s *Service) Record(ctx context.Context, sv *delphi.Survey, r *delphi.Round, before, after *delphi.Response, as []delphi.Answer, applied, outside []bool) error {
	st, err := s.state(ctx, r)
	if err != nil {
		return err
	}
	st.mu.Lock()
	var revs []delphi.Revision
	done := map[string]bool{}
	for k := len(as) - 1; k >= 0; k-- { // the last answer to an item is the one a batch leaves
		a := as[k]
		if !applied[k] || done[a.ItemID] {
			continue
		}
		done[a.ItemID] = true
		stored, ok := after.Answers[a.ItemID]
		if !ok {
			continue
		}
		prev, had := delphi.Answer{}, false
		if before != nil {
			prev, had = before.Answers[a.ItemID]
		}
		current := st.put(stored)
		changed := (!had && !stored.Value.Empty()) || (had && !sameValue(prev.Value, stored.Value))
		if !changed {
			continue
		}
		fk := flagKey{after.ExpertID, a.ItemID}
		f := st.flags[fk]
		if current { // else a later save of the item, recorded first, decides
			f.outside, f.at = outside[k], stored.LastSavedAt.UTC()
			st.flags[fk] = f
		}
		revs = append(revs, delphi.Revision{
			SurveyID: sv.ID, ItemID: a.ItemID, ExpertID: after.ExpertID, Pseudonym: after.Pseudonym, Group: after.Group,
			Value: stored.Value, At: stored.LastSavedAt.UTC(), SawFeedback: f.shown, Draft: after.SubmittedAt == nil, OutsideIQR: outside[k],
		})
	}
	st.mu.Unlock()
	if len(revs) == 0 {
		return nil
	}
	// In the order of the batch (reversed above).
	for i, j := 0, len(revs)-1; i < j; i, j = i+1, j-1 {
		revs[i], revs[j] = revs[j], revs[i]
	}
	return s.Revisions.AppendRevisions(ctx, revs)
}

// sameValue reports whether a and b are the same answer value (their JSON,
// in which unset fields are left out and maps are ordered).
func sameValue(a, b delphi.Value) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// Submitted takes note of an expert's submission of round r: their answers
// count as submitted from now on (feedback.count: submitted).
func (s *Service) Submitted(r *delphi.Round, resp *delphi.Response) {
	s.mu.Lock()
	st := s.rounds[r.Key()]
	s.mu.Unlock()
	if st == nil || resp == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, a := range resp.Answers {
		st.put(a)
	}
}

// Outside returns, per item, whether the expert's latest value lay outside
// the IQR they could see when they saved it (Judge, kept with the
// revision): true only where it did.
func (s *Service) Outside(ctx context.Context, r *delphi.Round, expertID string) (map[string]bool, error) {
	st, err := s.state(ctx, r)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]bool{}
	for k, f := range st.flags {
		if k.expert == expertID && f.outside {
			out[k.item] = true
		}
	}
	return out, nil
}

// View is the panel's current statistics of the items an expert has
// answered (Feedback).
type View struct {
	ComputedAt time.Time `json:"computed_at"`
	// MinN is the fewest other experts' values an item's statistics are
	// shown from ("cannot judge" not counted).
	MinN int `json:"min_n"`
	// Items holds an entry for each item of the round the expert has
	// answered (a value, "cannot judge" included), and none for the others
	// (anti-anchoring: nothing is shown before one's own answer).
	Items map[string]ItemStatus `json:"items"`
}

// Feedback returns the panel's current statistics of each item of round r
// that the expert has answered, from the other experts' latest answers, and
// remembers which the expert was shown (a later revision saw the
// feedback).
func (s *Service) Feedback(ctx context.Context, sv *delphi.Survey, r *delphi.Round, expertID string) (*View, error) {
	st, err := s.state(ctx, r)
	if err != nil {
		return nil, err
	}
	def := sv.Definition
	now := s.now()
	out := &View{ComputedAt: now, MinN: MinN(def), Items: map[string]ItemStatus{}}
	for _, ri := range r.Items {
		id := ri.Item.ID
		st.mu.Lock()
		a, ok := st.own(id, expertID)
		st.mu.Unlock()
		if !ok || a.Value.Empty() {
			continue
		}
		is := st.status(sv, r, ri.Item, expertID, now)
		out.Items[id] = is
		if is.Feedback != nil {
			st.mu.Lock()
			fk := flagKey{expertID, id}
			f := st.flags[fk]
			f.shown = true
			st.flags[fk] = f
			st.mu.Unlock()
		}
	}
	return out, nil
}
