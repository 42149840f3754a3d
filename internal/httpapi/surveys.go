package httpapi

import (
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// SurveyHandler serves the study definitions.
type SurveyHandler struct{ s *Server }

func (h *SurveyHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys", staff, h.list},
		{fiber.MethodPost, "/surveys", staffWriter, h.create},
		{fiber.MethodGet, "/surveys/:id", staff, h.get},
	}
}

// surveySummary is one row of the study list.
type surveySummary struct {
	ID           string      `json:"id"`
	Revision     int         `json:"revision"`
	Version      string      `json:"version"`
	Title        delphi.Text `json:"title"`
	Description  delphi.Text `json:"description,omitempty"`
	Languages    []string    `json:"languages"`
	Status       string      `json:"status"`
	ItemCount    int         `json:"item_count"`
	SectionCount int         `json:"section_count"`
	GroupCount   int         `json:"group_count"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

func summarize(sv *delphi.Survey) surveySummary {
	d := sv.Definition
	return surveySummary{
		ID: sv.ID, Revision: sv.Revision, Version: d.Version, Title: d.Title, Description: d.Description,
		Languages: d.Languages, Status: sv.Status, ItemCount: len(d.Items()), SectionCount: len(d.Sections),
		GroupCount: len(d.Groups), UpdatedAt: sv.UpdatedAt,
	}
}

func (h *SurveyHandler) list(c *fiber.Ctx) error {
	u := currentUser(c)
	var ids []string
	if u.Role != delphi.RoleAdmin {
		ids = append([]string{}, u.SurveyIDs...) // non-nil: an empty assignment lists nothing
	}
	all, err := h.s.deps.Surveys.ListSurveys(c.UserContext(), ids)
	if err != nil {
		return err
	}
	out := make([]surveySummary, 0, len(all))
	for _, sv := range all {
		out = append(out, summarize(sv))
	}
	return c.JSON(fiber.Map{"surveys": out})
}

// studies resolves the study a request names, for the handlers of every
// area.
type studies struct{ surveys delphi.SurveyStore }

// visible returns the study if the user may see it, and ENOTFOUND
// otherwise, so that other studies' existence is not revealed.
func (st studies) visible(c *fiber.Ctx, id string) (*delphi.Survey, error) {
	notFound := delphi.Errorf(delphi.ENOTFOUND, "study %q not found", id)
	if !currentUser(c).CanSee(id) {
		return nil, notFound
	}
	sv, err := st.surveys.SurveyByID(c.UserContext(), id)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, notFound
	}
	return sv, err
}

// visibleSurvey is studies.visible on the server's survey store.
func (s *Server) visibleSurvey(c *fiber.Ctx, id string) (*delphi.Survey, error) {
	return studies{s.deps.Surveys}.visible(c, id)
}

func (h *SurveyHandler) get(c *fiber.Ctx) error {
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(sv)
}

// create imports a study definition: the body is the YAML or JSON file
// itself, or a multipart form with a "file" field. An unchanged definition
// answers 200 with the stored revision; a new or changed one 201.
func (h *SurveyHandler) create(c *fiber.Ctx) error {
	name, data, err := uploadedFile(c)
	if err != nil {
		return err
	}
	def, err := survey.Parse(name, data)
	if err != nil {
		return err
	}
	u := currentUser(c)
	st, changed, err := h.s.importSurvey(c, u, def)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if changed {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(st)
}

// importSurvey stores def through the shared importer, after the visibility
// check, and assigns a new study to the coordinator who imported it.
func (s *Server) importSurvey(c *fiber.Ctx, u *delphi.User, def *delphi.Definition) (*delphi.Survey, bool, error) {
	ctx := c.UserContext()
	if _, err := s.deps.Surveys.SurveyByID(ctx, def.ID); err == nil && !u.CanSee(def.ID) {
		return nil, false, delphi.Errorf(delphi.ENOTFOUND, "study %q not found", def.ID)
	} else if err != nil && delphi.ErrorCode(err) != delphi.ENOTFOUND {
		return nil, false, err
	}
	im := &survey.Importer{Surveys: s.deps.Surveys, Audit: s.deps.Audit, Answered: s.deps.Answered, Now: s.now}
	st, changed, err := im.Import(ctx, u.ID, def)
	if err != nil || !changed {
		return st, changed, err
	}
	if u.Role != delphi.RoleAdmin && !slices.Contains(u.SurveyIDs, def.ID) {
		u.SurveyIDs = append(u.SurveyIDs, def.ID)
		u.UpdatedAt = s.now().UTC()
		if err := s.deps.Users.UpdateUser(ctx, u); err != nil {
			return nil, false, err
		}
	}
	return st, true, nil
}

// uploadedFile returns the file name and bytes of an upload: a multipart
// "file" field, or the raw body (named by ?filename= or its content type).
func uploadedFile(c *fiber.Ctx) (string, []byte, error) {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return "", nil, delphi.FieldErrorf(delphi.EINVALID, "file", "attach the file in the form field \"file\"")
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		// One Read may return less than the whole file (e.g. a part spilled to
		// disk); a short read would import a truncated definition.
		buf := make([]byte, fh.Size)
		if _, err := io.ReadFull(f, buf); err != nil {
			return "", nil, err
		}
		return fh.Filename, buf, nil
	}
	body := append([]byte(nil), c.Body()...)
	if len(body) == 0 {
		return "", nil, delphi.FieldErrorf(delphi.EINVALID, "file", "the request body is empty; send the YAML or JSON study file")
	}
	name := c.Query("filename")
	if name == "" {
		name = "upload.yaml"
		if strings.Contains(ct, "json") {
			name = "upload.json"
		}
	}
	return name, body, nil
}
