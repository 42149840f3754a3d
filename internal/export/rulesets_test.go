package export

import (
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestAlternativeRules: a study with a numeric rule and two alternatives
// gets a column per alternative on each round sheet and the rules on the
// methods sheet. Round 1 of the fixture: R1 has 8 of 9 valid answers in
// 4–5 (88.9 %): streng (≥ 90 %) none, lax (≥ 60 %) in. N1 (0–100) has
// Q1 14.375 and Q3 32.475 (type 7 over 1/3, 10, 12.5, 20, 20, 25, 30,
// 33.3, 40, 50): IQR 18.1 > 0.1 × 100, so the primary numeric rule gives
// none; lax's 0.2 × 100 = 20 holds.
func TestAlternativeRules(t *testing.T) {
	def := testDef()
	def.ConsensusNumeric = &delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.1}}
	def.ConsensusCriteria = map[string]delphi.Rule{"umsetzbarkeit": {Agreement: &delphi.AgreementRule{MinPercent: 70}}}
	def.ConsensusAlternatives = []delphi.RuleSet{
		{Name: "streng", Label: txt("Streng", "Strict"), Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 90}}},
		{Name: "lax", Rule: &delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 60}}, Numeric: &delphi.Rule{IQRRelative: &delphi.MaxRule{Max: 0.2}}},
	}
	fx := newFixtureDef(t, def)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Runde 1")
	if got := rs[0][len(rs[0])-2:]; !slices.Equal(got, []string{"Konsens: Streng (streng)", "Konsens: lax"}) {
		t.Fatalf("last headers %q", got)
	}
	cell := func(item, column string) string {
		r := find(rs, map[int]string{1: item})
		if r == 0 {
			t.Fatalf("no row %s", item)
		}
		row := rs[r-1]
		if c := col(t, rs, column); c < len(row) {
			return row[c]
		}
		return ""
	}
	for _, c := range []struct{ item, column, want string }{
		{"R1", "Konsens: Streng (streng)", "kein Konsens"},
		{"R1", "Konsens: lax", "Konsens"},
		{"N1", "Konsens", "kein Konsens"},
		{"N1", "Regel im Einzelnen", "iqr_relative=no"},
		{"N1", "Konsens: Streng (streng)", ""}, // streng has no numeric rule
		{"N1", "Konsens: lax", "Konsens"},
	} {
		if got := cell(c.item, c.column); got != c.want {
			t.Errorf("%s %q = %q, want %q", c.item, c.column, got, c.want)
		}
	}
	cf, err := f.GetConditionalFormats("Runde 1")
	if err != nil {
		t.Fatal(err)
	}
	var ranges []string
	for rng := range cf {
		ranges = append(ranges, rng[:3])
	}
	slices.Sort(ranges)
	if !slices.Equal(ranges, []string{"S2:", "V2:", "W2:"}) {
		t.Errorf("conditional formats on %v", ranges)
	}

	ov := rows(t, f, "Übersicht")
	var text []string
	for _, r := range ov {
		text = append(text, strings.Join(r, " | "))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{
		"Regel, Kriterium umsetzbarkeit | Konsens, wenn mindestens 70 % Zustimmung (Skalenpunkte 4–5); ablehnender Konsens, wenn mindestens 70 % Ablehnung (Skalenpunkte 1–2)",
		"Regel, Schätzfragen | Konsens über den Schätzwert, wenn IQR ≤ 0,1 × Spannweite (Höchst- minus Mindestwert)",
		"Alternative Regel „Streng (streng)“ | Konsens, wenn mindestens 90 % Zustimmung",
		"Alternative Regel „lax“, Schätzfragen | Konsens über den Schätzwert, wenn IQR ≤ 0,2 × Spannweite",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("methods sheet lacks %q:\n%s", want, all)
		}
	}
}
