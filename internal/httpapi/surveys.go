package httpapi

import (
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
	"github.com/expertenrunde/expertenrunde/internal/survey"
)

// SurveyHandler serves the study definitions; imports go through the
// importer the CLI uses too.
type SurveyHandler struct {
	studies  studies
	surveys  delphi.SurveyStore
	importer *survey.Importer
}

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
	all, err := h.surveys.ListSurveys(c.UserContext(), ids)
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

// surveyOut is a stored study with its consensus rule in words, in each
// language the UI speaks (analysis.RuleText, the one source of the sentence).
type surveyOut struct {
	*delphi.Survey
	RuleText map[string]string `json:"rule_text"`
}

func (h *SurveyHandler) get(c *fiber.Ctx) error {
	sv, err := h.studies.visible(c, c.Params("id"))
	if err != nil {
		return err
	}
	out := surveyOut{Survey: sv, RuleText: map[string]string{}}
	for _, lang := range []string{delphi.LangDE, delphi.LangEN} {
		out.RuleText[lang] = analysis.RuleText(sv.Definition.Consensus, sv.Definition, lang)
	}
	return c.JSON(out)
}

// create imports a study definition: the body is the YAML or JSON file
// itself, or a multipart form with a "file" field. An unchanged definition
// answers 200 with the stored revision; a new or changed one 201. After
// round 1 opened, a revision that changes the locked analysis protocol
// needs the reason: the form field or query parameter
// protocol_change_reason (409 protocol_change_needs_reason without it).
func (h *SurveyHandler) create(c *fiber.Ctx) error {
	if h.importer == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "imports are not available on this server")
	}
	name, data, err := uploadedFile(c)
	if err != nil {
		return err
	}
	def, err := survey.Parse(name, data)
	if err != nil {
		return err
	}
	st, changed, err := h.importer.ImportAsBecause(c.UserContext(), currentUser(c), def, changeReason(c))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if changed {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(st)
}

// changeReason is the reason of a protocol change given with an import:
// the multipart field or the query parameter protocol_change_reason.
func changeReason(c *fiber.Ctx) string {
	if r := c.FormValue(reporting.ReasonField); r != "" && strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return r
	}
	return c.Query(reporting.ReasonField)
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
	body := append([]byte(nil), requestBody(c)...)
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
