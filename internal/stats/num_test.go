package stats

import (
	"encoding/json"
	"math"
	"testing"
)

func nan() float64 { return math.NaN() }

func TestNumOf(t *testing.T) {
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if n := NumOf(x); n.Valid || n.Reason == "" {
			t.Errorf("NumOf(%v) = %+v, want invalid with reason", x, n)
		}
	}
	if n := NumOf(math.Copysign(0, -1)); !n.Valid || math.Signbit(n.Value) {
		t.Errorf("NumOf(-0) = %+v, want +0", n)
	}
}

func TestNumJSON(t *testing.T) {
	type row struct {
		A Num `json:"a"`
		B Num `json:"b"`
		C Num `json:"c,omitzero"`
		D Num `json:"d"`
	}
	r := row{A: NumOf(81.25), B: UndefinedNum("n < 2"), D: Num{Value: math.NaN(), Valid: true}}
	got := mustJSON(t, r)
	if want := `{"a":81.25,"b":null,"d":null}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	// An undefined statistic in an omitzero field keeps its key through a
	// round trip: frozen results have the keys of the live ones.
	var und row
	if err := json.Unmarshal([]byte(mustJSON(t, row{C: UndefinedNum("n < 2")})), &und); err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, und), `{"a":null,"b":null,"c":null,"d":null}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var back row
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
	if !back.A.Valid || back.A.Value != 81.25 || back.B.Valid {
		t.Errorf("round trip = %+v", back)
	}
}
