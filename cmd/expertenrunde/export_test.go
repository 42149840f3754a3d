package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
