package export

import (
	"context"
	"io"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
)

// Formats are the file formats Service.Write writes.
var Formats = []string{"xlsx", "csv", "json", "zip"}

// Service is the one export use case, shared by the API and the CLI: it
// loads a study's rounds through the round lifecycle (so a round past its
// deadline is closed first and exported from its snapshot, as on every
// other request), writes the file and audits the export.
type Service struct {
	Sources // Rounds is replaced by Lifecycle when that is set
	// Lifecycle lists a study's rounds after closing the overdue ones
	// (rounds.Service).
	Lifecycle interface {
		List(ctx context.Context, surveyID string) ([]*delphi.Round, error)
	}
	Audit delphi.AuditStore
	// Reporting, optional, adds the reporting checklist and the analysis
	// protocol to the workbook, and the locked protocol to the analysis
	// bundle (reporting.Service).
	Reporting interface {
		Report(ctx context.Context, sv *delphi.Survey) (*reporting.Report, error)
		Protocol(ctx context.Context, sv *delphi.Survey) (*delphi.Protocol, []delphi.Deviation, error)
	}
	// Arguments, optional, adds the sheet of the arguments between rounds
	// to the workbook of a study that has them (arguments.Service).
	Arguments interface {
		Rated(ctx context.Context, sv *delphi.Survey, n int) ([]delphi.RatedArgument, error)
	}
	Version string           // the software version printed in every file
	Now     func() time.Time // the export time; time.Now when nil
}

// Job says what to export, in which format, on whose behalf.
type Job struct {
	SurveyID string
	Rounds   []int  // nil: every round that has results
	Lang     string // de, en, or "" for the study's first language
	Format   string // xlsx, csv, json or zip (the analysis bundle, WriteBundle)
	ActorID  string // the staff user, or "cli"
	// Progress, optional, is told the rows written (xlsx only).
	Progress func(done, total int)
}

// Written describes a written export.
type Written struct {
	// Name is the standard file name (FileName, the date in the study's
	// time zone).
	Name   string
	Survey *delphi.Survey
	Rounds []int  // the exported round numbers
	Lang   string // the language asked for ("" for the study's first)
	At     time.Time
}

// lister adapts the lifecycle to Sources.Rounds.
type lister struct {
	l interface {
		List(ctx context.Context, surveyID string) ([]*delphi.Round, error)
	}
}

func (l lister) ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	return l.l.List(ctx, surveyID)
}

// Write loads the export of job.SurveyID, writes it to w in job.Format and
// appends the audit entry survey.export. Nothing is audited when writing
// fails. Errors: EINVALID for an unknown format (field format), a bad
// language (lang); ENOTFOUND for an unknown study or round; ECONFLICT for a
// requested round without results (a draft); the writers' and stores'
// errors.
func (s *Service) Write(ctx context.Context, w io.Writer, job Job) (*Written, error) {
	switch job.Format {
	case "xlsx", "csv", "json", "zip":
	default:
		return nil, delphi.FieldErrorf(delphi.EINVALID, "format", "the format must be xlsx, csv, json or zip")
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	src := s.Sources
	if s.Lifecycle != nil {
		src.Rounds = lister{s.Lifecycle}
	}
	in, err := Load(ctx, src, Request{SurveyID: job.SurveyID, Rounds: job.Rounds, Lang: job.Lang, Version: s.Version, Now: now})
	if err != nil {
		return nil, err
	}
	defer in.Close()
	switch {
	case s.Reporting == nil:
	case job.Format == "xlsx":
		if in.Report, err = s.Reporting.Report(ctx, in.Survey); err != nil {
			return nil, err
		}
	case job.Format == "zip": // protocol.json needs the protocol only, not the whole report
		p, devs, err := s.Reporting.Protocol(ctx, in.Survey)
		if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND { // not found: round 1 has not opened
			return nil, err
		}
		in.Protocol, in.Deviations = p, devs
	}
	if s.Arguments != nil && job.Format == "xlsx" && in.Survey.Definition.Arguments {
		if in.Arguments, err = s.Arguments.Rated(ctx, in.Survey, 0); err != nil {
			return nil, err
		}
	}
	switch job.Format {
	case "xlsx":
		err = WriteXLSX(ctx, w, in, job.Progress)
	case "csv":
		err = WriteCSV(ctx, w, in)
	case "zip":
		err = WriteBundle(ctx, w, in)
	default:
		err = WriteJSON(ctx, w, in)
	}
	if err != nil {
		return nil, err
	}
	out := &Written{Survey: in.Survey, Rounds: make([]int, len(in.Rounds)), Lang: in.Lang, At: now}
	for i, r := range in.Rounds {
		out.Rounds[i] = r.Number
	}
	def := in.Survey.Definition
	lang := in.Lang
	if lang == "" && len(def.Languages) > 0 {
		lang = def.Languages[0]
	}
	out.Name = FileName(in.Survey.ID, lang, now.In(def.Location()), job.Format)
	if err := s.Audit.AppendAudit(ctx, &delphi.AuditEntry{At: now.UTC(), ActorID: job.ActorID, Action: "survey.export", SurveyID: in.Survey.ID,
		Details: map[string]any{"format": job.Format, "rounds": out.Rounds, "lang": in.Lang}}); err != nil {
		return nil, err
	}
	return out, nil
}
