package panel_test

import (
	"archive/zip"
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/panel"
)

// zipBomb is an .xlsx-shaped zip of about 200 KB that unpacks to 200 MiB
// (a worksheet and a stray part of zeros).
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, size int, chunk []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < size; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("[Content_Types].xml", 1, []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`))
	add("xl/media/zeros.bin", 150<<20, make([]byte, 1<<20))
	add("xl/worksheets/sheet1.xml", 50<<20, bytes.Repeat([]byte(" "), 1<<20))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes; it should fit a 4 MiB upload easily", buf.Len())
	}
	return buf.Bytes()
}

// TestAttackXLSXZipBomb: a small upload that unpacks to hundreds of MiB is
// refused before it is unpacked (the reader's limits apply), instead of
// being read into memory or onto disk.
func TestAttackXLSXZipBomb(t *testing.T) {
	def := kleinstadt(t)
	data := zipBomb(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := panel.Parse("panel.xlsx", data, def)
	runtime.ReadMemStats(&after)
	if delphi.ErrorCode(err) != delphi.EINVALID || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Errorf("zip bomb: %v, want EINVALID naming the size limit", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("reading the zip bomb allocated %d MiB", alloc>>20)
	}
}
