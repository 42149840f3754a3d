package export

import (
	"archive/zip"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/results"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// The reproduction scripts of the analysis bundle (docs/EXPORT.md).
var (
	//go:embed reproduce/reproduce.py
	reproducePy []byte
	//go:embed reproduce/reproduce.R
	reproduceR []byte
)

// Bundle file names, relative to the ZIP's root.
const (
	BundleAnswers    = "data/answers_long.csv"
	BundleCodebook   = "codebook.csv"
	BundleCodebookJS = "codebook.json"
	BundleDefinition = "definition.yaml"
	BundleProtocol   = "protocol.json"
	BundleSettings   = "analysis/settings.csv"
	BundleRule       = "analysis/rule.csv"
	BundleStatistics = "results/item_statistics.csv"
	BundleSensitive  = "results/sensitivity.csv"
	BundlePy         = "scripts/reproduce.py"
	BundleR          = "scripts/reproduce.R"
	BundleReadme     = "README.txt"
)

// StatisticsColumns are the columns of results/item_statistics.csv and of
// the scripts' output: one row per round × rating item or criterion.
var StatisticsColumns = []string{"round", "item_id", "criterion_id", "variable", "n", "median", "q1", "q3", "iqr", "agreement_percent", "outcome"}

// WriteBundle writes the reproducible analysis bundle, a ZIP streamed to w:
// the long-format answers (pseudonyms only, as WriteCSV), the codebook as
// CSV and JSON, the definition as YAML, the protocol record, the platform's
// per-item statistics and the scripts that recompute them from the CSV.
// Errors as WriteCSV.
func WriteBundle(ctx context.Context, w io.Writer, in Input) error {
	s, err := prepare(in)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	mod := in.Now.UTC()
	if mod.IsZero() {
		mod = time.Unix(0, 0).UTC()
	}
	file := func(name string, write func(io.Writer) error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return err
		}
		return write(fw)
	}
	bytesOf := func(b []byte) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(b); return err }
	}
	def, err := definitionYAML(s.def)
	if err != nil {
		return err
	}
	steps := []struct {
		name  string
		write func(io.Writer) error
	}{
		{BundleReadme, bytesOf([]byte(s.bundleReadme()))},
		{BundleAnswers, func(w io.Writer) error { return s.writeCSV(ctx, w) }},
		{BundleCodebook, s.writeCodebookCSV},
		{BundleCodebookJS, func(w io.Writer) error { return writeJSONFile(w, s.codebookJSON()) }},
		{BundleDefinition, bytesOf(def)},
		{BundleProtocol, func(w io.Writer) error { return writeJSONFile(w, bundleProtocol(in)) }},
		{BundleSettings, s.writeSettings},
		{BundleRule, s.writeRule},
		{BundleStatistics, s.writeStatistics},
		{BundleSensitive, s.writeSensitivity},
		{BundlePy, bytesOf(reproducePy)},
		{BundleR, bytesOf(reproduceR)},
	}
	for _, st := range steps {
		if err := file(st.name, st.write); err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeJSONFile(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// definitionYAML is the stored definition as YAML, in the import format: it
// imports again as the same study (the original file's comments and
// layout are not kept).
func definitionYAML(def *delphi.Definition) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# The study definition as stored by " + Software + ", in its import format.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(def); err != nil {
		return nil, delphi.Internal(err)
	}
	if err := enc.Close(); err != nil {
		return nil, delphi.Internal(err)
	}
	return buf.Bytes(), nil
}

// Protocol is what protocol.json holds: the analysis settings of the
// study as its definition states them.
type Protocol struct {
	// Status says whether this is a locked protocol record.
	Status        string           `json:"status"`
	SurveyID      string           `json:"survey_id"`
	Revision      int              `json:"definition_revision"`
	ConsensusRule delphi.Rule      `json:"consensus_rule"`
	MinN          int              `json:"min_n"`
	QuantileType  int              `json:"quantile_type"`
	PlannedRounds int              `json:"planned_rounds"`
	CarryOver     delphi.CarryOver `json:"carry_over"`
	Feedback      delphi.Feedback  `json:"feedback"`
}

// LockedProtocol is protocol.json once round 1 has opened: the locked
// analysis protocol (docs/REPORTING.md) with its SHA-256, and the
// deviations recorded since.
type LockedProtocol struct {
	Status     string             `json:"status"` // "locked"
	Protocol   *delphi.Protocol   `json:"protocol"`
	Deviations []delphi.Deviation `json:"deviations"`
}

// bundleProtocol is the content of protocol.json: the locked protocol
// once round 1 has opened (in.Protocol), else ProtocolRecord.
func bundleProtocol(in Input) any {
	if in.Protocol != nil {
		devs := in.Deviations
		if devs == nil {
			devs = []delphi.Deviation{}
		}
		return LockedProtocol{Status: "locked", Protocol: in.Protocol, Deviations: devs}
	}
	return ProtocolRecord(in.Survey)
}

// ProtocolRecord returns protocol.json before a protocol is locked (round
// 1 not yet opened, or an export without the reporting service): the
// settings read from the current definition, marked as not locked.
func ProtocolRecord(sv *delphi.Survey) Protocol {
	def := sv.Definition
	return Protocol{
		Status:   "not available: no locked protocol record; the settings below are read from the current definition",
		SurveyID: sv.ID, Revision: sv.Revision, ConsensusRule: def.Consensus, MinN: def.Consensus.MinN,
		QuantileType: def.Quantile(), PlannedRounds: def.Rounds.Planned, CarryOver: def.Rounds.CarryOver, Feedback: def.Rounds.Feedback,
	}
}

// codebookScale is a rating variable's scale in codebook.json.
type codebookScale struct {
	ID           string       `json:"id"`
	Points       []int        `json:"points"`
	Agreement    delphi.Band  `json:"agreement"`
	Disagreement *delphi.Band `json:"disagreement"`
}

type codebookVariable struct {
	jsonVariable
	Scale *codebookScale `json:"scale,omitempty"` // rating variables
}

// codebook is codebook.json: what the scripts need besides the CSV.
type codebook struct {
	Format        string      `json:"format"`
	SurveyID      string      `json:"survey_id"`
	Revision      int         `json:"definition_revision"`
	QuantileType  int         `json:"quantile_type"`
	Count         string      `json:"count"` // feedback.count: which rows the statistics count
	ConsensusRule delphi.Rule `json:"consensus_rule"`
	// ConsensusCriteria are the criteria's own primary rules
	// (consensus_criteria): a criterion with one is decided by it.
	ConsensusCriteria map[string]delphi.Rule `json:"consensus_criteria,omitempty"`
	RuleText          map[string]string      `json:"consensus_rule_text"`
	Columns           []string               `json:"columns"`
	Statistics        []string               `json:"statistics_columns"`
	Groups            []jsonGroup            `json:"groups"`
	Variables         []codebookVariable     `json:"variables"`
}

func (s *study) codebookJSON() codebook {
	m := s.meta()
	cb := codebook{Format: "expertenrunde-codebook/1", SurveyID: m.SurveyID, Revision: m.Revision, QuantileType: m.QuantileType,
		Count: s.def.Rounds.Feedback.CountRule(), RuleText: m.ConsensusRule,
		Columns: LongColumns, Statistics: StatisticsColumns, Groups: m.Groups, Variables: make([]codebookVariable, len(m.Variables))}
	cb.ConsensusRule = s.analysisRule()
	cb.ConsensusCriteria = s.def.ConsensusCriteria
	for i := range s.vars {
		cb.Variables[i] = codebookVariable{jsonVariable: m.Variables[i], Scale: s.scaleJSON(&s.vars[i])}
	}
	return cb
}

func (s *study) scaleJSON(v *variable) *codebookScale {
	if v.kind != varRating {
		return nil
	}
	sc, ok := s.scaleOf(v.item, v.part)
	if !ok {
		return nil
	}
	out := &codebookScale{ID: sc.ID, Points: make([]int, len(sc.Points)), Agreement: sc.Agreement, Disagreement: sc.Disagreement}
	for i, p := range sc.Points {
		out.Points[i] = p.Value
	}
	return out
}

// writeCodebookCSV writes codebook.csv: one row per variable.
func (s *study) writeCodebookCSV(w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	if err := cw.Write([]string{"variable", "item_id", "part", "type", "rounds", "scale", "scale_points",
		"agreement_min", "agreement_max", "disagreement_min", "disagreement_max", "text_de", "text_en", "part_de", "part_en", "values_de", "values_en"}); err != nil {
		return err
	}
	for i := range s.vars {
		v := &s.vars[i]
		rec := make([]string, 17)
		rec[0], rec[1], rec[2], rec[3] = Neutralize(v.name), Neutralize(v.itemID), Neutralize(v.part), v.item.Type
		rounds := make([]string, len(v.rounds))
		for j, r := range v.rounds {
			rounds[j] = strconv.Itoa(r)
		}
		rec[4] = strings.Join(rounds, " ")
		if sc := s.scaleJSON(v); sc != nil {
			pts := make([]string, len(sc.Points))
			for j, p := range sc.Points {
				pts[j] = strconv.Itoa(p)
			}
			rec[5], rec[6] = Neutralize(sc.ID), strings.Join(pts, " ")
			rec[7], rec[8] = strconv.Itoa(sc.Agreement.Min), strconv.Itoa(sc.Agreement.Max)
			if d := sc.Disagreement; d != nil {
				rec[9], rec[10] = strconv.Itoa(d.Min), strconv.Itoa(d.Max)
			}
		}
		part := v.partLabel()
		rec[11], rec[12] = Neutralize(v.item.Text[delphi.LangDE]), Neutralize(v.item.Text[delphi.LangEN])
		rec[13], rec[14] = Neutralize(part[delphi.LangDE]), Neutralize(part[delphi.LangEN])
		rec[15], rec[16] = Neutralize(s.codesText(v, delphi.LangDE)), Neutralize(s.codesText(v, delphi.LangEN))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// writeStatistics writes the platform's per-item statistics
// (StatisticsColumns) from the exported results, the numbers the scripts
// must reproduce. Undefined statistics are empty.
func (s *study) writeStatistics(w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	if err := cw.Write(StatisticsColumns); err != nil {
		return err
	}
	for _, r := range s.rounds {
		for i := range r.res.Items {
			it := &r.res.Items[i]
			for _, rr := range ratingRows(it) {
				o := rr.r.Overall
				rec := []string{strconv.Itoa(r.Number), Neutralize(it.ItemID), Neutralize(rr.criterion), Neutralize(s.varName(it.ItemID, rr.criterion)),
					strconv.Itoa(o.N), numText(o.Median), numText(o.Q1), numText(o.Q3), numText(o.IQR), numText(agreementOf(o)), rr.r.Consensus.Outcome}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	return cw.Flush()
}

// SensitivityColumns are the columns of results/sensitivity.csv: the
// threshold sensitivity report's per-item values (the bootstrap CI that
// reproduce.py redraws, the outcomes near the threshold).
var SensitivityColumns = []string{"round", "item_id", "criterion_id", "n", "agreement_count", "agreement_percent", "ci_low", "ci_high", "seed",
	"threshold_percent", "outcome", "outcome_minus", "outcome_plus", "near_threshold"}

// writeSensitivity writes results/sensitivity.csv (SensitivityColumns).
func (s *study) writeSensitivity(w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	if err := cw.Write(SensitivityColumns); err != nil {
		return err
	}
	for i := range s.rounds {
		r := &s.rounds[i]
		rep := results.SensitivityOf(s.def, &r.Round, r.res)
		for _, it := range rep.Items {
			rec := []string{strconv.Itoa(r.Number), Neutralize(it.ItemID), Neutralize(it.CriterionID), strconv.Itoa(it.N), strconv.Itoa(it.AgreementCount),
				numText(it.AgreementPercent), numText(it.CI.Low), numText(it.CI.High), it.Seed, numText(rep.ThresholdPercent),
				it.Outcome, it.OutcomeMinus, it.OutcomePlus, strconv.FormatBool(it.NearThreshold)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	return cw.Flush()
}

// numText is a statistic as the shortest decimal that reads back to the
// same float, "" when undefined.
func numText(n stats.Num) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatFloat(n.Value, 'g', -1, 64)
}

// agreementOf is the summary's agreement percentage, undefined for n = 0.
func agreementOf(o stats.Summary) stats.Num {
	if o.N == 0 {
		return stats.UndefinedNum("n = 0")
	}
	return o.AgreementPercent
}

// varName is the variable of an item's rating or criterion ("" if none).
func (s *study) varName(itemID, part string) string {
	for _, i := range s.byItem[itemID] {
		if s.vars[i].part == part {
			return s.vars[i].name
		}
	}
	return ""
}

func (s *study) bundleReadme() string {
	return `Reproducible analysis bundle: ` + s.def.ID + ` (definition revision ` + strconv.Itoa(s.in.Survey.Revision) + `)
Written by ` + Software + ` ` + s.in.Version + ` at ` + s.in.Now.UTC().Format(time.RFC3339) + `.

` + BundleAnswers + `        the answers in long format, one row per expert x round x variable
                                (pseudonyms only; no names, e-mail addresses or free texts)
` + BundleCodebook + `, ` + BundleCodebookJS + `   the variables with item texts, scales, bands and codes;
                                codebook.json also holds the quantile type and the consensus rule
` + BundleDefinition + `                 the study definition in its import format
` + BundleProtocol + `                   the analysis protocol (consensus rule, min n, quantile type, ...)
` + BundleStatistics + `   the platform's per-item statistics: ` + strings.Join(StatisticsColumns, ", ") + `
` + BundlePy + `           recomputes them from the CSV: python3 scripts/reproduce.py
                                (numpy, pandas, scipy); writes reproduced/item_statistics_py.csv
` + BundleR + `            the same in base R: Rscript scripts/reproduce.R
                                writes reproduced/item_statistics_R.csv

Both scripts then compare their numbers with ` + BundleStatistics + ` (tolerance 1e-9)
and exit with status 1 when a number or an outcome differs. The statistics are
defined in the project's docs/STATISTICS.md and docs/ANALYSIS.md.
`
}

// analysisRule is the consensus rule the exported results used (the last
// exported round's), else the definition's.
func (s *study) analysisRule() delphi.Rule {
	if len(s.rounds) > 0 {
		return s.rounds[len(s.rounds)-1].res.ConsensusRule
	}
	return s.def.Consensus
}

// writeSettings writes analysis/settings.csv (key, value): what a script
// without a JSON reader (base R) needs besides the codebook and the rule.
func (s *study) writeSettings(w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	for _, rec := range [][]string{{"key", "value"}, {"survey_id", Neutralize(s.def.ID)},
		{"quantile_type", strconv.Itoa(s.codebookJSON().QuantileType)}, {"count", s.def.Rounds.Feedback.CountRule()}} {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// RuleColumns are the columns of analysis/rule.csv: the consensus rule as
// a table of nodes, depth first, each naming its parent (0: the root).
var RuleColumns = []string{"id", "parent", "kind", "min_n", "min_percent", "max", "in_band_min", "in_band_max", "out_band_min", "out_band_max", "max_opposite_percent", "criterion"}

// writeRule writes analysis/rule.csv (RuleColumns).
func (s *study) writeRule(w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	if err := cw.Write(RuleColumns); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	id := 0
	var walk func(r delphi.Rule, parent int) error
	crit := "" // the criterion whose own rule is being written; "" for the study's
	walk = func(r delphi.Rule, parent int) error {
		id++
		me := id
		rec := make([]string, len(RuleColumns))
		rec[0], rec[1], rec[3], rec[11] = strconv.Itoa(me), strconv.Itoa(parent), strconv.Itoa(r.MinN), Neutralize(crit)
		var kids []delphi.Rule
		switch {
		case len(r.All) > 0:
			rec[2], kids = "all", r.All
		case len(r.Any) > 0:
			rec[2], kids = "any", r.Any
		case r.Agreement != nil:
			rec[2], rec[4] = "agreement", f(r.Agreement.MinPercent)
		case r.IQR != nil:
			rec[2], rec[5] = "iqr", f(r.IQR.Max)
		case r.SD != nil:
			rec[2], rec[5] = "sd", f(r.SD.Max)
		case r.CV != nil:
			rec[2], rec[5] = "cv", f(r.CV.Max)
		case r.IQRRelative != nil:
			rec[2], rec[5] = "iqr_relative", f(r.IQRRelative.Max)
		case r.COMET != nil:
			c := r.COMET
			rec[2], rec[4], rec[10] = "comet", f(c.MinPercent), f(c.MaxOppositePercent)
			rec[6], rec[7], rec[8], rec[9] = strconv.Itoa(c.InBand.Min), strconv.Itoa(c.InBand.Max), strconv.Itoa(c.OutBand.Min), strconv.Itoa(c.OutBand.Max)
		default:
			rec[2] = "empty"
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		for _, k := range kids {
			if err := walk(k, me); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(s.analysisRule(), 0); err != nil {
		return err
	}
	for _, c := range slices.Sorted(maps.Keys(s.def.ConsensusCriteria)) {
		crit = c
		if err := walk(s.def.ConsensusCriteria[c], 0); err != nil {
			return err
		}
	}
	return cw.Flush()
}
