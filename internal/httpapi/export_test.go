package httpapi_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

const exportURL = "/api/v1/surveys/" + ksaID + "/export"

func TestExportAccess(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	private := []string{"expert-0", "@example.org"} // no expert id or e-mail ever leaves
	e.run([]scenario{
		{name: "researcher gets the CSV", method: "GET", url: exportURL + ".csv", as: "researcher", status: 200,
			want: []string{"survey_id,round,pseudonym,group,submitted,item_id,part,variable,type,value,abstain\r\n",
				"kleinstadtakademie-2020,1,E-PS00,politik-verwaltung,1,T01,wichtigkeit,T01_wichtigkeit,multi_rating,5,0\r\n",
				"kleinstadtakademie-2020,2,E-PS00,politik-verwaltung,1,T01,umsetzbarkeit,T01_umsetzbarkeit,multi_rating,4,0\r\n"},
			notWant: append(private, "Resilienz ist zentral")}, // free text never sits next to a pseudonym
		{name: "only round 1", method: "GET", url: exportURL + ".csv?rounds=1", as: "coord-a", status: 200,
			want: []string{"kleinstadtakademie-2020,1,E-PS11,"}, notWant: []string{"kleinstadtakademie-2020,2,"}},
		{name: "JSON", method: "GET", url: exportURL + ".json?lang=en", as: "admin", status: 200,
			want: []string{`{"meta":{"format":"expertenrunde-long/1","survey_id":"kleinstadtakademie-2020"`, `"rounds":[1,2]`, `"lang":"en"`,
				`"variable":"T01_wichtigkeit","type":"multi_rating","value":5,"abstain":false}`}, notWant: private},
		{name: "coordinator of another study gets 404", method: "GET", url: exportURL + ".xlsx", as: "coord-b", status: 404},
		{name: "no auth", method: "GET", url: exportURL + ".xlsx", status: 401},
		{name: "draft round", method: "GET", url: exportURL + ".xlsx?rounds=3", as: "researcher", status: 409, want: []string{`"code":"conflict"`}},
		{name: "unknown round", method: "GET", url: exportURL + ".xlsx?rounds=1,9", as: "researcher", status: 404},
		{name: "bad rounds", method: "GET", url: exportURL + ".csv?rounds=eins", as: "researcher", status: 422, want: []string{`"field":"rounds"`}},
		{name: "bad language", method: "GET", url: exportURL + ".csv?lang=fr", as: "researcher", status: 422, want: []string{`"field":"lang"`}},
	})
}

func TestExportXLSX(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	req := httptest.NewRequest("GET", exportURL+".xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+e.login("researcher"))
	status, h, body := e.do(req)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="kleinstadtakademie-2020_ergebnisse_2026-11-26.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for _, want := range []string{"Übersicht", "Runde 1", "Runde 2", "Rohdaten", "Codebuch"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("no sheet %q in %q", want, sheets)
		}
	}
	raw, _ := f.GetRows("Rohdaten")
	if len(raw) != 1+12+10 {
		t.Errorf("%d raw rows, want a header and 12 + 10 responses", len(raw))
	}
	res, err := e.svc.Round(context.Background(), ksaID, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Runde 1", excelize.Options{RawCellValue: true})
	// The same number, to the 15 digits a spreadsheet cell holds.
	mean := res.Items[0].Criteria[0].Overall.Mean.Value
	if rows[1][1] != "T01" || rows[1][7] != strconv.FormatFloat(mean, 'g', 15, 64) {
		t.Errorf("T01 importance in the sheet %q, mean in the results API %v", rows[1], mean)
	}
	entries, err := e.st.ListAudit(context.Background(), ksaID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(a *delphi.AuditEntry) bool { return a.Action == "survey.export" && a.ActorID != "" }) {
		t.Error("the export is not audited")
	}
}
