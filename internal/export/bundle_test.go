package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/stats"
	"github.com/expertenrunde/expertenrunde/internal/survey"
	"github.com/expertenrunde/expertenrunde/surveys"
)

// bundle writes the bundle of in and returns its files by name.
func bundle(t *testing.T, in Input) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBundle(context.Background(), &buf, in); err != nil {
		t.Fatalf("WriteBundle: %v", err)
	}
	return parts(t, buf.Bytes())
}

func readCSV(t *testing.T, name string, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s does not parse as CSV: %v", name, err)
	}
	return recs
}

func TestBundleContents(t *testing.T) {
	fx := newFixture(t)
	files := bundle(t, fx.in)
	want := []string{BundleReadme, BundleAnswers, BundleCodebook, BundleCodebookJS, BundleDefinition, BundleProtocol,
		BundleSettings, BundleRule, BundleStatistics, BundleSensitive, BundlePy, BundleR}
	var got []string
	for name := range files {
		got = append(got, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	for name, b := range files {
		for _, secret := range []string{secretID, secretName} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains %q", name, secret)
			}
		}
	}
	long := readCSV(t, BundleAnswers, files[BundleAnswers])
	if !slices.Equal(long[0], LongColumns) || len(long) < 100 {
		t.Errorf("answers: header %q, %d rows", long[0], len(long))
	}
	var csvOut bytes.Buffer
	if err := WriteCSV(context.Background(), &csvOut, fx.in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(csvOut.Bytes(), files[BundleAnswers]) {
		t.Error("the bundle's answers differ from the CSV export")
	}
	cb := readCSV(t, BundleCodebook, files[BundleCodebook])
	if r := find(cb, map[int]string{0: "M1_wichtigkeit", 5: "s5", 6: "1 2 3 4 5", 7: "4", 8: "5", 9: "1", 10: "2"}); r == 0 {
		t.Errorf("codebook.csv lacks M1_wichtigkeit with its scale: %q", cb)
	}
	var cbj codebook
	if err := json.Unmarshal(files[BundleCodebookJS], &cbj); err != nil {
		t.Fatal(err)
	}
	if cbj.QuantileType != 7 || cbj.Count != "submitted" || cbj.ConsensusRule.MinN != 5 || len(cbj.Variables) != len(cb)-1 {
		t.Errorf("codebook.json: %+v", cbj)
	}
	stat := readCSV(t, BundleStatistics, files[BundleStatistics])
	// Round 1: R1 and M1's two criteria; round 2: R1, M1's two, R2.
	if !slices.Equal(stat[0], StatisticsColumns) || len(stat) != 1+3+4 {
		t.Errorf("statistics: %q", stat)
	}
	if r := find(stat, map[int]string{0: "1", 1: "R1", 2: "", 3: "R1", 4: "9", 5: "4", 10: "consensus_in"}); r == 0 {
		t.Errorf("statistics lack round 1's R1: %q", stat)
	}
	sens := readCSV(t, BundleSensitive, files[BundleSensitive])
	rep := results.SensitivityOf(fx.in.Survey.Definition, &fx.in.Rounds[0], fx.in.Results[0])
	if !slices.Equal(sens[0], SensitivityColumns) || len(sens) != len(stat) ||
		find(sens, map[int]string{0: "1", 1: "R1", 3: "9", 4: "8", 6: strconv.FormatFloat(rep.Items[0].CI.Low.Value, 'g', -1, 64), 8: rep.Items[0].Seed, 9: "75", 13: "false"}) == 0 {
		t.Errorf("sensitivity.csv: %q", sens)
	}
	rule := readCSV(t, BundleRule, files[BundleRule])
	if len(rule) != 4 || rule[1][2] != "all" || rule[1][3] != "5" || rule[2][2] != "agreement" || rule[2][4] != "75" || rule[3][1] != "1" || rule[3][5] != "1" {
		t.Errorf("rule.csv: %q", rule)
	}
	var p Protocol
	if err := json.Unmarshal(files[BundleProtocol], &p); err != nil || p.MinN != 5 || p.QuantileType != 7 || p.PlannedRounds != 2 || !strings.HasPrefix(p.Status, "not available") {
		t.Errorf("protocol.json: %+v %v", p, err)
	}
	if !bytes.Equal(files[BundlePy], reproducePy) || !bytes.HasPrefix(files[BundleR], []byte("#!")) {
		t.Error("the scripts are not the embedded ones")
	}
}

// The definition in the bundle imports again as the same study.
func TestBundleDefinitionRoundTrip(t *testing.T) {
	def := kleinstadtDef(t)
	files := bundle(t, Input{Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def}, Now: time.Unix(0, 0)})
	again, err := survey.Parse(BundleDefinition, files[BundleDefinition])
	if err != nil {
		t.Fatalf("definition.yaml does not import: %v\n%s", err, files[BundleDefinition])
	}
	a, _ := json.Marshal(def)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("definition changed on the way through YAML:\n%s\n%s", a, b)
	}
}

// kleinstadtDef is the shipped Kleinstadtakademie study, parsed from its YAML.
func kleinstadtDef(t *testing.T) *delphi.Definition {
	t.Helper()
	data, err := surveys.Examples.ReadFile("kleinstadtakademie-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := survey.Parse("kleinstadtakademie-2020.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// generatedStudy is a study of 16 rating items and 4 multi_rating items
// (a 1–5 and a 1–9 criterion) in two rounds, answered by experts experts
// with item-specific leanings, abstentions, and 1 in 8 not submitting;
// results computed as the platform does.
func generatedStudy(rule delphi.Rule, qtype, experts int, seed uint64, criteria ...map[string]delphi.Rule) Input {
	def := testDef()
	def.QuantileType, def.Consensus = qtype, rule
	if len(criteria) > 0 {
		def.ConsensusCriteria = criteria[0] // the criteria's own primary rules
	}
	s9 := delphi.Scale{ID: "s9", Agreement: delphi.Band{Min: 7, Max: 9}, Disagreement: &delphi.Band{Min: 1, Max: 3}}
	for v := 1; v <= 9; v++ {
		s9.Points = append(s9.Points, delphi.ScalePoint{Value: v})
	}
	def.Scales = append(def.Scales, s9)
	sec := delphi.Section{ID: "gen", Title: txt("Generiert", "Generated")}
	for i := range 20 {
		it := delphi.Item{ID: "G" + strconv.Itoa(i), Type: delphi.ItemRating, Scale: "s5", Text: txt("Aussage", "Statement")}
		if i >= 16 {
			it = delphi.Item{ID: "G" + strconv.Itoa(i), Type: delphi.ItemMultiRating, Text: txt("Maßnahme", "Measure"),
				Criteria: []delphi.Criterion{{ID: "w", Scale: "s5"}, {ID: "n", Scale: "s9"}}}
		}
		sec.Items = append(sec.Items, it)
	}
	def.Sections = []delphi.Section{sec}
	g := stats.NewSplitMix64(seed)
	// point draws a rating on 1..k leaning to lean (0: low, 1: middle, 2: high, 3: spread).
	point := func(k int, lean int) delphi.Value {
		if g.Index(25) == 0 {
			return delphi.Value{Abstain: true}
		}
		var v int
		switch lean {
		case 0:
			v = 1 + g.Index(2+k/5)
		case 1:
			v = (k+1)/2 - 1 + g.Index(3)
		case 2:
			v = k - g.Index(2+k/5)
		default:
			v = 1 + g.Index(k)
		}
		return delphi.Value{Point: &v}
	}
	in := Input{Survey: &delphi.Survey{ID: def.ID, Revision: 1, Definition: def}, Lang: "de", Version: "test", Now: time.Unix(0, 0)}
	byRound := map[int][]*delphi.Response{}
	var prev []delphi.Answer
	for n := 1; n <= 2; n++ {
		round := delphi.Round{SurveyID: def.ID, Number: n, Status: delphi.RoundClosed}
		for _, it := range sec.Items {
			round.Items = append(round.Items, delphi.RoundItem{SectionID: sec.ID, Item: it, Origin: delphi.OriginCarried})
		}
		for e := range experts {
			r := &delphi.Response{SurveyID: def.ID, Round: n, ExpertID: secretID + strconv.Itoa(e), Pseudonym: "E-" + strconv.Itoa(e),
				Group: []string{"praxis", "forschung"}[e%2], Answers: map[string]delphi.Answer{}}
			if g.Index(8) != 0 {
				r.SubmittedAt = &time.Time{}
			}
			for i, it := range sec.Items {
				lean := (i + n*(i%3)) % 4
				if g.Index(12) == 0 {
					continue // not answered
				}
				var v delphi.Value
				if it.Type == delphi.ItemRating {
					v = point(5, lean)
				} else {
					v.Criteria = map[string]delphi.Value{"w": point(5, lean), "n": point(9, (lean+1)%4)}
				}
				r.Answers[it.ID] = delphi.Answer{Value: v, Pseudonym: secretName, Seq: int64(e*100 + i)}
			}
			byRound[n] = append(byRound[n], r)
		}
		cur := results.Answers(byRound[n])
		res := analysis.Compute(analysis.Input{Def: def, Round: n, Items: results.RoundItems(&round), Answers: cur, Previous: prev})
		prev = cur
		in.Rounds = append(in.Rounds, round)
		in.Results = append(in.Results, res)
	}
	in.Responses = func(round int, yield func(*delphi.Response) error) error {
		for _, r := range byRound[round] {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
	return in
}

// python returns the interpreter with numpy and pandas for reproduce.py:
// $ER_PYTHON, else /usr/bin/python3 (Debian's, with python3-numpy,
// python3-pandas and python3-scipy; make test installs them). Without them
// the test fails: a skip would prove nothing.
func python(t *testing.T) string {
	py := cmpOr(os.Getenv("ER_PYTHON"), "/usr/bin/python3")
	out, err := exec.Command(py, "-c", "import numpy, pandas, scipy").CombinedOutput()
	if err != nil {
		t.Fatal("reproduce.py needs " + py + " with numpy, pandas and scipy (apt-get install python3-numpy python3-pandas python3-scipy, or make python-deps): " + err.Error() + " " + string(out))
	}
	return py
}

// unpack writes the bundle's files under a temporary directory.
func unpack(t *testing.T, files map[string][]byte) string {
	dir := t.TempDir()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBundleReproducePy runs the bundle's reproduce.py with Debian's
// python3 on generated studies under several rules and quantile types and
// compares its numbers with the platform's (1e-9; n and outcomes exactly),
// here as well as in the script.
func TestBundleReproducePy(t *testing.T) {
	py := python(t)
	comet := delphi.Rule{COMET: &delphi.COMETRule{InBand: delphi.Band{Min: 4, Max: 5}, OutBand: delphi.Band{Min: 1, Max: 2}, MinPercent: 70, MaxOppositePercent: 15}}
	dispersion := delphi.Rule{MinN: 30, Any: []delphi.Rule{{SD: &delphi.MaxRule{Max: 0.8}}, {CV: &delphi.MaxRule{Max: 0.2}}}}
	// The study's rule with an iqr_relative leaf, and criterion n (scale
	// 1–9, range 8) decided by a rule of its own.
	relative := delphi.Rule{All: []delphi.Rule{{Agreement: &delphi.AgreementRule{MinPercent: 60}}, {IQRRelative: &delphi.MaxRule{Max: 0.25}}}}
	ownN := map[string]delphi.Rule{"n": {MinN: 20, Any: []delphi.Rule{{IQRRelative: &delphi.MaxRule{Max: 0.3}}, {Agreement: &delphi.AgreementRule{MinPercent: 80}}}}}
	cases := []struct {
		name     string
		rule     delphi.Rule
		qtype    int
		criteria map[string]delphi.Rule
	}{
		{"agreement and IQR, type 7", testDef().Consensus, 7, nil},
		{"agreement and IQR, type 6", testDef().Consensus, 6, nil},
		{"COMET", comet, 7, nil},
		{"SD or CV with min_n", dispersion, 6, nil},
		{"agreement 66.7 alone", delphi.Rule{Agreement: &delphi.AgreementRule{MinPercent: 66.7}}, 7, nil},
		{"iqr_relative and a criterion's own rule", relative, 7, ownN},
	}
	outcomes := map[string]int{}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := generatedStudy(c.rule, c.qtype, 41+i, uint64(1000+i), c.criteria)
			dir := unpack(t, bundle(t, in))
			out := filepath.Join(dir, "py.csv")
			cmd := exec.Command(py, filepath.Join(dir, filepath.FromSlash(BundlePy)), dir, out)
			b, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("reproduce.py: %v\n%s", err, b)
			}
			if !strings.Contains(string(b), "reproduce.py: 48 rows written") || !strings.Contains(string(b), "; 0 differences from results/item_statistics.csv") ||
				!strings.Contains(string(b), "reproduce.py: 48 bootstrap intervals redrawn; 0 differences from results/sensitivity.csv") {
				t.Errorf("reproduce.py says: %s", b)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			mine := readCSV(t, "py.csv", got)
			theirs := readCSV(t, BundleStatistics, mustRead(t, filepath.Join(dir, filepath.FromSlash(BundleStatistics))))
			if len(mine) != len(theirs) || len(theirs) != 1+2*(16+4*2) {
				t.Fatalf("%d rows from Python, %d from the platform", len(mine), len(theirs))
			}
			for r := 1; r < len(theirs); r++ {
				for col := range StatisticsColumns {
					a, b := mine[r][col], theirs[r][col]
					if col >= 5 && col <= 9 && a != "" && b != "" {
						x, _ := strconv.ParseFloat(a, 64)
						y, _ := strconv.ParseFloat(b, 64)
						if math.Abs(x-y) > 1e-9 {
							t.Errorf("row %d %s: Python %s, platform %s", r, StatisticsColumns[col], a, b)
						}
					} else if a != b {
						t.Errorf("row %d %s: Python %q, platform %q", r, StatisticsColumns[col], a, b)
					}
				}
				outcomes[theirs[r][10]]++
			}
		})
	}
	// The studies reach every outcome, so the comparison tests the rule.
	if outcomes[analysis.ConsensusIn] == 0 || outcomes[analysis.ConsensusOut] == 0 || outcomes[analysis.ConsensusNone] == 0 {
		t.Errorf("outcomes %v: the generated studies should reach each", outcomes)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBundleReproduceR runs reproduce.R where R is installed (R is
// optional: make test does not need it). The same studies as for Python.
func TestBundleReproduceR(t *testing.T) {
	rscript, err := exec.LookPath("Rscript")
	if err != nil { // make test installs it (python-deps); a skip would prove nothing
		t.Fatal("reproduce.R needs Rscript: apt-get install r-base-core, or make python-deps")
	}
	comet := delphi.Rule{COMET: &delphi.COMETRule{InBand: delphi.Band{Min: 4, Max: 5}, OutBand: delphi.Band{Min: 1, Max: 2}, MinPercent: 70, MaxOppositePercent: 15}}
	relative := delphi.Rule{All: []delphi.Rule{{Agreement: &delphi.AgreementRule{MinPercent: 60}}, {IQRRelative: &delphi.MaxRule{Max: 0.25}}}}
	ownN := map[string]delphi.Rule{"n": {MinN: 20, Any: []delphi.Rule{{IQRRelative: &delphi.MaxRule{Max: 0.3}}, {Agreement: &delphi.AgreementRule{MinPercent: 80}}}}}
	for i, c := range []struct {
		rule     delphi.Rule
		qtype    int
		criteria map[string]delphi.Rule
	}{
		{testDef().Consensus, 7, nil}, {testDef().Consensus, 6, nil}, {comet, 7, nil},
		{delphi.Rule{MinN: 30, Any: []delphi.Rule{{SD: &delphi.MaxRule{Max: 0.8}}, {CV: &delphi.MaxRule{Max: 0.2}}}}, 6, nil},
		{relative, 7, ownN},
	} {
		dir := unpack(t, bundle(t, generatedStudy(c.rule, c.qtype, 41+i, uint64(1000+i), c.criteria)))
		b, err := exec.Command(rscript, filepath.Join(dir, filepath.FromSlash(BundleR))).CombinedOutput()
		if err != nil || !strings.Contains(string(b), "reproduce.R: 48 rows written") || !strings.Contains(string(b), "; 0 differences") {
			t.Errorf("case %d: reproduce.R: %v\n%s", i, err, b)
		}
		if _, err := os.Stat(filepath.Join(dir, "reproduced", "item_statistics_R.csv")); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// TestBundleProtocolIsTheLockedOne: protocol.json is the locked protocol
// with its SHA-256 and deviations once the report has one, else the
// settings of the definition marked as not locked.
func TestBundleProtocolIsTheLockedOne(t *testing.T) {
	sv := &delphi.Survey{ID: "s", Revision: 2, Definition: &delphi.Definition{ID: "s", Consensus: delphi.Rule{MinN: 5}}}
	if p, ok := bundleProtocol(Input{Survey: sv}).(Protocol); !ok || !strings.HasPrefix(p.Status, "not available") || p.MinN != 5 {
		t.Fatalf("without a report: %+v", p)
	}
	locked := &delphi.Protocol{SurveyID: "s", Revision: 1, SHA256: strings.Repeat("a", 64)}
	in := Input{Survey: sv, Protocol: locked}
	got, ok := bundleProtocol(in).(LockedProtocol)
	if !ok || got.Status != "locked" || got.Protocol != locked || got.Deviations == nil {
		t.Fatalf("with a locked protocol: %+v", got)
	}
	b, err := json.Marshal(got)
	if err != nil || !strings.Contains(string(b), `"sha256":"`+locked.SHA256+`"`) || !strings.Contains(string(b), `"deviations":[]`) {
		t.Fatalf("protocol.json: %s, %v", b, err)
	}
}
