package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/results"
)

// exportFlags are the flags of `expertenrunde export`.
type exportFlags struct {
	survey, lang, out, rounds string
}

// exportFlagSet registers the export flags on m.
func (m *Main) exportFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.StringVar(&m.Config.DataDir, "data-dir", m.Config.DataDir, "data directory (EXPERTENRUNDE_DATA_DIR)")
	fs.StringVar(&m.exp.survey, "survey", "", "study id")
	fs.StringVar(&m.exp.lang, "lang", "", "de or en (default: the study's first language)")
	fs.StringVar(&m.exp.out, "o", "", "output file: .xlsx, .csv or .json (default: the standard file name as .xlsx)")
	fs.StringVar(&m.exp.rounds, "rounds", "all", "all, or round numbers such as 1,2")
	return fs
}

// exportResults writes a study's results (docs/EXPORT.md) to a file, with
// the numbers of the results API. A progress bar goes to stderr when it is
// a terminal. The file appears only when complete.
func (m *Main) exportResults(ctx context.Context) error {
	f := m.exp
	if f.survey == "" {
		return errors.New("usage: expertenrunde export --survey ID [--lang de|en] [--rounds all|1,2] [-o FILE.xlsx|.csv|.json]")
	}
	rounds, err := export.ParseRounds(f.rounds)
	if err != nil {
		return errors.New(delphi.ErrorMessage(err))
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	now := m.Now()
	svc := &results.Service{Surveys: m.store, Rounds: m.store, Responses: m.store, Snapshots: m.store, Now: m.Now}
	in, err := export.Load(ctx, export.Sources{Surveys: m.store, Rounds: m.store, Results: svc, Responses: m.store, Experts: m.store, Mail: m.store},
		export.Request{SurveyID: f.survey, Rounds: rounds, Lang: f.lang, Version: Version, Now: now})
	if err != nil {
		return errors.New(delphi.ErrorMessage(err))
	}
	out := f.out
	if out == "" {
		lang := in.Lang
		if lang == "" && len(in.Survey.Definition.Languages) > 0 {
			lang = in.Survey.Definition.Languages[0]
		}
		out = export.FileName(in.Survey.ID, lang, now, "xlsx")
	}
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	if format != "xlsx" && format != "csv" && format != "json" {
		return fmt.Errorf("-o %s: the file must end in .xlsx, .csv or .json", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	bar := m.progressBar()
	switch format {
	case "xlsx":
		err = export.WriteXLSX(ctx, tmp, in, bar)
	case "csv":
		err = export.WriteCSV(ctx, tmp, in)
	default:
		err = export.WriteJSON(ctx, tmp, in)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.New(delphi.ErrorMessage(err))
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	numbers := make([]int, len(in.Rounds))
	for i, r := range in.Rounds {
		numbers[i] = r.Number
	}
	if err := m.store.AppendAudit(ctx, &delphi.AuditEntry{At: now.UTC(), ActorID: "cli", Action: "survey.export", SurveyID: in.Survey.ID,
		Details: map[string]any{"format": format, "rounds": numbers, "lang": in.Lang}}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s (rounds %v)\n", out, numbers)
	return nil
}

// progressBar returns a progress callback drawing on stderr, or nil when
// stderr is not a terminal (a pipe or a log file gets no control codes).
func (m *Main) progressBar() func(done, total int) {
	f, ok := m.Stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) { drawBar(f, done, total) }
}

func drawBar(w io.Writer, done, total int) {
	const width = 30
	n := width * done / max(total, 1)
	fmt.Fprintf(w, "\rexport [%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	if done >= total {
		fmt.Fprintln(w)
	}
}
