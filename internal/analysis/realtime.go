package analysis

import (
	"math"
	"slices"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// RealtimeInput is what Realtime needs: the study, the items of its one
// continuous round and the revision history (docs/ANALYSIS.md, "Real-time
// studies").
type RealtimeInput struct {
	Def   *delphi.Definition
	Items []delphi.Item // the round's item list, in order
	// Revisions is the study's history as delphi.RevisionStore lists it
	// (At ascending, ties in storing order); Realtime sorts it stably by
	// At, so of two revisions at one moment the later one in the slice is
	// the newer.
	Revisions []delphi.Revision
	// Submitted is when each expert (by ExpertID) first submitted; with
	// feedback.count "submitted" an expert counts from then on. It may be
	// nil: a revision that is no draft shows a submission as well.
	Submitted  map[string]time.Time
	ComputedAt time.Time
	Live       bool // computed while the round is open
}

// RealtimeResults is the analysis of a real-time study's revision history.
// Like every result it carries no expert id or pseudonym.
type RealtimeResults struct {
	SurveyID     string    `json:"survey_id"`
	Version      string    `json:"version"`
	ComputedAt   time.Time `json:"computed_at"`
	Live         bool      `json:"live"`
	QuantileType int       `json:"quantile_type"`
	Count        string    `json:"count"` // feedback.count applied: submitted or all
	Revisions    int       `json:"revisions"`
	Experts      int       `json:"experts"` // experts with at least one revision
	// Counted is how many of them count (all of them with count "all";
	// with "submitted" those who submitted).
	Counted int            `json:"counted"`
	Items   []RealtimeItem `json:"items"` // in the order of RealtimeInput.Items
}

// RealtimeItem is the history of one item. Rating holds a rating item's
// series, Criteria a multi_rating item's (one per criterion, in criterion
// order), Numeric a numeric item's; other types are not covered (Covered
// false) and have their revision count only.
type RealtimeItem struct {
	ItemID    string              `json:"item_id"`
	Type      string              `json:"type"`
	SectionID string              `json:"section_id"`
	Position  int                 `json:"position"` // as in ItemResult
	Covered   bool                `json:"covered"`
	Revisions int                 `json:"revisions"` // stored revisions of the item, counted or not
	Rating    *RealtimeSeries     `json:"rating,omitempty"`
	Criteria  []RealtimeCriterion `json:"criteria,omitempty"`
	Numeric   *RealtimeSeries     `json:"numeric,omitempty"`
}

// RealtimeCriterion is the series of one criterion of a multi_rating item.
type RealtimeCriterion struct {
	CriterionID string `json:"criterion_id"`
	RealtimeSeries
}

// RealtimeSeries is how one rating, criterion or numeric estimate moved
// over the open period, and how the counted experts revised it.
type RealtimeSeries struct {
	// Points is the panel's state after each moment at which a counted
	// answer changed, in time order.
	Points []RealtimePoint `json:"points"`
	// Experts counts the counted experts whose last answer is a value or
	// an abstention.
	Experts int `json:"experts"`
	// Revised counts the counted experts who changed an answer they had
	// given at least once, after feedback or not.
	Revised       int               `json:"revised"`
	AfterFeedback FeedbackRevisions `json:"after_feedback"`
	// Stability compares each counted expert's first and last answer
	// (stats.StabilityPairs; delta_iqr_rounds: the IQR of all last
	// answers minus that of all first answers).
	Stability stats.StabilitySummary `json:"stability"`
}

// RealtimePoint is the panel's state right after one moment: the counted
// experts' latest answers then.
type RealtimePoint struct {
	At          time.Time `json:"at"`
	Changes     int       `json:"changes"` // counted experts whose answer changed at this moment
	N           int       `json:"n"`       // valid answers
	Abstentions int       `json:"abstentions"`
	Median      stats.Num `json:"median"`
	Q1          stats.Num `json:"q1"`
	Q3          stats.Num `json:"q3"`
	IQR         stats.Num `json:"iqr"`
	// Outcome is the primary rule's consensus outcome on this state;
	// absent for a numeric item without consensus_numeric.
	Outcome string `json:"outcome,omitempty"`
}

// FeedbackRevisions counts the counted experts who changed an answer after
// seeing the panel's feedback for the item (a revision with SawFeedback
// whose value differs from their answer before it) and how they moved:
// from their answer before the first such revision to their last answer,
// measured against the median of the other experts' counted answers just
// before that revision (what the feedback showed, at most as fresh).
type FeedbackRevisions struct {
	Experts   int `json:"experts"`
	Revisions int `json:"revisions"` // such revisions in all
	Toward    int `json:"toward_median"`
	Away      int `json:"away_from_median"`
	Same      int `json:"same_distance"` // e.g. revised and then back
	// NotComparable: the answer before or the last answer is no value (an
	// abstention, or cleared), or the other experts had no median.
	NotComparable int `json:"not_comparable"`
	// MeanAbsChange is the mean |last − before| of the comparable experts.
	MeanAbsChange stats.Num `json:"mean_abs_change"`
}

// Answer kinds of one expert in one series.
const (
	entryNone    uint8 = iota // no answer (or one without this criterion)
	entryValue                // a value
	entryAbstain              // "cannot judge"
)

// entry is one expert's answer in one series.
type entry struct {
	x    float64
	kind uint8
}

// fbStart is an expert's first revision after feedback in one series.
type fbStart struct {
	seen  bool
	old   entry   // the answer before it
	ref   float64 // the other experts' median just before it
	refOK bool
}

// rtSeries is the state of one series while Realtime replays the history.
type rtSeries struct {
	out  *RealtimeSeries
	pick func(delphi.Value) entry
	opt  stats.Options
	// outcome is the primary rule's outcome on a summary; nil: none.
	outcome func(stats.Summary) string

	cur      []entry // per expert number: the counted answer now
	last     []entry // the latest answer, counted or not
	first    []entry // the first answer given
	fb       []fbStart
	fbRevs   []int  // revisions after feedback
	revised  []bool // changed an answer given before
	touched  []int  // experts whose answer may have changed at this moment
	isTouchd []bool
	scratch  []float64 // values, reused from point to point
}

func (s *rtSeries) touch(e int) {
	if !s.isTouchd[e] {
		s.isTouchd[e] = true
		s.touched = append(s.touched, e)
	}
}

// othersMedian is the median of the counted values of every expert but e.
func (s *rtSeries) othersMedian(e int, typ int) (float64, bool) {
	xs := s.scratch[:0]
	for i, c := range s.cur {
		if i != e && c.kind == entryValue {
			xs = append(xs, c.x)
		}
	}
	slices.Sort(xs)
	s.scratch = xs
	return stats.Quantile(xs, 0.5, typ)
}

// settle applies the moment at: every touched expert's counted answer
// becomes their latest one (none when they do not count), and a point is
// added when one of them changed.
func (s *rtSeries) settle(at time.Time, counted []bool) {
	changes := 0
	for _, e := range s.touched {
		want := entry{}
		if counted[e] {
			want = s.last[e]
		}
		if want != s.cur[e] {
			s.cur[e] = want
			changes++
		}
		s.isTouchd[e] = false
	}
	s.touched = s.touched[:0]
	if changes == 0 {
		return
	}
	values := s.scratch[:0]
	abstain := 0
	for _, c := range s.cur {
		switch c.kind {
		case entryValue:
			values = append(values, c.x)
		case entryAbstain:
			abstain++
		}
	}
	s.scratch = values
	sum := stats.Describe(values, abstain, s.opt) // copies values
	p := RealtimePoint{At: at, Changes: changes, N: sum.N, Abstentions: sum.Abstentions,
		Median: sum.Median, Q1: sum.Q1, Q3: sum.Q3, IQR: sum.IQR}
	if s.outcome != nil {
		p.Outcome = s.outcome(sum)
	}
	s.out.Points = append(s.out.Points, p)
}

// rtEvent is a revision, or an expert starting to count (rev < 0).
type rtEvent struct {
	at     time.Time
	expert int
	rev    int // index into the sorted revisions; -1 for a start
}

// Realtime analyses the revision history of a real-time study: per
// rating, criterion and numeric item the panel's median and IQR after
// each change, the revisions after feedback and the stability of first
// versus last answers. It does not filter by survey: pass the right
// revisions. Revisions of items not in in.Items are ignored.
//
// Which answers count follows feedback.count: with "all" every revision
// counts from its time on; with "submitted" an expert counts from their
// first submission (in.Submitted, or the time of their first revision
// that is no draft, whichever is earlier) on, and from then on with their
// latest answers, drafts before it included; an expert who never
// submitted does not count. docs/ANALYSIS.md has the details.
func Realtime(in RealtimeInput) *RealtimeResults {
	def := in.Def
	if def == nil {
		def = &delphi.Definition{}
	}
	c := &computer{def: def, typ: def.Quantile()}
	wo := def.WilcoxonSettings()
	wilcoxon := stats.WilcoxonOptions{Method: wo.Method, ZeroMethod: wo.ZeroMethod, Correction: wo.Correction}
	count := def.Rounds.Feedback.CountRule()
	res := &RealtimeResults{SurveyID: def.ID, Version: def.Version, ComputedAt: in.ComputedAt, Live: in.Live,
		QuantileType: c.typ, Count: count, Items: make([]RealtimeItem, 0, len(in.Items))}

	itemNo := make(map[string]int, len(in.Items))
	for i, it := range in.Items {
		itemNo[it.ID] = i
	}
	revs := make([]delphi.Revision, 0, len(in.Revisions))
	for _, r := range in.Revisions {
		if _, ok := itemNo[r.ItemID]; ok && r.ExpertID != "" {
			revs = append(revs, r)
		}
	}
	slices.SortStableFunc(revs, func(a, b delphi.Revision) int { return a.At.Compare(b.At) })

	// Experts by number; when each starts to count.
	expertNo := map[string]int{}
	var starts []time.Time
	var startSet []bool
	for _, r := range revs {
		e, ok := expertNo[r.ExpertID]
		if !ok {
			e = len(expertNo)
			expertNo[r.ExpertID] = e
			starts, startSet = append(starts, time.Time{}), append(startSet, false)
			if t, ok := in.Submitted[r.ExpertID]; ok {
				starts[e], startSet[e] = t, true
			}
		}
		if !r.Draft && (!startSet[e] || r.At.Before(starts[e])) {
			starts[e], startSet[e] = r.At, true
		}
	}
	nExperts := len(expertNo)
	counted := make([]bool, nExperts)  // counts now
	included := make([]bool, nExperts) // counts at the end
	events := make([]rtEvent, 0, len(revs)+nExperts)
	for i, r := range revs {
		events = append(events, rtEvent{at: r.At, expert: expertNo[r.ExpertID], rev: i})
	}
	for e := range nExperts {
		switch {
		case count == delphi.CountAll:
			counted[e], included[e] = true, true
		case startSet[e]:
			included[e] = true
			events = append(events, rtEvent{at: starts[e], expert: e, rev: -1})
		}
	}
	slices.SortStableFunc(events, func(a, b rtEvent) int { return a.at.Compare(b.at) })
	res.Experts, res.Revisions = nExperts, len(revs)
	for _, inc := range included {
		if inc {
			res.Counted++
		}
	}

	// The series of each item.
	section, position := placeItems(def, in.Items)
	series := make([][]*rtSeries, len(in.Items))
	var all []*rtSeries
	newSeries := func(out *RealtimeSeries, pick func(delphi.Value) entry, opt stats.Options, outcome func(stats.Summary) string) *rtSeries {
		s := &rtSeries{out: out, pick: pick, opt: opt, outcome: outcome,
			cur: make([]entry, nExperts), last: make([]entry, nExperts), first: make([]entry, nExperts),
			fb: make([]fbStart, nExperts), fbRevs: make([]int, nExperts), revised: make([]bool, nExperts),
			isTouchd: make([]bool, nExperts)}
		out.Points = []RealtimePoint{}
		all = append(all, s)
		return s
	}
	for i, it := range in.Items {
		ri := RealtimeItem{ItemID: it.ID, Type: it.Type, SectionID: section[i], Position: position[i]}
		rules := ItemRules(def, it)
		switch it.Type {
		case delphi.ItemRating:
			ri.Covered, ri.Rating = true, &RealtimeSeries{}
			series[i] = append(series[i], newSeries(ri.Rating, ratingEntry(identity), c.describeOptions(scaleOf(def, it.Scale)),
				ratingOutcome(def, rules, scaleOf(def, it.Scale))))
		case delphi.ItemMultiRating:
			ri.Covered, ri.Criteria = true, make([]RealtimeCriterion, len(it.Criteria))
			for k, cr := range it.Criteria {
				ri.Criteria[k].CriterionID = cr.ID
				sc := scaleOf(def, cr.Scale)
				series[i] = append(series[i], newSeries(&ri.Criteria[k].RealtimeSeries, ratingEntry(criterion(cr.ID)),
					c.describeOptions(sc), ratingOutcome(def, criterionRules(rules, cr.ID), sc)))
			}
		case delphi.ItemNumeric:
			ri.Covered, ri.Numeric = true, &RealtimeSeries{}
			var outcome func(stats.Summary) string
			if len(rules) > 0 && rules[0].Set == delphi.PrimaryRuleSet {
				outcome = func(s stats.Summary) string { return rules[0].Evaluate(s).Outcome }
			}
			series[i] = append(series[i], newSeries(ri.Numeric, numericEntry, stats.Options{QuantileType: c.typ}, outcome))
		}
		res.Items = append(res.Items, ri)
	}
	for _, r := range revs {
		res.Items[itemNo[r.ItemID]].Revisions++
	}

	// Replay the history one moment (equal At) at a time: first each
	// revision's latest answer and, for a revision after feedback, the
	// others' median before this moment; then what counts.
	for i := 0; i < len(events); {
		j := i
		for j < len(events) && events[j].at.Equal(events[i].at) {
			j++
		}
		for _, ev := range events[i:j] {
			e := ev.expert
			if ev.rev < 0 {
				counted[e] = true
				for _, s := range all {
					s.touch(e)
				}
				continue
			}
			r := &revs[ev.rev]
			for _, s := range series[itemNo[r.ItemID]] {
				ne, pe := s.pick(r.Value), s.last[e]
				if ne == pe {
					continue
				}
				if pe.kind != entryNone {
					s.revised[e] = true
					if r.SawFeedback {
						s.fbRevs[e]++
						if !s.fb[e].seen {
							ref, ok := s.othersMedian(e, c.typ)
							s.fb[e] = fbStart{seen: true, old: pe, ref: ref, refOK: ok}
						}
					}
				}
				if s.first[e].kind == entryNone {
					s.first[e] = ne
				}
				s.last[e] = ne
				s.touch(e)
			}
		}
		for _, s := range all {
			if len(s.touched) > 0 {
				s.settle(events[i].at, counted)
			}
		}
		i = j
	}
	for _, s := range all {
		s.finish(included, c.typ, wilcoxon)
	}
	return res
}

// finish sums up who revised and how, and the stability of first versus
// last answers, over the experts counted at the end.
func (s *rtSeries) finish(included []bool, typ int, wo stats.WilcoxonOptions) {
	fr := &s.out.AfterFeedback
	var firsts, lasts, pairFirst, pairLast []float64
	var sumAbs float64
	comparable := 0
	for e, inc := range included {
		if !inc {
			continue
		}
		first, last := s.first[e], s.last[e]
		if last.kind != entryNone {
			s.out.Experts++
		}
		if s.revised[e] {
			s.out.Revised++
		}
		if first.kind == entryValue {
			firsts = append(firsts, first.x)
		}
		if last.kind == entryValue {
			lasts = append(lasts, last.x)
		}
		if first.kind == entryValue && last.kind == entryValue {
			pairFirst, pairLast = append(pairFirst, first.x), append(pairLast, last.x)
		}
		st := s.fb[e]
		if !st.seen {
			continue
		}
		fr.Experts++
		fr.Revisions += s.fbRevs[e]
		if st.old.kind != entryValue || last.kind != entryValue || !st.refOK {
			fr.NotComparable++
			continue
		}
		comparable++
		sumAbs += math.Abs(last.x - st.old.x)
		before, after := math.Abs(st.old.x-st.ref), math.Abs(last.x-st.ref)
		switch {
		case after < before:
			fr.Toward++
		case after > before:
			fr.Away++
		default:
			fr.Same++
		}
	}
	if comparable > 0 {
		fr.MeanAbsChange = stats.NumOf(sumAbs / float64(comparable))
	} else {
		fr.MeanAbsChange = stats.UndefinedNum("no comparable revision after feedback")
	}
	s.out.Stability = stats.StabilityPairsWilcoxon(pairFirst, pairLast, typ, wo)
	s.out.Stability.SetRoundsIQR(firsts, lasts, typ)
}

// ratingEntry reads the rating picked from a value: a scale value, an
// abstention, or none.
func ratingEntry(pick func(delphi.Value) delphi.Value) func(delphi.Value) entry {
	return func(v delphi.Value) entry {
		p := pick(v)
		if x, ok := p.Rating(); ok {
			return entry{x: x, kind: entryValue}
		}
		if p.Abstain {
			return entry{kind: entryAbstain}
		}
		return entry{}
	}
}

// numericEntry reads a numeric estimate; as in Compute, only a finite
// number counts.
func numericEntry(v delphi.Value) entry {
	if v.Number == nil || math.IsNaN(*v.Number) || math.IsInf(*v.Number, 0) {
		return entry{}
	}
	return entry{x: *v.Number, kind: entryValue}
}

// ratingOutcome evaluates the primary rule of a rating or criterion (rules
// from ItemRules), as Compute does.
func ratingOutcome(def *delphi.Definition, rules []ItemRule, sc delphi.Scale) func(stats.Summary) string {
	rule := def.Consensus
	if len(rules) > 0 && rules[0].Set == delphi.PrimaryRuleSet {
		rule = rules[0].Rule
	}
	return func(s stats.Summary) string { return Evaluate(rule, s, sc).Outcome }
}

func scaleOf(def *delphi.Definition, id string) delphi.Scale {
	sc, _ := def.Scale(id)
	return sc
}

// placeItems returns each item's section and position as Compute sets
// them: the definition's questionnaire order, items not in it after, in
// the given order.
func placeItems(def *delphi.Definition, items []delphi.Item) (section []string, position []int) {
	sec := map[string]string{}
	pos := map[string]int{}
	for _, s := range def.Sections {
		for _, it := range s.Items {
			sec[it.ID] = s.ID
			pos[it.ID] = len(pos)
		}
	}
	extra := len(pos)
	section, position = make([]string, len(items)), make([]int, len(items))
	for i, it := range items {
		p, ok := pos[it.ID]
		if !ok {
			p = extra
			extra++
		}
		section[i], position[i] = sec[it.ID], p
	}
	return section, position
}
