package httpapi

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
)

// ExportHandler serves a study's results as a file for reports and for
// statistics software (docs/EXPORT.md), to the study's staff, researchers
// included; others get 404. export.Service, which the CLI uses too, loads,
// writes and audits.
type ExportHandler struct {
	studies studies
	export  *export.Service
}

func (h *ExportHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/export.xlsx", staff, h.xlsx},
		{fiber.MethodGet, "/surveys/:id/export.csv", staff, h.csv},
		{fiber.MethodGet, "/surveys/:id/export.json", staff, h.json},
		{fiber.MethodGet, "/surveys/:id/export.zip", staff, h.zip},
	}
}

func (h *ExportHandler) xlsx(c *fiber.Ctx) error { return h.serve(c, "xlsx") }
func (h *ExportHandler) csv(c *fiber.Ctx) error  { return h.serve(c, "csv") }
func (h *ExportHandler) json(c *fiber.Ctx) error { return h.serve(c, "json") }
func (h *ExportHandler) zip(c *fiber.Ctx) error  { return h.serve(c, "zip") }

var exportTypes = map[string]string{
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
	"zip":  "application/zip",
}

// serve writes the file to a temporary file first, so a failure is still
// an error answer and memory stays flat, then streams it; the file is
// removed once sent. ?rounds=all|1,2 (default all rounds with results),
// ?lang=de|en (default the study's first language).
func (h *ExportHandler) serve(c *fiber.Ctx, format string) error {
	if h.export == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "exports are not available on this server")
	}
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	nums, err := export.ParseRounds(c.Query("rounds"))
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
	out, err := h.export.Write(c.UserContext(), f, export.Job{SurveyID: sv.ID, Rounds: nums, Lang: c.Query("lang"), Format: format, ActorID: currentUser(c).ID})
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
	c.Set(fiber.HeaderContentType, exportTypes[format])
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, out.Name, url.PathEscape(out.Name)))
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
