package stats

import (
	"encoding/json"
	"math"
)

// Num is a statistic that may be undefined: Valid is false and Reason says
// why (e.g. "n < 2"). The zero Num means "not applicable" and is omitted by
// fields tagged omitzero.
type Num struct {
	Value  float64
	Valid  bool
	Reason string
}

// NumOf returns a valid Num for finite x (with -0 as 0) and an invalid one
// with reason "not a finite number" for NaN and ±Inf.
func NumOf(x float64) Num {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Num{Reason: "not a finite number"}
	}
	if x == 0 {
		x = 0 // drop the sign of -0
	}
	return Num{Value: x, Valid: true}
}

// UndefinedNum returns an invalid Num carrying reason.
func UndefinedNum(reason string) Num { return Num{Reason: reason} }

// MarshalJSON writes the number, or null when n is invalid or not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.Valid || math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// ReasonStored is the reason of an undefined Num read back from JSON (a
// frozen snapshot), whose own reason was written apart (Undefined maps).
const ReasonStored = "undefined"

// UnmarshalJSON reads a number, or null as an undefined Num with reason
// ReasonStored: a null was written for a statistic that is undefined, and
// it must stay non-zero, so a field tagged omitzero writes null again. The
// frozen results of a closed round then have the same keys as the live ones.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = UndefinedNum(ReasonStored)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = NumOf(v)
	return nil
}

// undefinedOf returns field → reason for the invalid Nums that carry a
// reason, or nil when there are none.
func undefinedOf(fields map[string]Num) map[string]string {
	var m map[string]string
	for k, v := range fields {
		if !v.Valid && v.Reason != "" {
			if m == nil {
				m = make(map[string]string)
			}
			m[k] = v.Reason
		}
	}
	return m
}

// field is a named statistic, for undefinedFields.
type field struct {
	name string
	num  Num
}

// undefinedFields is undefinedOf for a list (no map to build per call).
func undefinedFields(fields []field) map[string]string {
	var m map[string]string
	for _, f := range fields {
		if !f.num.Valid && f.num.Reason != "" {
			if m == nil {
				m = make(map[string]string)
			}
			m[f.name] = f.num.Reason
		}
	}
	return m
}

// ratio returns num/den as a Num, undefined with reason when den is 0.
// Both are exact integers, so the float division is correctly rounded.
func ratio(num, den int64, reason string) Num {
	if den == 0 {
		return UndefinedNum(reason)
	}
	return NumOf(float64(num) / float64(den))
}
