// Package analysis is the Delphi analysis engine of Expertenrunde. It turns
// a study definition and the stored answers of a round (and of the round
// before) into results: per-item statistics overall and per expert group,
// consensus outcomes under the study's rule, stability between rounds,
// divergence between groups (policy Delphi), anonymised comments, the
// feedback shown to experts and the consensus board of the dashboard.
//
// The results API, the frozen feedback snapshot, the dashboard and the
// Excel export all use this one engine, so their numbers agree. It is pure:
// no I/O, no clock, no globals; the statistics come from internal/stats.
// docs/ANALYSIS.md describes the JSON shape and the semantics.
//
// Anonymity: no result carries an expert id or pseudonym. Comments and
// texts carry the group only and are ordered by group and text, never by
// expert.
package analysis
