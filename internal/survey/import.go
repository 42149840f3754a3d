package survey

import (
	"context"
	"slices"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Importer stores study definitions as new revisions, after checking that no
// answered item is dropped or retyped. Both the API and the CLI use it.
type Importer struct {
	Surveys  delphi.SurveyStore
	Audit    delphi.AuditStore
	Answered func(ctx context.Context, surveyID string) (map[string]bool, error)
	// Users, needed by ImportAs, assigns a new study to its coordinator.
	Users delphi.UserStore
	Now   func() time.Time
	// Protocol, optional, guards the locked analysis protocol
	// (reporting.Service): a revision that changes it after round 1
	// opened needs a reason and is recorded as a deviation.
	Protocol ProtocolGuard
}

// ProtocolGuard checks a revision against a study's locked analysis
// protocol and records the deviations it accepts (reporting.Service).
type ProtocolGuard interface {
	// CheckRevision returns the protocol changes def makes after old, or
	// an error when they need a reason that is not given.
	CheckRevision(ctx context.Context, old *delphi.Survey, def *delphi.Definition, reason string) ([]delphi.ProtocolChange, error)
	// RecordDeviation records the changes of the stored revision st.
	RecordDeviation(ctx context.Context, actorID string, st *delphi.Survey, changes []delphi.ProtocolChange, reason string) error
}

// ImportAs stores def for the staff user u (the API's import): a study that
// exists but u may not see answers ENOTFOUND, as if it did not exist; a new
// or changed study is assigned to the coordinator who imported it. Errors:
// as Import; ENOTFOUND.
func (im *Importer) ImportAs(ctx context.Context, u *delphi.User, def *delphi.Definition) (*delphi.Survey, bool, error) {
	return im.ImportAsBecause(ctx, u, def, "")
}

// ImportAsBecause is ImportAs with the reason of a protocol change (see
// ImportBecause).
func (im *Importer) ImportAsBecause(ctx context.Context, u *delphi.User, def *delphi.Definition, reason string) (*delphi.Survey, bool, error) {
	if _, err := im.Surveys.SurveyByID(ctx, def.ID); err == nil && !u.CanSee(def.ID) {
		return nil, false, delphi.Errorf(delphi.ENOTFOUND, "study %q not found", def.ID)
	} else if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, false, err
	}
	st, changed, err := im.ImportBecause(ctx, u.ID, def, reason)
	if err != nil || !changed {
		return st, changed, err
	}
	if u.Role != delphi.RoleAdmin && !slices.Contains(u.SurveyIDs, def.ID) {
		u.SurveyIDs = append(u.SurveyIDs, def.ID)
		u.UpdatedAt = im.Now().UTC()
		if err := im.Users.UpdateUser(ctx, u); err != nil {
			return nil, false, err
		}
	}
	return st, true, nil
}

// Import stores def for actorID (a user id, or "cli"). It returns the stored
// survey and whether a new revision was written (false: identical to the
// latest). EINVALID if an answered item would be dropped or retyped.
func (im *Importer) Import(ctx context.Context, actorID string, def *delphi.Definition) (*delphi.Survey, bool, error) {
	return im.ImportBecause(ctx, actorID, def, "")
}

// ImportBecause is Import with reason, the reason of a change of the locked
// analysis protocol (Importer.Protocol): after round 1 opened, a revision
// that changes the protocol is refused without one (the guard's error,
// ECONFLICT), and stored with one as a protocol deviation.
func (im *Importer) ImportBecause(ctx context.Context, actorID string, def *delphi.Definition, reason string) (*delphi.Survey, bool, error) {
	var changes []delphi.ProtocolChange
	old, err := im.Surveys.SurveyByID(ctx, def.ID)
	switch {
	case err == nil:
		answered := map[string]bool{}
		if im.Answered != nil {
			if answered, err = im.Answered(ctx, def.ID); err != nil {
				return nil, false, err
			}
		}
		if err := Compatible(old.Definition, def, answered); err != nil {
			return nil, false, err
		}
		if im.Protocol != nil {
			if changes, err = im.Protocol.CheckRevision(ctx, old, def, reason); err != nil {
				return nil, false, err
			}
		}
	case delphi.ErrorCode(err) != delphi.ENOTFOUND:
		return nil, false, err
	}
	now := im.Now().UTC()
	st, changed, err := im.Surveys.PutSurvey(ctx, &delphi.Survey{
		ID: def.ID, Definition: def, Status: delphi.SurveyActive, CreatedAt: now, UpdatedAt: now, CreatedBy: actorID,
	})
	if err != nil || !changed {
		return st, changed, err
	}
	err = im.Audit.AppendAudit(ctx, &delphi.AuditEntry{
		At: now, ActorID: actorID, Action: "survey.import", SurveyID: def.ID,
		Details: map[string]any{"revision": st.Revision, "version": def.Version},
	})
	if err == nil && im.Protocol != nil {
		err = im.Protocol.RecordDeviation(ctx, actorID, st, changes, reason)
	}
	return st, true, err
}
