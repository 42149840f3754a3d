package stats

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// near fails unless got is within tol of want.
func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.17g, want %.17g (±%g)", name, got, want, tol)
	}
}

// nearNum fails unless n is valid and within tol of want.
func nearNum(t *testing.T, name string, n Num, want, tol float64) {
	t.Helper()
	if !n.Valid {
		t.Errorf("%s undefined (%q), want %g", name, n.Reason, want)
		return
	}
	near(t, name, n.Value, want, tol)
}

// undefined fails unless n is invalid with the given reason.
func undefined(t *testing.T, name string, n Num, reason string) {
	t.Helper()
	if n.Valid || n.Reason != reason {
		t.Errorf("%s = %+v, want undefined with reason %q", name, n, reason)
	}
}

// mustJSON marshals v, failing on error or on NaN/Inf text.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	s := string(b)
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(s, bad) {
			t.Fatalf("JSON contains %s: %s", bad, s)
		}
	}
	return s
}
