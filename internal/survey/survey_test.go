package survey

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/survey/surveytest"
	"github.com/expertenrunde/expertenrunde/surveys"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the .want files of surveys/testdata/invalid")

const invalidDir = "../../surveys/testdata/invalid"

// example returns a shipped study's source.
func example(t testing.TB, name string) []byte {
	t.Helper()
	data, err := fs.ReadFile(surveys.Examples, name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, name string, data []byte) *delphi.Definition {
	t.Helper()
	d, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s):\n%s", name, strings.Join(FormatErrors(name, err), "\n"))
	}
	return d
}

func TestShippedStudiesParse(t *testing.T) {
	names, err := fs.Glob(surveys.Examples, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 2 {
		t.Fatalf("shipped studies: %v, want at least 2", names)
	}
	for _, name := range names {
		d := mustParse(t, name, example(t, name))
		if d.ID == "" || len(d.Items()) == 0 {
			t.Errorf("%s: empty definition", name)
		}
	}
}

func TestKleinstadtakademie(t *testing.T) {
	d := mustParse(t, "kleinstadtakademie-2020.yaml", example(t, "kleinstadtakademie-2020.yaml"))

	if got := len(d.Items()); got < 40 {
		t.Errorf("items = %d, want >= 40", got)
	}
	if len(d.Groups) != 8 {
		t.Errorf("groups = %d, want 8", len(d.Groups))
	}
	if _, ok := d.Group("politik-verwaltung"); !ok {
		t.Error("group politik-verwaltung missing")
	}
	if len(d.Sections) != 4 {
		t.Fatalf("sections = %d, want 4", len(d.Sections))
	}
	wantTitles := []string{"Themen", "Aufgaben", "Formate", "Träger- und Organisationsstrukturen"}
	for i, s := range d.Sections {
		if s.Title.Get("de") != wantTitles[i] {
			t.Errorf("section %d title = %q, want %q", i, s.Title.Get("de"), wantTitles[i])
		}
		if !slices.ContainsFunc(s.Items, func(it delphi.Item) bool { return it.Type == delphi.ItemText }) {
			t.Errorf("section %s has no open (text) question", s.ID)
		}
	}
	var top3 bool
	for _, it := range d.Items() {
		if it.Type == delphi.ItemRanking && it.TopK == 3 && len(it.Options) > 3 {
			top3 = true
		}
		for _, l := range d.Languages {
			if it.Text[l] == "" {
				t.Errorf("item %s lacks %s text", it.ID, l)
			}
		}
	}
	if !top3 {
		t.Error("no top-3 ranking")
	}
	types := map[string]int{}
	for _, it := range d.Items() {
		types[it.Type]++
	}
	for _, typ := range []string{delphi.ItemMultiRating, delphi.ItemRating, delphi.ItemSingleChoice, delphi.ItemMultipleChoice} {
		if types[typ] == 0 {
			t.Errorf("no %s item", typ)
		}
	}
	mr, _ := d.Item("T01")
	if len(mr.Criteria) != 2 || mr.Criteria[0].Scale != "wichtigkeit" || mr.Criteria[1].Scale != "umsetzbarkeit" {
		t.Errorf("T01 criteria = %+v", mr.Criteria)
	}
	s, _ := d.Scale("wichtigkeit")
	if len(s.Points) != 5 || s.Abstain == nil || s.Abstain.Label["de"] != "kann ich nicht beurteilen" ||
		s.Agreement != (delphi.Band{Min: 4, Max: 5}) || s.Disagreement == nil || *s.Disagreement != (delphi.Band{Min: 1, Max: 2}) {
		t.Errorf("scale wichtigkeit = %+v", s)
	}
	c := d.Consensus
	if c.MinN != 5 || len(c.All) != 2 || c.All[0].Agreement == nil || c.All[0].Agreement.MinPercent != 75 ||
		c.All[1].IQR == nil || c.All[1].IQR.Max != 1 {
		t.Errorf("consensus = %+v", c)
	}
	r := d.Rounds
	if r.Planned != 3 || !r.Feedback.OwnPrevious || !r.Feedback.Comments || !r.Feedback.JustifyOutsideIQR {
		t.Errorf("rounds = %+v", r)
	}
	if d.TimeZone != "Europe/Berlin" || d.Contact == nil || d.Privacy["de"] == "" || d.Privacy["en"] == "" {
		t.Errorf("time zone %q, contact %v, privacy %v", d.TimeZone, d.Contact, d.Privacy)
	}
}

// TestRandomizeOptions: a ranking's randomize_options is read as given and
// handed on unchanged (the questionnaire reads it); absent, it stays nil (the
// UI's default: an order of each expert's own).
func TestRandomizeOptions(t *testing.T) {
	src := strings.Replace(string(example(t, "kleinstadtakademie-2020.yaml")), "        top_k: 3\n", "        top_k: 3\n        randomize_options: false\n", 1)
	d := mustParse(t, "fixed-order.yaml", []byte(src))
	it, _ := d.Item("F11")
	if it.RandomizeOptions == nil || *it.RandomizeOptions {
		t.Fatalf("F11 randomize_options = %v, want false", it.RandomizeOptions)
	}
	b, err := json.Marshal(it)
	if err != nil || !strings.Contains(string(b), `"randomize_options":false`) {
		t.Errorf("F11 as JSON: %s %v", b, err)
	}
	other := mustParse(t, "kleinstadtakademie-2020.yaml", example(t, "kleinstadtakademie-2020.yaml"))
	if it, _ := other.Item("F11"); it.RandomizeOptions != nil {
		t.Errorf("absent randomize_options = %v, want nil", *it.RandomizeOptions)
	}
	if b, _ := json.Marshal(other.Items()[0]); strings.Contains(string(b), "randomize_options") {
		t.Errorf("an item without randomize_options has it in JSON: %s", b)
	}
}

func TestCoreOutcomeSetExample(t *testing.T) {
	d := mustParse(t, "core-outcome-set-example.yaml", example(t, "core-outcome-set-example.yaml"))
	if d.Quantile() != 6 || d.Rounds.CarryOver.Mode != delphi.CarryAll || d.Languages[0] != "en" {
		t.Errorf("quantile %d, carry over %q, languages %v", d.Quantile(), d.Rounds.CarryOver.Mode, d.Languages)
	}
	want := delphi.COMETRule{InBand: delphi.Band{Min: 7, Max: 9}, OutBand: delphi.Band{Min: 1, Max: 3}, MinPercent: 70, MaxOppositePercent: 15}
	if d.Consensus.COMET == nil || *d.Consensus.COMET != want {
		t.Errorf("COMET = %+v, want %+v", d.Consensus.COMET, want)
	}
	s, _ := d.Scale("grade9")
	if len(s.Points) != 9 {
		t.Errorf("grade9 has %d points", len(s.Points))
	}
	it, _ := d.Item("followup")
	if it.Type != delphi.ItemNumeric || it.Numeric == nil || *it.Numeric.Min != 1 || *it.Numeric.Max != 60 || !it.Numeric.Integer {
		t.Errorf("followup = %+v", it)
	}
	if it, _ := d.Item("priority"); it.Type != delphi.ItemRanking || it.TopK != 0 {
		t.Errorf("priority = %+v", it)
	}
	if d.Rounds.RevisionAllowed() {
		t.Error("allow_revision false was not kept")
	}
}

func TestDefaults(t *testing.T) {
	d := mustParse(t, "min.yaml", []byte(minimal))
	if d.TimeZone != "Europe/Berlin" || d.QuantileType != 7 || d.Rounds.CarryOver.Mode != delphi.CarryNoConsensus || !d.Rounds.RevisionAllowed() {
		t.Errorf("defaults: time zone %q, quantile %d, carry over %q", d.TimeZone, d.QuantileType, d.Rounds.CarryOver.Mode)
	}
	if d.Rounds.Feedback.MinGroupN != 3 || d.Rounds.Feedback.MinGroup() != 3 {
		t.Errorf("default min_group_n %d", d.Rounds.Feedback.MinGroupN)
	}
	src := strings.Replace(minimal, "sections:", "time_zone: Europe/Vienna\nquantile_type: 6\nsections:", 1)
	d = mustParse(t, "min.yaml", []byte(src))
	if d.TimeZone != "Europe/Vienna" || d.QuantileType != 6 {
		t.Errorf("explicit values lost: %q %d", d.TimeZone, d.QuantileType)
	}
}

// minimal is the smallest valid study (as in docs/STUDY-FORMAT.md).
const minimal = `id: mini
version: "1"
languages: [de, en]
title: {de: Mini-Studie, en: Mini study}
groups:
  - id: alle
    label: {de: Alle, en: Everyone}
scales:
  - id: wichtig5
    points:
      - {value: 1, label: {de: unwichtig, en: unimportant}}
      - {value: 2, label: {de: eher unwichtig, en: rather unimportant}}
      - {value: 3, label: {de: teils-teils, en: neutral}}
      - {value: 4, label: {de: eher wichtig, en: rather important}}
      - {value: 5, label: {de: sehr wichtig, en: very important}}
    agreement: {min: 4, max: 5}
consensus:
  agreement: {min_percent: 75}
rounds:
  planned: 2
  feedback: {statistics: [n, median, iqr]}
sections:
  - id: themen
    title: {de: Themen, en: Topics}
    items:
      - id: T01
        type: rating
        scale: wichtig5
        text: {de: Wohnen, en: Housing}
`

func TestInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(invalidDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".yaml" && ext != ".json" {
			continue
		}
		n++
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Parse(name, data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", d)
			}
			var e *delphi.Error
			if !errors.As(err, &e) || e.Code != delphi.EINVALID || len(e.Details) == 0 {
				t.Fatalf("error = %#v, want EINVALID with details", err)
			}
			for _, det := range e.Details {
				if det.Line < 1 || det.Column < 1 || det.Message == "" {
					t.Errorf("detail without position or message: %+v", det)
				}
			}
			got := strings.Join(FormatErrors(name, err), "\n") + "\n"
			wantFile := strings.TrimSuffix(file, ext) + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if n < 12 {
		t.Errorf("%d invalid fixtures, want at least 12", n)
	}
}

// TestDetailFields checks the field paths reported with problems.
func TestDetailFields(t *testing.T) {
	cases := []struct{ fixture, field string }{
		{"bad-item-type.yaml", "sections[0].items[0].type"},
		{"undefined-scale.yaml", "sections[0].items[1].scale"},
		{"missing-english-text.yaml", "sections[0].items[1].text.en"},
		{"carry-over-unknown-item.yaml", "rounds.carry_over.items[1]"},
		{"comet-band-outside-scale.yaml", "consensus.comet.in_band.min"},
		{"unknown-key.yaml", "titel"},
		{"rules-unknown-criterion.yaml", "consensus_criteria.machbarkiet"},
		{"rules-unknown-criterion.yaml", "consensus_alternatives[1].criteria.kosten"},
		{"rules-numeric-agreement.yaml", "consensus_numeric.any[0].agreement"},
		{"rules-numeric-agreement.yaml", "consensus_numeric.any[1].iqr_relative"},
		{"rules-alternative-name.yaml", "consensus_alternatives[2].name"},
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(invalidDir, c.fixture))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(c.fixture, data)
		e := delphi.AsError(err)
		if !slices.ContainsFunc(e.Details, func(d delphi.Detail) bool { return d.Field == c.field }) {
			t.Errorf("%s: no detail for field %s in %+v", c.fixture, c.field, e.Details)
		}
	}
}

// toJSON converts YAML to indented JSON, tab-indented like many editors.
func toJSON(t *testing.T, src []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var v map[string]any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(v)
	}
	out, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestControlCharacters: texts of a study are stored and shown like every
// other text (delphi.CheckText): a control character, which JSON writes as
// \u0000 and YAML as "\0" or "\e", is refused naming the field and line.
func TestControlCharacters(t *testing.T) {
	js := toJSON(t, []byte(minimal), func(v map[string]any) { v["title"].(map[string]any)["de"] = "Mini\x00Studie" })
	yml := strings.Replace(minimal, "text: {de: Wohnen,", `text: {de: "Wo\ehnen",`, 1)
	for _, c := range []struct {
		name       string
		data       []byte
		field      string
		line       int
		controlHex string
	}{
		{"m.json", js, "title.de", 0, "U+0000"},
		{"m.yaml", []byte(yml), "sections[0].items[0].text.de", 29, "U+001B"},
	} {
		_, err := Parse(c.name, c.data)
		e := delphi.AsError(err)
		if e.Code != delphi.EINVALID || len(e.Details) != 1 {
			t.Fatalf("%s: %v %+v", c.name, err, e.Details)
		}
		d := e.Details[0]
		if d.Field != c.field || (c.line > 0 && d.Line != c.line) || d.Line == 0 || !strings.Contains(d.Message, "control character ("+c.controlHex+")") {
			t.Errorf("%s: %+v, want %s at line %d", c.name, d, c.field, c.line)
		}
	}
}

func TestJSONInput(t *testing.T) {
	src := example(t, "kleinstadtakademie-2020.yaml")
	fromYAML := mustParse(t, "k.yaml", src)
	js := toJSON(t, src, nil)
	fromJSON := mustParse(t, "k.json", js)
	if !Equal(fromYAML, fromJSON) {
		t.Error("the JSON version differs from the YAML one")
	}
	// A leading '{' selects JSON whatever the name.
	mustParse(t, "upload", js)

	// Positions point into the JSON text.
	bad := toJSON(t, src, func(v map[string]any) {
		item := v["sections"].([]any)[1].(map[string]any)["items"].([]any)[2].(map[string]any)
		item["type"] = "ratng"
		v["quantile_type"] = 5
	})
	_, err := Parse("k.json", bad)
	e := delphi.AsError(err)
	if e.Code != delphi.EINVALID || len(e.Details) != 2 {
		t.Fatalf("error = %v, details %+v, want 2", err, e.Details)
	}
	for _, c := range []struct{ needle, field string }{
		{`"ratng"`, "sections[1].items[2].type"},
		{`"quantile_type": 5`, "quantile_type"},
	} {
		line, col := find(t, bad, c.needle)
		if c.field == "quantile_type" {
			col += len(`"quantile_type": `)
		}
		i := slices.IndexFunc(e.Details, func(d delphi.Detail) bool { return d.Field == c.field })
		if i < 0 {
			t.Errorf("no detail for %s: %+v", c.field, e.Details)
			continue
		}
		if d := e.Details[i]; d.Line != line || d.Column != col {
			t.Errorf("%s at %d:%d, want %d:%d (%s)", c.field, d.Line, d.Column, line, col, d.Message)
		}
	}
}

// find returns the 1-based line and column of the first occurrence of needle.
func find(t *testing.T, data []byte, needle string) (int, int) {
	t.Helper()
	i := bytes.Index(data, []byte(needle))
	if i < 0 {
		t.Fatalf("%q not found", needle)
	}
	p := offsetPos(data, i)
	return p.line, p.col
}

func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
	}{
		{"a.yaml", "id: x\nb: c: d\n", 2, 5},
		{"a.yaml", "id: x\nlist:\n  - a\n  b: 2\n", 4, 3},
		{"a.yaml", "id: x\nmap:\n  c: 1\n d: 2\n", 4, 2},
		{"a.yaml", "id: x\n\tversion: 2\n", 2, 1},
		{"a.yaml", "id: @x\n", 1, 5},
		{"a.yaml", "id: x\ntitle: *nowhere\n", 2, 1},
		{"a.json", "{\n  \"id\": \"x\",\n  \"version\" \"1\"\n}\n", 3, 13},
		{"a.json", "{\n  \"id\": \"ä\",,\n}\n", 2, 13},
		{"a.json", "{\n  \"id\": \"x\"\n", 3, 1},
		{"a.json", "{\"id\": \"x\"} {}", 1, 13},
	}
	for _, c := range cases {
		_, err := Parse(c.name, []byte(c.src))
		e := delphi.AsError(err)
		if e.Code != delphi.EINVALID || len(e.Details) != 1 {
			t.Errorf("%q: error %v, details %+v", c.src, err, e.Details)
			continue
		}
		if d := e.Details[0]; d.Line != c.line || d.Column != c.col {
			t.Errorf("%q: at %d:%d, want %d:%d (%s)", c.src, d.Line, d.Column, c.line, c.col, d.Message)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	if got := FormatErrors("f.yaml", nil); got != nil {
		t.Errorf("nil error: %v", got)
	}
	err := &delphi.Error{Code: delphi.EINVALID, Message: "bad", Details: []delphi.Detail{
		{Line: 3, Column: 7, Message: "one"}, {Message: "two"},
	}}
	want := []string{"f.yaml:3:7: one", "f.yaml: two"}
	if got := FormatErrors("f.yaml", err); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := FormatErrors("f.yaml", fmt.Errorf("wrapped: %w", delphi.Errorf(delphi.EINVALID, "no details"))); !slices.Equal(got, []string{"f.yaml: no details"}) {
		t.Errorf("got %q", got)
	}
	if got := FormatErrors("f.yaml", errors.New("disk on fire")); !slices.Equal(got, []string{"f.yaml: disk on fire"}) {
		t.Errorf("got %q", got)
	}
}

func TestAliasesAndLimits(t *testing.T) {
	// An alias cycle is reported, not followed forever.
	_, err := Parse("a.yaml", []byte("a: &x\n  b: *x\n"))
	if e := delphi.AsError(err); e.Code != delphi.EINVALID || len(e.Details) == 0 {
		t.Errorf("alias cycle: %v", err)
	}
	// A "billion laughs" document is cut off.
	_, err = Parse("laughs.yaml", surveytest.Laughs(9))
	e := delphi.AsError(err)
	if e.Code != delphi.EINVALID || !slices.ContainsFunc(e.Details, func(d delphi.Detail) bool { return strings.Contains(d.Message, "too large") }) {
		t.Errorf("billion laughs: %v %+v", err, e.Details)
	}
}

// TestAliasBombs: aliases that expand a file past maxExpandedBytes, or more
// than maxAliases of them, are refused before anything is expanded, naming
// the alias, its line and its field; a study that shares a scale through
// hundreds of aliases still loads.
func TestAliasBombs(t *testing.T) {
	for _, c := range []struct {
		name        string
		data        []byte
		line, col   int
		field, want string
	}{
		// x is 1 MiB; with the third alias (y2, line 5) and the keys the
		// file passes 4 MiB.
		{"300 aliases of 1 MiB", surveytest.AliasBomb(1<<20, 300), 5, 5, "y2", "alias *x makes the file too large: more than 4 MiB"},
		{"3,000 aliases of 1 MiB", surveytest.AliasBomb(1<<20, 3000), 5, 5, "y2", "alias *x makes the file too large: more than 4 MiB"},
		// 1,001 aliases of a small string are too many, whatever their size.
		{"1,001 small aliases", surveytest.AliasBomb(10, 1001), 1003, 8, "y1000", "more than 1000 aliases"},
		// a5 (line 7) expands to 10^5 strings, about 4 MB: with a0 to a4
		// the file passes 4 MiB.
		{"billion laughs", surveytest.Laughs(9), 7, 5, "a5", "the file is too large: more than 4 MiB"},
		{"billion laughs, 20 levels", surveytest.Laughs(20), 7, 5, "a5", "the file is too large: more than 4 MiB"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse("bomb.yaml", c.data)
		runtime.ReadMemStats(&after)
		e := delphi.AsError(err)
		if e.Code != delphi.EINVALID || len(e.Details) != 1 {
			t.Errorf("%s: %v %+v, want one problem", c.name, err, e.Details)
			continue
		}
		d := e.Details[0]
		if d.Line != c.line || d.Column != c.col || d.Field != c.field || !strings.Contains(d.Message, c.want) {
			t.Errorf("%s: %d:%d %s %q, want %d:%d %s %q", c.name, d.Line, d.Column, d.Field, d.Message, c.line, c.col, c.field, c.want)
		}
		// Parsing the nodes costs a few times the file; expanding cost
		// 1.3 GB for 300 aliases.
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d KiB file, %d MiB allocated", c.name, len(c.data)>>10, alloc>>20)
		if limit := 8*uint64(len(c.data)) + 4<<20; alloc > limit {
			t.Errorf("%s: %d MiB allocated, want at most %d MiB", c.name, alloc>>20, limit>>20)
		}
	}

	// A shared scale and text through 900 aliases: fine.
	var b strings.Builder
	b.WriteString(strings.Replace(strings.Replace(minimal, "scale: wichtig5", "scale: &s wichtig5", 1), "text: {de: Wohnen, en: Housing}", "text: &t {de: Wohnen, en: Housing}", 1))
	for i := 2; i <= 450; i++ {
		fmt.Fprintf(&b, "      - id: T%03d\n        type: rating\n        scale: *s\n        text: *t\n", i)
	}
	d := mustParse(t, "shared.yaml", []byte(b.String()))
	if items := d.Items(); len(items) != 450 || items[449].Scale != "wichtig5" || items[449].Text["en"] != "Housing" {
		t.Errorf("shared scale: %d items, last %+v", len(items), items[len(items)-1])
	}
	// Below the size limit: 2 aliases of 1 MiB expand to 3 MiB, and the
	// file is refused by the schema only (x and y are no study keys).
	_, err := Parse("big.yaml", surveytest.AliasBomb(1<<20, 2))
	if e := delphi.AsError(err); e.Code != delphi.EINVALID || slices.ContainsFunc(e.Details, func(d delphi.Detail) bool { return strings.Contains(d.Message, "too large") }) {
		t.Errorf("3 MiB expanded: %v %+v", err, e.Details)
	}
}

func TestEqual(t *testing.T) {
	src := example(t, "kleinstadtakademie-2020.yaml")
	a := mustParse(t, "k.yaml", src)
	b := mustParse(t, "k.yaml", src)
	if !Equal(a, b) {
		t.Error("the same file is not Equal to itself")
	}
	// Defaults written out, comments and layout changed: still equal.
	explicit := strings.Replace(minimal, "sections:", "# a comment\nquantile_type: 7\ntime_zone: Europe/Berlin\nsections:", 1)
	explicit = strings.Replace(explicit, "  feedback: {statistics: [n, median, iqr]}", "  feedback:\n    statistics: [n, median, iqr]\n    comments: false\n  carry_over: {mode: no_consensus}\n  allow_revision: true", 1)
	if !Equal(mustParse(t, "m.yaml", []byte(minimal)), mustParse(t, "m.yaml", []byte(explicit))) {
		t.Error("explicit defaults make a difference")
	}
	// min_group_n written out as its default: still equal; another value is a change.
	withMin := func(v string) []byte {
		return []byte(strings.Replace(minimal, "{statistics: [n, median, iqr]}", "{statistics: [n, median, iqr], min_group_n: "+v+"}", 1))
	}
	if !Equal(mustParse(t, "m.yaml", []byte(minimal)), mustParse(t, "m.yaml", withMin("3"))) {
		t.Error("an explicit min_group_n 3 makes a difference")
	}
	if Equal(mustParse(t, "m.yaml", []byte(minimal)), mustParse(t, "m.yaml", withMin("5"))) {
		t.Error("min_group_n 5 is Equal to the default")
	}
	// A definition stored before min_group_n existed equals its re-import.
	old := mustParse(t, "m.yaml", []byte(minimal))
	old.Rounds.Feedback.MinGroupN = 0
	if !Equal(old, mustParse(t, "m.yaml", []byte(minimal))) {
		t.Error("a definition without min_group_n differs from the default")
	}
	// A changed wording is a change.
	reworded := strings.Replace(minimal, "en: Housing", "en: Housing and living", 1)
	if Equal(mustParse(t, "m.yaml", []byte(minimal)), mustParse(t, "m.yaml", []byte(reworded))) {
		t.Error("a changed text is Equal")
	}
	if Equal(a, nil) || !Equal(nil, nil) {
		t.Error("nil handling")
	}
}

// TestMinGroupN: rounds.feedback.min_group_n is an integer ≥ 1; problems
// name the field.
func TestMinGroupN(t *testing.T) {
	src := func(v string) []byte {
		return []byte(strings.Replace(minimal, "  feedback: {statistics: [n, median, iqr]}",
			"  feedback:\n    statistics: [n, median, iqr]\n    by_group: true\n    min_group_n: "+v, 1))
	}
	for v, want := range map[string]int{"1": 1, "3": 3, "5": 5, "3.0": 3} {
		if d := mustParse(t, "m.yaml", src(v)); d.Rounds.Feedback.MinGroupN != want || d.Rounds.Feedback.MinGroup() != want {
			t.Errorf("min_group_n %s: %d", v, d.Rounds.Feedback.MinGroupN)
		}
	}
	const field = "rounds.feedback.min_group_n"
	for v, msg := range map[string]string{
		"0":      "min_group_n must be at least 1; got 0",
		"-2":     "min_group_n must be at least 1; got -2",
		"2.5":    "expected an integer; got 2.5",
		"drei":   `expected an integer; got "drei"`,
		"true":   "expected an integer; got true",
		"":       "expected an integer; got an empty value",
		"[3]":    "expected an integer; got a list",
		"100001": "min_group_n must be at most 100000; got 100001",
	} {
		_, err := Parse("m.yaml", src(v))
		e := delphi.AsError(err)
		if e.Code != delphi.EINVALID || len(e.Details) != 1 {
			t.Errorf("min_group_n %q: %v %+v", v, err, e.Details)
			continue
		}
		if d := e.Details[0]; d.Field != field || d.Message != msg || d.Line != 24 {
			t.Errorf("min_group_n %q: %+v, want %s on line 24: %s", v, d, field, msg)
		}
	}
}

// compatSource is a study with one item of each answerable kind.
const compatSource = `id: compat
version: "1"
languages: [en]
title: {en: Compatibility}
groups: [{id: all, label: {en: All}}]
scales:
  - id: imp5
    points: [{value: 1, label: {en: one}}, {value: 2, label: {en: two}}, {value: 3, label: {en: three}}, {value: 4, label: {en: four}}, {value: 5, label: {en: five}}]
    abstain: {label: {en: cannot judge}}
    agreement: {min: 4, max: 5}
  - id: imp7
    points: [{value: 1, label: {en: one}}, {value: 2, label: {en: two}}, {value: 3, label: {en: three}}, {value: 4, label: {en: four}}, {value: 5, label: {en: five}}, {value: 6, label: {en: six}}, {value: 7, label: {en: seven}}]
    agreement: {min: 6, max: 7}
consensus: {agreement: {min_percent: 75}}
rounds: {planned: 2, feedback: {statistics: [n]}}
sections:
  - id: s
    title: {en: S}
    items:
      - {id: T01, type: rating, scale: imp5, text: {en: Housing}}
      - id: T02
        type: multi_rating
        text: {en: Advice}
        criteria:
          - {id: importance, label: {en: Importance}, scale: imp5}
          - {id: feasibility, label: {en: Feasibility}, scale: imp5}
      - id: T03
        type: multiple_choice
        max_choices: 2
        text: {en: Formats}
        options: [{id: a, label: {en: A}}, {id: b, label: {en: B}}, {id: c, label: {en: C}}]
      - id: T04
        type: ranking
        top_k: 2
        text: {en: Rank}
        options: [{id: a, label: {en: A}}, {id: b, label: {en: B}}, {id: c, label: {en: C}}]
      - {id: T05, type: numeric, text: {en: 'How many?'}, numeric: {min: 0, max: 100}}
      - {id: T06, type: text, text: {en: 'What else?'}}
`

func TestCompatible(t *testing.T) {
	old := mustParse(t, "old.yaml", []byte(compatSource))
	answered := map[string]bool{"T01": true, "T02": true, "T03": true, "T04": true, "T05": true, "T06": true}
	cases := []struct {
		name     string
		old, new string // replaced in compatSource
		answered map[string]bool
		want     []string // messages; nil means compatible
	}{
		{"unchanged", "", "", answered, nil},
		{"reworded answered item", "text: {en: Housing}", "text: {en: Housing and living}", answered, nil},
		{"new item", "      - {id: T06,", "      - {id: T07, type: text, text: {en: New}}\n      - {id: T06,", answered, nil},
		{"new option", "options: [{id: a, label: {en: A}}, {id: b, label: {en: B}}, {id: c, label: {en: C}}]\n      - id: T04",
			"options: [{id: a, label: {en: A}}, {id: b, label: {en: B}}, {id: c, label: {en: C}}, {id: d, label: {en: D}}]\n      - id: T04", answered, nil},
		{"scale label changed", "{value: 5, label: {en: five}}]\n    abstain", "{value: 5, label: {en: very high}}]\n    abstain", answered, nil},
		{"removed unanswered item", "      - {id: T06, type: text, text: {en: 'What else?'}}\n", "", map[string]bool{"T01": true}, nil},
		{"removed", "      - {id: T06, type: text, text: {en: 'What else?'}}\n", "", answered,
			[]string{"item T06 has answers and was removed"}},
		{"retyped", "{id: T05, type: numeric, text: {en: 'How many?'}, numeric: {min: 0, max: 100}}", "{id: T05, type: text, text: {en: 'How many?'}}", answered,
			[]string{"item T05 has answers; its type changed numeric → text"}},
		{"rating to numeric", "{id: T01, type: rating, scale: imp5, text: {en: Housing}}", "{id: T01, type: numeric, text: {en: Housing}, numeric: {}}", answered,
			[]string{"item T01 has answers; its type changed rating → numeric"}},
		{"other scale", "{id: T01, type: rating, scale: imp5,", "{id: T01, type: rating, scale: imp7,", answered,
			[]string{"item T01 has answers; its scale changed imp5 → imp7"}},
		{"scale point removed", ", {value: 5, label: {en: five}}]\n    abstain: {label: {en: cannot judge}}\n    agreement: {min: 4, max: 5}",
			"]\n    abstain: {label: {en: cannot judge}}\n    agreement: {min: 4, max: 4}", answered,
			[]string{
				`item T01 has answers; scale "imp5" lost point 5`,
				`item T02 has answers; criterion "importance": scale "imp5" lost point 5`,
				`item T02 has answers; criterion "feasibility": scale "imp5" lost point 5`,
			}},
		{"abstain removed", "    abstain: {label: {en: cannot judge}}\n", "", map[string]bool{"T01": true},
			[]string{`item T01 has answers; scale "imp5" lost its abstain option`}},
		{"criterion removed", "          - {id: feasibility, label: {en: Feasibility}, scale: imp5}\n", "", answered,
			[]string{`item T02 has answers; criterion "feasibility" was removed`}},
		{"criterion rescaled", "{id: feasibility, label: {en: Feasibility}, scale: imp5}", "{id: feasibility, label: {en: Feasibility}, scale: imp7}", answered,
			[]string{`item T02 has answers; criterion "feasibility": its scale changed imp5 → imp7`}},
		{"option removed", "options: [{id: a, label: {en: A}}, {id: b, label: {en: B}}, {id: c, label: {en: C}}]\n      - id: T04",
			"options: [{id: a, label: {en: A}}, {id: c, label: {en: C}}]\n      - id: T04", answered,
			[]string{`item T03 has answers; option "b" was removed`}},
		{"max_choices lowered", "max_choices: 2", "max_choices: 1", answered,
			[]string{"item T03 has answers; its max_choices was lowered from 2 to 1"}},
		{"top_k changed", "        top_k: 2\n", "", answered,
			[]string{"item T04 has answers; its ranking changed from top 2 to a full ranking"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(compatSource, c.old) {
				t.Fatalf("%q not in the source", c.old)
			}
			newDef := mustParse(t, "new.yaml", []byte(strings.Replace(compatSource, c.old, c.new, 1)))
			err := Compatible(old, newDef, c.answered)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v %+v", err, delphi.AsError(err).Details)
				}
				return
			}
			e := delphi.AsError(err)
			if err == nil || e.Code != delphi.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			var got []string
			for _, d := range e.Details {
				got = append(got, d.Message)
				if !strings.HasPrefix(d.Message, "item "+d.Field+" ") {
					t.Errorf("detail field %q does not name the item: %q", d.Field, d.Message)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
	if err := Compatible(nil, old, answered); err != nil {
		t.Errorf("first import: %v", err)
	}
}

func BenchmarkParse(b *testing.B) {
	src := example(b, "kleinstadtakademie-2020.yaml")
	broken := bytes.Replace(src, []byte("      - id: T05\n"), []byte("     - id: T05\n"), 1)
	for _, c := range []struct {
		name string
		data []byte
	}{{"valid", src}, {"syntax-error", broken}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Parse("k.yaml", c.data)
			}
		})
	}
}

// TestDocExamples keeps docs/STUDY-FORMAT.md honest: its minimal study
// parses, and so does each of its consensus rule examples.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/STUDY-FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(doc), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	if len(blocks) == 0 || !strings.HasPrefix(blocks[0], "id: mini") {
		t.Fatalf("no minimal example found")
	}
	mustParse(t, "minimal", []byte(blocks[0]))
	rules := 0
	for _, b := range blocks {
		if !strings.HasPrefix(b, "# ") || !strings.Contains(b, "consensus:") {
			continue
		}
		for _, ex := range strings.Split(b, "\n\n") {
			src := strings.Replace(minimal, "consensus:\n  agreement: {min_percent: 75}\n", ex+"\n", 1)
			if src == minimal {
				t.Fatal("cannot substitute the rule")
			}
			if strings.Contains(ex, "comet:") { // needs a 1–9 scale
				var nine strings.Builder
				for v := 1; v <= 9; v++ {
					fmt.Fprintf(&nine, "      - {value: %d, label: {de: \"%d\", en: \"%d\"}}\n", v, v, v)
				}
				start := strings.Index(src, "      - {value: 1")
				end := strings.Index(src, "    agreement: {min: 4, max: 5}\n")
				src = src[:start] + nine.String() + "    agreement: {min: 7, max: 9}\n" + src[end+len("    agreement: {min: 4, max: 5}\n"):]
			}
			mustParse(t, "rule", []byte(src))
			rules++
		}
	}
	if rules < 4 {
		t.Errorf("%d rule examples, want 4", rules)
	}
}

const validDir = "../../surveys/testdata/valid"

// TestValidFixtures: every file of surveys/testdata/valid parses, and its
// definition, written out as JSON (as the API serves and stores it), parses
// again to an Equal one.
func TestValidFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(validDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid fixtures: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		d := mustParse(t, filepath.Base(file), data)
		js, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if again := mustParse(t, "again.json", js); !Equal(d, again) {
			t.Errorf("%s: the definition as JSON parses to another one:\n%s", file, js)
		}
	}
}

// TestSparseLabels: points may go without labels, be listed as numbers or
// as {from, to}, with labels by value beside them; each form becomes the
// list of {value, label}, and a point without a label has none (shown as
// its number).
func TestSparseLabels(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(validDir, "sparse-labels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := mustParse(t, "sparse-labels.yaml", data)
	labels := func(id string) string {
		s, ok := d.Scale(id)
		if !ok {
			t.Fatalf("no scale %s", id)
		}
		var parts []string
		for _, p := range s.Points {
			parts = append(parts, fmt.Sprintf("%d=%s", p.Value, p.Label["en"]))
			if p.Label == nil && p.LabelText("en") != fmt.Sprint(p.Value) {
				t.Errorf("point %d without label shows %q", p.Value, p.LabelText("en"))
			}
		}
		return strings.Join(parts, " ")
	}
	for id, want := range map[string]string{
		"agree7": "1=strongly disagree 2= 3= 4=neither 5= 6= 7=strongly agree",
		"five":   "1=low 2= 3= 4= 5=high",
		"three":  "1=no 2= 3=yes",
	} {
		if got := labels(id); got != want {
			t.Errorf("scale %s: %s, want %s", id, got, want)
		}
	}
	s, _ := d.Scale("agree7")
	if s.Points[1].Label != nil || s.Agreement != (delphi.Band{Min: 5, Max: 7}) {
		t.Errorf("agree7 = %+v", s)
	}
	if b, _ := json.Marshal(s.Points[1]); string(b) != `{"value":2}` {
		t.Errorf("an unlabelled point as JSON: %s", b)
	}
	if d.Consensus.MinN != 8 || d.Consensus.GroupMinN != 3 {
		t.Errorf("consensus %+v", d.Consensus)
	}
	// The compact forms equal the long one.
	long := strings.Replace(string(data), "    points: {from: 1, to: 7}\n    labels:\n      1: {en: strongly disagree}\n      4: {en: neither}\n      7: {en: strongly agree}\n",
		"    points:\n      - {value: 1, label: {en: strongly disagree}}\n      - {value: 2}\n      - {value: 3}\n      - {value: 4, label: {en: neither}}\n      - {value: 5}\n      - {value: 6}\n      - {value: 7, label: {en: strongly agree}}\n", 1)
	if long == string(data) {
		t.Fatal("cannot rewrite the scale")
	}
	if !Equal(d, mustParse(t, "long.yaml", []byte(long))) {
		t.Error("{from, to} with labels differs from the list of points")
	}
}

// TestHintFields: the problems that teach (a share for a percentage, a
// percent sign, or for any, n >= 8 inside all, points as text) name the
// field, so the API's details point at it as the CLI's lines do.
func TestHintFields(t *testing.T) {
	for _, c := range []struct{ fixture, field string }{
		{"min-percent-share.yaml", "consensus.any[0].agreement.min_percent"},
		{"min-percent-share.yaml", "consensus.any[1].comet.max_opposite_percent"},
		{"min-percent-sign.yaml", "consensus.agreement.min_percent"},
		{"rule-or.yaml", "consensus.or"},
		{"rule-n-in-all.yaml", "consensus.any[0].all[1]"},
		{"rule-n-in-all.yaml", "consensus.any[1].all[1]"},
		{"points-range-text.yaml", "scales[0].points"},
		{"labels-not-a-point.yaml", "scales[0].labels.9"},
		{"group-min-n.yaml", "consensus.group_min_n"},
	} {
		data, err := os.ReadFile(filepath.Join(invalidDir, c.fixture))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(c.fixture, data)
		e := delphi.AsError(err)
		if !slices.ContainsFunc(e.Details, func(d delphi.Detail) bool { return d.Field == c.field && d.Line > 0 }) {
			t.Errorf("%s: no detail for field %s in %+v", c.fixture, c.field, e.Details)
		}
	}
}
