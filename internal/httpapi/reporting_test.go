package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// importAs posts a study file as the named user: multipart with the reason
// field when form is set, else the raw body with the reason in the query.
func (e *env) importAs(as, text, reason string, form bool) (int, []byte) {
	e.t.Helper()
	if form {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if reason != "" {
			_ = w.WriteField("protocol_change_reason", reason)
		}
		fw, _ := w.CreateFormFile("file", "s.yaml")
		_, _ = fw.Write([]byte(text))
		_ = w.Close()
		r := httptest.NewRequest("POST", "/api/v1/surveys", &buf)
		r.Header.Set("Content-Type", w.FormDataContentType())
		r.Header.Set("Authorization", "Bearer "+e.login(as))
		status, _, b := e.do(r)
		return status, b
	}
	u := "/api/v1/surveys?filename=s.yaml"
	if reason != "" {
		u += "&protocol_change_reason=" + url.QueryEscape(reason)
	}
	r := httptest.NewRequest("POST", u, strings.NewReader(text))
	r.Header.Set("Content-Type", "application/yaml")
	r.Header.Set("Authorization", "Bearer "+e.login(as))
	status, _, b := e.do(r)
	return status, b
}

func TestProtocolAPI(t *testing.T) {
	e := newEnv(t)
	text := readFile(t, "testdata/participation-study.yaml")
	e.importStudy("participation-study.yaml", text)
	// Before round 1 opens there is no protocol, and changes need no reason.
	e.staff("GET", "/api/v1/surveys/"+ptStudy+"/protocol", "admin", "", 404)
	e.openRound(ptStudy, "")

	var pv struct {
		Protocol   delphi.Protocol
		Canonical  string
		Deviations []delphi.Deviation
	}
	if err := json.Unmarshal(e.staff("GET", "/api/v1/surveys/"+ptStudy+"/protocol", "admin", "", 200), &pv); err != nil {
		t.Fatal(err)
	}
	if pv.Protocol.Revision != 1 || len(pv.Protocol.SHA256) != 64 || pv.Protocol.Fields.Planned != 3 || len(pv.Deviations) != 0 ||
		!strings.HasPrefix(pv.Canonical, `{"fields":{`) {
		t.Fatalf("protocol %+v", pv)
	}
	if sum := sha256.Sum256([]byte(pv.Canonical)); hex.EncodeToString(sum[:]) != pv.Protocol.SHA256 {
		t.Fatalf("sha256 of the canonical JSON %x, record says %s", sum, pv.Protocol.SHA256)
	}

	stricter := strings.Replace(strings.Replace(text, "min_percent: 75", "min_percent: 80", 1), `version: "1"`, `version: "2"`, 1)
	for _, form := range []bool{false, true} {
		status, b := e.importAs("admin", stricter, "", form)
		var out struct{ Error delphi.Error }
		_ = json.Unmarshal(b, &out)
		if status != 409 || !bytes.Contains(b, []byte(`"reason":"protocol_change_needs_reason"`)) ||
			!bytes.Contains(b, []byte(`"field":"protocol_change_reason"`)) || !bytes.Contains(b, []byte(`"fields":"consensus"`)) {
			t.Fatalf("form %v without reason: %d %s", form, status, b)
		}
	}
	if status, b := e.importAs("admin", stricter, "Panel asked for 80 %", true); status != 201 {
		t.Fatalf("with reason: %d %s", status, b)
	}
	if err := json.Unmarshal(e.staff("GET", "/api/v1/surveys/"+ptStudy+"/protocol", "admin", "", 200), &pv); err != nil {
		t.Fatal(err)
	}
	if len(pv.Deviations) != 1 || pv.Deviations[0].Reason != "Panel asked for 80 %" || pv.Deviations[0].Revision != 2 || pv.Deviations[0].Changes[0].Field != "consensus" {
		t.Fatalf("deviations %+v", pv.Deviations)
	}
	// Back to 75 % with the reason in the query.
	if status, b := e.importAs("admin", strings.Replace(text, `version: "1"`, `version: "3"`, 1), "Reverted", false); status != 201 {
		t.Fatalf("query reason: %d %s", status, b)
	}

	// The report lists both deviations; staff of other studies see nothing.
	var rep struct {
		Facts struct {
			Deviations []delphi.Deviation
			Actual     int
			Stop       string
		}
		Checklist []struct{ ID, Status string }
		Paragraph map[string]string
	}
	if err := json.Unmarshal(e.staff("GET", "/api/v1/surveys/"+ptStudy+"/reporting", "admin", "", 200), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Facts.Deviations) != 2 || rep.Facts.Actual != 1 || rep.Facts.Stop != "running" || len(rep.Checklist) < 10 ||
		!strings.Contains(rep.Paragraph["en"], "there were 2 deviations.") {
		t.Fatalf("report %+v", rep)
	}
	e.staff("GET", "/api/v1/surveys/"+ptStudy+"/reporting", "coord-b", "", 404)
	e.staff("GET", "/api/v1/surveys/"+ptStudy+"/protocol", "researcher", "", 404)
	if status, _ := e.call("GET", "/api/v1/surveys/"+ptStudy+"/reporting", "", ""); status != 401 {
		t.Fatalf("anonymous: %d", status)
	}
}
