package panel

import (
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Update is a row that changes an existing expert.
type Update struct {
	Row       Row      `json:"row_data"`
	Line      int      `json:"row"`
	ExpertID  string   `json:"expert_id"`
	Pseudonym string   `json:"pseudonym"`
	Fields    []string `json:"fields"` // the fields that change
}

// Plan is what an import does: rows to add, rows that update an existing
// expert (matched by e-mail, case-insensitively), rows already up to date.
type Plan struct {
	Add       []Row    `json:"add"`
	Update    []Update `json:"update"`
	Unchanged []int    `json:"unchanged"` // row numbers
}

// MakePlan matches rows against the panel. Empty cells keep the stored
// value; a new expert without a language gets lang (the study's first).
// Erased experts have no e-mail any more, so their address comes back as a
// new expert.
func MakePlan(rows []Row, panel []*delphi.Expert, lang string) Plan {
	byEmail := make(map[string]*delphi.Expert, len(panel))
	for _, e := range panel {
		if e.Email != "" && !e.Erased() {
			byEmail[e.Email] = e
		}
	}
	p := Plan{Add: []Row{}, Update: []Update{}, Unchanged: []int{}}
	for _, r := range rows {
		e, ok := byEmail[r.Email]
		if !ok {
			if r.Language == "" {
				r.Language = lang
			}
			p.Add = append(p.Add, r)
			continue
		}
		var fields []string
		for _, f := range []struct {
			name     string
			new, old string
		}{
			{"name", r.Name, e.Name},
			{"organisation", r.Organisation, e.Organisation},
			{"group", r.Group, e.Group},
			{"language", r.Language, e.Language},
			{"notes", r.Notes, e.Notes},
		} {
			if f.new != "" && f.new != f.old {
				fields = append(fields, f.name)
			}
		}
		if len(fields) == 0 {
			p.Unchanged = append(p.Unchanged, r.Line)
			continue
		}
		p.Update = append(p.Update, Update{Row: r, Line: r.Line, ExpertID: e.ID, Pseudonym: e.Pseudonym, Fields: fields})
	}
	return p
}

// Apply returns a copy of e with the row's non-empty cells.
func (u Update) Apply(e *delphi.Expert) *delphi.Expert {
	n := *e
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&n.Name, u.Row.Name)
	set(&n.Organisation, u.Row.Organisation)
	set(&n.Group, u.Row.Group)
	set(&n.Language, u.Row.Language)
	set(&n.Notes, u.Row.Notes)
	return &n
}
