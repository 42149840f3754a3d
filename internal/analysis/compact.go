package analysis

import (
	"maps"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Compact holds one round's answers for Compute (Input.Compact) in a
// compact form: per expert the id, group and whether they submitted, and
// per item of the round 8 bytes an answer (a rating's point or an
// abstention inline; other values, comments and justifications beside).
// A delphi.Answer takes about 300 bytes, so a round of 1,000 experts × 160
// items takes 1.3 MB instead of 49 MB (docs/PERFORMANCE.md, "flat export
// memory"). Compute gives the same results for it as for the same answers
// flat (Input.Answers). Free texts are copied, so the decoder's buffers
// they came from are not kept alive.
type Compact struct {
	texts   TextStore // where the free texts are kept, nil: in memory
	err     error     // a chunk that could not be read back (Err)
	itemNo  map[string]int32
	cols    []column
	seqs    []int64 // per item, the Seq of the last expert's answer to it
	experts []compactExpert
	last    string // the id of the last expert added
	started bool   // an expert was added (last is set)
	lastIn  bool   // the last expert has an answer to an item of the round (is in experts)
}

type compactExpert struct {
	id, group string
	draft     bool
}

// column is the answers to one item, in the order of the experts: those
// written out to the TextStore (chunks), then entries.
type column struct {
	entries []compactEntry
	extras  []compactExtra // for the entries with extra set, in their order
	chunks  []string       // references of the chunks in the TextStore, in order (encodeChunk)
}

// chunkEntries is how many entries of a column a Compact with a TextStore
// keeps in memory; it writes the earlier ones to the store, so its memory
// does not grow with the panel (docs/PERFORMANCE.md, "flat export
// memory").
const chunkEntries = 128

// compactEntry is one expert's answer to an item (its Seq is needed only
// while the expert's answers are added: Compact.seqs).
type compactEntry struct {
	expert int32
	kind   uint8
	point  int8 // the point, for kind kindPoint
	extra  bool // the next of column.extras belongs to it
}

// Kinds of entries.
const (
	kindEmpty   = iota // delphi.Value{}
	kindAbstain        // only Abstain
	kindPoint          // only a Point in int8's range
	kindText           // only a Text: compactExtra.text
	kindValue          // any other value: compactExtra.value
)

// compactExtra is what a compactEntry does not hold inline.
type compactExtra struct {
	text, comment, justification string        // as Compact.keep keeps them
	value                        *delphi.Value // for kindValue
}

// points are the targets of the Point of the answers Compact hands out
// (kindPoint): shared, never written.
var points = func() (p [256]int) {
	for i := range p {
		p[i] = i - 128
	}
	return p
}()

// TextStore keeps free texts outside memory (in a file): Put stores a text
// and returns a short reference to it, Get returns the text of a
// reference. A store records its errors itself.
type TextStore interface {
	Put(text string) (ref string)
	Get(ref string) (text string)
}

// WithTexts makes c keep the free texts (comments, justifications, text
// answers) of the answers added after it in ts, and every column's
// answers but the last chunkEntries, and returns c: Compute then reads an
// item's answers and texts from ts while it computes that item.
func (c *Compact) WithTexts(ts TextStore) *Compact {
	c.texts = ts
	return c
}

// keep returns what c keeps of a free text: a copy, or a reference into
// c.texts.
func (c *Compact) keep(s string) string {
	if s == "" {
		return ""
	}
	if c.texts != nil {
		return c.texts.Put(s)
	}
	return strings.Clone(s)
}

// Err reports a column that could not be read back from the TextStore
// (its answers were left out of the results); the store reports its own
// errors.
func (c *Compact) Err() error { return c.err }

// text returns a text that keep returned.
func (c *Compact) text(s string) string {
	if s == "" || c.texts == nil {
		return s
	}
	return c.texts.Get(s)
}

// NewCompact returns an empty Compact for the answers to items (a round's
// items, Input.Items); answers to other items are left out, as Compute
// ignores them.
func NewCompact(items []delphi.Item) *Compact {
	c := &Compact{itemNo: make(map[string]int32, len(items))}
	for _, it := range items {
		if _, dup := c.itemNo[it.ID]; !dup {
			c.itemNo[it.ID] = int32(len(c.cols))
			c.cols = append(c.cols, column{})
			c.seqs = append(c.seqs, 0)
		}
	}
	return c
}

// Add adds an answer (a is not kept). Answers come grouped by expert, the
// experts in ascending order of their id (the order of results.Answers);
// every answer of an expert has the same group and Draft. Of an expert's
// answers to one item the one with the highest Seq counts (the later one
// on equal Seq), as in Compute. EINVALID for an answer without expert
// id, experts out of order, or an expert's answers in two groups.
func (c *Compact) Add(a *delphi.Answer) error {
	if a.ExpertID == "" {
		return delphi.Errorf(delphi.EINVALID, "an answer to item %s has no expert id", a.ItemID)
	}
	if !c.started || a.ExpertID != c.last {
		if c.started && a.ExpertID < c.last {
			return delphi.Errorf(delphi.EINVALID, "the answers of expert %s come after those of %s", a.ExpertID, c.last)
		}
		c.started, c.last, c.lastIn = true, a.ExpertID, false
	}
	no, ok := c.itemNo[a.ItemID]
	if !ok {
		return nil
	}
	if !c.lastIn {
		c.experts = append(c.experts, compactExpert{id: strings.Clone(a.ExpertID), group: strings.Clone(a.Group), draft: a.Draft})
		c.lastIn = true
	} else if e := &c.experts[len(c.experts)-1]; e.group != a.Group || e.draft != a.Draft {
		return delphi.Errorf(delphi.EINVALID, "the answers of expert %s differ in group or draft", a.ExpertID)
	}
	col := &c.cols[no]
	e := compactEntry{expert: int32(len(c.experts) - 1)}
	if n := len(col.entries); c.texts != nil && n >= chunkEntries && col.entries[n-1].expert != e.expert {
		col.chunks = append(col.chunks, c.texts.Put(encodeChunk(col.entries, col.extras)))
		col.entries, col.extras = col.entries[:0], col.extras[:0]
	}
	x := compactExtra{comment: c.keep(a.Comment), justification: c.keep(a.Justification)}
	v := a.Value
	switch {
	case v.Criteria != nil || v.Choice != "" || v.Choices != nil || v.Number != nil || v.Places != nil || v.Point != nil && v.Text != "" || v.Abstain && v.Text != "":
		e.kind = kindValue
	case v.Text != "":
		e.kind, x.text = kindText, c.keep(v.Text)
	case v.Point == nil && !v.Abstain:
		e.kind = kindEmpty
	case v.Point == nil:
		e.kind = kindAbstain
	case !v.Abstain && *v.Point >= -128 && *v.Point <= 127:
		e.kind, e.point = kindPoint, int8(*v.Point)
	default:
		e.kind = kindValue
	}
	if e.kind == kindValue {
		x.text, v.Text = c.keep(v.Text), ""
		cv := cloneValue(v)
		x.value = &cv
	}
	e.extra = e.kind >= kindText || x.comment != "" || x.justification != ""
	if n := len(col.entries); n > 0 && col.entries[n-1].expert == e.expert { // the expert's second answer to the item
		if a.Seq < c.seqs[no] {
			return nil
		}
		if col.entries[n-1].extra {
			col.extras = col.extras[:len(col.extras)-1]
		}
		col.entries = col.entries[:n-1]
	}
	col.entries = append(col.entries, e)
	c.seqs[no] = a.Seq
	if e.extra {
		col.extras = append(col.extras, x)
	}
	return nil
}

// cloneValue copies v with its strings, which may point into a decoder's
// buffer.
func cloneValue(v delphi.Value) delphi.Value {
	v.Text, v.Choice = strings.Clone(v.Text), strings.Clone(v.Choice)
	if v.Choices != nil {
		cs := make([]string, len(v.Choices))
		for i, s := range v.Choices {
			cs[i] = strings.Clone(s)
		}
		v.Choices = cs
	}
	if v.Places != nil {
		v.Places = append([]int(nil), v.Places...)
	}
	if v.Criteria != nil {
		m := make(map[string]delphi.Value, len(v.Criteria))
		for id, cv := range maps.All(v.Criteria) {
			m[strings.Clone(id)] = cloneValue(cv)
		}
		v.Criteria = m
	}
	if v.Point != nil {
		p := *v.Point
		v.Point = &p
	}
	if v.Number != nil {
		x := *v.Number
		v.Number = &x
	}
	return v
}

// answers returns the answers to item id as delphi.Answers (SurveyID,
// Round, Pseudonym, Seq and the times left empty: Compute reads them only
// from flat answers; without texts, the free texts too: Compute does not
// read those of the previous round) in buf, which it grows; they are valid
// until the next call with buf.
func (c *Compact) answers(id string, buf *answerBuf, texts bool) []*delphi.Answer {
	no, ok := c.itemNo[id]
	if !ok {
		return nil
	}
	col := &c.cols[no]
	entries, extras := col.entries, col.extras
	if len(col.chunks) > 0 {
		buf.entries, buf.extras = buf.entries[:0], buf.extras[:0]
		for _, ref := range col.chunks {
			var ok bool
			if buf.entries, buf.extras, ok = decodeChunk(c.texts.Get(ref), buf.entries, buf.extras); !ok {
				if c.err == nil {
					c.err = delphi.Errorf(delphi.EINTERNAL, "the answers to item %s could not be read back", id)
				}
				return nil
			}
		}
		entries, extras = append(buf.entries, col.entries...), append(buf.extras, col.extras...)
		buf.entries, buf.extras = entries, extras
	}
	if cap(buf.as) < len(entries) {
		buf.as = make([]delphi.Answer, len(entries))
		buf.ptrs = make([]*delphi.Answer, len(entries))
	}
	as, ptrs := buf.as[:len(entries)], buf.ptrs[:len(entries)]
	k := 0
	for i, e := range entries {
		ex := &c.experts[e.expert]
		a := &as[i]
		*a = delphi.Answer{ItemID: id, ExpertID: ex.id, Group: ex.group, Draft: ex.draft}
		switch e.kind {
		case kindAbstain:
			a.Value.Abstain = true
		case kindPoint:
			a.Value.Point = &points[int(e.point)+128]
		}
		if e.extra {
			x := &extras[k]
			k++
			if e.kind == kindValue {
				a.Value = *x.value
			}
			if texts {
				a.Value.Text = c.text(x.text)
				a.Comment, a.Justification = c.text(x.comment), c.text(x.justification)
			}
		}
		ptrs[i] = a
	}
	return ptrs
}

// answerBuf is the scratch space of Compact.answers.
type answerBuf struct {
	as      []delphi.Answer
	ptrs    []*delphi.Answer
	entries []compactEntry // a column read back from its chunks
	extras  []compactExtra
}

// groups calls add with the group of each expert with an answer to an
// item of the round (computer.setGroups).
func (c *Compact) groups(add func(group string)) {
	for _, e := range c.experts {
		add(e.group)
	}
}

// respondents is computer.respondents for c.
func (c *Compact) respondents(countAll bool, r *Respondents) {
	for _, e := range c.experts {
		if e.draft {
			r.Drafts++
		} else {
			r.Submitted++
		}
		if !countAll && e.draft {
			continue
		}
		r.Total++
		if e.group != "" {
			r.ByGroup[e.group]++
		}
	}
}
