package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

const sensitivity1URL = "/api/v1/surveys/" + ksaID + "/rounds/1/sensitivity"

func TestSensitivityAccess(t *testing.T) {
	e := newResultsEnv(t)
	private := []string{"E-PS", "expert-0"}
	e.run([]scenario{
		{name: "researcher reads a closed round", method: "GET", url: sensitivity1URL, as: "researcher", status: 200,
			want: []string{`"round":1`, `"threshold_percent":75`, `"min_n_grid":[3,5,8]`, `"item_id":"T01","criterion_id":"wichtigkeit"`, `"prng":"splitmix64"`}, notWant: private},
		{name: "coordinator reads the open round", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/2/sensitivity", as: "coord-a", status: 200, want: []string{`"live":true`}},
		{name: "coordinator of another study gets 404", method: "GET", url: sensitivity1URL, as: "coord-b", status: 404, want: []string{`"code":"not_found"`}},
		{name: "draft round has no results", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/3/sensitivity", as: "researcher", status: 409},
		{name: "unknown round", method: "GET", url: "/api/v1/surveys/" + ksaID + "/rounds/9/sensitivity", as: "researcher", status: 404},
		{name: "no auth", method: "GET", url: sensitivity1URL, status: 401},
	})
}

// Round 1's T01/wichtigkeit: 10 of 12 in the agreement band (5,4,5,4,4,5,3,4,5,4,2,4).
func TestSensitivityNumbers(t *testing.T) {
	e := newResultsEnv(t)
	status, body := e.get("researcher", sensitivity1URL)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var s analysis.Sensitivity
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	var row *analysis.SensitivityItem
	for i := range s.Items {
		if s.Items[i].ItemID == "T01" && s.Items[i].CriterionID == "wichtigkeit" {
			row = &s.Items[i]
		}
	}
	if row == nil {
		t.Fatalf("no T01/wichtigkeit row: %s", body)
	}
	want := stats.BootstrapPercentCI(10, 12, 2000, 0.95, analysis.BootstrapSeed(ksaID, 1, "T01", "wichtigkeit"))
	if row.N != 12 || row.Outcome != analysis.ConsensusIn || row.NearThreshold || row.CI.Low.Value != want.Low.Value || row.CI.High.Value != want.High.Value {
		t.Errorf("T01/wichtigkeit: %+v, want CI %+v", row, want)
	}
	// 83.3 %: in under a60..a80 and none under a85 and a90, except with
	// IQR <= 0.5 (its IQR is 4..5 = 1): 3 min_n × 3 IQR slices × 5.
	if row.Counts[analysis.ConsensusIn] != 45 || row.Counts[analysis.ConsensusNone] != 39 {
		t.Errorf("counts %v", row.Counts)
	}
	_, again := e.get("researcher", sensitivity1URL)
	if string(again) != string(body) {
		t.Errorf("a closed round's report changed between two reads")
	}
}
