// Package stats computes the Delphi statistics of Expertenrunde: item
// summaries, rankings with Kendall's W, stability between rounds and the
// display rounding. It is pure: no I/O, no globals, standard library only.
//
// Conventions (see docs/STATISTICS.md for the formulas):
//   - Fields named *_percent are percentages in [0, 100]; fields named
//     *_share, and scheibe, are fractions in [0, 1].
//   - Abstentions ("cannot judge") are never passed as values; they are
//     counted separately and excluded from every statistic.
//   - Values are kept exact: moments, quantiles and percentages are computed
//     on integers or math/big.Rat and rounded once to float64. Rounding for
//     people is RoundHalfUp, FormatHalfUp and PercentDisplay.
//   - An undefined statistic is an invalid Num; it marshals as JSON null and
//     its reason is listed in the summary's Undefined map. NaN and Inf never
//     reach JSON. A statistic that does not apply (e.g. rwg without a scale)
//     is the zero Num and is omitted.
package stats
