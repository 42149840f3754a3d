package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/export"
)

func TestExportBundleAccess(t *testing.T) {
	e := newResultsEnv(t)
	e.run([]scenario{
		{name: "coordinator of another study gets 404", method: "GET", url: exportURL + ".zip", as: "coord-b", status: 404},
		{name: "no auth", method: "GET", url: exportURL + ".zip", status: 401},
		{name: "draft round", method: "GET", url: exportURL + ".zip?rounds=3", as: "researcher", status: 409},
		{name: "bad language", method: "GET", url: exportURL + ".zip?lang=fr", as: "researcher", status: 422, want: []string{`"field":"lang"`}},
	})
	for _, as := range []string{"researcher", "coord-a", "admin"} {
		req := httptest.NewRequest("GET", exportURL+".zip", nil)
		req.Header.Set("Authorization", "Bearer "+e.login(as))
		status, h, body := e.do(req)
		if status != 200 || h.Get("Content-Type") != "application/zip" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), `attachment; filename="kleinstadtakademie-2020_ergebnisse_2026-11-26.zip"`) {
			t.Fatalf("%s: status %d, headers %v: %.200s", as, status, h, body)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: not a ZIP: %v", as, err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			for _, secret := range []string{"expert-0", "@example.org", "Resilienz ist zentral"} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds %q", f.Name, secret)
				}
			}
			if f.Name == export.BundleProtocol {
				// This study's rounds were stored open without the open
				// step, so no protocol is locked: the settings stand in.
				var p export.Protocol
				if err := json.Unmarshal(b, &p); err != nil || !strings.HasPrefix(p.Status, "not available") || p.SurveyID != ksaID {
					t.Errorf("protocol.json without a locked protocol (%v): %.300s", err, b)
				}
			}
			if f.Name == export.BundleStatistics && !bytes.Contains(b, []byte("\r\n1,T01,wichtigkeit,T01_wichtigkeit,12,")) {
				t.Errorf("statistics lack round 1's T01/wichtigkeit: %s", b)
			}
		}
		for _, want := range []string{export.BundleAnswers, export.BundleCodebookJS, export.BundleDefinition, export.BundleProtocol, export.BundlePy, export.BundleR} {
			if !slices.Contains(names, want) {
				t.Errorf("%s missing from %q", want, names)
			}
		}
	}
	entries, err := e.st.ListAudit(context.Background(), ksaID, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(a *delphi.AuditEntry) bool { return a.Action == "survey.export" && a.Details["format"] == "zip" }) {
		t.Error("the bundle download is not audited")
	}
}
