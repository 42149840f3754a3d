package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/mail"
)

func TestFormatDeadline(t *testing.T) {
	winter := time.Date(2026, 11, 13, 17, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 6, 5, 16, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		t          time.Time
		zone, lang string
		want       string
	}{
		{winter, "Europe/Berlin", "de", "Freitag, 13. November 2026, 18:00 Uhr (MEZ)"},
		{winter, "Europe/Berlin", "en", "Friday, 13 November 2026, 6:00 pm (CET)"},
		{summer, "Europe/Berlin", "de", "Freitag, 5. Juni 2026, 18:30 Uhr (MESZ)"},
		{summer, "", "en", "Friday, 5 June 2026, 6:30 pm (CEST)"},
		{winter, "Europe/Vienna", "de", "Freitag, 13. November 2026, 18:00 Uhr (MEZ)"},
		{winter, "America/New_York", "en", "Friday, 13 November 2026, 12:00 pm (EST)"},
	} {
		if got := mail.FormatDeadline(c.t, c.zone, c.lang); got != c.want {
			t.Errorf("FormatDeadline(%v, %s, %s) = %q, want %q", c.t, c.zone, c.lang, got, c.want)
		}
	}
}

func TestRenderReminderAndSubjectInjection(t *testing.T) {
	def := definition(t)
	deadline := time.Date(2026, 11, 13, 17, 0, 0, 0, time.UTC)
	m, err := mail.Render(mail.Content{
		Kind: delphi.MailReminder, Lang: "de", Study: def, Round: 2, Deadline: &deadline, Link: "https://x.example/p/abc",
		Custom: delphi.MailText{Subject: "Runde 2\r\nBcc: evil@example.org", Intro: "ignored for reminders"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Erinnerung: Runde 2 Bcc: evil@example.org" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Guten Tag,\n") || !strings.Contains(m.Text, "an die 2. Runde") || strings.Contains(m.Text, "ignored") {
		t.Errorf("reminder text:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "Bitte antworten Sie bis Freitag, 13. November 2026, 18:00 Uhr (MEZ).") {
		t.Errorf("deadline missing:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `href="https://x.example/p/abc"`) || !strings.Contains(m.HTML, "<strong>Freitag, 13. November 2026") {
		t.Errorf("HTML:\n%s", m.HTML)
	}

	en, err := mail.Render(mail.Content{Kind: delphi.MailInvite, Lang: "fr", Name: "A", Study: def, Round: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(en.Subject, "Einladung: ") || strings.Contains(en.Text, "Bitte antworten Sie bis") {
		t.Errorf("unknown language falls back to German without deadline: %q\n%s", en.Subject, en.Text)
	}
}

func TestPlanReminders(t *testing.T) {
	now := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	ago := func(h int) *time.Time { t := now.Add(-time.Duration(h) * time.Hour); return &t }
	ex := func(id string) *delphi.Expert { return &delphi.Expert{ID: id, Group: "g"} }
	declined, erased := ex("declined"), ex("erased")
	declined.DeclinedAt, erased.ErasedAt = ago(1), ago(1)
	experts := []*delphi.Expert{ex("due"), ex("again"), ex("recent"), ex("submitted"), ex("uninvited"), ex("failedinvite"), declined, erased}
	sent := func(id, kind string, hours int) *delphi.MailSend {
		return &delphi.MailSend{ExpertID: id, Round: 1, Kind: kind, Status: delphi.SendSent, SentAt: ago(hours), CreatedAt: *ago(hours)}
	}
	sends := []*delphi.MailSend{
		sent("due", "invite", 48),
		sent("again", "invite", 96), sent("again", "reminder-1", 48),
		sent("recent", "invite", 10),
		sent("submitted", "invite", 48),
		{ExpertID: "failedinvite", Round: 1, Kind: "invite", Status: delphi.SendFailed, CreatedAt: *ago(48)},
		sent("declined", "invite", 48), sent("erased", "invite", 48),
		sent("uninvited", "invite", 200), // of round 1 of another study? no: round 2 below
	}
	sends[len(sends)-1].Round = 2
	responses := []*delphi.Response{{ExpertID: "submitted", SubmittedAt: ago(5)}, {ExpertID: "due", StartedAt: ago(5)}}
	planned, skipped := mail.PlanSends(mail.PlanInput{SurveyID: "s", Round: 1, Kind: delphi.MailReminder, Now: now,
		Experts: experts, Sends: sends, Responses: responses})
	got := map[string]string{}
	for _, p := range planned {
		got[p.ExpertID] = p.Kind
	}
	if len(got) != 2 || got["due"] != "reminder-1" || got["again"] != "reminder-2" {
		t.Fatalf("planned %v", got)
	}
	want := map[string]int{mail.SkipRecentlyMailed: 1, mail.SkipSubmitted: 1, mail.SkipNotInvited: 2, mail.SkipDeclined: 1, mail.SkipErased: 1}
	for k, v := range want {
		if skipped[k] != v {
			t.Errorf("skipped[%s] = %d, want %d (all: %v)", k, skipped[k], v, skipped)
		}
	}
	// A shorter interval lets the recent one through.
	planned, _ = mail.PlanSends(mail.PlanInput{SurveyID: "s", Round: 1, Kind: delphi.MailReminder, Now: now, MinInterval: 6 * time.Hour,
		Experts: experts, Sends: sends, Responses: responses})
	if len(planned) != 3 {
		t.Errorf("with 6 h interval: %d planned, want 3", len(planned))
	}
}
