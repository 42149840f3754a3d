package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/reporting"
)

// ReportingHandler serves what a study's staff report about it: the locked
// analysis protocol with its deviations, and the reporting checklist with
// the methods paragraph (reporting.Service).
type ReportingHandler struct {
	studies   studies
	reporting *reporting.Service
}

func (h *ReportingHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/protocol", staff, h.protocol},
		{fiber.MethodGet, "/surveys/:id/reporting", staff, h.report},
	}
}

func (h *ReportingHandler) survey(c *fiber.Ctx) (*delphi.Survey, error) {
	if h.reporting == nil {
		return nil, delphi.Errorf(delphi.EUNAVAILABLE, "reporting is not available on this server")
	}
	return h.studies.visible(c, c.Params("id"))
}

// protocolOut is the protocol record with its canonical JSON (what the
// SHA-256 hashes) and the deviations.
type protocolOut struct {
	Protocol   *delphi.Protocol   `json:"protocol"`
	Canonical  string             `json:"canonical"`
	Deviations []delphi.Deviation `json:"deviations"`
}

func (h *ReportingHandler) protocol(c *fiber.Ctx) error {
	sv, err := h.survey(c)
	if err != nil {
		return err
	}
	p, devs, err := h.reporting.Protocol(c.UserContext(), sv)
	if err != nil {
		return err
	}
	canon, err := p.Canonical()
	if err != nil {
		return delphi.Internal(err)
	}
	if devs == nil {
		devs = []delphi.Deviation{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(protocolOut{Protocol: p, Canonical: string(canon), Deviations: devs})
}

func (h *ReportingHandler) report(c *fiber.Ctx) error {
	sv, err := h.survey(c)
	if err != nil {
		return err
	}
	rep, err := h.reporting.Report(c.UserContext(), sv)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(rep)
}
