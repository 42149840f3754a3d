// Package surveytest builds hostile study files for the tests of the
// packages that parse them (survey, httpapi, the command).
package surveytest

import (
	"fmt"
	"strings"
)

// AliasBomb is a YAML study of about size bytes: one anchored string of
// size bytes and n aliases of it, each a line "yN: *x". Expanded, it is n+1
// times its size (300 aliases of 1 MB: 300 MB).
func AliasBomb(size, n int) []byte {
	var b strings.Builder
	b.Grow(size + 12*n + 64)
	b.WriteString("id: bomb\nx: &x \"")
	b.WriteString(strings.Repeat("a", size))
	b.WriteString("\"\n")
	for i := range n {
		fmt.Fprintf(&b, "y%d: *x\n", i)
	}
	return []byte(b.String())
}

// Laughs is the nested "billion laughs": a list of ten "lol"s, then lists
// of ten aliases of the list before, levels lists in all; Laughs(9) expands
// to 10^9 strings.
func Laughs(levels int) []byte {
	var b strings.Builder
	b.WriteString("id: laughs\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [%s*a%d]\n", i, i, strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9), i-1)
	}
	return []byte(b.String())
}
