package survey

import (
	"slices"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestRealtimeMode: mode is rounds (absent) or realtime; a real-time study
// plans one round; the mode of a study with answers cannot change.
func TestRealtimeMode(t *testing.T) {
	one := strings.Replace(minimal, "planned: 2", "planned: 1", 1)
	if d := mustParse(t, "min.yaml", []byte(minimal)); d.Realtime() || d.Mode != "" {
		t.Fatalf("default mode: %q", d.Mode)
	}
	rt := mustParse(t, "rt.yaml", []byte("mode: realtime\n"+one))
	if !rt.Realtime() {
		t.Fatal("mode: realtime not read")
	}
	mustParse(t, "rounds.yaml", []byte("mode: rounds\n"+minimal))

	for _, c := range []struct{ name, src, field, msg string }{
		{"unknown mode", "mode: echtzeit\n" + minimal, "mode", "realtime"},
		{"more rounds", "mode: realtime\n" + minimal, "rounds.planned", "set rounds.planned to 1, not 2"},
	} {
		_, err := Parse(c.name+".yaml", []byte(c.src))
		e := delphi.AsError(err)
		i := slices.IndexFunc(e.Details, func(d delphi.Detail) bool { return d.Field == c.field })
		if e.Code != delphi.EINVALID || i < 0 || !strings.Contains(e.Details[i].Message, c.msg) || e.Details[i].Line < 1 {
			t.Errorf("%s: %v %+v, want a problem of %s saying %q", c.name, err, e.Details, c.field, c.msg)
		}
	}

	rounds := mustParse(t, "one.yaml", []byte(one))
	if err := Compatible(rounds, rt, map[string]bool{}); err != nil {
		t.Errorf("mode change without answers: %v", err)
	}
	err := Compatible(rounds, rt, map[string]bool{"T01": true})
	e := delphi.AsError(err)
	if e.Code != delphi.EINVALID || len(e.Details) != 1 || e.Details[0].Field != "mode" || !strings.Contains(e.Details[0].Message, "from rounds to realtime") {
		t.Errorf("mode change with answers: %v %+v", err, e.Details)
	}
}
