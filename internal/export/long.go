package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// LongColumns are the columns of the long format, in order (the CSV header
// and the keys of each JSON row).
var LongColumns = []string{"survey_id", "round", "pseudonym", "group", "submitted", "item_id", "part", "variable", "type", "value", "abstain"}

// eachLong streams the long format: per exported round, per response with
// at least one answer to an item of the round, one row per variable of the
// round's items, in codebook order. begin is called before the rows of
// each response (the callback may reuse one Response value).
func (s *study) eachLong(ctx context.Context, begin func(resp *delphi.Response, round int), row func(v *variable, val value) error) error {
	vals := make([]value, len(s.vars))
	for ri, r := range s.rounds {
		var idx []int
		for i := range s.vars {
			if _, ok := r.items[s.vars[i].itemID]; ok {
				idx = append(idx, i)
			}
		}
		err := s.eachResponse(ctx, ri, func(resp *delphi.Response) error {
			if !s.fill(vals, resp, ri) {
				return nil
			}
			begin(resp, r.Number)
			for _, i := range idx {
				if err := row(&s.vars[i], vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// WriteCSV writes the raw data in long format (LongColumns; docs/EXPORT.md)
// as RFC 4180 CSV in UTF-8 without byte order mark, with CRLF line ends
// (CSVWriter).
// Text fields that begin with = + - @ tab or CR get a leading ' so that no
// spreadsheet reads them as a formula; numbers are never changed. value is
// empty when the item was not answered and for abstentions (abstain = 1).
func WriteCSV(ctx context.Context, w io.Writer, in Input) error {
	s, err := prepare(in)
	if err != nil {
		return err
	}
	return s.writeCSV(ctx, w)
}

// writeCSV writes the long format as WriteCSV does.
func (s *study) writeCSV(ctx context.Context, w io.Writer) error {
	cw := NewCSVWriter(w, ',')
	if err := cw.Write(LongColumns); err != nil {
		return err
	}
	rec := make([]string, len(LongColumns))
	survey := Neutralize(s.def.ID)
	err := s.eachLong(ctx, func(resp *delphi.Response, round int) {
		rec[0], rec[1], rec[2], rec[3] = survey, strconv.Itoa(round), Neutralize(resp.Pseudonym), Neutralize(resp.Group)
		rec[4] = "0"
		if resp.SubmittedAt != nil {
			rec[4] = "1"
		}
	}, func(v *variable, val value) error {
		rec[5], rec[6], rec[7], rec[8] = Neutralize(v.itemID), Neutralize(v.part), Neutralize(v.name), v.item.Type
		rec[9], rec[10] = "", "0"
		switch val.state {
		case valNumber:
			rec[9] = strconv.FormatFloat(val.x, 'g', -1, 64)
		case valAbstain:
			rec[10] = "1"
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	return cw.Flush()
}

// jsonMeta is the header object of the JSON export.
type jsonMeta struct {
	Format          string            `json:"format"`
	SurveyID        string            `json:"survey_id"`
	Title           delphi.Text       `json:"title"`
	Version         string            `json:"definition_version"`
	Revision        int               `json:"definition_revision"`
	Rounds          []int             `json:"rounds"`
	Lang            string            `json:"lang"`
	TimeZone        string            `json:"time_zone"`
	ExportedAt      time.Time         `json:"exported_at"`
	Software        string            `json:"software"`
	SoftwareVersion string            `json:"software_version"`
	QuantileType    int               `json:"quantile_type"`
	ConsensusRule   map[string]string `json:"consensus_rule"` // de, en
	Columns         []string          `json:"columns"`
	Abstain         string            `json:"abstain"`
	Groups          []jsonGroup       `json:"groups"`
	Variables       []jsonVariable    `json:"variables"`
}

type jsonGroup struct {
	ID    string      `json:"id"`
	Label delphi.Text `json:"label"`
}

type jsonVariable struct {
	Name      string      `json:"name"`
	ItemID    string      `json:"item_id"`
	Part      string      `json:"part,omitempty"`
	Type      string      `json:"type"`
	Rounds    []int       `json:"rounds"`
	Text      delphi.Text `json:"text"`
	PartLabel delphi.Text `json:"part_label,omitempty"`
	Codes     []codeLabel `json:"codes,omitempty"`
	Unit      delphi.Text `json:"unit,omitempty"`
}

func (s *study) meta() jsonMeta {
	m := jsonMeta{
		Format: "expertenrunde-long/1", SurveyID: s.def.ID, Title: s.def.Title, Version: s.def.Version,
		Revision: s.in.Survey.Revision, Rounds: s.roundNumbers(), Lang: s.lang, TimeZone: s.loc.String(),
		ExportedAt: s.in.Now.UTC(), Software: Software, SoftwareVersion: s.in.Version, QuantileType: s.def.Quantile(),
		ConsensusRule: map[string]string{}, Columns: LongColumns,
		Abstain: "value null and abstain true: \"cannot judge\"; the wide raw data sheet codes it as " + strconv.Itoa(AbstainCode),
		Groups:  []jsonGroup{}, Variables: []jsonVariable{},
	}
	if len(s.rounds) > 0 && s.rounds[0].res.QuantileType != 0 {
		m.QuantileType = s.rounds[0].res.QuantileType
	}
	for _, l := range []string{delphi.LangDE, delphi.LangEN} {
		ls := *s
		ls.lang = l
		m.ConsensusRule[l] = ls.ruleText()
	}
	for _, g := range s.groups {
		jg := jsonGroup{ID: g, Label: delphi.Text{}}
		if gr, ok := s.def.Group(g); ok && gr.Label != nil {
			jg.Label = gr.Label
		}
		m.Groups = append(m.Groups, jg)
	}
	for i := range s.vars {
		v := &s.vars[i]
		jv := jsonVariable{Name: v.name, ItemID: v.itemID, Part: v.part, Type: v.item.Type, Rounds: v.rounds,
			Text: v.item.Text, PartLabel: v.partLabel(), Codes: s.codes(v)}
		if jv.Rounds == nil {
			jv.Rounds = []int{}
		}
		if v.kind == varNumber && v.item.Numeric != nil {
			jv.Unit = v.item.Numeric.Unit
		}
		m.Variables = append(m.Variables, jv)
	}
	return m
}

// WriteJSON writes {"meta": {...}, "rows": [...]}: the metadata with the
// codebook first, then the long format (LongColumns) row by row, flushed
// as it goes. value is null when not answered and for abstentions.
func WriteJSON(ctx context.Context, w io.Writer, in Input) error {
	s, err := prepare(in)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	meta, err := json.Marshal(s.meta())
	if err != nil {
		return err
	}
	bw.WriteString(`{"meta":`)
	bw.Write(meta)
	bw.WriteString(",\n\"rows\":[")
	survey := jsonString(s.def.ID)
	var (
		prefix []byte
		buf    []byte
		first  = true
		consts = map[*variable][]byte{}
	)
	err = s.eachLong(ctx, func(resp *delphi.Response, round int) {
		prefix = append(prefix[:0], `{"survey_id":`...)
		prefix = append(prefix, survey...)
		prefix = append(prefix, `,"round":`...)
		prefix = strconv.AppendInt(prefix, int64(round), 10)
		prefix = append(prefix, `,"pseudonym":`...)
		prefix = append(prefix, jsonString(resp.Pseudonym)...)
		prefix = append(prefix, `,"group":`...)
		prefix = append(prefix, jsonString(resp.Group)...)
		prefix = append(prefix, `,"submitted":`...)
		prefix = strconv.AppendBool(prefix, resp.SubmittedAt != nil)
	}, func(v *variable, val value) error {
		c, ok := consts[v]
		if !ok {
			c = []byte(`,"item_id":` + jsonString(v.itemID) + `,"part":` + jsonString(v.part) + `,"variable":` +
				jsonString(v.name) + `,"type":` + jsonString(v.item.Type) + `,"value":`)
			consts[v] = c
		}
		buf = buf[:0]
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '\n')
		buf = append(buf, prefix...)
		buf = append(buf, c...)
		if val.state == valNumber {
			buf = strconv.AppendFloat(buf, val.x, 'g', -1, 64)
		} else {
			buf = append(buf, "null"...)
		}
		buf = append(buf, `,"abstain":`...)
		buf = strconv.AppendBool(buf, val.state == valAbstain)
		buf = append(buf, '}')
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
