package delphi

// Analysis holds a study's choices of statistical methods where several
// are in use (docs/STATISTICS.md). Absent, the defaults apply.
type Analysis struct {
	// Wilcoxon sets the signed-rank test of the stability between rounds,
	// e.g. to match R's wilcox.test or SciPy's wilcoxon.
	Wilcoxon *WilcoxonOptions `json:"wilcoxon,omitempty" yaml:"wilcoxon,omitempty"`
}

// WilcoxonOptions of a study; empty fields mean the defaults.
type WilcoxonOptions struct {
	Method     string `json:"method,omitempty" yaml:"method,omitempty"`           // WilcoxonAuto (default), WilcoxonExact, WilcoxonNormal
	ZeroMethod string `json:"zero_method,omitempty" yaml:"zero_method,omitempty"` // ZeroWilcox (default), ZeroPratt, ZeroSplit
	Correction bool   `json:"correction,omitempty" yaml:"correction,omitempty"`   // continuity correction of the normal approximation
}

// Values of WilcoxonOptions.
const (
	WilcoxonAuto   = "auto"   // exact when at most 25 non-zero differences and no ties, else normal
	WilcoxonExact  = "exact"  // exact whenever possible (no ties, at most 50, zeros dropped)
	WilcoxonNormal = "normal" // always the normal approximation
	ZeroWilcox     = "wilcox" // drop zero differences (R, SciPy default)
	ZeroPratt      = "pratt"  // rank zeros, then drop their ranks
	ZeroSplit      = "zsplit" // rank zeros and split their ranks between W+ and W-
)

// WilcoxonSettings returns the study's Wilcoxon options with the defaults
// filled in.
func (d *Definition) WilcoxonSettings() WilcoxonOptions {
	var o WilcoxonOptions
	if d.Analysis != nil && d.Analysis.Wilcoxon != nil {
		o = *d.Analysis.Wilcoxon
	}
	if o.Method == "" {
		o.Method = WilcoxonAuto
	}
	if o.ZeroMethod == "" {
		o.ZeroMethod = ZeroWilcox
	}
	return o
}
