package export

import (
	"context"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// eachResponse streams the responses of round ri to fn, skipping nil ones
// and those of another round, and checks ctx every 256 responses.
func (s *study) eachResponse(ctx context.Context, ri int, fn func(*delphi.Response) error) error {
	if s.in.Responses == nil {
		return nil
	}
	number, n := s.rounds[ri].Number, 0
	return s.in.Responses(number, func(r *delphi.Response) error {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if r == nil || r.Round != number {
			return nil
		}
		return fn(r)
	})
}

// abstainCell is AbstainCode boxed once.
var abstainCell any = AbstainCode

// rawData writes one row per expert × round (for the responses with at
// least one answer to an item of the round) and one column per variable.
func (x *xw) rawData() error {
	sh, err := x.sheet(x.sheetName("raw"))
	if err != nil {
		return err
	}
	// One width for all columns: excelize looks up a cell's column style in
	// a list with one entry per separately sized column, for every cell.
	if err := sh.sw.SetColWidth(1, len(keyColumns)+len(x.vars), 12); err != nil {
		return err
	}
	if err := sh.freeze(1); err != nil {
		return err
	}
	if err := sh.header(append(append([]string{}, keyColumns...), x.varNames()...), true); err != nil {
		return err
	}
	if err := sh.spoolRows(); err != nil {
		return err
	}
	vals := make([]value, len(x.vars))
	row := make([]any, len(keyColumns)+len(x.vars))
	for ri, r := range x.rounds {
		err := x.eachResponse(x.ctx, ri, func(resp *delphi.Response) error {
			if !x.fill(vals, resp, ri) {
				return nil
			}
			submitted := 0
			if resp.SubmittedAt != nil {
				submitted = 1
			}
			row[0], row[1], row[2], row[3] = x.str(resp.Pseudonym), x.str(resp.Group), r.Number, submitted
			for j, v := range vals {
				switch {
				case v.state == valMissing:
					row[4+j] = nil
				case v.state == valAbstain:
					row[4+j] = abstainCell
				case x.vars[j].kind == varNumber:
					row[4+j] = round15(v.x)
				default:
					row[4+j] = int(v.x)
				}
			}
			return sh.add(row...)
		})
		if err != nil {
			return err
		}
		x.step()
	}
	if sh.row == 1 {
		if err := sh.note(x.t("Keine Antworten.", "No answers.")); err != nil {
			return err
		}
	}
	return sh.close()
}

func (s *study) varNames() []string {
	out := make([]string, len(s.vars))
	for i, v := range s.vars {
		out[i] = v.name
	}
	return out
}

// codebook writes one row per raw-data column: the key columns, then each
// variable with its item's texts in both languages and its codes, then the
// text items, which have no column.
func (x *xw) codebook() error {
	sh, err := x.sheet(x.sheetName("codebook"), 22, 9, 16, 16, 9, 18, 50, 50, 20, 20, 50, 50)
	if err != nil {
		return err
	}
	if err := sh.freeze(1); err != nil {
		return err
	}
	if err := sh.header([]string{x.t("Variable", "Variable"), x.t("Frage", "Item"), x.t("Teil", "Part"), x.t("Typ", "Type"),
		x.t("Runden", "Rounds"), x.t("Block", "Block"), x.t("Text (de)", "Text (de)"), x.t("Text (en)", "Text (en)"),
		x.t("Teil (de)", "Part (de)"), x.t("Teil (en)", "Part (en)"), x.t("Werte (de)", "Values (de)"), x.t("Werte (en)", "Values (en)")}, true); err != nil {
		return err
	}
	groups := func(lang string) string {
		parts := make([]string, 0, len(x.groups))
		for _, g := range x.groups {
			label := g
			if gr, ok := x.def.Group(g); ok {
				label = cmpOr(gr.Label.Get(lang), g)
			}
			parts = append(parts, g+" = "+label)
		}
		return strings.Join(parts, "; ")
	}
	keys := [][5]string{
		{"pseudonym", "Pseudonymer Code der Person, in allen Runden gleich", "The expert's pseudonymous code, the same in every round", "", ""},
		{"group", "Expertengruppe der Person", "The expert's group", groups(delphi.LangDE), groups(delphi.LangEN)},
		{"round", "Nummer der Runde", "The round number", "", ""},
		{"submitted", "Antworten abgeschickt", "Answers submitted", "1 = abgeschickt; 0 = begonnen, nicht abgeschickt", "1 = submitted; 0 = started, not submitted"},
	}
	for _, k := range keys {
		if err := sh.add(x.str(k[0]), nil, nil, nil, nil, nil, x.long(k[1]), x.long(k[2]), nil, nil, x.long(k[3]), x.long(k[4])); err != nil {
			return err
		}
	}
	for i := range x.vars {
		v := &x.vars[i]
		part := v.partLabel()
		if err := sh.add(x.str(v.name), x.str(v.itemID), x.str(v.part), x.str(x.typeLabel(v.item.Type)), x.str(roundsText(v.rounds)),
			x.str(x.sectionTitle(x.defSectionOr(v))), x.long(v.item.Text[delphi.LangDE]), x.long(v.item.Text[delphi.LangEN]),
			x.str(part[delphi.LangDE]), x.str(part[delphi.LangEN]),
			x.long(x.codesText(v, delphi.LangDE)), x.long(x.codesText(v, delphi.LangEN))); err != nil {
			return err
		}
	}
	for i := range x.texts {
		v := &x.texts[i]
		if err := sh.add(nil, x.str(v.itemID), nil, x.str(x.typeLabel(v.item.Type)), x.str(roundsText(v.rounds)),
			x.str(x.sectionTitle(x.defSectionOr(v))), x.long(v.item.Text[delphi.LangDE]), x.long(v.item.Text[delphi.LangEN]), nil, nil,
			x.long("keine Spalte: die Texte stehen ohne Pseudonym im Blatt „Kommentare“"),
			x.long("no column: the texts are in the sheet \"Comments\", without pseudonym")); err != nil {
			return err
		}
	}
	return sh.close()
}

// defSectionOr returns the section of v's item as the rounds or the
// definition place it.
func (s *study) defSectionOr(v *variable) string {
	for i := len(s.rounds) - 1; i >= 0; i-- {
		if it, ok := s.rounds[i].items[v.itemID]; ok && it.SectionID != "" {
			return it.SectionID
		}
	}
	return s.defSection(v.itemID)
}
