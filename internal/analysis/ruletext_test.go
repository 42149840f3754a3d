package analysis

import (
	"io/fs"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/survey"
	"github.com/expertenrunde/expertenrunde/surveys"
)

// shipped loads a study shipped in surveys/ through the real parser.
func shipped(t *testing.T, name string) *delphi.Definition {
	t.Helper()
	data, err := fs.ReadFile(surveys.Examples, name)
	if err != nil {
		t.Fatal(err)
	}
	def, err := survey.Parse(name, data)
	if err != nil {
		t.Fatalf("%v", survey.FormatErrors(name, err))
	}
	return def
}

// cometStudy is a minimal COMET-style study, parsed like a shipped one.
const cometStudy = `
id: comet-test
version: "1"
languages: [de, en]
title: {de: COMET-Test, en: COMET test}
groups:
  - {id: patients, label: {de: Patientinnen, en: Patients}}
  - {id: clinicians, label: {de: Klinik, en: Clinicians}}
scales:
  - id: grade
    points:
      - {value: 1, label: {de: "1", en: "1"}}
      - {value: 2, label: {de: "2", en: "2"}}
      - {value: 3, label: {de: "3", en: "3"}}
      - {value: 4, label: {de: "4", en: "4"}}
      - {value: 5, label: {de: "5", en: "5"}}
      - {value: 6, label: {de: "6", en: "6"}}
      - {value: 7, label: {de: "7", en: "7"}}
      - {value: 8, label: {de: "8", en: "8"}}
      - {value: 9, label: {de: "9", en: "9"}}
    agreement: {min: 7, max: 9}
    disagreement: {min: 1, max: 3}
consensus:
  comet: {in_band: {min: 7, max: 9}, out_band: {min: 1, max: 3}, min_percent: 70, max_opposite_percent: 15}
rounds:
  planned: 2
  feedback: {statistics: [n, median, distribution], own_previous: true, comments: false, by_group: false, hide_until_answered: false, justify_outside_iqr: false}
  carry_over: {mode: all}
sections:
  - id: outcomes
    title: {de: Endpunkte, en: Outcomes}
    items:
      - {id: O1, type: rating, scale: grade, text: {de: Mortalität, en: Mortality}}
`

func TestRuleTextShipped(t *testing.T) {
	def := shipped(t, "kleinstadtakademie-2020.yaml")
	for lang, want := range map[string]string{
		"de": "Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5) und IQR ≤ 1; " +
			"ablehnender Konsens, wenn mindestens 75 % Ablehnung (Skalenpunkte 1–2) und IQR ≤ 1; " +
			"mindestens 5 gültige Antworten",
		"en": "Consensus when at least 75% agreement (scale points 4–5) and IQR ≤ 1; " +
			"consensus out when at least 75% disagreement (scale points 1–2) and IQR ≤ 1; " +
			"at least 5 valid answers",
	} {
		if got := RuleText(def.Consensus, def, lang); got != want {
			t.Errorf("%s:\n got %q\nwant %q", lang, got, want)
		}
	}

	comet, err := survey.Parse("comet.yaml", []byte(cometStudy))
	if err != nil {
		t.Fatalf("%v", survey.FormatErrors("comet.yaml", err))
	}
	for lang, want := range map[string]string{
		"de": "Konsens, wenn mindestens 70 % der Bewertungen auf den Skalenpunkten 7–9 und weniger als 15 % auf 1–3; " +
			"ablehnender Konsens, wenn mindestens 70 % der Bewertungen auf den Skalenpunkten 1–3 und weniger als 15 % auf 7–9",
		"en": "Consensus when at least 70% of ratings on scale points 7–9 and less than 15% on 1–3; " +
			"consensus out when at least 70% of ratings on scale points 1–3 and less than 15% on 7–9",
	} {
		if got := RuleText(comet.Consensus, comet, lang); got != want {
			t.Errorf("COMET %s:\n got %q\nwant %q", lang, got, want)
		}
	}
}

func TestRuleTextForms(t *testing.T) {
	def := testDef() // scales 4–5 / 1–2 and 7–9 / 1–3
	only5 := &delphi.Definition{Scales: []delphi.Scale{scale5()}}
	noOut := scale5()
	noOut.Disagreement = nil
	noOutDef := &delphi.Definition{Scales: []delphi.Scale{noOut}}
	agree := func(p float64) delphi.Rule { return delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: p}} }
	for _, tc := range []struct {
		name string
		rule delphi.Rule
		def  *delphi.Definition
		lang string
		want string
	}{
		{"dispersion only de", delphi.Rule{MinN: 7, Any: []delphi.Rule{{IQR: &delphi.MaxRule{Max: 1}}, {SD: &delphi.MaxRule{Max: 1.5}}}}, only5, "de",
			"Konsens, wenn IQR ≤ 1 oder SD ≤ 1,5; die Richtung folgt dem Median: im Zustimmungsbereich (Skalenpunkte 4–5) Konsens, " +
				"im Ablehnungsbereich (Skalenpunkte 1–2) ablehnender Konsens, sonst kein Konsens; mindestens 7 gültige Antworten"},
		{"dispersion only en", delphi.Rule{CV: &delphi.MaxRule{Max: 0.25}}, noOutDef, "en",
			"Consensus when CV ≤ 0.25; the direction follows the median: in the agreement band (scale points 4–5) consensus in, otherwise none"},
		{"dispersion only en, with out", delphi.Rule{IQR: &delphi.MaxRule{Max: 1}}, only5, "en",
			"Consensus when IQR ≤ 1; the direction follows the median: in the agreement band (scale points 4–5) consensus in, " +
				"in the disagreement band (scale points 1–2) consensus out, otherwise none"},
		{"no disagreement band", agree(80), noOutDef, "en", "Consensus when at least 80% agreement (scale points 4–5)"},
		{"several bands de", agree(66.5), def, "de",
			"Konsens, wenn mindestens 66,5 % Zustimmung (Skalenpunkte 4–5 bzw. 7–9 je nach Skala); " +
				"ablehnender Konsens, wenn mindestens 66,5 % Ablehnung (Skalenpunkte 1–2 bzw. 1–3 je nach Skala)"},
		{"nested en", delphi.Rule{Any: []delphi.Rule{
			{All: []delphi.Rule{agree(75), {IQR: &delphi.MaxRule{Max: 1}}}},
			{MinN: 10, Agreement: &delphi.AgreementRule{MinPercent: 90}},
		}}, only5, "en",
			"Consensus when (at least 75% agreement (scale points 4–5) and IQR ≤ 1) or (at least 90% agreement (scale points 4–5), with at least 10 valid answers); " +
				"consensus out when (at least 75% disagreement (scale points 1–2) and IQR ≤ 1) or (at least 90% disagreement (scale points 1–2), with at least 10 valid answers)"},
		{"nested de", delphi.Rule{All: []delphi.Rule{agree(75), {Any: []delphi.Rule{{IQR: &delphi.MaxRule{Max: 1}}, {SD: &delphi.MaxRule{Max: 0.75}}}}}}, only5, "de",
			"Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5) und (IQR ≤ 1 oder SD ≤ 0,75); " +
				"ablehnender Konsens, wenn mindestens 75 % Ablehnung (Skalenpunkte 1–2) und (IQR ≤ 1 oder SD ≤ 0,75)"},
		// any(agreement, iqr) without a disagreement band: out only via the IQR branch.
		{"any drops impossible out branch", delphi.Rule{Any: []delphi.Rule{agree(75), {IQR: &delphi.MaxRule{Max: 0.5}}}}, noOutDef, "en",
			"Consensus when at least 75% agreement (scale points 4–5) or IQR ≤ 0.5; a dispersion condition alone counts only when the median lies in the agreement band"},
		{"any with dispersion branch de", delphi.Rule{Any: []delphi.Rule{agree(75), {IQR: &delphi.MaxRule{Max: 0.5}}}}, only5, "de",
			"Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5) oder IQR ≤ 0,5; ablehnender Konsens, wenn mindestens 75 % Ablehnung (Skalenpunkte 1–2) oder IQR ≤ 0,5; " +
				"eine Streuungsbedingung allein zählt nur, wenn der Median im Zustimmungsbereich (Konsens) oder im Ablehnungsbereich (ablehnender Konsens) liegt"},
		{"single point band", agree(50), &delphi.Definition{Scales: []delphi.Scale{{ID: "yn", Points: []delphi.ScalePoint{{Value: 0}, {Value: 1}},
			Agreement: delphi.Band{Min: 1, Max: 1}}}}, "de", "Konsens, wenn mindestens 50 % Zustimmung (Skalenpunkt 1)"},
		{"empty", delphi.Rule{}, def, "en", "No consensus rule defined"},
		{"group_min_n de", delphi.Rule{MinN: 8, GroupMinN: 3, Agreement: &delphi.AgreementRule{MinPercent: 75}}, noOutDef, "de",
			"Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5); mindestens 8 gültige Antworten (in jeder Gruppe mindestens 3)"},
		{"group_min_n only en", delphi.Rule{GroupMinN: 3, Agreement: &delphi.AgreementRule{MinPercent: 75}}, noOutDef, "en",
			"Consensus when at least 75% agreement (scale points 4–5); in each group at least 3 valid answers"},
		{"nested group_min_n en", delphi.Rule{All: []delphi.Rule{{MinN: 10, GroupMinN: 4, Agreement: &delphi.AgreementRule{MinPercent: 90}}, {IQR: &delphi.MaxRule{Max: 1}}}}, noOutDef, "en",
			"Consensus when (at least 90% agreement (scale points 4–5), with at least 10 valid answers (in each group at least 4)) and IQR ≤ 1"},
	} {
		if got := RuleText(tc.rule, tc.def, tc.lang); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
