package delphi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// A locked analysis protocol: what a study said, before round 1 opened,
// about how it would analyse and feed back its answers. It is frozen once,
// when round 1 opens (internal/reporting), and a later revision of the
// definition that changes any of its fields is a protocol deviation, which
// needs a reason and is listed in the report.

// StopPlannedOrDecided is the platform's stopping rule: the study stops when
// the planned number of rounds is reached, or earlier when the carry-over
// policy leaves no item for another round (with carry-over no_consensus:
// every rated item reached consensus in or out).
const StopPlannedOrDecided = "planned_rounds_or_no_item_left"

// ProtocolFields are the frozen settings. Their JSON names are those of the
// study definition's fields they come from (ProtocolChange.Field names the
// definition's path); defaults are applied, so a definition that states a
// default and one that leaves it out give the same fields.
type ProtocolFields struct {
	Consensus    Rule      `json:"consensus"`
	QuantileType int       `json:"quantile_type"`
	Bands        []Bands   `json:"scales"` // each scale's agreement and disagreement band, in definition order
	CarryOver    CarryOver `json:"carry_over"`
	Feedback     Feedback  `json:"feedback"`
	Planned      int       `json:"planned_rounds"`
	StoppingRule string    `json:"stopping_rule"`

	// The primary rules of criteria and numeric items, the alternative
	// rule sets and the choice of methods, where the study states them
	// (absent ones leave the canonical JSON, and so the SHA-256 of a
	// protocol without them, as it was).
	ConsensusCriteria     map[string]Rule `json:"consensus_criteria,omitempty"`
	ConsensusNumeric      *Rule           `json:"consensus_numeric,omitempty"`
	ConsensusAlternatives []RuleSet       `json:"consensus_alternatives,omitempty"`
	Analysis              *Analysis       `json:"analysis,omitempty"`
}

// Bands are the bands of one scale that the consensus rules read.
type Bands struct {
	Scale        string `json:"scale"`
	Agreement    Band   `json:"agreement"`
	Disagreement *Band  `json:"disagreement,omitempty"`
}

// ProtocolOf returns the protocol fields of def, defaults applied.
func ProtocolOf(def *Definition) ProtocolFields {
	fb := def.Rounds.Feedback
	fb.MinGroupN = fb.MinGroup()
	fb.Count = fb.CountRule()
	if fb.Statistics == nil {
		fb.Statistics = []string{}
	}
	co := def.Rounds.CarryOver
	if co.Mode == "" {
		co.Mode = CarryNoConsensus
	}
	bands := make([]Bands, 0, len(def.Scales))
	for _, s := range def.Scales {
		bands = append(bands, Bands{Scale: s.ID, Agreement: s.Agreement, Disagreement: s.Disagreement})
	}
	return ProtocolFields{
		Consensus: def.Consensus, QuantileType: def.Quantile(), Bands: bands, CarryOver: co,
		Feedback: fb, Planned: def.Rounds.Planned, StoppingRule: StopPlannedOrDecided,
		ConsensusCriteria: def.ConsensusCriteria, ConsensusNumeric: def.ConsensusNumeric,
		ConsensusAlternatives: def.ConsensusAlternatives, Analysis: def.Analysis,
	}
}

// Protocol is the frozen protocol record of one study.
type Protocol struct {
	SurveyID string         `json:"survey_id"`
	Revision int            `json:"revision"`  // the definition's revision when round 1 opened
	Version  string         `json:"version"`   // the author's version label of that revision
	FrozenAt time.Time      `json:"frozen_at"` // when round 1 opened (UTC, milliseconds)
	FrozenBy string         `json:"frozen_by"` // who opened it
	Fields   ProtocolFields `json:"fields"`
	// SHA256 is the hex SHA-256 of Canonical(): set by Seal, never part of
	// what it hashes.
	SHA256 string `json:"sha256"`
}

// Canonical returns the canonical JSON of p that SHA256 hashes: p without
// its sha256 field (and without frozen_by, which is who rather than what),
// object keys sorted by their UTF-8 bytes at every level, no whitespace,
// no HTML escaping, numbers as Go's encoding/json writes them (integers
// without a decimal point), times in RFC 3339 UTC with milliseconds.
// Python reproduces it with json.dumps(obj, sort_keys=True,
// separators=(",", ":"), ensure_ascii=False) of the parsed record.
func (p *Protocol) Canonical() ([]byte, error) {
	q := *p
	q.SHA256, q.FrozenBy = "", ""
	q.FrozenAt = q.FrozenAt.UTC().Truncate(time.Millisecond)
	raw, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	delete(v, "sha256")
	delete(v, "frozen_by")
	v["frozen_at"] = q.FrozenAt.Format("2006-01-02T15:04:05.000Z")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps are written with sorted keys
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Seal sets p.SHA256 from Canonical.
func (p *Protocol) Seal() error {
	c, err := p.Canonical()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(c)
	p.SHA256 = hex.EncodeToString(sum[:])
	return nil
}

// ProtocolChange is one changed protocol field: the definition's path and
// the old and new value as compact JSON.
type ProtocolChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// protocolPaths are the definition paths of the protocol fields, in the
// order a change list names them; the feedback settings one by one.
var protocolPaths = []struct {
	path string
	get  func(f *ProtocolFields) any
}{
	{"consensus", func(f *ProtocolFields) any { return f.Consensus }},
	{"quantile_type", func(f *ProtocolFields) any { return f.QuantileType }},
	{"scales (agreement, disagreement)", func(f *ProtocolFields) any { return f.Bands }},
	{"rounds.planned", func(f *ProtocolFields) any { return f.Planned }},
	{"rounds.carry_over", func(f *ProtocolFields) any { return f.CarryOver }},
	{"rounds.feedback.statistics", func(f *ProtocolFields) any { return f.Feedback.Statistics }},
	{"rounds.feedback.own_previous", func(f *ProtocolFields) any { return f.Feedback.OwnPrevious }},
	{"rounds.feedback.comments", func(f *ProtocolFields) any { return f.Feedback.Comments }},
	{"rounds.feedback.by_group", func(f *ProtocolFields) any { return f.Feedback.ByGroup }},
	{"rounds.feedback.hide_until_answered", func(f *ProtocolFields) any { return f.Feedback.HideUntilAnswered }},
	{"rounds.feedback.justify_outside_iqr", func(f *ProtocolFields) any { return f.Feedback.JustifyOutsideIQR }},
	{"rounds.feedback.min_group_n", func(f *ProtocolFields) any { return f.Feedback.MinGroupN }},
	{"rounds.feedback.count", func(f *ProtocolFields) any { return f.Feedback.Count }},
	{"stopping_rule", func(f *ProtocolFields) any { return f.StoppingRule }},
	{"consensus_criteria", func(f *ProtocolFields) any { return f.ConsensusCriteria }},
	{"consensus_numeric", func(f *ProtocolFields) any { return f.ConsensusNumeric }},
	{"consensus_alternatives", func(f *ProtocolFields) any { return f.ConsensusAlternatives }},
	{"analysis", func(f *ProtocolFields) any { return f.Analysis }},
}

// Diff lists the fields in which next differs from f, in a fixed order;
// none when they are equal.
func (f ProtocolFields) Diff(next ProtocolFields) []ProtocolChange {
	var out []ProtocolChange
	for _, p := range protocolPaths {
		a, _ := json.Marshal(p.get(&f))
		b, _ := json.Marshal(p.get(&next))
		if !bytes.Equal(a, b) {
			out = append(out, ProtocolChange{Field: p.path, Old: string(a), New: string(b)})
		}
	}
	return out
}

// Deviation is an accepted change of the protocol: a revision imported
// after round 1 opened that changed protocol fields, with the reason given.
type Deviation struct {
	Revision int              `json:"revision"` // the revision that changed it
	Version  string           `json:"version"`
	At       time.Time        `json:"at"`
	ActorID  string           `json:"actor_id"`
	Reason   string           `json:"reason"`
	Changes  []ProtocolChange `json:"changes"`
}

// ProtocolStore persists protocol records, one per study, and their
// deviations.
type ProtocolStore interface {
	// CreateProtocol stores p unless the study has a protocol already; it
	// returns the stored record and whether this call created it. A
	// compare-and-set insert: of concurrent calls, across processes too,
	// exactly one creates.
	CreateProtocol(ctx context.Context, p *Protocol) (stored *Protocol, created bool, err error)
	// Protocol returns the study's record and its deviations, oldest
	// first. ENOTFOUND if none was frozen.
	Protocol(ctx context.Context, surveyID string) (*Protocol, []Deviation, error)
	// AddDeviation appends d to the study's deviations; a second deviation
	// of the same revision is not added (the call is idempotent).
	// ENOTFOUND if the study has no protocol.
	AddDeviation(ctx context.Context, surveyID string, d Deviation) error
}

// Reasons of the protocol rules.
const (
	// ReasonProtocolChange: the revision changes the locked analysis
	// protocol and the request gave no reason; params: fields (the
	// changed definition paths, comma-separated).
	ReasonProtocolChange = "protocol_change_needs_reason"
)
