// Package reporting holds what a researcher reports about a study after it
// ran: the locked analysis protocol, frozen when round 1 opens, with the
// deviations accepted since (Service.Freeze, Service.CheckRevision,
// Service.RecordDeviation), and the reporting checklist with its methods
// paragraph (Service.Report). docs/REPORTING.md describes both.
package reporting

import (
	"context"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Service is the reporting use case. Build one per process (Main).
type Service struct {
	Surveys   delphi.SurveyStore
	Rounds    delphi.RoundStore
	Protocols delphi.ProtocolStore
	Audit     delphi.AuditStore
	// Report's sources, optional for the protocol rules.
	Sources Sources
	Version string           // the software version the report names
	Now     func() time.Time // injectable clock
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Freeze freezes the protocol of sv as it stands, at the time round 1
// opened (at), on behalf of actorID, and audits "protocol.freeze". A study
// that has a protocol keeps it: the stored record is returned unchanged
// (concurrent calls, across processes too, freeze one record). Errors: the
// store's.
func (s *Service) Freeze(ctx context.Context, actorID string, sv *delphi.Survey, at time.Time) (*delphi.Protocol, error) {
	p := &delphi.Protocol{
		SurveyID: sv.ID, Revision: sv.Revision, Version: sv.Definition.Version,
		FrozenAt: at.UTC().Truncate(time.Millisecond), FrozenBy: actorID, Fields: delphi.ProtocolOf(sv.Definition),
	}
	if err := p.Seal(); err != nil {
		return nil, delphi.Internal(err)
	}
	stored, created, err := s.Protocols.CreateProtocol(ctx, p)
	if err != nil || !created {
		return stored, err
	}
	return stored, delphi.Audit(ctx, s.Audit, s.now(), actorID, "protocol.freeze", sv.ID, "",
		map[string]any{"revision": p.Revision, "sha256": p.SHA256})
}

// Protocol returns the study's protocol and its deviations, freezing it
// first when round 1 has opened but the protocol is missing (a freeze that
// failed after the open). ENOTFOUND while round 1 has not opened.
func (s *Service) Protocol(ctx context.Context, sv *delphi.Survey) (*delphi.Protocol, []delphi.Deviation, error) {
	p, devs, err := s.Protocols.Protocol(ctx, sv.ID)
	if delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return p, devs, err
	}
	r, rerr := s.Rounds.Round(ctx, sv.ID, 1)
	switch {
	case delphi.ErrorCode(rerr) == delphi.ENOTFOUND || rerr == nil && r.OpenedAt == nil:
		return nil, nil, delphi.Errorf(delphi.ENOTFOUND, "the analysis protocol is frozen when round 1 opens")
	case rerr != nil:
		return nil, nil, rerr
	}
	actor := delphi.SystemActor
	for _, ev := range r.History {
		if ev.Action == delphi.RoundActionOpen {
			actor = ev.ActorID
			break
		}
	}
	if p, err = s.Freeze(ctx, actor, sv, *r.OpenedAt); err != nil {
		return nil, nil, err
	}
	return p, nil, nil
}

// ReasonField is the request field that carries the reason of a protocol
// change (POST /surveys).
const ReasonField = "protocol_change_reason"

// CheckRevision checks def, to be imported as the revision after old (the
// stored latest), against the locked protocol: before round 1 opened
// anything goes; afterwards a revision that changes protocol fields needs
// a reason. It returns the changes (none: no deviation). ECONFLICT with
// reason delphi.ReasonProtocolChange, field protocol_change_reason and one
// detail per changed field when the reason is missing; EINVALID (field
// protocol_change_reason) for a reason that is too long or has control
// characters.
func (s *Service) CheckRevision(ctx context.Context, old *delphi.Survey, def *delphi.Definition, reason string) ([]delphi.ProtocolChange, error) {
	if _, _, err := s.Protocol(ctx, old); delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	changes := delphi.ProtocolOf(old.Definition).Diff(delphi.ProtocolOf(def))
	if len(changes) == 0 {
		return nil, nil
	}
	if strings.TrimSpace(reason) == "" {
		fields := make([]string, len(changes))
		details := make([]delphi.Detail, len(changes))
		for i, c := range changes {
			fields[i] = c.Field
			details[i] = delphi.Detail{Field: c.Field, Message: c.Old + " → " + c.New}
		}
		e := delphi.FieldErrorf(delphi.ECONFLICT, ReasonField,
			"round 1 has opened, so the analysis protocol is locked: this revision changes %s; give a reason to record it as a protocol deviation",
			strings.Join(fields, ", ")).WithReason(delphi.ReasonProtocolChange, map[string]any{"fields": strings.Join(fields, ", ")})
		e.Details = details
		return nil, e
	}
	if err := delphi.CheckText(ReasonField, reason, delphi.LongText); err != nil {
		return nil, err
	}
	return changes, nil
}

// RecordDeviation stores the deviation that revision st made with changes
// (from CheckRevision) and audits "protocol.deviation". Nothing for no
// changes. Errors: the stores'.
func (s *Service) RecordDeviation(ctx context.Context, actorID string, st *delphi.Survey, changes []delphi.ProtocolChange, reason string) error {
	if len(changes) == 0 {
		return nil
	}
	now := s.now().Truncate(time.Millisecond)
	d := delphi.Deviation{Revision: st.Revision, Version: st.Definition.Version, At: now, ActorID: actorID,
		Reason: strings.TrimSpace(reason), Changes: changes}
	if err := s.Protocols.AddDeviation(ctx, st.ID, d); err != nil {
		return err
	}
	fields := make([]string, len(changes))
	for i, c := range changes {
		fields[i] = c.Field
	}
	return delphi.Audit(ctx, s.Audit, now, actorID, "protocol.deviation", st.ID, "",
		map[string]any{"revision": st.Revision, "fields": fields, "reason": d.Reason, "changes": changes})
}
