package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, dir, "", "survey", "import", "../../surveys/kleinstadtakademie-2020.yaml"); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	// Round 1 open, with three experts' answers to T01.
	ctx := context.Background()
	m, _, _ := newMain(t, dir, nil)
	if err := m.ParseFlags([]string{"export"}); err != nil {
		t.Fatal(err)
	}
	m.logger = newLogger(m.Config, m.Stderr)
	if err := m.openStore(ctx); err != nil {
		t.Fatal(err)
	}
	sv, err := m.store.SurveyByID(ctx, "kleinstadtakademie-2020")
	if err != nil {
		t.Fatal(err)
	}
	r := &delphi.Round{SurveyID: sv.ID, Number: 1, Status: delphi.RoundOpen}
	for _, s := range sv.Definition.Sections {
		for _, it := range s.Items {
			r.Items = append(r.Items, delphi.RoundItem{SectionID: s.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	if err := m.store.CreateRound(ctx, r); err != nil {
		t.Fatal(err)
	}
	for x, v := range []int{4, 5, 4} {
		a := &delphi.Answer{SurveyID: sv.ID, Round: 1, ItemID: "T01", ExpertID: "id-" + string(rune('a'+x)), Pseudonym: "E-CLI" + string(rune('A'+x)),
			Group: "planungspraxis", Seq: int64(x + 1), Value: delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: &v}, "umsetzbarkeit": {Abstain: true}}}}
		if _, _, err := m.store.SaveAnswer(ctx, a, m.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "ergebnisse.xlsx")
	code, stdout, stderr := runCmd(t, dir, "", "export", "--survey", "kleinstadtakademie-2020", "--lang", "en", "-o", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) || strings.Contains(stderr, "\r") {
		t.Fatalf("export: %d %q %q (no progress bar when stderr is no terminal)", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !slices.Contains(f.GetSheetList(), "Round 1") {
		t.Errorf("sheets %q", f.GetSheetList())
	}
	raw, _ := f.GetRows("Raw data")
	if len(raw) != 4 || raw[1][0] != "E-CLIA" {
		t.Errorf("raw data %q", raw)
	}

	csvOut := filepath.Join(dir, "long.csv")
	if code, _, stderr := runCmd(t, dir, "", "export", "--survey", "kleinstadtakademie-2020", "--rounds", "1", "-o", csvOut); code != 0 {
		t.Fatalf("csv export: %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(csvOut); !strings.Contains(string(b), "kleinstadtakademie-2020,1,E-CLIB,planungspraxis,0,T01,wichtigkeit,T01_wichtigkeit,multi_rating,5,0\r\n") {
		t.Errorf("csv: %.300s", b)
	}
	for _, c := range [][]string{
		{"export", "--survey", "nope", "-o", filepath.Join(dir, "x.xlsx")},
		{"export", "--survey", "kleinstadtakademie-2020", "-o", filepath.Join(dir, "x.pdf")},
		{"export", "--survey", "kleinstadtakademie-2020", "--rounds", "2", "-o", filepath.Join(dir, "x.xlsx")},
		{"export"},
	} {
		if code, _, _ := runCmd(t, dir, "", c...); code != 1 {
			t.Errorf("%q: exit %d, want 1", c, code)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.xlsx")); !os.IsNotExist(err) {
		t.Error("a failed export left a file")
	}
}

// TestExportCLIAndAPIAgree: the CLI and the API export one data directory
// through one service, so their workbooks hold the same cells, apart from
// the export time: while round 1 is open, and after its deadline passed
// while no server ran (the CLI closes it first, as the API would, instead
// of exporting it as open and provisional).
func TestExportCLIAndAPIAgree(t *testing.T) {
	dir := t.TempDir()
	const study, password = "kleinstadtakademie-2020", "a-long-enough-password"
	if code, _, stderr := runCmd(t, dir, "", "survey", "import", "../../surveys/kleinstadtakademie-2020.yaml"); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, dir, password+"\n", "user", "create", "--email", "admin@example.org", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("user create: %d %s", code, stderr)
	}
	t0 := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return t0.Add(d) } }

	// Round 1 open until t0 + 1 h, with three experts' answers.
	ctx := context.Background()
	m, _, _ := newMain(t, dir, nil)
	m.Now = at(0)
	if err := m.ParseFlags([]string{"export"}); err != nil {
		t.Fatal(err)
	}
	m.logger = newLogger(m.Config, m.Stderr)
	if err := m.openStore(ctx); err != nil {
		t.Fatal(err)
	}
	sv, err := m.store.SurveyByID(ctx, study)
	if err != nil {
		t.Fatal(err)
	}
	deadline := t0.Add(time.Hour)
	r := &delphi.Round{SurveyID: sv.ID, Number: 1, Status: delphi.RoundOpen, Deadline: &deadline}
	for _, s := range sv.Definition.Sections {
		for _, it := range s.Items {
			r.Items = append(r.Items, delphi.RoundItem{SectionID: s.ID, Item: it, Origin: delphi.OriginInitial})
		}
	}
	if err := m.store.CreateRound(ctx, r); err != nil {
		t.Fatal(err)
	}
	for x, v := range []int{4, 5, 2} {
		a := &delphi.Answer{SurveyID: sv.ID, Round: 1, ItemID: "T01", ExpertID: "id-" + string(rune('a'+x)), Pseudonym: "E-CLI" + string(rune('A'+x)),
			Group: "planungspraxis", Seq: 1, Value: delphi.Value{Criteria: map[string]delphi.Value{"wichtigkeit": {Point: &v}, "umsetzbarkeit": {Point: &v}}}}
		if _, _, err := m.store.SaveAnswer(ctx, a, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	cli := func(now func() time.Time, name string) []byte {
		t.Helper()
		m, _, stderr := newMain(t, dir, nil)
		m.Now = now
		out := filepath.Join(dir, name)
		if code := run(ctx, m, []string{"export", "--survey", study, "-o", out}); code != 0 {
			t.Fatalf("CLI export: %d %s", code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	api := func(now func() time.Time) []byte {
		t.Helper()
		m, _, _ := newMain(t, dir, nil)
		m.Now = now
		if err := m.ParseFlags([]string{"serve"}); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		resp, err := http.Post(m.URL()+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"admin@example.org","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		var login struct{ Token string }
		_ = json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
		req, _ := http.NewRequest("GET", m.URL()+"/api/v1/surveys/"+study+"/export.xlsx", nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("API export: %d %s", resp.StatusCode, b)
		}
		return b
	}

	// Open: the same clock, so the live results carry the same time too.
	sameCells(t, "open round", cli(at(10*time.Minute), "open.xlsx"), api(at(10*time.Minute)))
	// The deadline passed with no server running: the CLI exports first.
	closed := cli(at(2*time.Hour), "closed.xlsx")
	sameCells(t, "overdue round", closed, api(at(2*time.Hour+5*time.Minute)))
	if rows := sheetRows(t, closed, "Übersicht"); !slices.ContainsFunc(rows, func(row []string) bool { return slices.Contains(row, "geschlossen") }) {
		t.Errorf("the CLI did not export round 1 as closed: %q", rows)
	}
}

// sheetRows returns the rows of one sheet of an xlsx file.
func sheetRows(t *testing.T, xlsx []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// sameCells compares two workbooks sheet by sheet and cell by cell,
// leaving out the row of the export time.
func sameCells(t *testing.T, what string, a, b []byte) {
	t.Helper()
	fa, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if !slices.Equal(fa.GetSheetList(), fb.GetSheetList()) {
		t.Fatalf("%s: sheets %q (CLI) and %q (API)", what, fa.GetSheetList(), fb.GetSheetList())
	}
	cells := 0
	for _, sheet := range fa.GetSheetList() {
		ra, _ := fa.GetRows(sheet)
		rb, _ := fb.GetRows(sheet)
		if len(ra) != len(rb) {
			t.Errorf("%s, %s: %d rows (CLI), %d (API)", what, sheet, len(ra), len(rb))
			continue
		}
		for i := range ra {
			if len(ra[i]) > 0 && (ra[i][0] == "Exportiert am" || ra[i][0] == "Exported at") {
				continue
			}
			if !slices.Equal(ra[i], rb[i]) {
				t.Errorf("%s, %s row %d:\nCLI %q\nAPI %q", what, sheet, i+1, ra[i], rb[i])
			}
			cells += len(ra[i])
		}
	}
	if cells < 100 {
		t.Fatalf("%s: only %d cells compared", what, cells)
	}
}
