package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/panel"
)

// PanelHandler serves a study's expert panel: the list, single experts,
// import, export and personal links. Every route carries contact data, so
// only admins and coordinators may call them (researchers get 403); a study
// the caller is not assigned to is 404.
type PanelHandler struct{ s *Server }

func (h *PanelHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/experts", staffWriter, h.list},
		{fiber.MethodPost, "/surveys/:id/experts", staffWriter, h.create},
		{fiber.MethodPost, "/surveys/:id/experts/import", staffWriter, h.importFile},
		{fiber.MethodGet, "/surveys/:id/experts/export.csv", staffWriter, h.exportCSV},
		{fiber.MethodGet, "/surveys/:id/experts/export.xlsx", staffWriter, h.exportXLSX},
		{fiber.MethodPost, "/surveys/:id/experts/links.csv", staffWriter, h.linksCSV},
		{fiber.MethodPost, "/surveys/:id/experts/links.xlsx", staffWriter, h.linksXLSX},
		{fiber.MethodGet, "/surveys/:id/experts/:expertId", staffWriter, h.get},
		{fiber.MethodPatch, "/surveys/:id/experts/:expertId", staffWriter, h.update},
		{fiber.MethodDelete, "/surveys/:id/experts/:expertId", staffWriter, h.erase},
		{fiber.MethodPost, "/surveys/:id/experts/:expertId/link", staffWriter, h.issueLink},
	}
}

// MailNotifier is woken when mail was queued (the mail dispatcher).
type MailNotifier interface{ Notify() }

// batchCreator is the bulk path of the store (store.Store has it).
type batchCreator interface {
	CreateExperts(ctx context.Context, es []*delphi.Expert) []error
}

func (h *PanelHandler) ready() error {
	if h.s.deps.Experts == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "the expert panel is not available")
	}
	return nil
}

// panelSurvey checks the service and the study's visibility.
func (h *PanelHandler) panelSurvey(c *fiber.Ctx) (*delphi.Survey, error) {
	if err := h.ready(); err != nil {
		return nil, err
	}
	return h.s.visibleSurvey(c, c.Params("id"))
}

// roundStatus is an expert's state in one round.
type roundStatus struct {
	Invite         string     `json:"invite"` // send status of the invitation; "" if none
	InviteError    string     `json:"invite_error,omitempty"`
	InvitedAt      *time.Time `json:"invited_at,omitempty"`
	Reminders      int        `json:"reminders"` // reminders sent
	LastReminderAt *time.Time `json:"last_reminder_at,omitempty"`
	FirstOpenedAt  *time.Time `json:"first_opened_at,omitempty"`
	LastActivityAt *time.Time `json:"last_activity_at,omitempty"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	SubmittedAt    *time.Time `json:"submitted_at,omitempty"`
}

// Progress stage of an expert in a round, for the status filter.
func (r *roundStatus) stage() string {
	switch {
	case r.SubmittedAt != nil:
		return "submitted"
	case r.StartedAt != nil:
		return "started"
	case r.FirstOpenedAt != nil:
		return "opened"
	case r.Invite == delphi.SendSent:
		return "invited"
	}
	return "not_invited"
}

type expertJSON struct {
	*delphi.Expert
	Status string       `json:"status"` // active, declined, erased
	Round  *roundStatus `json:"round,omitempty"`
}

// panelStatuses are the values of the list's status filter.
var panelStatuses = map[string]bool{
	delphi.ExpertActive: true, delphi.ExpertDeclined: true, delphi.ExpertErased: true,
	"not_invited": true, "invited": true, "opened": true, "started": true, "submitted": true, "not_submitted": true,
}

// list returns the panel, filtered by ?group= and ?status=; with ?round=n
// each expert carries their state in round n (the progress statuses of the
// filter need it).
func (h *PanelHandler) list(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	group, status := c.Query("group"), c.Query("status")
	if group != "" {
		if _, ok := sv.Definition.Group(group); !ok {
			return delphi.FieldErrorf(delphi.EINVALID, "group", "unknown group %q", group)
		}
	}
	if status != "" && !panelStatuses[status] {
		return delphi.FieldErrorf(delphi.EINVALID, "status", "unknown status %q", status)
	}
	round := 0
	if q := c.Query("round"); q != "" {
		if round = c.QueryInt("round"); round < 1 {
			return delphi.FieldErrorf(delphi.EINVALID, "round", "round must be a positive number")
		}
	}
	ctx := c.UserContext()
	experts, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return err
	}
	var states map[string]*roundStatus
	if round > 0 {
		if states, err = h.s.roundStates(ctx, sv.ID, round); err != nil {
			return err
		}
	}
	out := make([]expertJSON, 0, len(experts))
	counts := map[string]int{}
	for _, e := range experts {
		j := expertJSON{Expert: e, Status: e.Status()}
		if round > 0 {
			j.Round = states[e.ID]
			if j.Round == nil {
				j.Round = &roundStatus{}
			}
		}
		if group != "" && e.Group != group {
			continue
		}
		counts[j.Status]++
		if !matchStatus(j, status) {
			continue
		}
		out = append(out, j)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"experts": out, "total": len(experts), "counts": counts})
}

func matchStatus(j expertJSON, status string) bool {
	switch status {
	case "":
		return true
	case delphi.ExpertActive, delphi.ExpertDeclined, delphi.ExpertErased:
		return j.Status == status
	}
	if j.Round == nil {
		return false
	}
	if status == "not_submitted" {
		return j.Round.SubmittedAt == nil && j.Status == delphi.ExpertActive
	}
	return j.Round.stage() == status
}

// roundStates collects each expert's mail and response state in a round.
func (s *Server) roundStates(ctx context.Context, surveyID string, round int) (map[string]*roundStatus, error) {
	states := map[string]*roundStatus{}
	get := func(id string) *roundStatus {
		if states[id] == nil {
			states[id] = &roundStatus{}
		}
		return states[id]
	}
	if s.deps.Mail != nil {
		sends, err := s.deps.Mail.ListMailSends(ctx, surveyID, round)
		if err != nil {
			return nil, err
		}
		for _, m := range sends {
			st := get(m.ExpertID)
			if m.Kind == delphi.MailInvite {
				st.Invite, st.InviteError, st.InvitedAt = m.Status, m.Error, m.SentAt
				continue
			}
			if m.Status == delphi.SendSent {
				st.Reminders++
				if st.LastReminderAt == nil || (m.SentAt != nil && m.SentAt.After(*st.LastReminderAt)) {
					st.LastReminderAt = m.SentAt
				}
			}
		}
	}
	if s.deps.Responses != nil {
		rs, err := s.deps.Responses.ListResponses(ctx, surveyID, round)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			st := get(r.ExpertID)
			st.FirstOpenedAt, st.LastActivityAt, st.StartedAt, st.SubmittedAt = r.FirstOpenedAt, r.LastActivityAt, r.StartedAt, r.SubmittedAt
		}
	}
	return states, nil
}

// expertInput is the body of create and update; absent fields stay.
type expertInput struct {
	Name         *string `json:"name"`
	Email        *string `json:"email"`
	Organisation *string `json:"organisation"`
	Group        *string `json:"group"`
	Language     *string `json:"language"`
	Notes        *string `json:"notes"`
	Declined     *bool   `json:"declined"` // update only: mark as having left the study, or back
}

// apply copies the given fields onto e, normalises it and returns the
// names of the fields that changed.
func (in *expertInput) apply(e *delphi.Expert, now time.Time) []string {
	before := *e
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&e.Name, in.Name)
	set(&e.Email, in.Email)
	set(&e.Organisation, in.Organisation)
	set(&e.Group, in.Group)
	set(&e.Language, in.Language)
	set(&e.Notes, in.Notes)
	if in.Declined != nil && *in.Declined != (e.DeclinedAt != nil) {
		if *in.Declined {
			t := now.UTC()
			e.DeclinedAt = &t
		} else {
			e.DeclinedAt = nil
		}
	}
	e.Normalize()
	var changed []string
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"name", before.Name, e.Name}, {"email", before.Email, e.Email}, {"organisation", before.Organisation, e.Organisation},
		{"group", before.Group, e.Group}, {"language", before.Language, e.Language}, {"notes", before.Notes, e.Notes},
	} {
		if f.old != f.new {
			changed = append(changed, f.name)
		}
	}
	if (before.DeclinedAt != nil) != (e.DeclinedAt != nil) {
		changed = append(changed, "declined")
	}
	return changed
}

func (h *PanelHandler) create(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	var in expertInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Declined != nil {
		return delphi.FieldErrorf(delphi.EINVALID, "declined", "a new expert cannot have declined")
	}
	e := &delphi.Expert{SurveyID: sv.ID, Language: delphi.LangDE}
	in.apply(e, h.s.now())
	if err := e.Validate(sv.Definition); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.s.deps.Experts.CreateExpert(ctx, e); err != nil {
		return err
	}
	if err := h.s.audit(ctx, currentUser(c), "expert.create", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym, "group": e.Group}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(expertJSON{Expert: e, Status: e.Status()})
}

func (h *PanelHandler) expert(c *fiber.Ctx, sv *delphi.Survey) (*delphi.Expert, error) {
	e, err := h.s.deps.Experts.ExpertByID(c.UserContext(), sv.ID, c.Params("expertId"))
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "expert not found")
	}
	return e, err
}

func (h *PanelHandler) get(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	e, err := h.expert(c, sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(expertJSON{Expert: e, Status: e.Status()})
}

func (h *PanelHandler) update(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	var in expertInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := h.expert(c, sv)
	if err != nil {
		return err
	}
	if e.Erased() && (in.Name != nil || in.Email != nil || in.Organisation != nil || in.Notes != nil) {
		return delphi.Errorf(delphi.ECONFLICT, "this expert's identity was erased; contact data cannot be added again")
	}
	changed := in.apply(e, h.s.now())
	if e.Erased() {
		if _, ok := sv.Definition.Group(e.Group); !ok {
			return delphi.FieldErrorf(delphi.EINVALID, "group", "unknown expert group %q", e.Group)
		}
	} else if err := e.Validate(sv.Definition); err != nil {
		return err
	}
	ctx := c.UserContext()
	if len(changed) > 0 {
		if err := h.write(ctx, e, changed); err != nil {
			return err
		}
		if err := h.s.audit(ctx, currentUser(c), "expert.update", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym, "fields": changed}); err != nil {
			return err
		}
	}
	return c.JSON(expertJSON{Expert: e, Status: e.Status()})
}

// write stores the changed fields of e and fills e with the stored expert.
// The panel fields go through UpdateExpert, which leaves consent and decline
// alone; a toggled decline is written by itself (SetDeclined keeps an
// earlier time, ClearDeclined takes it back). So an edit made from a copy
// read before the expert consented or declined keeps what the expert did.
func (h *PanelHandler) write(ctx context.Context, e *delphi.Expert, changed []string) error {
	declinedAt := e.DeclinedAt
	toggled := slices.Contains(changed, "declined")
	if !toggled || len(changed) > 1 {
		if err := h.s.deps.Experts.UpdateExpert(ctx, e); err != nil {
			return err
		}
	}
	if !toggled {
		return nil
	}
	var got *delphi.Expert
	var err error
	if declinedAt != nil {
		got, err = h.s.deps.Experts.SetDeclined(ctx, e.SurveyID, e.ID, *declinedAt)
	} else {
		got, err = h.s.deps.Experts.ClearDeclined(ctx, e.SurveyID, e.ID)
	}
	if err != nil {
		return err
	}
	*e = *got
	return nil
}

// erase deletes the person's identity and revokes the link; the pseudonym,
// group and answers stay. Erasing again answers 204 as well.
func (h *PanelHandler) erase(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	e, err := h.expert(c, sv)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := h.s.deps.Experts.EraseExpert(ctx, sv.ID, e.ID, h.s.now()); err != nil {
		return err
	}
	if err := h.s.audit(ctx, currentUser(c), "expert.erase", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// issueLink issues a new personal link; the old one stops working. The
// link is in this answer only: the database keeps its hash.
func (h *PanelHandler) issueLink(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	e, err := h.expert(c, sv)
	if err != nil {
		return err
	}
	if e.Erased() {
		return delphi.Errorf(delphi.ECONFLICT, "this expert's identity was erased; no link can be issued")
	}
	ctx := c.UserContext()
	link, err := h.s.newLink(ctx, e)
	if err != nil {
		return err
	}
	if err := h.s.audit(ctx, currentUser(c), "expert.link", sv.ID, e.ID, map[string]any{"pseudonym": e.Pseudonym}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"expert_id": e.ID, "pseudonym": e.Pseudonym, "link": link, "issued_at": e.LinkIssuedAt})
}

// newLink issues a token for e, stores its hash and returns the link.
func (s *Server) newLink(ctx context.Context, e *delphi.Expert) (string, error) {
	token, hash := delphi.NewAccessToken()
	now := s.now()
	if err := s.deps.Experts.SetAccessToken(ctx, e.SurveyID, e.ID, hash, now); err != nil {
		return "", err
	}
	t := now.UTC()
	e.LinkIssuedAt = &t
	return delphi.AccessLink(s.opt.BaseURL, token), nil
}

// ---------------------------------------------------------------- import

type importUpdate struct {
	Line      int      `json:"row"`
	ExpertID  string   `json:"expert_id"`
	Pseudonym string   `json:"pseudonym"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Fields    []string `json:"fields"`
}

type importReport struct {
	DryRun    bool              `json:"dry_run"`
	Written   bool              `json:"written"`
	Format    string            `json:"format"`
	DataRows  int               `json:"data_rows"`
	Added     []panel.Row       `json:"added"`
	Updated   []importUpdate    `json:"updated"`
	Unchanged []int             `json:"unchanged"`
	Rejected  []panel.Rejection `json:"rejected"`
	Ignored   []string          `json:"ignored_columns,omitempty"`
}

// importFile reads a CSV or XLSX panel (multipart "file"). ?dry_run=true
// (the default) only reports; otherwise the rows are written, but only if
// none is rejected or ?skip_invalid=true.
func (h *PanelHandler) importFile(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	dryRun, skipInvalid := c.QueryBool("dry_run", true), c.QueryBool("skip_invalid", false)
	fh, err := c.FormFile("file")
	if err != nil {
		return delphi.FieldErrorf(delphi.EINVALID, "file", "attach the CSV or Excel file in the form field \"file\"")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(f)
	f.Close()
	if err != nil {
		return err
	}
	parsed, err := panel.Parse(fh.Filename, buf.Bytes(), sv.Definition)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	existing, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return err
	}
	plan := panel.MakePlan(parsed.Rows, existing)
	byID := make(map[string]*delphi.Expert, len(existing))
	for _, e := range existing {
		byID[e.ID] = e
	}
	rep := importReport{
		DryRun: dryRun, Format: parsed.Format, DataRows: parsed.DataRows, Added: plan.Add,
		Updated: make([]importUpdate, 0, len(plan.Update)), Unchanged: plan.Unchanged, Rejected: parsed.Rejected, Ignored: parsed.Ignored,
	}
	for _, u := range plan.Update {
		rep.Updated = append(rep.Updated, importUpdate{Line: u.Line, ExpertID: u.ExpertID, Pseudonym: u.Pseudonym, Email: u.Row.Email, Name: u.Row.Name, Fields: u.Fields})
	}
	if dryRun {
		return c.JSON(rep)
	}
	if len(parsed.Rejected) > 0 && !skipInvalid {
		e := delphi.FieldErrorf(delphi.EINVALID, "file", "%d rows are invalid; nothing was imported (fix them, or import with skip_invalid=true)", len(parsed.Rejected))
		for _, r := range parsed.Rejected {
			e.Details = append(e.Details, delphi.Detail{Line: r.Line, Field: r.Field, Message: r.Message})
		}
		return e
	}

	// Write: updates one by one, additions in bulk. A row that fails now
	// (e.g. the address was added meanwhile) is reported as rejected.
	// UpdateExpert leaves consent and decline alone, so an expert's consent
	// or decline since the panel was read stays.
	var written []importUpdate
	for i, u := range plan.Update {
		e := u.Apply(byID[u.ExpertID])
		if err := h.s.deps.Experts.UpdateExpert(ctx, e); err != nil {
			if de := delphi.AsError(err); de.Code == delphi.EINVALID || de.Code == delphi.ECONFLICT || de.Code == delphi.ENOTFOUND {
				rep.Rejected = append(rep.Rejected, panel.Rejection{Line: u.Line, Email: u.Row.Email, Field: de.Field, Reason: "write_failed", Message: de.Message})
				continue
			}
			return err
		}
		written = append(written, rep.Updated[i])
	}
	rep.Updated = append([]importUpdate{}, written...)
	adds := make([]*delphi.Expert, len(plan.Add))
	for i, r := range plan.Add {
		adds[i] = r.Expert(sv.ID)
	}
	var errs []error
	if bc, ok := h.s.deps.Experts.(batchCreator); ok {
		errs = bc.CreateExperts(ctx, adds)
	} else {
		errs = make([]error, len(adds))
		for i, e := range adds {
			errs[i] = h.s.deps.Experts.CreateExpert(ctx, e)
		}
	}
	added := make([]panel.Row, 0, len(adds))
	for i, err := range errs {
		r := plan.Add[i]
		if err != nil {
			if de := delphi.AsError(err); de.Code == delphi.EINVALID || de.Code == delphi.ECONFLICT {
				rep.Rejected = append(rep.Rejected, panel.Rejection{Line: r.Line, Email: r.Email, Field: de.Field, Reason: "write_failed", Message: de.Message})
				continue
			}
			return err
		}
		added = append(added, r)
	}
	rep.Added, rep.Written = added, true
	if err := h.s.audit(ctx, currentUser(c), "expert.import", sv.ID, "", map[string]any{
		"format": parsed.Format, "data_rows": parsed.DataRows, "added": len(rep.Added), "updated": len(rep.Updated),
		"rejected": len(rep.Rejected), "skip_invalid": skipInvalid,
	}); err != nil {
		return err
	}
	return c.JSON(rep)
}

// ---------------------------------------------------------------- export

// spreadsheet is a table for CSV or XLSX.
type spreadsheet struct {
	header []string
	rows   [][]string
}

// writeCSV answers t as UTF-8 CSV with BOM and semicolons, as German Excel
// reads it, through the one CSV writer (export.CSVWriter: a cell holding
// , ; " or a line break is quoted), every cell neutralised (export.Neutralize).
func writeCSV(c *fiber.Ctx, name string, t spreadsheet) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := export.NewCSVWriter(&buf, ';')
	_ = w.Write(t.header)
	safe := make([]string, len(t.header))
	for _, r := range t.rows {
		safe = safe[:0]
		for _, v := range r {
			safe = append(safe, export.Neutralize(v))
		}
		_ = w.Write(safe)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// writeXLSX answers t as a workbook; every cell is a string cell, so
// nothing a person typed becomes a formula.
func writeXLSX(c *fiber.Ctx, name, sheet string, t spreadsheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	_ = sw.SetColWidth(1, len(t.header), 22)
	write := func(row int, cells []string, style int) error {
		vals := make([]any, len(cells))
		for i, v := range cells {
			vals[i] = excelize.Cell{Value: v, StyleID: style}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, vals)
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err := write(1, t.header, bold); err != nil {
		return err
	}
	for i, r := range t.rows {
		if err := write(i+2, r, 0); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func fmtTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func studyLocation(def *delphi.Definition) *time.Location {
	zone := def.TimeZone
	if zone == "" {
		zone = "Europe/Berlin"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// panelTable is the panel with contact data. Its headers are those the
// import reads, so an export can be edited and imported again.
func (h *PanelHandler) panelTable(c *fiber.Ctx, sv *delphi.Survey) (spreadsheet, error) {
	experts, err := h.s.deps.Experts.ListExperts(c.UserContext(), sv.ID)
	if err != nil {
		return spreadsheet{}, err
	}
	loc := studyLocation(sv.Definition)
	en := c.Query("lang") == delphi.LangEN
	t := spreadsheet{header: []string{"Pseudonym", "Name", "E-Mail", "Organisation", "Gruppe", "Sprache", "Notizen", "Status", "Link ausgegeben", "Angelegt"}}
	if en {
		t.header = []string{"Pseudonym", "Name", "Email", "Organisation", "Group", "Language", "Notes", "Status", "Link issued", "Created"}
	}
	group := c.Query("group")
	for _, e := range experts {
		if group != "" && e.Group != group {
			continue
		}
		t.rows = append(t.rows, []string{e.Pseudonym, e.Name, e.Email, e.Organisation, e.Group, e.Language, e.Notes, e.Status(),
			fmtTime(e.LinkIssuedAt, loc), fmtTime(&e.CreatedAt, loc)})
	}
	return t, nil
}

func (h *PanelHandler) export(c *fiber.Ctx, format string) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	t, err := h.panelTable(c, sv)
	if err != nil {
		return err
	}
	if err := h.s.audit(c.UserContext(), currentUser(c), "expert.export", sv.ID, "", map[string]any{"format": format, "rows": len(t.rows), "group": c.Query("group")}); err != nil {
		return err
	}
	name := fmt.Sprintf("panel-%s-%s.%s", sv.ID, h.s.now().Format("2006-01-02"), format)
	if format == "csv" {
		return writeCSV(c, name, t)
	}
	return writeXLSX(c, name, "Panel", t)
}

func (h *PanelHandler) exportCSV(c *fiber.Ctx) error  { return h.export(c, "csv") }
func (h *PanelHandler) exportXLSX(c *fiber.Ctx) error { return h.export(c, "xlsx") }

// links issues fresh links for the experts of the study (or ?group=) who
// are neither erased nor declined, and answers them as a file: only hashes
// are stored, so this is the one moment the links can be read.
func (h *PanelHandler) links(c *fiber.Ctx, format string) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	group := c.Query("group")
	if group != "" {
		if _, ok := sv.Definition.Group(group); !ok {
			return delphi.FieldErrorf(delphi.EINVALID, "group", "unknown group %q", group)
		}
	}
	ctx := c.UserContext()
	experts, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return err
	}
	en := c.Query("lang") == delphi.LangEN
	t := spreadsheet{header: []string{"Pseudonym", "Name", "E-Mail", "Gruppe", "Sprache", "Link"}}
	if en {
		t.header = []string{"Pseudonym", "Name", "Email", "Group", "Language", "Link"}
	}
	for _, e := range experts {
		if e.Status() != delphi.ExpertActive || (group != "" && e.Group != group) {
			continue
		}
		link, err := h.s.newLink(ctx, e)
		if err != nil {
			return err
		}
		t.rows = append(t.rows, []string{e.Pseudonym, e.Name, e.Email, e.Group, e.Language, link})
	}
	if err := h.s.audit(ctx, currentUser(c), "expert.links", sv.ID, "", map[string]any{"format": format, "count": len(t.rows), "group": group}); err != nil {
		return err
	}
	name := fmt.Sprintf("links-%s-%s.%s", sv.ID, h.s.now().Format("2006-01-02"), format)
	if format == "csv" {
		return writeCSV(c, name, t)
	}
	return writeXLSX(c, name, "Links", t)
}

func (h *PanelHandler) linksCSV(c *fiber.Ctx) error  { return h.links(c, "csv") }
func (h *PanelHandler) linksXLSX(c *fiber.Ctx) error { return h.links(c, "xlsx") }
