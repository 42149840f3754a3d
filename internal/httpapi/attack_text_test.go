package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/httpapi"
)

// textRow is one stored text field of one route.
type textRow struct {
	op     string // method and path as in openapi.json
	target string
	bearer string
	field  string // the field the 422 names
	limit  delphi.TextLimit
	body   func(v string) any // the request with text v in the field
	ok     int                // status of the control with the longest valid text; 0: none
}

// TestAttackTextLimitsEveryTextField: every text a staff or expert request
// stores (user name and study ids, expert name, organisation and notes, mail
// subject and intro, reasons, texts of new and changed items, comments,
// justifications, text answers) refuses 5,001 characters (or one more than
// its limit), NUL, escape and DEL characters, and in one-line fields line
// breaks and tabs, with 422 naming the field; the longest valid text is
// accepted (control), and nothing hostile is stored. Every top-level field
// of every JSON body in openapi.json is either covered here or named as
// not a free text, so a new text field fails this test until it is added.
func TestAttackTextLimitsEveryTextField(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	x := e.addExpert(ptStudy, "wiss")
	xJWT := e.session(x)
	e.expertCall(x, "POST", "/api/v1/participation/consent", "", 200)
	admin := e.login("admin")
	other := e.users["coord-b"].ID
	staffX := e.addExpert(ptStudy, "praxis")
	// The Kleinstadtakademie study with round 1 closed takes new and
	// changed items for round 2.
	e.openRound(ks, "")
	e.staff("POST", "/api/v1/surveys/"+ks+"/rounds/1/close", "admin", "", 200)
	future := e.clock.now().Add(10 * 24 * time.Hour).UTC()

	seq := int64(10)
	answer := func(field string) func(string) any {
		return func(v string) any {
			seq++
			b := map[string]any{"value": 4, "comment": "", "justification": "", "seq": seq}
			b[field] = v
			return b
		}
	}
	newItem := func(reason, text string) any {
		return map[string]any{"deadline": future, "carry_over": map[string]any{"mode": "chosen", "items": []string{"T01"}},
			"new_items": []any{map[string]any{"section_id": "themen", "reason": reason,
				"item": map[string]any{"id": "T99", "type": "rating", "scale": "wichtigkeit", "text": map[string]any{"de": text, "en": "New"}}}}}
	}
	changed := func(reason, text string) any {
		return map[string]any{"deadline": future, "carry_over": map[string]any{"mode": "chosen", "items": []string{"T01"}},
			"changed_items": []any{map[string]any{"item_id": "T01", "reason": reason, "text": map[string]any{"de": text, "en": "Reworded"}}}}
	}
	mailText := func(subject, intro string) any {
		return map[string]any{"de": map[string]any{"subject": subject, "intro": intro}}
	}
	experts := "/api/v1/surveys/" + ptStudy + "/experts"
	rounds := "/api/v1/surveys/" + ks + "/rounds"
	rows := []textRow{
		{"POST /api/v1/users", "/api/v1/users", admin, "name", delphi.LineText, func(v string) any {
			return map[string]any{"email": "text-limits@example.org", "role": "researcher", "password": testPassword, "name": v}
		}, 201},
		{"POST /api/v1/users", "/api/v1/users", admin, "survey_ids[0]", delphi.LineText, func(v string) any {
			return map[string]any{"email": "text-limits-2@example.org", "role": "researcher", "password": testPassword, "survey_ids": []string{v}}
		}, 201},
		{"PATCH /api/v1/users/{id}", "/api/v1/users/" + other, admin, "name", delphi.LineText, func(v string) any { return map[string]any{"name": v} }, 200},
		{"PATCH /api/v1/users/{id}", "/api/v1/users/" + other, admin, "survey_ids[1]", delphi.LineText, func(v string) any {
			return map[string]any{"survey_ids": []string{ks, v}}
		}, 200},
		{"POST /api/v1/surveys/{id}/experts", experts, admin, "name", delphi.LineText, func(v string) any {
			return map[string]any{"name": v, "email": "t-name@example.org", "group": "wiss", "language": "de"}
		}, 201},
		{"POST /api/v1/surveys/{id}/experts", experts, admin, "organisation", delphi.LineText, func(v string) any {
			return map[string]any{"organisation": v, "email": "t-org@example.org", "group": "wiss", "language": "de"}
		}, 201},
		{"POST /api/v1/surveys/{id}/experts", experts, admin, "notes", delphi.NotesText, func(v string) any {
			return map[string]any{"notes": v, "email": "t-notes@example.org", "group": "wiss", "language": "de"}
		}, 201},
		{"PATCH /api/v1/surveys/{id}/experts/{expertId}", experts + "/" + staffX.ID, admin, "name", delphi.LineText, func(v string) any { return map[string]any{"name": v} }, 200},
		{"PATCH /api/v1/surveys/{id}/experts/{expertId}", experts + "/" + staffX.ID, admin, "organisation", delphi.LineText, func(v string) any { return map[string]any{"organisation": v} }, 200},
		{"PATCH /api/v1/surveys/{id}/experts/{expertId}", experts + "/" + staffX.ID, admin, "notes", delphi.NotesText, func(v string) any { return map[string]any{"notes": v} }, 200},
		{"PUT /api/v1/surveys/{id}/rounds/{n}/mail", "/api/v1/surveys/" + ptStudy + "/rounds/1/mail", admin, "de.subject", delphi.LineText, func(v string) any { return mailText(v, "Intro") }, 200},
		{"PUT /api/v1/surveys/{id}/rounds/{n}/mail", "/api/v1/surveys/" + ptStudy + "/rounds/1/mail", admin, "de.intro", delphi.LongText, func(v string) any { return mailText("Betreff", v) }, 200},
		// Round 1 of the participation study is open: a valid reason passes
		// the check and meets the state (409).
		{"POST /api/v1/surveys/{id}/rounds/{n}/reopen", "/api/v1/surveys/" + ptStudy + "/rounds/1/reopen", admin, "reason", delphi.LongText, func(v string) any { return map[string]any{"reason": v} }, 409},
		{"POST /api/v1/surveys/{id}/rounds", rounds, admin, "new_items[0].reason", delphi.LongText, func(v string) any { return newItem(v, "Neu") }, 0},
		{"POST /api/v1/surveys/{id}/rounds", rounds, admin, "new_items[0].item.text.de", delphi.StudyText, func(v string) any { return newItem("r", v) }, 0},
		{"POST /api/v1/surveys/{id}/rounds", rounds, admin, "changed_items[0].text.de", delphi.StudyText, func(v string) any { return changed("r", v) }, 0},
		{"POST /api/v1/surveys/{id}/rounds", rounds, admin, "changed_items[0].reason", delphi.LongText, func(v string) any { return changed(v, "Umformuliert") }, 201},
		{"PUT /api/v1/participation/answers/{itemId}", "/api/v1/participation/answers/r1", xJWT, "comment", delphi.LongText, answer("comment"), 200},
		{"PUT /api/v1/participation/answers/{itemId}", "/api/v1/participation/answers/r1", xJWT, "justification", delphi.LongText, answer("justification"), 200},
		// t1 is a text item with max_length 20.
		{"PUT /api/v1/participation/answers/{itemId}", "/api/v1/participation/answers/t1", xJWT, "value", delphi.TextLimit{Max: 20, Multiline: true}, answer("value"), 200},
	}
	// Top-level fields that hold no free text: checked by other rules
	// (e-mail syntax, enums, ids of the study, dates, numbers), or not
	// stored as text (the password is hashed, the token looked up).
	notText := map[string]bool{
		"POST /api/v1/auth/login email": true, "POST /api/v1/auth/login password": true,
		"POST /api/v1/users email": true, "POST /api/v1/users role": true, "POST /api/v1/users password": true,
		"PATCH /api/v1/users/{id} role": true, "PATCH /api/v1/users/{id} password": true, "PATCH /api/v1/users/{id} email": true,
		"POST /api/v1/surveys/{id}/rounds deadline": true, "POST /api/v1/surveys/{id}/rounds opens_at": true, "POST /api/v1/surveys/{id}/rounds carry_over": true,
		"PATCH /api/v1/surveys/{id}/rounds/{n} deadline": true, "PATCH /api/v1/surveys/{id}/rounds/{n} opens_at": true,
		"POST /api/v1/surveys/{id}/rounds/{n}/reopen deadline": true,
		"POST /api/v1/participation/session token":             true,
		"PUT /api/v1/participation/answers/{itemId} seq":       true,
		// The texts of a batch's answers take the single save's checks (one
		// path, participation.Service.SaveBatch), refused per answer with
		// 200: TestBatchSave.
		"PUT /api/v1/participation/answers answers": true,
		"POST /api/v1/surveys/{id}/experts email":   true, "POST /api/v1/surveys/{id}/experts group": true, "POST /api/v1/surveys/{id}/experts language": true,
		"POST /api/v1/surveys/{id}/experts declined":          true,
		"PATCH /api/v1/surveys/{id}/experts/{expertId} email": true, "PATCH /api/v1/surveys/{id}/experts/{expertId} group": true,
		"PATCH /api/v1/surveys/{id}/experts/{expertId} language": true, "PATCH /api/v1/surveys/{id}/experts/{expertId} declined": true,
		"POST /api/v1/surveys/{id}/rounds/{n}/invitations group": true, "POST /api/v1/surveys/{id}/rounds/{n}/invitations keep_links": true,
		"POST /api/v1/surveys/{id}/rounds/{n}/invitations min_interval_hours": true,
		"POST /api/v1/surveys/{id}/rounds/{n}/reminders group":                true, "POST /api/v1/surveys/{id}/rounds/{n}/reminders keep_links": true,
		"POST /api/v1/surveys/{id}/rounds/{n}/reminders min_interval_hours": true,
		"PUT /api/v1/surveys/{id}/rounds/{n}/mail en":                       true, // the same rules as de
		// Arguments between rounds: the study here has none; their text (and
		// its limit, control characters, stance, option and item) is
		// checked by TestArgumentsPostAndRules, the hiding reason's by
		// TestArgumentsModerationFeedbackAndExport, the rating's range by
		// TestArgumentsRatingOnce.
		"POST /api/v1/participation/arguments item_id": true, "POST /api/v1/participation/arguments option_id": true,
		"POST /api/v1/participation/arguments stance": true, "POST /api/v1/participation/arguments text": true,
		"PUT /api/v1/participation/arguments/{argumentId} option_id": true, "PUT /api/v1/participation/arguments/{argumentId} stance": true,
		"PUT /api/v1/participation/arguments/{argumentId} text":          true,
		"POST /api/v1/participation/arguments/{argumentId}/rating value": true,
		"POST /api/v1/surveys/{id}/arguments/{argumentId}/hide reason":   true,
		"POST /api/v1/surveys/{id}/arguments/{argumentId}/unhide reason": true,
		// Round 0: the study here has none. The suggestion's text and
		// rationale (limits, control characters) and section are checked by
		// TestRound0SuggestionInput; the curation's reasons take
		// delphi.CheckText (LongText) and its item texts and help the study
		// file's rules (Definition.CheckItem, CheckLangText), exercised by
		// TestRound0Lifecycle.
		"POST /api/v1/participation/suggestions section_id": true, "POST /api/v1/participation/suggestions text": true,
		"POST /api/v1/participation/suggestions rationale":       true,
		"PUT /api/v1/participation/suggestions/{sid} section_id": true, "PUT /api/v1/participation/suggestions/{sid} text": true,
		"PUT /api/v1/participation/suggestions/{sid} rationale":              true,
		"POST /api/v1/surveys/{id}/curation/items reason":                    true,
		"POST /api/v1/surveys/{id}/curation/items action":                    true,
		"POST /api/v1/surveys/{id}/curation/items suggestions":               true,
		"POST /api/v1/surveys/{id}/curation/items items":                     true,
		"PATCH /api/v1/surveys/{id}/curation/items/{itemId} text":            true,
		"PATCH /api/v1/surveys/{id}/curation/items/{itemId} help":            true,
		"PATCH /api/v1/surveys/{id}/curation/items/{itemId} reason":          true,
		"POST /api/v1/surveys/{id}/curation/suggestions/{sid}/reject reason": true,
	}
	covered := map[string]bool{}
	for _, r := range rows {
		top, _, _ := strings.Cut(strings.SplitN(r.field, "[", 2)[0], ".")
		covered[r.op+" "+top] = true
	}
	for op, fields := range openAPIJSONBodies(t, e) {
		if op == "POST /api/v1/surveys" {
			continue // the study file: TestAttackTextLimitsInStudyFiles
		}
		for _, f := range fields {
			if !covered[op+" "+f] && !notText[op+" "+f] {
				t.Errorf("%s: field %q is neither tested as a text nor listed as no free text; add it", op, f)
			}
		}
	}

	for _, r := range rows {
		method, _, _ := strings.Cut(r.op, " ")
		hostile := map[string]string{
			"too long": strings.Repeat("a", r.limit.Max+1),
			"NUL":      "Meier\x00Müller",
			"escape":   "Meier\x1b[2J",
			"DEL":      "Meier\x7f",
		}
		// A mail subject folds its whitespace, line breaks included, into
		// single spaces; every other one-line text refuses them.
		if !r.limit.Multiline && r.field != "de.subject" {
			hostile["line break"] = "Meier\nMüller"
			hostile["tab"] = "Meier\tMüller"
		}
		for what, v := range hostile {
			s, _, b := e.atkReq(method, r.target, r.bearer, "application/json", mustJSON(r.body(v)), nil)
			if s != 422 || !strings.Contains(string(b), fmt.Sprintf(`"field":%q`, r.field)) {
				t.Errorf("%s %s with %s: %d %.300s, want 422 naming %s", r.op, r.field, what, s, b, r.field)
			}
		}
		if r.ok != 0 {
			valid := strings.Repeat("é", r.limit.Max)
			if r.limit.Multiline {
				valid = "eins\r\nzwei\tdrei " + strings.Repeat("é", r.limit.Max-16)
			}
			if s, _, b := e.atkReq(method, r.target, r.bearer, "application/json", mustJSON(r.body(valid)), nil); s != r.ok {
				t.Errorf("control: %s %s with %d valid characters: %d %.300s, want %d", r.op, r.field, utf8.RuneCountInString(valid), s, b, r.ok)
			}
		}
	}
	// E-mail addresses with control characters are invalid addresses.
	for _, c := range []struct{ target, body string }{
		{"/api/v1/users", `{"email":"nul\u0000@example.org","role":"researcher","password":"` + testPassword + `"}`},
		{experts, `{"email":"nul\u0000@example.org","group":"wiss","language":"de"}`},
	} {
		if s, _, b := e.atkReq("POST", c.target, admin, "application/json", []byte(c.body), nil); s != 422 || !strings.Contains(string(b), `"field":"email"`) {
			t.Errorf("POST %s with NUL in the e-mail: %d %.200s", c.target, s, b)
		}
	}

	// Nothing hostile was stored.
	ctx := context.Background()
	users, _ := e.st.ListUsers(ctx)
	for _, u := range users {
		for _, s := range append([]string{u.Name, u.Email}, u.SurveyIDs...) {
			if delphi.CheckText("user", s, delphi.LineText) != nil {
				t.Errorf("stored user %s holds %.40q", u.ID, s)
			}
		}
	}
	panel, _ := e.st.ListExperts(ctx, ptStudy)
	for _, x := range panel {
		if x.CheckTexts() != nil {
			t.Errorf("stored expert %s: %v", x.ID, x.CheckTexts())
		}
	}
}

// TestAttackTextLimitsInStudyFiles: a study file (JSON with \u0000, YAML
// with a "\0" or "\e" escape) whose texts hold control characters is
// refused with 422 naming the field and its line; the same file without
// them imports.
func TestAttackTextLimitsInStudyFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fullServer(httpapi.Options{}, "", nil)
	study := readFile(t, "testdata/participation-study.yaml")
	for _, c := range []struct{ name, from, to, field string }{
		{"nul.yaml", `text: {de: "Weitere Themen?"`, `text: {de: "Weitere\0Themen?"`, "sections[2].items[1].text.de"},
		{"esc.yaml", `text: {de: "Weitere Themen?"`, `text: {de: "Weitere\eThemen?"`, "sections[2].items[1].text.de"},
	} {
		bad := strings.Replace(study, c.from, c.to, 1)
		if bad == study {
			t.Fatalf("%s: %q not in the study", c.name, c.from)
		}
		s, _, b := e.atkReq("POST", "/api/v1/surveys?filename="+c.name, e.login("admin"), "application/yaml", []byte(bad), nil)
		if s != 422 || !strings.Contains(string(b), `"field":"`+c.field+`"`) || !strings.Contains(string(b), "control character") {
			t.Errorf("%s: %d %.400s, want 422 naming %s", c.name, s, b, c.field)
		}
	}
	if s, _, b := e.atkReq("POST", "/api/v1/surveys?filename=ok.yaml", e.login("admin"), "application/yaml", []byte(study), nil); s != 201 {
		t.Errorf("control: %d %.300s", s, b)
	}
	if _, err := e.st.SurveyByID(context.Background(), ptStudy); err != nil {
		t.Errorf("control not stored: %v", err)
	}
}

// TestAttackCSVCellsQuoted: the panel export and the links file quote every
// cell holding , ; " or a line break, and neutralise a formula character
// after a comma, semicolon or line break too. An expert named "Meier,=1+1"
// was written bare into the semicolon file, and a spreadsheet in a comma
// locale split it into "Meier" and the formula "=1+1". Read as a comma
// file (quotes count only at the start of a cell, as in spreadsheets), no
// cell starts a formula; read as the semicolon file it is, every cell is
// whole.
func TestAttackCSVCellsQuoted(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t)
	admin := e.login("admin")
	experts := "/api/v1/surveys/" + ptStudy + "/experts"
	s, _, b := e.atkReq("POST", experts, admin, "application/json",
		[]byte(`{"name":"Meier,=1+1","email":"meier@example.org","organisation":"Stadt; Amt \"Nord\"","group":"wiss","language":"de","notes":"eins\n-2+3+cmd|' /C calc'!A0"}`), nil)
	if s != 201 {
		t.Fatalf("create: %d %s", s, b)
	}
	for _, c := range []struct{ method, path string }{{"GET", experts + "/export.csv"}, {"POST", experts + "/links.csv"}} {
		s, _, b := e.atkReq(c.method, c.path, admin, "", nil, nil)
		if s != 200 {
			t.Fatalf("%s: %d %.200s", c.path, s, b)
		}
		body := strings.TrimPrefix(string(b), "\uFEFF")
		if !strings.Contains(body, `;"Meier,'=1+1";`) {
			t.Errorf("%s: the name is not quoted and neutralised:\n%s", c.path, body)
		}
		for _, comma := range []rune{',', ';'} {
			r := csv.NewReader(strings.NewReader(body))
			r.Comma, r.LazyQuotes, r.FieldsPerRecord = comma, true, -1
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s read with %q: %v", c.path, comma, err)
			}
			for _, rec := range recs {
				for _, f := range rec {
					if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
						t.Errorf("%s read with %q: a cell starts a formula: %q", c.path, comma, f)
					}
				}
			}
			if comma == ';' && !slices.ContainsFunc(recs, func(rec []string) bool { return slices.Contains(rec, "Meier,'=1+1") }) {
				t.Errorf("%s: no cell holds the whole name: %q", c.path, recs)
			}
		}
	}
}
