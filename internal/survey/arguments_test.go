package survey

import (
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestArgumentOptions: arguments: true with its options and defaults;
// options without arguments: true, and options out of bounds, are refused.
func TestArgumentOptions(t *testing.T) {
	d := mustParse(t, "a.yaml", []byte(minimal+"arguments: true\nargument_options: {max_per_item: 2, min_ratings: 4}\n"))
	if r := d.ArgumentRules(); !d.Arguments || r.MaxPerItem != 2 || r.MinRatings != 4 || r.MaxLength != delphi.DefaultArgumentLength || r.Top != delphi.DefaultArgumentTop {
		t.Errorf("arguments %v, rules %+v", d.Arguments, r)
	}
	for src, field := range map[string]string{
		"argument_options: {top: 2}\n":                            "argument_options",
		"arguments: true\nargument_options: {top: 9}\n":           "argument_options.top",
		"arguments: true\nargument_options: {size: 1}\n":          "argument_options.size",
		"arguments: true\nargument_options: {max_length: 5000}\n": "argument_options.max_length",
	} {
		_, err := Parse("a.yaml", []byte(minimal+src))
		e := delphi.AsError(err)
		if e.Code != delphi.EINVALID || len(e.Details) != 1 || e.Details[0].Field != field {
			t.Errorf("%q: %v %+v, want one problem at %s", src, err, e.Details, field)
		}
	}
}
