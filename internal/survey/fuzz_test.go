package survey

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/surveys"
)

// FuzzParse checks that Parse never panics and always returns either a
// definition or an EINVALID *delphi.Error with at least one positioned
// detail. The seed corpus (the shipped studies, the invalid fixtures, and
// testdata/fuzz/FuzzParse) runs with every plain go test.
func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(surveys.Examples, "*.yaml")
	for _, name := range names {
		data, err := fs.ReadFile(surveys.Examples, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, data)
	}
	files, _ := filepath.Glob(filepath.Join(invalidDir, "*"))
	for _, file := range files {
		if ext := filepath.Ext(file); ext == ".yaml" || ext == ".json" {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(filepath.Base(file), data)
		}
	}
	f.Add("min.yaml", []byte(minimal))
	f.Add("compat.yaml", []byte(compatSource))
	f.Add("x.json", []byte(`{"id": 1e400, "version": [], "languages": {"de": null}}`))
	f.Add("x.yaml", []byte("a: &a [*a]\n"))
	f.Add("x.yaml", []byte("---\n...\n---\nid: x\n"))

	f.Fuzz(func(t *testing.T, name string, data []byte) {
		d, err := Parse(name, data)
		if err == nil {
			if d == nil {
				t.Fatal("nil definition without an error")
			}
			// A valid definition survives a round trip.
			if !Equal(d, d) {
				t.Fatal("definition not Equal to itself")
			}
			return
		}
		if d != nil {
			t.Fatal("both a definition and an error")
		}
		var e *delphi.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T is not a *delphi.Error: %v", err, err)
		}
		if e.Code != delphi.EINVALID || len(e.Details) == 0 {
			t.Fatalf("error %v has code %q and %d details", err, e.Code, len(e.Details))
		}
		for _, det := range e.Details {
			if det.Line < 1 || det.Column < 1 || det.Message == "" {
				t.Fatalf("bad detail %+v", det)
			}
		}
		if lines := FormatErrors(name, err); len(lines) != len(e.Details) {
			t.Fatalf("FormatErrors gave %d lines for %d details", len(lines), len(e.Details))
		}
	})
}
