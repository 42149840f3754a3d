package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
	"github.com/expertenrunde/expertenrunde/internal/rounds"
)

// ExportHandler serves a study's results as a file for reports and for
// statistics software (docs/EXPORT.md), to the study's staff, researchers
// included; others get 404. The numbers come from the results service.
type ExportHandler struct{ s *Server }

func (h *ExportHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/export.xlsx", staff, h.xlsx},
		{fiber.MethodGet, "/surveys/:id/export.csv", staff, h.csv},
		{fiber.MethodGet, "/surveys/:id/export.json", staff, h.json},
	}
}

func (h *ExportHandler) xlsx(c *fiber.Ctx) error { return h.export(c, "xlsx") }
func (h *ExportHandler) csv(c *fiber.Ctx) error  { return h.export(c, "csv") }
func (h *ExportHandler) json(c *fiber.Ctx) error { return h.export(c, "json") }

var exportTypes = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
}

// export writes the file to a temporary file first, so a failure is still
// an error answer and memory stays flat, then streams it; the file is
// removed once sent. ?rounds=all|1,2 (default all rounds with results),
// ?lang=de|en (default the study's first language).
func (h *ExportHandler) export(c *fiber.Ctx, format string) error {
	d := h.s.deps
	if d.Results == nil || d.Rounds == nil || d.Responses == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "exports are not available on this server")
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	nums, err := export.ParseRounds(c.Query("rounds"))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	now := h.s.now()
	rsvc, err := h.s.roundService()
	if err != nil {
		return err
	}
	// Through the lifecycle service, so an overdue round is closed (and
	// exported from its snapshot) as it is for every other request.
	src := export.Sources{Surveys: d.Surveys, Rounds: roundLister{rsvc}, Results: d.Results, Responses: d.Responses}
	if d.Experts != nil {
		src.Experts = d.Experts
	}
	if d.Mail != nil {
		src.Mail = d.Mail
	}
	in, err := export.Load(ctx, src, export.Request{SurveyID: sv.ID, Rounds: nums, Lang: c.Query("lang"), Version: h.s.opt.Version, Now: now})
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "expertenrunde-export-*."+format)
	if err != nil {
		return delphi.Internal(err)
	}
	body := &tempFile{File: f}
	sent := false
	defer func() {
		if !sent {
			body.Close()
		}
	}()
	switch format {
	case "xlsx":
		err = export.WriteXLSX(ctx, f, in, nil)
	case "csv":
		err = export.WriteCSV(ctx, f, in)
	default:
		err = export.WriteJSON(ctx, f, in)
	}
	if err != nil {
		return err
	}
	size, err := f.Seek(0, 1)
	if err == nil {
		_, err = f.Seek(0, 0)
	}
	if err != nil {
		return delphi.Internal(err)
	}
	numbers := make([]int, len(in.Rounds))
	for i, r := range in.Rounds {
		numbers[i] = r.Number
	}
	if err := h.s.audit(ctx, currentUser(c), "survey.export", sv.ID, "", map[string]any{"format": format, "rounds": numbers, "lang": in.Lang}); err != nil {
		return err
	}
	lang := in.Lang
	if lang == "" && len(sv.Definition.Languages) > 0 {
		lang = sv.Definition.Languages[0]
	}
	name := export.FileName(sv.ID, lang, now.In(studyLocation(sv.Definition)), format)
	c.Set(fiber.HeaderContentType, exportTypes[format])
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name, url.PathEscape(name)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	sent = true
	return c.SendStream(body, int(size)) // fasthttp closes body once sent
}

// tempFile removes itself when closed.
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	if rerr := os.Remove(t.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// roundLister lists a study's rounds after the lazy deadline check.
type roundLister struct{ svc *rounds.Service }

func (l roundLister) ListRounds(ctx context.Context, surveyID string) ([]*delphi.Round, error) {
	return l.svc.List(ctx, surveyID)
}
