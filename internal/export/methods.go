package export

import (
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// wilcoxonText states the study's Wilcoxon options (analysis.wilcoxon, or
// the defaults) for the methods sheet.
func (s *study) wilcoxonText() string {
	o := s.def.WilcoxonSettings()
	var parts []string
	switch o.Method {
	case delphi.WilcoxonExact:
		parts = append(parts, s.t("exakter p-Wert, wenn keine Bindungen, höchstens 50 Differenzen ≠ 0 und keine Nullen mitgerechnet, sonst Normalapproximation",
			"exact p when there are no ties, at most 50 non-zero differences and no ranked zeros, else the normal approximation"))
	case delphi.WilcoxonNormal:
		parts = append(parts, s.t("immer Normalapproximation", "always the normal approximation"))
	default:
		parts = append(parts, s.t("exakter p-Wert bei höchstens 25 Differenzen ≠ 0 ohne Bindungen, sonst Normalapproximation (Standard)",
			"exact p with at most 25 non-zero differences and no ties, else the normal approximation (default)"))
	}
	switch o.ZeroMethod {
	case delphi.ZeroPratt:
		parts = append(parts, s.t("Nulldifferenzen nach Pratt: mitgerangt, ihre Ränge dann weggelassen", "zero differences by Pratt: ranked, then their ranks dropped"))
	case delphi.ZeroSplit:
		parts = append(parts, s.t("Nulldifferenzen mitgerangt, ihre Ränge je zur Hälfte auf W+ und W− verteilt (zsplit)", "zero differences ranked, their ranks split between W+ and W− (zsplit)"))
	default:
		parts = append(parts, s.t("Nulldifferenzen weggelassen (wilcox, Standard)", "zero differences dropped (wilcox, default)"))
	}
	if o.Correction {
		parts = append(parts, s.t("mit Stetigkeitskorrektur", "with continuity correction"))
	} else {
		parts = append(parts, s.t("ohne Stetigkeitskorrektur (Standard)", "without continuity correction (default)"))
	}
	return s.t("Wilcoxon-Vorzeichen-Rang-Test der gepaarten Antworten, zweiseitig: ", "Wilcoxon signed-rank test of the paired answers, two-sided: ") +
		strings.Join(parts, "; ") + "."
}

// deltaIQRText explains the two ΔIQR of the across sheet.
func (s *study) deltaIQRText() string {
	return s.t("„ΔIQR gepaart“: IQR der aktuellen minus IQR der vorigen Antworten derselben Expertinnen und Experten (nur wer in beiden Runden geantwortet hat); ebenso ΔCV. „ΔIQR Runden“: IQR aller Antworten der Runde minus IQR aller Antworten der Vorrunde, also die Differenz der als Rückmeldung gezeigten IQR.",
		"“ΔIQR paired”: IQR of the current minus IQR of the previous answers of the same experts (those who answered both rounds); likewise ΔCV. “ΔIQR rounds”: IQR of all answers of the round minus IQR of all answers of the round before, the difference of the IQRs shown as feedback.")
}

// tiesText says how rankings with ties are scored, when an item allows them.
func (s *study) tiesText() string {
	for _, it := range s.def.Items() {
		if it.Type == delphi.ItemRanking && it.Ties {
			return s.t("Gleichplatzierte Optionen erhalten den mittleren Rang der Plätze, die sie teilen (z. B. zwei auf Platz 1: je 1,5); Kendalls W ist für alle Bindungen korrigiert.",
				"Tied options get the mean of the positions they share (e.g. two at place 1: 1.5 each); Kendall's W is corrected for every tie.")
		}
	}
	return ""
}
