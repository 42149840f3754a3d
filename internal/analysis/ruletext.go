package analysis

import (
	"slices"
	"strconv"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// RuleText states a consensus rule for people, in German (lang "de") or
// English (anything else), e.g.
//
//	Konsens, wenn mindestens 75 % Zustimmung (Skalenpunkte 4–5) und IQR ≤ 1;
//	ablehnender Konsens, wenn mindestens 75 % Ablehnung (Skalenpunkte 1–2) und
//	IQR ≤ 1; mindestens 5 gültige Antworten
//
// The bands are those of the scales that def's rated items use (all scales
// when there is none); several different bands are listed with "bzw." / "or".
// The consensus-out clause is left out when the rule cannot give consensus
// out (no disagreement band). A rule without agreement or COMET leaves is
// followed by the median direction rule (see Evaluate). def may be nil.
func RuleText(rule delphi.Rule, def *delphi.Definition, lang string) string {
	w := ruleWriter{de: lang == delphi.LangDE}
	w.bands(def)
	if isEmptyRule(rule) {
		return w.pick("Kein Konsenskriterium festgelegt", "No consensus rule defined")
	}
	var b strings.Builder
	top := rule
	top.MinN, top.GroupMinN = 0, 0
	b.WriteString(w.pick("Konsens, wenn ", "Consensus when "))
	in, _ := w.text(top, false, true)
	b.WriteString(in)
	if directional(rule) {
		if out, ok := w.text(top, true, true); ok {
			b.WriteString(w.pick("; ablehnender Konsens, wenn ", "; consensus out when "))
			b.WriteString(out)
		}
		if neutral(rule) {
			// A dispersion branch alone holds both ways: Evaluate asks the median.
			b.WriteString(w.pick("; eine Streuungsbedingung allein zählt nur, wenn der Median im Zustimmungsbereich",
				"; a dispersion condition alone counts only when the median lies in the agreement band"))
			if len(w.disagree) > 0 {
				b.WriteString(w.pick(" (Konsens) oder im Ablehnungsbereich (ablehnender Konsens)", " (in) or the disagreement band (out)"))
			}
			b.WriteString(w.pick(" liegt", ""))
		}
	} else {
		b.WriteString(w.pick("; die Richtung folgt dem Median: im Zustimmungsbereich (", "; the direction follows the median: in the agreement band ("))
		b.WriteString(w.points(w.agree))
		b.WriteString(w.pick(") Konsens", ") consensus in"))
		if len(w.disagree) > 0 {
			b.WriteString(w.pick(", im Ablehnungsbereich (", ", in the disagreement band ("))
			b.WriteString(w.points(w.disagree))
			b.WriteString(w.pick(") ablehnender Konsens", ") consensus out"))
		}
		b.WriteString(w.pick(", sonst kein Konsens", ", otherwise none"))
	}
	if rule.MinN > 0 {
		b.WriteString(w.pick("; mindestens "+strconv.Itoa(rule.MinN)+" gültige Antworten",
			"; at least "+strconv.Itoa(rule.MinN)+" valid answers"))
	}
	b.WriteString(w.groupMinN(rule))
	return b.String()
}

// neutral reports whether r can hold through dispersion leaves alone,
// which hold in both directions.
func neutral(r delphi.Rule) bool {
	switch {
	case len(r.All) > 0:
		for _, k := range r.All {
			if !neutral(k) {
				return false
			}
		}
		return true
	case len(r.Any) > 0:
		return slices.ContainsFunc(r.Any, neutral)
	}
	return r.IQR != nil || r.SD != nil || r.CV != nil || r.IQRRelative != nil
}

// directional reports whether r has an agreement or COMET leaf.
func directional(r delphi.Rule) bool {
	if r.Agreement != nil || r.COMET != nil {
		return true
	}
	return slices.ContainsFunc(r.All, directional) || slices.ContainsFunc(r.Any, directional)
}

type ruleWriter struct {
	de       bool
	agree    []delphi.Band // distinct agreement bands of the rated scales
	disagree []delphi.Band // distinct disagreement bands
	numeric  bool          // a rule for numeric items: the range is the declared one
}

func (w *ruleWriter) pick(de, en string) string {
	if w.de {
		return de
	}
	return en
}

// bands collects the distinct bands of the scales rated items use.
func (w *ruleWriter) bands(def *delphi.Definition) {
	if def == nil {
		return
	}
	used := map[string]bool{}
	for _, it := range def.Items() {
		switch it.Type {
		case delphi.ItemRating:
			used[it.Scale] = true
		case delphi.ItemMultiRating:
			for _, c := range it.Criteria {
				used[c.Scale] = true
			}
		}
	}
	for _, sc := range def.Scales {
		if len(used) > 0 && !used[sc.ID] {
			continue
		}
		if !slices.Contains(w.agree, sc.Agreement) {
			w.agree = append(w.agree, sc.Agreement)
		}
		if sc.Disagreement != nil && !slices.Contains(w.disagree, *sc.Disagreement) {
			w.disagree = append(w.disagree, *sc.Disagreement)
		}
	}
}

func bandText(b delphi.Band) string {
	if b.Min == b.Max {
		return strconv.Itoa(b.Min)
	}
	return strconv.Itoa(b.Min) + "–" + strconv.Itoa(b.Max)
}

// points renders "Skalenpunkte 4–5", "Skalenpunkt 5" or, for several
// bands, "Skalenpunkte 4–5 bzw. 7–9 je nach Skala".
func (w *ruleWriter) points(bs []delphi.Band) string {
	if len(bs) == 0 {
		return w.pick("Zustimmungsbereich der Skala", "the scale's band")
	}
	texts := make([]string, len(bs))
	for i, b := range bs {
		texts[i] = bandText(b)
	}
	if len(bs) == 1 {
		if bs[0].Min == bs[0].Max {
			return w.pick("Skalenpunkt ", "scale point ") + texts[0]
		}
		return w.pick("Skalenpunkte ", "scale points ") + texts[0]
	}
	return w.pick("Skalenpunkte "+strings.Join(texts, " bzw. ")+" je nach Skala",
		"scale points "+strings.Join(texts, " or ")+" depending on the scale")
}

func (w *ruleWriter) num(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if w.de {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func (w *ruleWriter) percent(x float64) string {
	return w.num(x) + w.pick(" %", "%")
}

// text renders the in (out = false) or out condition of r; ok is false when
// r can never hold in that direction. top suppresses the parentheses.
func (w *ruleWriter) text(r delphi.Rule, out, top bool) (string, bool) {
	s, ok := w.core(r, out)
	if !ok {
		return "", false
	}
	compound := len(r.All) > 1 || len(r.Any) > 1
	if r.MinN > 0 {
		s += w.pick(", bei mindestens "+strconv.Itoa(r.MinN)+" gültigen Antworten",
			", with at least "+strconv.Itoa(r.MinN)+" valid answers")
		compound = true
	}
	if g := w.groupMinN(r); g != "" {
		s += g
		compound = true
	}
	if compound && !top {
		s = "(" + s + ")"
	}
	return s, true
}

// groupMinN states a node's group_min_n, which replaces its min_n for the
// expert groups, e.g. " (in jeder Gruppe mindestens 3)"; "" when not given.
func (w *ruleWriter) groupMinN(r delphi.Rule) string {
	if r.GroupMinN <= 0 {
		return ""
	}
	n := strconv.Itoa(r.GroupMinN)
	if r.MinN > 0 {
		return w.pick(" (in jeder Gruppe mindestens "+n+")", " (in each group at least "+n+")")
	}
	return w.pick("; in jeder Gruppe mindestens "+n+" gültige Antworten", "; in each group at least "+n+" valid answers")
}

func (w *ruleWriter) core(r delphi.Rule, out bool) (string, bool) {
	switch {
	case len(r.All) > 0 || len(r.Any) > 0:
		all := len(r.All) > 0
		kids, sep := r.All, w.pick(" und ", " and ")
		if !all {
			kids, sep = r.Any, w.pick(" oder ", " or ")
		}
		var parts []string
		for _, k := range kids {
			s, ok := w.text(k, out, len(kids) == 1)
			if !ok {
				if all {
					return "", false
				}
				continue
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return "", false
		}
		return strings.Join(parts, sep), true
	case r.Agreement != nil:
		p := w.percent(r.Agreement.MinPercent)
		if out {
			if len(w.disagree) == 0 {
				return "", false
			}
			return w.pick("mindestens "+p+" Ablehnung (", "at least "+p+" disagreement (") + w.points(w.disagree) + ")", true
		}
		return w.pick("mindestens "+p+" Zustimmung (", "at least "+p+" agreement (") + w.points(w.agree) + ")", true
	case r.COMET != nil:
		c := r.COMET
		a, o := c.InBand, c.OutBand
		if out {
			a, o = o, a
		}
		return w.pick(
			"mindestens "+w.percent(c.MinPercent)+" der Bewertungen auf den Skalenpunkten "+bandText(a)+
				" und weniger als "+w.percent(c.MaxOppositePercent)+" auf "+bandText(o),
			"at least "+w.percent(c.MinPercent)+" of ratings on scale points "+bandText(a)+
				" and less than "+w.percent(c.MaxOppositePercent)+" on "+bandText(o)), true
	case (r.IQR != nil || r.SD != nil || r.CV != nil || r.IQRRelative != nil) && out && len(w.disagree) == 0:
		return "", false // out needs the median in a disagreement band
	case r.IQR != nil:
		return "IQR ≤ " + w.num(r.IQR.Max), true
	case r.SD != nil:
		return "SD ≤ " + w.num(r.SD.Max), true
	case r.CV != nil:
		return w.pick("Variationskoeffizient ≤ ", "CV ≤ ") + w.num(r.CV.Max), true
	case r.IQRRelative != nil:
		return "IQR ≤ " + w.num(r.IQRRelative.Max) + w.rangeText(), true
	}
	return "", false
}
