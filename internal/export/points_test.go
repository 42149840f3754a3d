package export

import (
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestUnlabelledPoints: a scale point without a label is shown as its
// number in the codebook ("2", not "2 = "), in the codes of the long data
// and in the charts' titles.
func TestUnlabelledPoints(t *testing.T) {
	sc := delphi.Scale{ID: "agree7", Points: []delphi.ScalePoint{
		{Value: 1, Label: delphi.Text{"de": "gar nicht", "en": "not at all"}}, {Value: 2}, {Value: 3},
		{Value: 4, Label: delphi.Text{"de": "teils", "en": "partly"}}, {Value: 5}, {Value: 6}, {Value: 7},
	}, Abstain: &delphi.Abstain{Label: delphi.Text{"de": "weiß nicht", "en": "don't know"}}}
	def := &delphi.Definition{Scales: []delphi.Scale{sc}}
	it := delphi.Item{ID: "S01", Type: delphi.ItemRating, Scale: "agree7"}
	s := &study{def: def, lang: delphi.LangEN}
	v := &variable{kind: varRating, item: it}
	if got, want := s.codesText(v, delphi.LangEN), "1 = not at all; 2; 3; 4 = partly; 5; 6; 7; -9999 = don't know"; got != want {
		t.Errorf("codes:\n got %q\nwant %q", got, want)
	}
	if got, want := s.codesText(v, delphi.LangDE), "1 = gar nicht; 2; 3; 4 = teils; 5; 6; 7; -9999 = weiß nicht"; got != want {
		t.Errorf("codes de:\n got %q\nwant %q", got, want)
	}
	if codes := s.codes(v); codes[1].Label["de"] != "2" || codes[1].Label["en"] != "2" {
		t.Errorf("code 2 = %+v, want its number as label", codes[1])
	}
	if got, want := s.scaleEnds(sc), " (1 = not at all … 7)"; got != want {
		t.Errorf("scale ends %q, want %q", got, want)
	}
}
