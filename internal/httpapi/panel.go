package httpapi

import (
	"bytes"
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/panel"
)

// PanelHandler serves a study's expert panel: the list, single experts,
// import, export and personal links (panel.Service). Every route carries
// contact data, so only admins and coordinators may call them (researchers
// get 403); a study the caller is not assigned to is 404.
type PanelHandler struct {
	studies studies
	panel   *panel.Service
}

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

// panelSurvey checks the service and the study's visibility.
func (h *PanelHandler) panelSurvey(c *fiber.Ctx) (*delphi.Survey, error) {
	if h.panel == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "the expert panel is not available")
	}
	return h.studies.visible(c, c.Params("id"))
}

// list returns the panel, filtered by ?group= and ?status=; with ?round=n
// each expert carries their state in round n (the progress statuses of the
// filter need it).
func (h *PanelHandler) list(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	f := panel.Filter{Group: c.Query("group"), Status: c.Query("status")}
	if c.Query("round") != "" {
		if f.Round = c.QueryInt("round"); f.Round < 1 {
			return delphi.FieldErrorf(delphi.EINVALID, "round", "round must be a positive number")
		}
	}
	out, err := h.panel.List(c.UserContext(), sv, f)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *PanelHandler) create(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	var in panel.ExpertInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.panel.Create(c.UserContext(), currentUser(c).ID, sv, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *PanelHandler) get(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	out, err := h.panel.Get(c.UserContext(), sv, c.Params("expertId"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *PanelHandler) update(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	var in panel.ExpertInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := h.panel.Update(c.UserContext(), currentUser(c).ID, sv, c.Params("expertId"), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// erase deletes the person's identity and revokes the link; erasing again
// answers 204 as well.
func (h *PanelHandler) erase(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	if err := h.panel.Erase(c.UserContext(), currentUser(c).ID, sv, c.Params("expertId")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// issueLink issues a new personal link; it is in this answer only.
func (h *PanelHandler) issueLink(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	out, err := h.panel.IssueLink(c.UserContext(), currentUser(c).ID, sv, c.Params("expertId"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// importFile reads a CSV or XLSX panel (multipart "file"). ?dry_run=true
// (the default) only reports; otherwise the rows are written, but only if
// none is rejected or ?skip_invalid=true.
func (h *PanelHandler) importFile(c *fiber.Ctx) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	req := panel.ImportRequest{DryRun: c.QueryBool("dry_run", true), SkipInvalid: c.QueryBool("skip_invalid", false)}
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
	req.Name, req.Data = fh.Filename, buf.Bytes()
	rep, err := h.panel.Import(c.UserContext(), currentUser(c).ID, sv, req)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// table answers one of the panel's tables (panel.Service.Export or
// Links) as a file.
func (h *PanelHandler) table(c *fiber.Ctx, format, sheet string, read func(ctx context.Context, actorID string, sv *delphi.Survey, req panel.TableRequest) (*panel.Table, error)) error {
	sv, err := h.panelSurvey(c)
	if err != nil {
		return err
	}
	t, err := read(c.UserContext(), currentUser(c).ID, sv, panel.TableRequest{Format: format, Lang: c.Query("lang"), Group: c.Query("group")})
	if err != nil {
		return err
	}
	name, sp := t.Name+"."+format, spreadsheet{header: t.Header, rows: t.Rows}
	if format == "csv" {
		return writeCSV(c, name, sp)
	}
	return writeXLSX(c, name, sheet, sp)
}

func (h *PanelHandler) exportCSV(c *fiber.Ctx) error {
	return h.table(c, "csv", "Panel", h.panel.Export)
}
func (h *PanelHandler) exportXLSX(c *fiber.Ctx) error {
	return h.table(c, "xlsx", "Panel", h.panel.Export)
}

// links issue fresh links for the active experts (of ?group=) and answer
// them as a file: the one moment the links can be read.
func (h *PanelHandler) linksCSV(c *fiber.Ctx) error { return h.table(c, "csv", "Links", h.panel.Links) }
func (h *PanelHandler) linksXLSX(c *fiber.Ctx) error {
	return h.table(c, "xlsx", "Links", h.panel.Links)
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
