package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
)

// The comments sheet's texts go through the spool (not excelize's
// buffers) and read back exactly as excelize's own text cells do: markup,
// line breaks, escapes that look like excelize's "_xHHHH_", characters
// outside the BMP, a text longer than a cell holds, a forged token, and
// enough texts that the sheet's XML crosses the ZIP writer's chunks.
func TestSpooledTexts(t *testing.T) {
	texts := []string{"<b>&amp;</b> \"x\" 'y'", "Zeile 1\nZeile 2\r\nZeile 3\tTab", "_x0041_ und _x005F_x0041_ und _xZZZZ_",
		"Emoji 😀 und ß", strings.Repeat("lang ", 8000), "\uE000" + "0123456789abcdef:0\uE001", "=1+1", "x"}
	for i := range 3000 {
		texts = append(texts, "Text "+strings.Repeat("ä", i%50))
	}
	fx := newFixture(t)
	res := *fx.in.Results[0]
	res.Items = append([]analysis.ItemResult(nil), res.Items...)
	var cs []analysis.Comment
	for _, s := range texts {
		cs = append(cs, analysis.Comment{Text: s, Group: "kommunen", Kind: analysis.KindComment})
	}
	res.Items[0].Comments = cs
	fx.in.Results[0] = &res
	_, f := xlsx(t, fx.in)

	// What excelize gives for the same texts written as its own cells.
	g := excelize.NewFile()
	sw, _ := g.NewStreamWriter("Sheet1")
	for i, s := range texts {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{excelize.Cell{Value: s}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := g.Write(&buf); err != nil {
		t.Fatal(err)
	}
	h, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := h.GetRows("Sheet1", excelize.Options{RawCellValue: true})

	var got []string
	for _, r := range rows(t, f, "Kommentare") {
		if len(r) == 7 && r[2] == res.Items[0].ItemID && r[0] == "1" {
			got = append(got, r[6])
		}
	}
	if len(got) != len(texts) {
		t.Fatalf("%d texts of item %s in the comments sheet, want %d", len(got), res.Items[0].ItemID, len(texts))
	}
	for i := range texts {
		if got[i] != want[i][0] {
			t.Errorf("text %d reads back as %.80q, excelize's own cell as %.80q", i, got[i], want[i][0])
		}
	}
}

// A token that does not match the spool stops the export instead of
// writing texts in the wrong cells.
func TestSpliceMismatch(t *testing.T) {
	sp, err := newSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	tok0, _ := sp.add("a")
	tok1, _ := sp.add("b")
	var out bytes.Buffer
	z := &spliceZip{sp: sp, w: &out}
	if _, err := z.Write([]byte("<t>" + tok1 + "</t>")); err != errSpool {
		t.Errorf("a token out of order: %v, want errSpool", err)
	}
	z = &spliceZip{sp: sp, w: &out}
	in := "<c><t>" + tok0 + "</t></c>"
	for i := 0; i < len(in); i++ { // one byte at a time: a token split across writes
		if _, err := z.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.done(); err != nil || out.String() != `<c><t xml:space="preserve">a</t></c>` || z.next != 1 {
		t.Errorf("spliced %q, %d texts, %v", out.String(), z.next, err)
	}
}
