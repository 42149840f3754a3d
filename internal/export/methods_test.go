package export

import (
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestMethodsSheet: the overview states the Wilcoxon options (the defaults,
// or the study's) and defines both ΔIQR; the across sheet carries the
// rounds' ΔIQR beside the paired one.
func TestMethodsSheet(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Übersicht")
	w := labelled(t, rs, "Wilcoxon-Test")[1]
	for _, s := range []string{"höchstens 25", "Nulldifferenzen weggelassen (wilcox, Standard)", "ohne Stetigkeitskorrektur (Standard)"} {
		if !strings.Contains(w, s) {
			t.Errorf("Wilcoxon = %q, want %q in it", w, s)
		}
	}
	if d := labelled(t, rs, "ΔIQR")[1]; !strings.Contains(d, "„ΔIQR gepaart“") || !strings.Contains(d, "„ΔIQR Runden“") {
		t.Errorf("ΔIQR = %q", d)
	}
	if find(rs, map[int]string{0: "Rangfolgen mit Gleichständen"}) != 0 {
		t.Error("ties explained though no ranking allows them")
	}

	across := rows(t, f, "Rundenvergleich")
	row := across[find(across, map[int]string{1: "R1"})-1]
	res2, _ := fx.in.Results[1].Item("R1")
	if got, want := row[col(t, across, "ΔIQR Runden R2")], num(res2.Rating.Stability.DeltaIQRRounds.Value); got != want || !res2.Rating.Stability.DeltaIQRRounds.Valid {
		t.Errorf("ΔIQR Runden R2 = %q, want %q", got, want)
	}

	def := fx.in.Survey.Definition
	def.Analysis = &delphi.Analysis{Wilcoxon: &delphi.WilcoxonOptions{Method: "normal", ZeroMethod: "zsplit", Correction: true}}
	for si := range def.Sections {
		for ii := range def.Sections[si].Items {
			if it := &def.Sections[si].Items[ii]; it.Type == delphi.ItemRanking {
				it.Ties = true
			}
		}
	}
	fx.in.Lang = "en"
	_, f = xlsx(t, fx.in)
	rs = rows(t, f, "Overview")
	w = labelled(t, rs, "Wilcoxon test")[1]
	for _, s := range []string{"always the normal approximation", "(zsplit)", "with continuity correction"} {
		if !strings.Contains(w, s) {
			t.Errorf("Wilcoxon = %q, want %q in it", w, s)
		}
	}
	if tie := labelled(t, rs, "Rankings with ties")[1]; !strings.Contains(tie, "mean of the positions") {
		t.Errorf("ties = %q", tie)
	}
}
