package survey

import (
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestAnalysisAndTies: analysis.wilcoxon and a ranking's ties are read as
// written; absent, the defaults apply.
func TestAnalysisAndTies(t *testing.T) {
	src := string(example(t, "kleinstadtakademie-2020.yaml"))
	src = strings.Replace(src, "        top_k: 3\n", "        top_k: 3\n        ties: true\n", 1)
	src = strings.Replace(src, "\nconsensus:", "\nanalysis:\n  wilcoxon: {method: normal, zero_method: zsplit, correction: true}\nconsensus:", 1)
	d := mustParse(t, "methods.yaml", []byte(src))
	if it, _ := d.Item("F11"); !it.Ties {
		t.Errorf("F11 ties = false")
	}
	want := delphi.WilcoxonOptions{Method: "normal", ZeroMethod: "zsplit", Correction: true}
	if got := d.WilcoxonSettings(); got != want {
		t.Errorf("wilcoxon = %+v, want %+v", got, want)
	}
	plain := mustParse(t, "kleinstadtakademie-2020.yaml", example(t, "kleinstadtakademie-2020.yaml"))
	if got := plain.WilcoxonSettings(); got != (delphi.WilcoxonOptions{Method: "auto", ZeroMethod: "wilcox"}) {
		t.Errorf("default wilcoxon = %+v", got)
	}
}

// TestCompatibleTies: allowing ties later keeps the stored answers valid;
// taking ties away from an answered ranking does not.
func TestCompatibleTies(t *testing.T) {
	withTies := strings.Replace(compatSource, "        top_k: 2\n", "        top_k: 2\n        ties: true\n", 1)
	if withTies == compatSource {
		t.Fatal("top_k: 2 not in the source")
	}
	answered := map[string]bool{"T04": true}
	plain := mustParse(t, "plain.yaml", []byte(compatSource))
	tied := mustParse(t, "tied.yaml", []byte(withTies))
	if err := Compatible(plain, tied, answered); err != nil {
		t.Errorf("allowing ties refused: %v", err)
	}
	err := Compatible(tied, plain, answered)
	e := delphi.AsError(err)
	if err == nil || len(e.Details) != 1 || e.Details[0].Message != "item T04 has answers; its ranking no longer allows ties (stored answers may hold tied places)" {
		t.Errorf("removing ties: %v %+v", err, e.Details)
	}
}
