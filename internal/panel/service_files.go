package panel

import (
	"context"
	"fmt"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// ImportUpdate is a row of an import that changed an existing expert.
type ImportUpdate struct {
	Line      int      `json:"row"`
	ExpertID  string   `json:"expert_id"`
	Pseudonym string   `json:"pseudonym"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Fields    []string `json:"fields"`
}

// ImportReport is what an import did, or would do (DryRun).
type ImportReport struct {
	DryRun    bool           `json:"dry_run"`
	Written   bool           `json:"written"`
	Format    string         `json:"format"`
	DataRows  int            `json:"data_rows"`
	Added     []Row          `json:"added"`
	Updated   []ImportUpdate `json:"updated"`
	Unchanged []int          `json:"unchanged"`
	Rejected  []Rejection    `json:"rejected"`
	Ignored   []string       `json:"ignored_columns,omitempty"`
}

// ImportRequest is an uploaded panel file and what to do with it.
type ImportRequest struct {
	Name        string // the file name: .csv or .xlsx
	Data        []byte
	DryRun      bool // only report
	SkipInvalid bool // write the valid rows even if others are rejected
}

// batchCreator is the bulk path of the store (store.Store has it).
type batchCreator interface {
	CreateExperts(ctx context.Context, es []*delphi.Expert) []error
}

// Import reads a CSV or XLSX panel (Parse), plans it against the panel
// (MakePlan) and, unless it is a dry run, writes it: but only if no row is
// rejected or SkipInvalid is set. Updates are written one by one, additions
// in bulk; a row that fails when written (e.g. the address was added
// meanwhile) is reported as rejected. UpdateExpert leaves consent and
// decline alone, so an expert's consent or decline since the panel was read
// stays. A written import is audited. Errors: Parse's (EINVALID for an
// unreadable file); EINVALID (field file, one detail per row) for rejected
// rows without SkipInvalid; the store's.
func (s *Service) Import(ctx context.Context, actorID string, sv *delphi.Survey, req ImportRequest) (*ImportReport, error) {
	parsed, err := Parse(req.Name, req.Data, sv.Definition)
	if err != nil {
		return nil, err
	}
	existing, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	plan := MakePlan(parsed.Rows, existing, sv.Definition.DefaultLanguage())
	byID := make(map[string]*delphi.Expert, len(existing))
	for _, e := range existing {
		byID[e.ID] = e
	}
	rep := &ImportReport{
		DryRun: req.DryRun, Format: parsed.Format, DataRows: parsed.DataRows, Added: plan.Add,
		Updated: make([]ImportUpdate, 0, len(plan.Update)), Unchanged: plan.Unchanged, Rejected: parsed.Rejected, Ignored: parsed.Ignored,
	}
	for _, u := range plan.Update {
		rep.Updated = append(rep.Updated, ImportUpdate{Line: u.Line, ExpertID: u.ExpertID, Pseudonym: u.Pseudonym, Email: u.Row.Email, Name: u.Row.Name, Fields: u.Fields})
	}
	if req.DryRun {
		return rep, nil
	}
	if len(parsed.Rejected) > 0 && !req.SkipInvalid {
		e := delphi.FieldErrorf(delphi.EINVALID, "file", "%d rows are invalid; nothing was imported (fix them, or import with skip_invalid=true)", len(parsed.Rejected))
		for _, r := range parsed.Rejected {
			e.Details = append(e.Details, delphi.Detail{Line: r.Line, Field: r.Field, Message: r.Message})
		}
		return nil, e
	}

	var written []ImportUpdate
	for i, u := range plan.Update {
		e := u.Apply(byID[u.ExpertID])
		if err := s.Experts.UpdateExpert(ctx, e); err != nil {
			if de := delphi.AsError(err); de.Code == delphi.EINVALID || de.Code == delphi.ECONFLICT || de.Code == delphi.ENOTFOUND {
				rep.Rejected = append(rep.Rejected, Rejection{Line: u.Line, Email: u.Row.Email, Field: de.Field, Reason: "write_failed", Message: de.Message})
				continue
			}
			return nil, err
		}
		written = append(written, rep.Updated[i])
	}
	rep.Updated = append([]ImportUpdate{}, written...)
	adds := make([]*delphi.Expert, len(plan.Add))
	for i, r := range plan.Add {
		adds[i] = r.Expert(sv.ID)
	}
	var errs []error
	if bc, ok := s.Experts.(batchCreator); ok {
		errs = bc.CreateExperts(ctx, adds)
	} else {
		errs = make([]error, len(adds))
		for i, e := range adds {
			errs[i] = s.Experts.CreateExpert(ctx, e)
		}
	}
	added := make([]Row, 0, len(adds))
	for i, err := range errs {
		r := plan.Add[i]
		if err != nil {
			if de := delphi.AsError(err); de.Code == delphi.EINVALID || de.Code == delphi.ECONFLICT {
				rep.Rejected = append(rep.Rejected, Rejection{Line: r.Line, Email: r.Email, Field: de.Field, Reason: "write_failed", Message: de.Message})
				continue
			}
			return nil, err
		}
		added = append(added, r)
	}
	rep.Added, rep.Written = added, true
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.import", sv.ID, "", map[string]any{
		"format": parsed.Format, "data_rows": parsed.DataRows, "added": len(rep.Added), "updated": len(rep.Updated),
		"rejected": len(rep.Rejected), "skip_invalid": req.SkipInvalid,
	}); err != nil {
		return nil, err
	}
	return rep, nil
}

// Table is a spreadsheet of the panel, for CSV or XLSX.
type Table struct {
	Name   string // the file name without extension, e.g. panel-<study>-2026-11-26
	Header []string
	Rows   [][]string
}

// TableRequest selects the experts of a table and its language.
type TableRequest struct {
	Format string // csv or xlsx, for the audit
	Lang   string // en for English headers, else German
	Group  string // "" for all
}

func fmtTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// Export returns the panel with contact data (of req.Group) and audits
// it. Its headers are those the import reads, so an export can be edited
// and imported again. The store's errors.
func (s *Service) Export(ctx context.Context, actorID string, sv *delphi.Survey, req TableRequest) (*Table, error) {
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	loc := sv.Definition.Location()
	t := &Table{Name: fmt.Sprintf("panel-%s-%s", sv.ID, s.now().Format("2006-01-02")),
		Header: []string{"Pseudonym", "Name", "E-Mail", "Organisation", "Gruppe", "Sprache", "Notizen", "Status", "Link ausgegeben", "Angelegt"}}
	if req.Lang == delphi.LangEN {
		t.Header = []string{"Pseudonym", "Name", "Email", "Organisation", "Group", "Language", "Notes", "Status", "Link issued", "Created"}
	}
	for _, e := range experts {
		if req.Group != "" && e.Group != req.Group {
			continue
		}
		t.Rows = append(t.Rows, []string{e.Pseudonym, e.Name, e.Email, e.Organisation, e.Group, e.Language, e.Notes, e.Status(),
			fmtTime(e.LinkIssuedAt, loc), fmtTime(&e.CreatedAt, loc)})
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.export", sv.ID, "", map[string]any{"format": req.Format, "rows": len(t.Rows), "group": req.Group}); err != nil {
		return nil, err
	}
	return t, nil
}

// Links issues fresh links for the experts of the study (or req.Group)
// who are neither erased nor declined and returns them as a table, audited:
// only hashes are stored, so this is the one moment the links can be read.
// EINVALID (field group) for an unknown group; the store's errors.
func (s *Service) Links(ctx context.Context, actorID string, sv *delphi.Survey, req TableRequest) (*Table, error) {
	if err := checkGroup(sv, req.Group); err != nil {
		return nil, err
	}
	experts, err := s.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: fmt.Sprintf("links-%s-%s", sv.ID, s.now().Format("2006-01-02")),
		Header: []string{"Pseudonym", "Name", "E-Mail", "Gruppe", "Sprache", "Link"}}
	if req.Lang == delphi.LangEN {
		t.Header = []string{"Pseudonym", "Name", "Email", "Group", "Language", "Link"}
	}
	for _, e := range experts {
		if e.Status() != delphi.ExpertActive || (req.Group != "" && e.Group != req.Group) {
			continue
		}
		link, err := s.newLink(ctx, e)
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, []string{e.Pseudonym, e.Name, e.Email, e.Group, e.Language, link})
	}
	if err := delphi.Audit(ctx, s.Audit, s.now(), actorID, "expert.links", sv.ID, "", map[string]any{"format": req.Format, "count": len(t.Rows), "group": req.Group}); err != nil {
		return nil, err
	}
	return t, nil
}
