package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// longRows is the expected number of long rows of the fixture: per round,
// the responses with answers × the variables of the round's items.
func longRows(t *testing.T, in Input) int {
	s := mustPrepare(t, in)
	n := 0
	for ri, r := range s.rounds {
		vars := 0
		for _, v := range s.vars {
			if _, ok := r.items[v.itemID]; ok {
				vars++
			}
		}
		vals := make([]value, len(s.vars))
		for _, resp := range newFixture(t).responses[r.Number] {
			if s.fill(vals, resp, ri) {
				n += vars
			}
		}
	}
	return n
}

func TestCSV(t *testing.T) {
	fx := newFixture(t)
	var buf bytes.Buffer
	if err := WriteCSV(context.Background(), &buf, fx.in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "\r\n") != strings.Count(out, "\n") || strings.HasPrefix(out, "\ufeff") {
		t.Error("lines must end in CRLF, without a byte order mark")
	}
	r := csv.NewReader(strings.NewReader(out))
	recs, err := r.ReadAll() // checks that every record has as many fields as the header
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], LongColumns) {
		t.Errorf("header = %q", recs[0])
	}
	// 10 responses × 11 variables in round 1, 9 × 11 in round 2 (C1 dropped, R2 added).
	if want := longRows(t, fx.in); len(recs)-1 != want || want != 10*11+9*11 {
		t.Errorf("%d rows, want %d", len(recs)-1, want)
	}
	get := func(pseudo, round, variable string) []string {
		for _, rec := range recs[1:] {
			if rec[2] == pseudo && rec[1] == round && rec[7] == variable {
				return rec
			}
		}
		t.Fatalf("no row %s %s %s", pseudo, round, variable)
		return nil
	}
	for _, c := range []struct {
		pseudo, round, variable string
		want                    []string
	}{
		{"E-01", "1", "M1_umsetzbarkeit", []string{"teststudie", "1", "E-01", "praxis", "1", "M1", "umsetzbarkeit", "M1_umsetzbarkeit", "multi_rating", "2", "0"}},
		{"E-10", "1", "R1", []string{"teststudie", "1", "E-10", "forschung", "1", "R1", "", "R1", "rating", "", "1"}},
		{"E-10", "1", "C1", []string{"teststudie", "1", "E-10", "forschung", "1", "C1", "", "C1", "single_choice", "", "0"}},
		{"E-03", "1", "C1", []string{"teststudie", "1", "E-03", "praxis", "1", "C1", "", "C1", "single_choice", "2", "0"}},
		{"E-01", "1", "K1_z", []string{"teststudie", "1", "E-01", "praxis", "1", "K1", "z", "K1_z", "ranking", "0", "0"}},
		{"E-10", "2", "N1", []string{"teststudie", "2", "E-10", "forschung", "0", "N1", "", "N1", "numeric", "1.3333333333333333", "0"}},
	} {
		if got := get(c.pseudo, c.round, c.variable); !slices.Equal(got, c.want) {
			t.Errorf("%s %s %s = %q, want %q", c.pseudo, c.round, c.variable, got, c.want)
		}
	}
}

func TestCSVNeutralizes(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"E-01": "E-01", "": "", "a=b": "a=b",
		// After a separator or a line break, where another locale starts a cell.
		"Meier,=1+1": "Meier,'=1+1", "a;@SUM(A1)": "a;'@SUM(A1)", "eins\n-2+3+cmd|' /C calc'!A0": "eins\n'-2+3+cmd|' /C calc'!A0",
		"eins\r\n+1": "eins\r\n'+1", "Meier, -1": "Meier, -1", "a-b,c": "a-b,c",
	} {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
	fx := newFixture(t)
	inner := fx.in.Responses
	fx.in.Responses = func(round int, yield func(*delphi.Response) error) error {
		return inner(round, func(r *delphi.Response) error {
			switch r.Pseudonym {
			case "E-01":
				r.Pseudonym = `=HYPERLINK("http://example.org","x")`
			case "E-02":
				r.Pseudonym, r.Group = "@cmd", "-group"
			}
			return yield(r)
		})
	}
	fx.in.Survey.Definition.Scales[0].Points[0].Value = -2 // a negative scale point stays a number
	var buf bytes.Buffer
	if err := WriteCSV(context.Background(), &buf, fx.in); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		for i, f := range rec {
			if f != "" && strings.IndexByte("=+@\t\r", f[0]) >= 0 {
				t.Errorf("field %s = %q is not neutralised", LongColumns[i], f)
			}
			if f != "" && f[0] == '-' && LongColumns[i] != "value" {
				t.Errorf("field %s = %q is not neutralised", LongColumns[i], f)
			}
		}
		seen[rec[2]+"|"+rec[3]] = true
	}
	for _, want := range []string{`'=HYPERLINK("http://example.org","x")|praxis`, "'@cmd|'-group"} {
		if !seen[want] {
			t.Errorf("no row with pseudonym|group %s", want)
		}
	}
}

func TestJSON(t *testing.T) {
	fx := newFixture(t)
	var buf bytes.Buffer
	if err := WriteJSON(context.Background(), &buf, fx.in); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Meta struct {
			Format    string            `json:"format"`
			SurveyID  string            `json:"survey_id"`
			Revision  int               `json:"definition_revision"`
			Rounds    []int             `json:"rounds"`
			Columns   []string          `json:"columns"`
			Rule      map[string]string `json:"consensus_rule"`
			Variables []struct {
				Name  string `json:"name"`
				Codes []struct {
					Value float64     `json:"value"`
					Label delphi.Text `json:"label"`
				} `json:"codes"`
			} `json:"variables"`
		} `json:"meta"`
		Rows []map[string]any `json:"rows"`
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Meta
	if m.Format != "expertenrunde-long/1" || m.SurveyID != "teststudie" || m.Revision != 3 || !slices.Equal(m.Rounds, []int{1, 2}) ||
		!slices.Equal(m.Columns, LongColumns) || !strings.HasPrefix(m.Rule["en"], "Consensus when at least 75%") || len(m.Variables) != 12 {
		t.Errorf("meta = %+v", m)
	}
	if v := m.Variables[0]; v.Name != "R1" || len(v.Codes) != 6 || v.Codes[5].Value != AbstainCode || v.Codes[5].Label["en"] != "cannot judge" {
		t.Errorf("variable R1 = %+v", v)
	}
	if want := longRows(t, fx.in); len(doc.Rows) != want {
		t.Errorf("%d rows, want %d", len(doc.Rows), want)
	}
	for _, row := range doc.Rows {
		if len(row) != len(LongColumns) {
			t.Fatalf("row %v has %d keys", row, len(row))
		}
	}
	find := func(pseudo string, round int64, variable string) map[string]any {
		for _, row := range doc.Rows {
			if r, _ := row["round"].(json.Number).Int64(); row["pseudonym"] == pseudo && r == round && row["variable"] == variable {
				return row
			}
		}
		t.Fatalf("no row %s %d %s", pseudo, round, variable)
		return nil
	}
	if row := find("E-10", 1, "R1"); row["value"] != nil || row["abstain"] != true || row["submitted"] != true {
		t.Errorf("abstention = %v", row)
	}
	if row := find("E-10", 2, "N1"); row["value"] != json.Number("1.3333333333333333") || row["submitted"] != false || row["group"] != "forschung" {
		t.Errorf("number = %v", row)
	}
	if row := find("E-01", 2, "R2"); row["value"] != json.Number("4") || row["item_id"] != "R2" || row["type"] != "rating" || row["part"] != "" {
		t.Errorf("R2 = %v", row)
	}
}
