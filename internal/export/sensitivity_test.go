package export

import (
	"math"
	"strconv"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/results"
)

// The sensitivity sheet holds the report the API serves: round 1's R1 has
// 8 of 9 ratings in the agreement band (88.9 %), so it is in under a85 and
// not under a90, and is not near the 75 % threshold.
func TestSensitivitySheet(t *testing.T) {
	fx := newFixture(t)
	_, f := xlsx(t, fx.in)
	rs := rows(t, f, "Sensitivität")
	r := find(rs, map[int]string{0: "1", 1: "R1"})
	if r == 0 {
		t.Fatalf("no row for round 1, R1: %q", rs)
	}
	row := rs[r-1] // find counts rows from 1
	rep := results.SensitivityOf(fx.in.Survey.Definition, &fx.in.Rounds[0], fx.in.Results[0])
	want := rep.Items[0]
	if want.ItemID != "R1" {
		t.Fatalf("first report row %s", want.ItemID)
	}
	num := func(name string) float64 {
		v, err := strconv.ParseFloat(row[col(t, rs, name)], 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	if num("n") != 9 || math.Abs(num("Zustimmung %")-800.0/9) > 1e-12 ||
		num("95-%-KI unten") != round15(want.CI.Low.Value) || num("95-%-KI oben") != round15(want.CI.High.Value) {
		t.Errorf("R1 row %q, want CI %+v", row, want.CI)
	}
	for name, v := range map[string]string{"Konsens (Studienregel)": "Konsens", "a85_n5": "Konsens", "a90_n5": "kein Konsens",
		"a75_iqr1_n5": "Konsens", "kippt nahe der Schwelle": "nein", "Bootstrap-Seed (hex)": want.Seed} {
		if got := row[col(t, rs, name)]; got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if len(rs[0]) != 15+len(rep.Rules) {
		t.Errorf("%d columns, want 15 + %d rules", len(rs[0]), len(rep.Rules))
	}
	// Round 2 adds R2 (one rating: n 1 < min_n), and M1's criteria each have a row.
	if find(rs, map[int]string{0: "2", 1: "R2", 3: "1"}) == 0 || find(rs, map[int]string{0: "2", 1: "M1", 2: "Umsetzbarkeit"}) == 0 {
		t.Errorf("round 2 rows missing: %q", rs)
	}
}
