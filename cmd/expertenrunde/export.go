package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
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
	fs.StringVar(&m.exp.out, "o", "", "output file: .xlsx, .csv, .json or .zip (the analysis bundle) (default: the standard file name as .xlsx)")
	fs.StringVar(&m.exp.rounds, "rounds", "all", "all, or round numbers such as 1,2")
	return fs
}

// exportResults writes a study's results (docs/EXPORT.md) to a file through
// the export service the API uses, so rounds past their deadline are closed
// first, as on the server. A progress bar goes to stderr when it is a
// terminal. The file appears only when complete.
func (m *Main) exportResults(ctx context.Context) error {
	f := m.exp
	if f.survey == "" {
		return errors.New("usage: expertenrunde export --survey ID [--lang de|en] [--rounds all|1,2] [-o FILE.xlsx|.csv|.json|.zip]")
	}
	rounds, err := export.ParseRounds(f.rounds)
	if err != nil {
		return errors.New(delphi.ErrorMessage(err))
	}
	format, dir := "xlsx", "."
	if f.out != "" {
		format, dir = strings.ToLower(strings.TrimPrefix(filepath.Ext(f.out), ".")), filepath.Dir(f.out)
		if !slices.Contains(export.Formats, format) {
			return fmt.Errorf("-o %s: the file must end in .xlsx, .csv, .json or .zip", f.out)
		}
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	svc := m.services()
	tmp, err := os.CreateTemp(dir, ".export-*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	out, err := svc.export.Write(ctx, tmp, export.Job{SurveyID: f.survey, Rounds: rounds, Lang: f.lang, Format: format, ActorID: "cli", Progress: m.progressBar()})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.New(delphi.ErrorMessage(err))
	}
	name := f.out
	if name == "" {
		name = filepath.Join(dir, out.Name)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s (rounds %v)\n", name, out.Rounds)
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
