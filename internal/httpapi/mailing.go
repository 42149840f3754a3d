package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
	"github.com/expertenrunde/expertenrunde/internal/stats"
)

// MailHandler serves a round's invitations and reminders, their texts and
// the response rates. Sending only queues: a job is stored and the mail
// dispatcher sends in the background (202 with the job).
type MailHandler struct{ s *Server }

func (h *MailHandler) routes() []route {
	return []route{
		{fiber.MethodGet, "/surveys/:id/rounds/:n/invitations", staffWriter, h.status},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/invitations", staffWriter, h.invite},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/invitations/retry", staffWriter, h.retry},
		{fiber.MethodPost, "/surveys/:id/rounds/:n/reminders", staffWriter, h.remind},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/mail", staffWriter, h.getTexts},
		{fiber.MethodPut, "/surveys/:id/rounds/:n/mail", staffWriter, h.putTexts},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/mail/preview", staffWriter, h.preview},
		{fiber.MethodGet, "/surveys/:id/rounds/:n/progress", staff, h.progress},
	}
}

// mailRound checks the services, the study's visibility and the round
// number (and, when rounds are stored, that the round exists).
func (h *MailHandler) mailRound(c *fiber.Ctx) (*delphi.Survey, int, *delphi.Round, error) {
	if h.s.deps.Mail == nil || h.s.deps.Experts == nil {
		return nil, 0, nil, delphi.Errorf(delphi.EUNAVAILABLE, "mail is not available")
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return nil, 0, nil, err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 {
		return nil, 0, nil, delphi.Errorf(delphi.ENOTFOUND, "round %q not found", c.Params("n"))
	}
	var r *delphi.Round
	if h.s.deps.Rounds != nil {
		if r, err = h.s.deps.Rounds.Round(c.UserContext(), sv.ID, n); err != nil {
			return nil, 0, nil, err
		}
	}
	return sv, n, r, nil
}

// sendRequest is the optional body of invitations and reminders.
type sendRequest struct {
	Group            string `json:"group"`              // only this expert group
	KeepLinks        bool   `json:"keep_links"`         // experts with a link get no new one
	MinIntervalHours *int   `json:"min_interval_hours"` // reminders: at most one mail per expert in this time; 24
}

func (h *MailHandler) invite(c *fiber.Ctx) error { return h.enqueue(c, delphi.MailInvite) }
func (h *MailHandler) remind(c *fiber.Ctx) error { return h.enqueue(c, delphi.MailReminder) }

func (h *MailHandler) enqueue(c *fiber.Ctx, kind string) error {
	sv, n, r, err := h.mailRound(c)
	if err != nil {
		return err
	}
	var req sendRequest
	if len(requestBody(c)) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if req.Group != "" {
		if _, ok := sv.Definition.Group(req.Group); !ok {
			return delphi.FieldErrorf(delphi.EINVALID, "group", "unknown group %q", req.Group)
		}
	}
	interval := mail.DefaultMinInterval
	if req.MinIntervalHours != nil {
		if *req.MinIntervalHours < 0 || *req.MinIntervalHours > 24*30 {
			return delphi.FieldErrorf(delphi.EINVALID, "min_interval_hours", "min_interval_hours must lie between 0 and 720")
		}
		interval = time.Duration(*req.MinIntervalHours) * time.Hour
		if interval == 0 {
			interval = time.Nanosecond // 0 means no limit; PlanSends reads ≤ 0 as the default
		}
	}
	if sv.Status == delphi.SurveyClosed {
		return delphi.Errorf(delphi.ECONFLICT, "the study is closed; no mail can be sent")
	}
	if r != nil && r.Status == delphi.RoundClosed {
		return delphi.Errorf(delphi.ECONFLICT, "round %d is closed; no mail can be sent for it", n)
	}
	if kind == delphi.MailReminder && r != nil && r.Status != delphi.RoundOpen {
		return delphi.Errorf(delphi.ECONFLICT, "round %d is not open; reminders are sent for open rounds", n)
	}
	return h.s.idempotent(c, func(ctx context.Context) (int, any, error) {
		experts, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
		if err != nil {
			return 0, nil, err
		}
		sends, err := h.s.deps.Mail.ListMailSends(ctx, sv.ID, 0)
		if err != nil {
			return 0, nil, err
		}
		var responses []*delphi.Response
		if kind == delphi.MailReminder && h.s.deps.Responses != nil {
			if responses, err = h.s.deps.Responses.ListResponses(ctx, sv.ID, n); err != nil {
				return 0, nil, err
			}
		}
		planned, skipped := mail.PlanSends(mail.PlanInput{
			SurveyID: sv.ID, Round: n, Kind: kind, Group: req.Group, KeepLinks: req.KeepLinks, MinInterval: interval,
			Now: h.s.now(), Experts: experts, Sends: sends, Responses: responses,
		})
		u := currentUser(c)
		job := &delphi.MailJob{SurveyID: sv.ID, Round: n, Kind: kind, KeepLinks: req.KeepLinks, Group: req.Group, Skipped: skipped, CreatedBy: u.ID}
		if _, err := h.s.deps.Mail.CreateMailJob(ctx, job, planned); err != nil {
			return 0, nil, err
		}
		if h.s.deps.Mailer != nil && job.Queued > 0 {
			h.s.deps.Mailer.Notify()
		}
		action := "mail.invite"
		if kind == delphi.MailReminder {
			action = "mail.remind"
		}
		if err := h.s.audit(ctx, u, action, sv.ID, job.ID, map[string]any{
			"round": n, "queued": job.Queued, "skipped": skipped, "group": req.Group, "keep_links": req.KeepLinks,
		}); err != nil {
			return 0, nil, err
		}
		return fiber.StatusAccepted, fiber.Map{"job": job}, nil
	})
}

// idempotent runs fn once per Idempotency-Key and user: a repeated request
// with the same key gets the stored answer (header Idempotent-Replayed),
// one still running is 409, and reusing a key for another request is 422.
// Without the header, fn just runs. Failed requests store nothing.
func (s *Server) idempotent(c *fiber.Ctx, fn func(ctx context.Context) (int, any, error)) error {
	ctx := c.UserContext()
	key := c.Get("Idempotency-Key")
	if key == "" {
		status, body, err := fn(ctx)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(body)
	}
	if err := delphi.CheckText("Idempotency-Key", key, delphi.LineText); err != nil {
		return err
	}
	id := key + "|" + currentUser(c).ID
	sum := sha256.Sum256(append([]byte(c.Method()+" "+c.Path()+"?"+string(c.Request().URI().QueryString())+"\n"), requestBody(c)...))
	fp := hex.EncodeToString(sum[:])
	stored, fresh, err := s.deps.Mail.BeginIdempotent(ctx, id, fp, s.now())
	if err != nil {
		return err
	}
	if !fresh {
		switch {
		case stored.Fingerprint != fp:
			return delphi.FieldErrorf(delphi.EINVALID, "Idempotency-Key", "this Idempotency-Key was used for a different request")
		case !stored.Done:
			return delphi.Errorf(delphi.ECONFLICT, "a request with this Idempotency-Key is still in progress")
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(stored.Status).Send(stored.Body)
	}
	status, body, err := fn(ctx)
	if err != nil {
		_ = s.deps.Mail.AbandonIdempotent(context.WithoutCancel(ctx), id)
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if err := s.deps.Mail.FinishIdempotent(context.WithoutCancel(ctx), id, status, b); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).Send(b)
}

// sendCounts counts sends by state.
type sendCounts struct {
	Total   int `json:"total"`
	Sent    int `json:"sent"`
	Pending int `json:"pending"` // waiting or being sent
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (sc *sendCounts) add(status string) {
	sc.Total++
	switch status {
	case delphi.SendSent:
		sc.Sent++
	case delphi.SendFailed:
		sc.Failed++
	case delphi.SendSkipped:
		sc.Skipped++
	default:
		sc.Pending++
	}
}

type sendFailure struct {
	SendID    string    `json:"send_id"`
	ExpertID  string    `json:"expert_id"`
	Pseudonym string    `json:"pseudonym"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"` // failed, or pending with an error (a retry is due)
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error"`
	At        time.Time `json:"at"`
}

// status answers the round's send progress ("120 of 310 sent, 2 failed"),
// the failures with their SMTP error, and the jobs.
func (h *MailHandler) status(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sends, err := h.s.deps.Mail.ListMailSends(ctx, sv.ID, n)
	if err != nil {
		return err
	}
	jobs, err := h.s.deps.Mail.ListMailJobs(ctx, sv.ID, n)
	if err != nil {
		return err
	}
	experts, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return err
	}
	byID := make(map[string]*delphi.Expert, len(experts))
	for _, e := range experts {
		byID[e.ID] = e
	}
	var inv, rem sendCounts
	failures := []sendFailure{}
	for _, m := range sends {
		if mail.JobKind(m.Kind) == delphi.MailInvite {
			inv.add(m.Status)
		} else {
			rem.add(m.Status)
		}
		if m.Status == delphi.SendFailed || (m.Status == delphi.SendPending && m.Error != "") {
			f := sendFailure{SendID: m.ID, ExpertID: m.ExpertID, Kind: m.Kind, Status: m.Status, Attempts: m.Attempts, Error: m.Error, At: m.UpdatedAt}
			if e := byID[m.ExpertID]; e != nil {
				f.Pseudonym, f.Name, f.Email = e.Pseudonym, e.Name, e.Email
			}
			failures = append(failures, f)
		}
	}
	running := slices.ContainsFunc(jobs, func(j *delphi.MailJob) bool { return j.Status == delphi.JobRunning })
	slices.Reverse(jobs) // newest first
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{
		"round": n, "invitations": inv, "reminders": rem, "failures": failures, "jobs": jobs,
		"running": running, "smtp_enabled": h.s.opt.SMTPEnabled,
	})
}

func (h *MailHandler) retry(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	if sv.Status == delphi.SurveyClosed {
		return delphi.Errorf(delphi.ECONFLICT, "the study is closed; no mail can be sent")
	}
	ctx := c.UserContext()
	count, err := h.s.deps.Mail.RetryFailedMailSends(ctx, sv.ID, n, h.s.now())
	if err != nil {
		return err
	}
	if count > 0 && h.s.deps.Mailer != nil {
		h.s.deps.Mailer.Notify()
	}
	if err := h.s.audit(ctx, currentUser(c), "mail.retry", sv.ID, "", map[string]any{"round": n, "count": count}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"retried": count})
}

// textsJSON are the coordinator's texts and the built-in defaults per language.
type textsJSON struct {
	Round     int                        `json:"round"`
	Mail      map[string]delphi.MailText `json:"mail"`
	Defaults  map[string]delphi.MailText `json:"defaults"`
	Languages []string                   `json:"languages"`
	UpdatedAt *time.Time                 `json:"updated_at,omitempty"`
}

func (h *MailHandler) texts(ctx context.Context, sv *delphi.Survey, n int) (textsJSON, error) {
	out := textsJSON{Round: n, Mail: map[string]delphi.MailText{}, Defaults: map[string]delphi.MailText{}, Languages: sv.Definition.Languages}
	rm, err := h.s.deps.Mail.RoundMail(ctx, sv.ID, n)
	switch {
	case err == nil:
		out.Mail, out.UpdatedAt = rm.Mail, &rm.UpdatedAt
	case delphi.ErrorCode(err) != delphi.ENOTFOUND:
		return out, err
	}
	for _, l := range []string{delphi.LangDE, delphi.LangEN} {
		out.Defaults[l] = mail.DefaultText(delphi.MailInvite, l, sv.Definition.Title.Get(l), n)
	}
	return out, nil
}

func (h *MailHandler) getTexts(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	out, err := h.texts(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// putTexts sets the invitation subject and intro per language; an empty
// text falls back to the default.
func (h *MailHandler) putTexts(c *fiber.Ctx) error {
	sv, n, _, err := h.mailRound(c)
	if err != nil {
		return err
	}
	var in map[string]delphi.MailText
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	clean := map[string]delphi.MailText{}
	for lang, t := range in {
		if lang != delphi.LangDE && lang != delphi.LangEN {
			return delphi.FieldErrorf(delphi.EINVALID, lang, "language must be de or en")
		}
		t.Subject, t.Intro = strings.Join(strings.Fields(t.Subject), " "), strings.TrimSpace(t.Intro)
		if err := delphi.CheckText(lang+".subject", t.Subject, delphi.LineText); err != nil {
			return err
		}
		if err := delphi.CheckText(lang+".intro", t.Intro, delphi.LongText); err != nil {
			return err
		}
		if t.Subject != "" || t.Intro != "" {
			clean[lang] = t
		}
	}
	ctx := c.UserContext()
	u := currentUser(c)
	if err := h.s.deps.Mail.PutRoundMail(ctx, &delphi.RoundMail{SurveyID: sv.ID, Round: n, Mail: clean, UpdatedBy: u.ID}); err != nil {
		return err
	}
	if err := h.s.audit(ctx, u, "mail.text", sv.ID, "", map[string]any{"round": n}); err != nil {
		return err
	}
	out, err := h.texts(ctx, sv, n)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// preview renders the mail for ?lang= (de) and ?kind= (invite) with a
// sample name and link.
func (h *MailHandler) preview(c *fiber.Ctx) error {
	sv, n, r, err := h.mailRound(c)
	if err != nil {
		return err
	}
	lang := c.Query("lang", delphi.LangDE)
	if lang != delphi.LangDE && lang != delphi.LangEN {
		return delphi.FieldErrorf(delphi.EINVALID, "lang", "lang must be de or en")
	}
	kind := c.Query("kind", delphi.MailInvite)
	if kind != delphi.MailInvite && kind != delphi.MailReminder {
		return delphi.FieldErrorf(delphi.EINVALID, "kind", "kind must be invite or reminder")
	}
	texts, err := h.texts(c.UserContext(), sv, n)
	if err != nil {
		return err
	}
	content := mail.Content{
		Kind: kind, Lang: lang, Name: map[string]string{delphi.LangDE: "Dr. Erika Mustermann", delphi.LangEN: "Dr Jane Doe"}[lang],
		Study: sv.Definition, Round: n, Custom: texts.Mail[lang],
		Link: delphi.AccessLink(h.s.opt.BaseURL, "BEISPIEL-example-token"),
	}
	if r != nil {
		content.Deadline = r.Deadline
	}
	m, err := mail.Render(content)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"lang": lang, "kind": kind, "subject": m.Subject, "text": m.Text, "html": m.HTML})
}

// rate is one count with its share of the panel.
type rate struct {
	Count   int    `json:"count"`
	Percent string `json:"percent"` // of the panel, rounded half up; "" for an empty panel
}

type groupProgress struct {
	Group     string      `json:"group"` // "" for the total
	Label     delphi.Text `json:"label,omitempty"`
	Panel     int         `json:"panel"`
	Invited   rate        `json:"invited"`
	Opened    rate        `json:"opened"`
	Started   rate        `json:"started"`
	Submitted rate        `json:"submitted"`
}

// progress answers response rates per expert group and overall. The panel
// of a group is its experts who have a response to this round or are
// neither erased nor declined; every percentage is of that panel.
func (h *MailHandler) progress(c *fiber.Ctx) error {
	if h.s.deps.Experts == nil {
		return delphi.Errorf(delphi.EUNAVAILABLE, "the expert panel is not available")
	}
	sv, err := h.s.visibleSurvey(c, c.Params("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 {
		return delphi.Errorf(delphi.ENOTFOUND, "round %q not found", c.Params("n"))
	}
	ctx := c.UserContext()
	if h.s.deps.Rounds != nil {
		if _, err := h.s.deps.Rounds.Round(ctx, sv.ID, n); err != nil {
			return err
		}
	}
	experts, err := h.s.deps.Experts.ListExperts(ctx, sv.ID)
	if err != nil {
		return err
	}
	states, err := h.s.roundStates(ctx, sv.ID, n)
	if err != nil {
		return err
	}
	type counts struct{ panel, invited, opened, started, submitted int }
	byGroup := map[string]*counts{}
	total := &counts{}
	for _, e := range experts {
		st := states[e.ID]
		if st == nil {
			st = &roundStatus{}
		}
		hasResponse := st.FirstOpenedAt != nil || st.StartedAt != nil || st.SubmittedAt != nil
		if !hasResponse && e.Status() != delphi.ExpertActive {
			continue
		}
		g := byGroup[e.Group]
		if g == nil {
			g = &counts{}
			byGroup[e.Group] = g
		}
		for _, x := range []*counts{g, total} {
			x.panel++
			if st.Invite == delphi.SendSent {
				x.invited++
			}
			if hasResponse {
				x.opened++
			}
			if st.StartedAt != nil || st.SubmittedAt != nil {
				x.started++
			}
			if st.SubmittedAt != nil {
				x.submitted++
			}
		}
	}
	row := func(id string, label delphi.Text, x *counts) groupProgress {
		r := func(k int) rate { return rate{Count: k, Percent: stats.PercentDisplay(k, x.panel, 0)} }
		return groupProgress{Group: id, Label: label, Panel: x.panel, Invited: r(x.invited), Opened: r(x.opened), Started: r(x.started), Submitted: r(x.submitted)}
	}
	groups := make([]groupProgress, 0, len(sv.Definition.Groups))
	// The flat counts (invited, started, submitted, by_group) are what the
	// results dashboard reads.
	type flat struct {
		Invited   int `json:"invited"`
		Opened    int `json:"opened"`
		Started   int `json:"started"`
		Submitted int `json:"submitted"`
	}
	byGroupFlat := map[string]flat{}
	for _, g := range sv.Definition.Groups {
		x := byGroup[g.ID]
		if x == nil {
			x = &counts{}
		}
		groups = append(groups, row(g.ID, g.Label, x))
		byGroupFlat[g.ID] = flat{x.invited, x.opened, x.started, x.submitted}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{
		"round": n, "groups": groups, "total": row("", nil, total),
		"panel": total.panel, "invited": total.invited, "opened": total.opened, "started": total.started, "submitted": total.submitted,
		"by_group": byGroupFlat,
	})
}
