package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // study time zones resolve on hosts without zoneinfo

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

//go:embed templates
var templateFS embed.FS

var (
	textTemplates = map[string]*texttemplate.Template{}
	htmlTemplates = map[string]*htmltemplate.Template{}
)

func init() {
	for _, lang := range []string{delphi.LangDE, delphi.LangEN} {
		textTemplates[lang] = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/"+lang+".txt"))
		htmlTemplates[lang] = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/"+lang+".html"))
	}
}

// Content is what a mail says, before the per-language template.
type Content struct {
	Kind     string // delphi.MailInvite or delphi.MailReminder
	Lang     string // de or en (anything else: de)
	Name     string // the expert's name; empty greets neutrally
	Study    *delphi.Definition
	Round    int
	Deadline *time.Time // UTC; shown in the study's time zone
	Link     string     // empty: the expert keeps the link they have
	Custom   delphi.MailText
}

// templateData is what the templates see.
type templateData struct {
	Subject         string
	Name            string
	StudyTitle      string
	Intro           string
	IntroParagraphs []string
	Deadline        string
	Link            string
	ContactName     string
	ContactEmail    string
}

// DefaultText returns the built-in subject and intro of a mail kind, in
// lang, for a study title and round.
func DefaultText(kind, lang, title string, round int) delphi.MailText {
	if lang == delphi.LangEN {
		if kind == delphi.MailReminder {
			return delphi.MailText{
				Subject: fmt.Sprintf("Reminder: %s, round %d", title, round),
				Intro:   fmt.Sprintf("We would like to remind you of round %d of our expert survey “%s”. Your answers so far are saved; you can continue where you left off.", round, title),
			}
		}
		return delphi.MailText{
			Subject: fmt.Sprintf("Invitation: %s, round %d", title, round),
			Intro:   fmt.Sprintf("We cordially invite you to round %d of our expert survey “%s”.", round, title),
		}
	}
	if kind == delphi.MailReminder {
		return delphi.MailText{
			Subject: fmt.Sprintf("Erinnerung: %s, Runde %d", title, round),
			Intro:   fmt.Sprintf("wir möchten Sie freundlich an die %d. Runde unserer Expertenbefragung „%s“ erinnern. Ihre bisherigen Antworten sind gespeichert; Sie können jederzeit dort weitermachen, wo Sie aufgehört haben.", round, title),
		}
	}
	return delphi.MailText{
		Subject: fmt.Sprintf("Einladung: %s, Runde %d", title, round),
		Intro:   fmt.Sprintf("wir laden Sie herzlich zur %d. Runde unserer Expertenbefragung „%s“ ein.", round, title),
	}
}

// Render builds the message (without recipient) for c. A coordinator's
// subject and intro replace the defaults of invitations; reminders prefix
// the custom subject with "Erinnerung:"/"Reminder:" and keep their own intro.
func Render(c Content) (*Message, error) {
	lang := c.Lang
	if lang != delphi.LangEN {
		lang = delphi.LangDE
	}
	title := c.Study.Title.Get(lang)
	def := DefaultText(c.Kind, lang, title, c.Round)
	subject, intro := def.Subject, def.Intro
	if s := oneLine(c.Custom.Subject); s != "" {
		subject = s
		if c.Kind == delphi.MailReminder {
			subject = map[string]string{delphi.LangDE: "Erinnerung: ", delphi.LangEN: "Reminder: "}[lang] + s
		}
	}
	if c.Kind != delphi.MailReminder && strings.TrimSpace(c.Custom.Intro) != "" {
		intro = strings.TrimSpace(strings.ReplaceAll(c.Custom.Intro, "\r\n", "\n"))
	}
	d := templateData{
		Subject: subject, Name: oneLine(c.Name), StudyTitle: title, Intro: intro,
		IntroParagraphs: paragraphs(intro), Link: c.Link,
	}
	if c.Deadline != nil {
		d.Deadline = FormatDeadline(*c.Deadline, c.Study.TimeZone, lang)
	}
	if ct := c.Study.Contact; ct != nil {
		d.ContactName, d.ContactEmail = oneLine(ct.Name), oneLine(ct.Email)
	}
	var text, html bytes.Buffer
	if err := textTemplates[lang].Execute(&text, d); err != nil {
		return nil, fmt.Errorf("text template: %w", err)
	}
	if err := htmlTemplates[lang].Execute(&html, d); err != nil {
		return nil, fmt.Errorf("html template: %w", err)
	}
	return &Message{Subject: subject, Text: text.String(), HTML: html.String()}, nil
}

// oneLine trims s and replaces line breaks (no header injection in subjects).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// paragraphs splits text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var (
	weekdaysDE = [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
	monthsDE   = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
)

// FormatDeadline writes t in the study's time zone (default Europe/Berlin):
// "Freitag, 13. November 2026, 18:00 Uhr (MEZ)" or
// "Friday, 13 November 2026, 6:00 pm (CET)".
func FormatDeadline(t time.Time, zone, lang string) string {
	if zone == "" {
		zone = "Europe/Berlin"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	abbr := lt.Format("MST")
	if lang == delphi.LangEN {
		return fmt.Sprintf("%s, %d %s %d, %s (%s)", lt.Weekday(), lt.Day(), lt.Month(), lt.Year(), lt.Format("3:04 pm"), abbr)
	}
	switch abbr {
	case "CET":
		abbr = "MEZ"
	case "CEST":
		abbr = "MESZ"
	}
	return fmt.Sprintf("%s, %d. %s %d, %s Uhr (%s)", weekdaysDE[lt.Weekday()], lt.Day(), monthsDE[lt.Month()-1], lt.Year(), lt.Format("15:04"), abbr)
}
