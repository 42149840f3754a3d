package reporting_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
	"github.com/expertenrunde/expertenrunde/internal/store"
	"github.com/expertenrunde/expertenrunde/internal/store/storetest"
	"github.com/expertenrunde/expertenrunde/internal/survey"
	"github.com/xuri/excelize/v2"
)

// The tests run on the real embedded database: one FerretDB for the
// package, one database per test.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// study is the fixture: three rated items, 75 % agreement with min n 3,
// two planned rounds.
const study = `
id: rep
version: "1"
languages: [de, en]
title: {de: Bericht, en: Report}
groups:
  - {id: g, label: {de: Gruppe, en: Group}}
scales:
  - id: imp5
    points:
      - {value: 1, label: {de: eins, en: one}}
      - {value: 2, label: {de: zwei, en: two}}
      - {value: 3, label: {de: drei, en: three}}
      - {value: 4, label: {de: vier, en: four}}
      - {value: 5, label: {de: fünf, en: five}}
    agreement: {min: 4, max: 5}
    disagreement: {min: 1, max: 2}
consensus:
  min_n: 3
  agreement: {min_percent: 75}
rounds:
  planned: 2
  feedback:
    statistics: [n, median]
sections:
  - id: a
    title: {de: Fragen, en: Questions}
    items:
      - {id: q1, type: rating, scale: imp5, text: {de: Frage 1, en: Item 1}, comment: true}
      - {id: q2, type: rating, scale: imp5, text: {de: Frage 2, en: Item 2}, comment: true}
      - {id: q3, type: rating, scale: imp5, text: {de: Frage 3, en: Item 3}, comment: true}
`

type fixture struct {
	st   *store.Store
	life *rounds.Service
	rep  *reporting.Service
	imp  *survey.Importer
	res  *results.Service
	mu   sync.Mutex
	now  time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: storetest.NewStore(t, "reporting"), now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	f.st.Now = f.clock
	f.wire(f.st)
	return f
}

// wire builds the services on st as Main does.
func (f *fixture) wire(st *store.Store) {
	f.res = &results.Service{Surveys: st, Rounds: st, Responses: st, Snapshots: st, Now: f.clock}
	f.life = &rounds.Service{Surveys: st, Rounds: st, Results: f.res, Responses: st, Audit: st, Now: f.clock}
	f.rep = &reporting.Service{Surveys: st, Rounds: st, Protocols: st, Audit: st, Version: "1.2.3", Now: f.clock,
		Sources: reporting.Sources{Rounds: f.life, Results: f.res, Responses: st}}
	f.life.Protocol = f.rep
	f.imp = &survey.Importer{Surveys: st, Audit: st, Answered: st.AnsweredItems, Now: f.clock, Protocol: f.rep}
}

func parse(t *testing.T, src string) *delphi.Definition {
	t.Helper()
	def, err := survey.Parse("rep.yaml", []byte(src))
	if err != nil {
		t.Fatal(err, delphi.AsError(err).Details)
	}
	return def
}

func (f *fixture) importStudy(t *testing.T, src, reason string) (*delphi.Survey, error) {
	t.Helper()
	sv, _, err := f.imp.ImportBecause(context.Background(), "u1", parse(t, src), reason)
	return sv, err
}

// openRound prepares and opens the next round.
func (f *fixture) openRound(t *testing.T, sv *delphi.Survey) *delphi.Round {
	t.Helper()
	ctx := context.Background()
	dl := f.clock().Add(72 * time.Hour)
	r, err := f.life.Prepare(ctx, "u1", sv, rounds.PrepareRequest{Deadline: &dl})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = f.life.Open(ctx, "u1", sv.ID, r.Number); err != nil {
		t.Fatal(err)
	}
	return r
}

// answer stores one response per expert: points by item, submitted unless
// draft; comment on the first item that has one in comments.
func (f *fixture) answer(t *testing.T, n int, points map[string][]int, drafts map[int]bool, comments map[string]string) {
	t.Helper()
	at := f.clock()
	var rs []*delphi.Response
	experts := 0
	for _, ps := range points {
		experts = max(experts, len(ps))
	}
	for e := range experts {
		resp := &delphi.Response{SurveyID: "rep", Round: n, ExpertID: fmt.Sprintf("x%d", e), Pseudonym: fmt.Sprintf("E-%04d", e), Group: "g", Answers: map[string]delphi.Answer{}}
		if !drafts[e] {
			resp.SubmittedAt, resp.Submissions = &at, 1
		}
		for id, ps := range points {
			p := ps[e]
			a := delphi.Answer{ItemID: id, Seq: 1, FirstSavedAt: at, LastSavedAt: at, Value: delphi.Value{Point: &p}}
			if e == 0 {
				a.Comment = comments[id]
			}
			resp.Answers[id] = a
		}
		rs = append(rs, resp)
	}
	if err := f.st.ImportResponses(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) close(t *testing.T, n int) {
	t.Helper()
	if _, err := f.life.Close(context.Background(), "u1", "rep", n); err != nil {
		t.Fatal(err)
	}
}

// run takes the fixture study through both rounds: round 1 with four
// experts (one a draft): q1 in, q2 out, q3 none with a comment; round 2
// asks q3 a week later, which reaches consensus.
func (f *fixture) run(t *testing.T) *delphi.Survey {
	t.Helper()
	sv, err := f.importStudy(t, study, "")
	if err != nil {
		t.Fatal(err)
	}
	f.openRound(t, sv)
	f.advance(time.Hour)
	f.answer(t, 1, map[string][]int{"q1": {5, 5, 4, 1}, "q2": {1, 2, 1, 5}, "q3": {3, 4, 2, 3}}, map[int]bool{3: true}, map[string]string{"q3": "Unklar formuliert"})
	f.advance(24 * time.Hour)
	f.close(t, 1)
	f.advance(7 * 24 * time.Hour)
	f.openRound(t, sv)
	f.advance(time.Hour)
	f.answer(t, 2, map[string][]int{"q3": {4, 5, 4}}, nil, nil)
	f.advance(24 * time.Hour)
	f.close(t, 2)
	return sv
}

// changed is the study with a stricter threshold and three planned rounds.
var changed = strings.NewReplacer(`version: "1"`, `version: "2"`, "min_percent: 75", "min_percent: 80", "planned: 2", "planned: 3").Replace(study)

// retitled changes only texts: no protocol field.
var retitled = strings.NewReplacer(`version: "1"`, `version: "1b"`, "title: {de: Bericht, en: Report}", "title: {de: Bericht neu, en: Report new}").Replace(study)

func TestProtocolFrozenWhenRound1Opens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, err := f.importStudy(t, study, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.rep.Protocol(ctx, sv); delphi.ErrorCode(err) != delphi.ENOTFOUND {
		t.Fatalf("before round 1: %v, want not_found", err)
	}
	// Before round 1 opens, a protocol change needs no reason.
	if sv, err = f.importStudy(t, changed, ""); err != nil || sv.Revision != 2 {
		t.Fatalf("change before round 1: %v %+v", err, sv)
	}
	if sv, err = f.importStudy(t, study, ""); err != nil || sv.Revision != 3 {
		t.Fatalf("change back: %v", err)
	}
	r := f.openRound(t, sv)
	p, devs, err := f.rep.Protocol(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}
	if p.Revision != 3 || !p.FrozenAt.Equal(*r.OpenedAt) || p.FrozenBy != "u1" || len(devs) != 0 ||
		p.Fields.Consensus.Agreement.MinPercent != 75 || p.Fields.Consensus.MinN != 3 || p.Fields.Planned != 2 ||
		p.Fields.QuantileType != 7 || p.Fields.CarryOver.Mode != "no_consensus" || p.Fields.Feedback.MinGroupN != 3 ||
		p.Fields.StoppingRule != delphi.StopPlannedOrDecided || len(p.SHA256) != 64 {
		t.Fatalf("protocol %+v", p)
	}
	audit, _ := f.st.ListAudit(ctx, "rep", 0)
	if n := countAudit(audit, "protocol.freeze"); n != 1 {
		t.Fatalf("%d protocol.freeze entries", n)
	}
}

func countAudit(es []*delphi.AuditEntry, action string) int {
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}

// Two server instances (two stores on one database, so no shared lock)
// freeze at the same time: one record, and every caller gets it.
func TestFreezeOnceAcrossInstances(t *testing.T) {
	f := newFixture(t)
	sv, err := f.importStudy(t, study, "")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("reporting_two_%d", os.Getpid())
	var svcs []*reporting.Service
	for range 2 {
		st, err := store.Open(context.Background(), storetest.URI(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		st.Now = f.clock
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.DropDatabase(context.Background()); _ = st.Close(context.Background()) })
		svcs = append(svcs, &reporting.Service{Surveys: st, Rounds: st, Protocols: st, Audit: st, Now: f.clock})
	}
	const n = 8
	got := make([]*delphi.Protocol, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = svcs[i%2].Freeze(context.Background(), fmt.Sprintf("actor%d", i), sv, f.clock().Add(time.Duration(i)*time.Second))
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i].SHA256 != got[0].SHA256 || got[i].FrozenBy != got[0].FrozenBy {
			t.Fatalf("caller %d got %s by %s, caller 0 %s by %s", i, got[i].SHA256, got[i].FrozenBy, got[0].SHA256, got[0].FrozenBy)
		}
	}
	audit, err := svcs[0].Audit.ListAudit(context.Background(), "rep", 0)
	if err != nil {
		t.Fatal(err)
	}
	if c := countAudit(audit, "protocol.freeze"); c != 1 {
		t.Fatalf("%d freezes audited, want 1", c)
	}
}

func TestProtocolChangeNeedsReason(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sv, err := f.importStudy(t, study, "")
	if err != nil {
		t.Fatal(err)
	}
	f.openRound(t, sv)
	frozen, _, err := f.rep.Protocol(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}

	// Refused without a reason, naming the changed fields; nothing stored.
	_, err = f.importStudy(t, changed, "  ")
	e := delphi.AsError(err)
	if e.Code != delphi.ECONFLICT || e.Reason != delphi.ReasonProtocolChange || e.Field != "protocol_change_reason" ||
		e.Params["fields"] != "consensus, rounds.planned" || len(e.Details) != 2 ||
		e.Details[0].Message != `{"min_n":3,"agreement":{"min_percent":75}} → {"min_n":3,"agreement":{"min_percent":80}}` {
		t.Fatalf("without reason: %+v", e)
	}
	if latest, _ := f.st.SurveyByID(ctx, "rep"); latest.Revision != 1 {
		t.Fatalf("revision %d stored after a refused import", latest.Revision)
	}

	// A revision that changes no protocol field needs none.
	sv2, err := f.importStudy(t, retitled, "")
	if err != nil || sv2.Revision != 2 {
		t.Fatalf("retitled: %v", err)
	}

	// Accepted with a reason, recorded as a deviation and audited.
	f.advance(time.Minute)
	sv3, err := f.importStudy(t, changed, "Steering group asked for a stricter threshold")
	if err != nil || sv3.Revision != 3 {
		t.Fatalf("with reason: %v", err)
	}
	p, devs, err := f.rep.Protocol(ctx, sv3)
	if err != nil {
		t.Fatal(err)
	}
	if p.SHA256 != frozen.SHA256 || p.Revision != 1 {
		t.Fatalf("the frozen record changed: %+v", p)
	}
	if len(devs) != 1 {
		t.Fatalf("deviations %+v", devs)
	}
	d := devs[0]
	if d.Revision != 3 || d.Version != "2" || d.ActorID != "u1" || d.Reason != "Steering group asked for a stricter threshold" ||
		!d.At.Equal(f.clock()) || len(d.Changes) != 2 || d.Changes[1] != (delphi.ProtocolChange{Field: "rounds.planned", Old: "2", New: "3"}) {
		t.Fatalf("deviation %+v", d)
	}
	audit, _ := f.st.ListAudit(ctx, "rep", 0)
	var entry *delphi.AuditEntry
	for _, a := range audit {
		if a.Action == "protocol.deviation" {
			entry = a
		}
	}
	if entry == nil || entry.ActorID != "u1" || entry.Details["reason"] != d.Reason || fmt.Sprint(entry.Details["fields"]) != "[consensus rounds.planned]" {
		t.Fatalf("audit %+v", entry)
	}
	// The next change compares with the revision now in force.
	if _, err := f.importStudy(t, retitled, ""); delphi.AsError(err).Reason != delphi.ReasonProtocolChange {
		t.Fatalf("changing back without a reason: %v", err)
	}
	// A reason over the limit is invalid, not a deviation.
	if _, err := f.importStudy(t, retitled, strings.Repeat("x", delphi.MaxTextLength+1)); delphi.ErrorCode(err) != delphi.EINVALID {
		t.Fatalf("long reason: %v", err)
	}
}

// The record's hash is SHA-256 of the documented canonical JSON: the same
// inputs give the same hash, and this one was computed apart, with
// Python's hashlib over json.dumps(..., sort_keys=True,
// separators=(",", ":"), ensure_ascii=False) of the record.
func TestProtocolHashIsStable(t *testing.T) {
	def := parse(t, study)
	mk := func() *delphi.Protocol {
		p := &delphi.Protocol{SurveyID: "rep", Revision: 1, Version: "1", FrozenAt: time.Date(2026, 3, 2, 8, 0, 0, 123456789, time.UTC),
			FrozenBy: "someone", Fields: delphi.ProtocolOf(def)}
		if err := p.Seal(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := mk(), mk()
	b.FrozenBy = "other"
	if err := b.Seal(); err != nil {
		t.Fatal(err)
	}
	canon, _ := a.Canonical()
	const want = `{"fields":{"carry_over":{"mode":"no_consensus"},"consensus":{"agreement":{"min_percent":75},"min_n":3},"feedback":{"by_group":false,"comments":false,"count":"submitted","hide_until_answered":false,"justify_outside_iqr":false,"min_group_n":3,"own_previous":false,"statistics":["n","median"]},"planned_rounds":2,"quantile_type":7,"scales":[{"agreement":{"max":5,"min":4},"disagreement":{"max":2,"min":1},"scale":"imp5"}],"stopping_rule":"planned_rounds_or_no_item_left"},"frozen_at":"2026-03-02T08:00:00.123Z","revision":1,"survey_id":"rep","version":"1"}`
	if string(canon) != want {
		t.Fatalf("canonical\n got %s\nwant %s", canon, want)
	}
	if a.SHA256 != b.SHA256 || a.SHA256 != pythonSHA256 {
		t.Fatalf("hash %s / %s, want %s", a.SHA256, b.SHA256, pythonSHA256)
	}
	// A default written out changes nothing; a changed field changes the hash.
	explicit := parse(t, strings.Replace(study, "statistics: [n, median]", "statistics: [n, median]\n    min_group_n: 3\n    count: submitted\n  carry_over: {mode: no_consensus}", 1))
	if d := delphi.ProtocolOf(def).Diff(delphi.ProtocolOf(explicit)); len(d) != 0 {
		t.Fatalf("defaults written out differ: %+v", d)
	}
	c := mk()
	c.Fields.Planned = 3
	_ = c.Seal()
	if c.SHA256 == a.SHA256 {
		t.Fatal("a changed field kept the hash")
	}
}

// pythonSHA256 is hashlib.sha256 of the canonical JSON above.
const pythonSHA256 = "91dc9abe51859f7e9cdabc4c3973558c6aca48adfda5149fbc4d9937026edd5c"

func TestReportOfFixtureStudy(t *testing.T) {
	f := newFixture(t)
	sv := f.run(t)
	rep, err := f.rep.Report(context.Background(), sv)
	if err != nil {
		t.Fatal(err)
	}
	fa := rep.Facts
	if fa.Planned != 2 || fa.Actual != 2 || fa.Stop != reporting.StopPlanned || fa.Comments != 1 || fa.Protocol == nil || len(fa.Rounds) != 2 {
		t.Fatalf("facts %+v", fa)
	}
	r1, r2 := fa.Rounds[0], fa.Rounds[1]
	if r1.Panel != 4 || r1.Submitted != 3 || *r1.ResponseRate != 75 || r1.Items != 3 || r1.Initial != 3 || r1.ConsensusIn != 1 || r1.ConsensusOut != 1 {
		t.Fatalf("round 1 %+v", r1)
	}
	if r2.Items != 1 || r2.Carried != 1 || r2.Dropped != 2 || r2.Panel != 3 || r2.Submitted != 3 || *r2.DaysSincePrevious != 7 || r2.ConsensusIn != 1 {
		t.Fatalf("round 2 %+v", r2)
	}
	if len(fa.FinalItems) != 2 || fa.FinalItems[0].ID != "q1" || fa.FinalItems[0].Round != 1 || fa.FinalItems[1].ID != "q3" || fa.FinalItems[1].Round != 2 {
		t.Fatalf("final items %+v", fa.FinalItems)
	}
	byID := map[string]reporting.Entry{}
	for _, e := range rep.Checklist {
		byID[e.ID] = e
	}
	for id, want := range map[string]struct{ status, en string }{
		"consensus_definition": {reporting.FromData, byID["consensus_definition"].Value["en"]},
		"rounds":               {reporting.FromData, "planned 2, run 2; the planned number of rounds was reached"},
		"dates":                {reporting.FromData, "R1: 2026-03-02 – 2026-03-03; R2: 2026-03-10 – 2026-03-11 (7 days after round 1)"},
		"software":             {reporting.FromData, "Expertenrunde 1.2.3"},
		"response_rate":        {reporting.FromData, "R1: 3/4 (75.0 %); R2: 3/3 (100.0 %)"},
		"items_per_round":      {reporting.FromData, "R1: 3 items (3 initial, 0 carried, 0 changed, 0 new, 0 dropped); R2: 1 items (0 initial, 1 carried, 0 changed, 0 new, 2 dropped)"},
		"comments":             {reporting.FromData, "1 (R1: 1; R2: 0)"},
		"final_items":          {reporting.FromData, "2: q1 (R1), q3 (R2)"},
		"feedback":             {reporting.FromData, "statistics (n, median)"},
		"conflicts":            {reporting.NeedsAuthor, ""},
		"panel_selection":      {reporting.NeedsAuthor, ""},
		"ethics":               {reporting.NeedsAuthor, ""},
	} {
		e, ok := byID[id]
		if !ok || e.Status != want.status || e.Value["en"] != want.en || (want.status == reporting.FromData && e.Value["de"] == "") {
			t.Errorf("%s: %+v, want %s %q", id, e, want.status, want.en)
		}
		if e.ACCORD != "" || e.CREDES != "" {
			t.Errorf("%s: unverified item numbers %q %q", id, e.ACCORD, e.CREDES)
		}
	}
	if v := byID["consensus_definition"].Value["de"]; !strings.Contains(v, "75") || !strings.HasSuffix(v, "(mindestens 3 gültige Antworten)") {
		t.Errorf("consensus de %q", v)
	}
	if v := byID["response_rate"].Value["de"]; v != "R1: 3/4 (75,0 %); R2: 3/3 (100,0 %)" {
		t.Errorf("response rate de %q", v)
	}
	for lang, sentences := range map[string][]string{
		"de": {"Die Delphi-Befragung wurde online mit Expertenrunde 1.2.3 durchgeführt.",
			"Geplant waren 2 Runden; durchgeführt wurden 2 (die geplante Rundenzahl wurde erreicht).",
			"Ein Item brauchte dafür mindestens 3 gültige Antworten.",
			"Nach jeder Runde erhielten die Teilnehmenden als Rückmeldung: Statistiken (n, median).",
			"Rücklauf (abgeschickt/Panel): Runde 1: 3/4 (75,0 %); Runde 2: 3/3 (100,0 %).",
			"Insgesamt wurden 1 Kommentare abgegeben.",
			"Konsens (Zustimmung) erreichten 2 Items.",
			"es gab 0 Abweichungen."},
		"en": {"The Delphi study was run online with Expertenrunde 1.2.3.",
			"2 rounds were planned and 2 were run (the planned number of rounds was reached).",
			"An item needed at least 3 valid answers for it.",
			"Items without consensus were carried into the next round; items with consensus (in or out) were dropped.",
			"The analysis reported median and quartiles (Hyndman–Fan type 7), percentage agreement per item",
			"Response (submitted/panel): round 1: 3/4 (75.0 %); round 2: 3/3 (100.0 %).",
			"2 items reached consensus (in).",
			"The analysis protocol was frozen when the first round opened (SHA-256 " + fa.Protocol.SHA256 + "); there were 0 deviations."},
	} {
		for _, s := range sentences {
			if !strings.Contains(rep.Paragraph[lang], s) {
				t.Errorf("%s paragraph lacks %q:\n%s", lang, s, rep.Paragraph[lang])
			}
		}
	}
	again, _ := f.rep.Report(context.Background(), sv)
	if again.Paragraph["en"] != rep.Paragraph["en"] || again.Paragraph["de"] != rep.Paragraph["de"] {
		t.Error("the paragraph is not deterministic")
	}

	// The workbook carries both sheets with the same values.
	ex := &export.Service{Sources: export.Sources{Surveys: f.st, Results: f.res, Responses: f.st}, Lifecycle: f.life, Audit: f.st,
		Version: "1.2.3", Now: f.clock, Reporting: f.rep}
	var buf bytes.Buffer
	if _, err := ex.Write(context.Background(), &buf, export.Job{SurveyID: "rep", Lang: "en", Format: "xlsx", ActorID: "u1"}); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("Methods & reporting")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for _, r := range rows {
		if len(r) > 0 {
			found[r[0]] = r
		}
	}
	if r := found["Response rate per round (submitted/panel)"]; len(r) < 3 || r[1] != "R1: 3/4 (75.0 %); R2: 3/3 (100.0 %)" || r[2] != "from the data" {
		t.Errorf("response rate row %q", r)
	}
	if r := found["Conflicts of interest"]; len(r) < 3 || r[1] != "" || r[2] != "needs the author" {
		t.Errorf("conflicts row %q", r)
	}
	if r := found["Methods paragraph (draft)"]; len(r) < 2 || r[1] != rep.Paragraph["en"] {
		t.Errorf("paragraph row %q", r)
	}
	prow, err := wb.GetRows("Protocol")
	if err != nil {
		t.Fatal(err)
	}
	if len(prow) == 0 || prow[0][0] != "SHA-256" || prow[0][1] != fa.Protocol.SHA256 {
		t.Errorf("protocol sheet %q", prow)
	}

	// A deviation accepted afterwards is listed in the report and on the sheet.
	if _, err := f.importStudy(t, changed, "Stricter threshold for the follow-up"); err != nil {
		t.Fatal(err)
	}
	latest, _ := f.st.SurveyByID(context.Background(), "rep")
	if rep, err = f.rep.Report(context.Background(), latest); err != nil || len(rep.Facts.Deviations) != 1 ||
		!strings.HasSuffix(rep.Paragraph["de"], "es gab 1 Abweichungen.") {
		t.Fatalf("report after the deviation: %v %+v", err, rep.Facts.Deviations)
	}
	buf.Reset()
	if _, err := ex.Write(context.Background(), &buf, export.Job{SurveyID: "rep", Lang: "de", Format: "xlsx", ActorID: "u1"}); err != nil {
		t.Fatal(err)
	}
	if wb, err = excelize.OpenReader(&buf); err != nil {
		t.Fatal(err)
	}
	if prow, err = wb.GetRows("Protokoll"); err != nil {
		t.Fatal(err)
	}
	var devRows [][]string
	for _, r := range prow {
		if len(r) > 2 && r[0] == "1" {
			devRows = append(devRows, r)
		}
	}
	if len(devRows) != 2 || devRows[0][1] != `consensus: {"min_n":3,"agreement":{"min_percent":75}} → {"min_n":3,"agreement":{"min_percent":80}}` ||
		devRows[1][1] != "rounds.planned: 2 → 3" || devRows[0][2] != "Stricter threshold for the follow-up" || !strings.HasPrefix(devRows[0][3], "u1, ") {
		t.Errorf("deviation rows %q", devRows)
	}
}
