package stats

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// RoundHalfUp rounds x to decimals places (negative means 0), halves away
// from zero, on the shortest decimal that prints x (strconv 'g', -1), so
// 81.25 → 81.3, 1.005 → 1.01 and -2.5 → -3 where binary rounding gives
// 81.2 and 1.00. NaN and ±Inf are returned unchanged.
func RoundHalfUp(x float64, decimals int) float64 {
	s := FormatHalfUp(x, decimals)
	if s == "" {
		return x
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// FormatHalfUp formats x with exactly decimals places (negative means 0),
// rounded like RoundHalfUp, with a '.' separator and no "-0"; the caller
// localises. It returns "" for NaN and ±Inf.
func FormatHalfUp(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	return formatRat(r, decimals)
}

// PercentDisplay returns 100·num/den rounded half up to decimals places,
// computed exactly on the integers: PercentDisplay(39, 48, 1) == "81.3".
// It returns "" when den is 0.
func PercentDisplay(num, den int, decimals int) string {
	if den == 0 {
		return ""
	}
	return formatRat(big.NewRat(100*int64(num), int64(den)), decimals)
}

// formatRat rounds r half away from zero (big.Rat.FloatString's rule) and
// removes the sign of a result that rounds to zero.
func formatRat(r *big.Rat, decimals int) string {
	if decimals < 0 {
		decimals = 0
	}
	s := r.FloatString(decimals)
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		s = s[1:]
	}
	return s
}
