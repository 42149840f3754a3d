package export

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/xuri/excelize/v2"

	"github.com/expertenrunde/expertenrunde/internal/analysis"
)

// The comments sheet's rows go through the spool (not excelize's buffers)
// and their texts read back exactly as excelize's own text cells do:
// markup, line breaks, escapes that look like excelize's "_xHHHH_",
// characters outside the BMP, a text longer than a cell holds, and enough
// texts that the sheet's XML crosses the ZIP writer's chunks.
func TestSpooledTexts(t *testing.T) {
	texts := []string{"<b>&amp;</b> \"x\" 'y'", "Zeile 1\nZeile 2\r\nZeile 3\tTab", "_x0041_ und _x005F_x0041_ und _xZZZZ_",
		"Emoji 😀 und ß", strings.Repeat("lang ", 8000), "</sheetData>", "=1+1", "x",
		"C1 \u0085 Steuerzeichen", "nicht \uFFFE erlaubt", "Steuer \x01 zeichen", "ungültig \xff UTF-8", "Zeile\nZeile ohne Markup"}
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

// The splice finds `</sheetData>` when the ZIP writer gets the part in
// pieces of any size, and a part without it is an error instead of a
// sheet without its rows.
func TestSpliceRows(t *testing.T) {
	for _, split := range []int{1, 3, 1 << 20} {
		sp, err := newRowSpool("xl/worksheets/sheet2.xml")
		if err != nil {
			t.Fatal(err)
		}
		defer sp.close()
		if err := sp.row(2, 30, []any{1, nil, excelize.Cell{StyleID: 3, Value: "a<b"}, 2.5}); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		z := &spliceZip{spools: []*rowSpool{sp}, sp: sp, w: &out}
		in := `<worksheet><sheetData><row r="1"></row></sheetData></worksheet>`
		for i := 0; i < len(in); i += split {
			if _, err := z.Write([]byte(in[i:min(len(in), i+split)])); err != nil {
				t.Fatal(err)
			}
		}
		want := `<worksheet><sheetData><row r="1"></row><row r="2" ht="30" customHeight="1"><c r="A2"><v>1</v></c>` +
			`<c r="C2" s="3" t="inlineStr"><is><t xml:space="preserve">a&lt;b</t></is></c><c r="D2"><v>2.5</v></c></row></sheetData></worksheet>`
		if err := z.done(); err != nil || out.String() != want || !sp.done {
			t.Errorf("split %d: spliced %q, %v", split, out.String(), err)
		}
	}
	sp, err := newRowSpool("xl/worksheets/sheet2.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	z := &spliceZip{spools: []*rowSpool{sp}, sp: sp, w: io.Discard}
	if _, err := z.Write([]byte("<worksheet></worksheet>")); err != nil || z.done() != errSpool {
		t.Errorf("a part without sheetData: %v, %v", err, z.done())
	}
	if err := sp.row(1, 0, []any{true}); err == nil {
		t.Error("a bool cell was spooled")
	}
}

// A textFile gives back what was put, resolves only its own references
// (a user text that looks like one stays as it is) and reports a damaged
// reference as an error.
func TestTextFile(t *testing.T) {
	tf, err := newTextFile()
	if err != nil {
		t.Fatal(err)
	}
	defer tf.close()
	texts := []string{"eins", "", "zwei\x00drei", strings.Repeat("ß", 70000), tf.prefix + "1:1"}
	for i := range 300 {
		texts = append(texts, strings.Repeat(strconv.Itoa(i), 50))
	}
	var refs []string
	for _, s := range texts {
		refs = append(refs, tf.Put(s))
	}
	if refs[0] != "eins" || refs[3] == texts[3] || refs[4] == texts[4] {
		t.Errorf("short texts are kept as they are, long ones and ones that look like references go to the file: %.40q", refs)
	}
	// A short text is a copy: it must not keep the decoded response it
	// came from alive.
	buf := strings.Repeat("x", 1000) + "kurz"
	if short := buf[1000:]; unsafe.StringData(tf.Put(short)) == unsafe.StringData(short) {
		t.Error("a short text shares the caller's memory")
	}
	for _, order := range [][]int{{3, 2, 1, 0}, nil} { // out of order, then in order (read ahead)
		if order == nil {
			for i := range refs {
				order = append(order, i)
			}
		}
		for _, i := range order {
			if got := tf.Get(refs[i]); got != texts[i] {
				t.Errorf("text %d reads back as %.40q", i, got)
			}
		}
	}
	forged := "\x00" + "0123456789abcdef:0:4"
	if tf.Get(forged) != forged || tf.Get("eins") != "eins" || tf.Err() != nil {
		t.Errorf("a text that is no reference of this file was resolved (%v)", tf.Err())
	}
	if tf.Get(tf.prefix+"99999999:4") != "" || tf.Err() == nil {
		t.Error("a reference beyond the file: no error")
	}
	var none *textFile
	if none.Err() != nil {
		t.Error("a nil textFile reports an error")
	}
}

// TestTempFileLeavesNoName: the export's temporary files (spooled rows,
// free texts) have no name in the temporary directory while they are used
// (tempfile.New), so no free text is left there, even if the process dies.
func TestTempFileLeavesNoName(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	f, err := tempFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Fatalf("the temporary directory holds %v (%v), want nothing", ents, err)
	}
}
