package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// nordicHeader is the header Swedish Excel saves: semicolons, price in kronor, VAT in percent.
const nordicHeader = "sku;name;description;unit;pack_size;cpv_code;gtin;eco_labels;vat_rate;price;effective_from\r\n"

func TestSpreadsheetToCSV(t *testing.T) {
	cp1252, err := charmap.Windows1252.NewEncoder().String(nordicHeader + "SP-1;Handskar blå, storlek M;;XBX;100;33141420;;;25;1 234,50;\r\n")
	testenv.Must(t, err)
	tests := []struct {
		name, in string
		want     [][]string // records after the header
		line     int        // the line of the last record
	}{
		{"semicolons and decimal comma", nordicHeader + "SP-1;Nitrilhandske M;\"Puderfri; 100 st\";XBX;100;33141420;;svanen;12,5;89,50;\r\n",
			[][]string{{"SP-1", "Nitrilhandske M", "Puderfri; 100 st", "XBX", "100", "33141420", "", "svanen", "1250", "8950", ""}}, 2},
		{"windows-1252", cp1252, [][]string{{"SP-1", "Handskar blå, storlek M", "", "XBX", "100", "33141420", "", "", "2500", "123450", ""}}, 2},
		{"blank lines keep line numbers", nordicHeader + "\r\n\r\nSP-2;Förband;;XBX;1;33141420;;;25 %;45;\r\n",
			[][]string{{"SP-2", "Förband", "", "XBX", "1", "33141420", "", "", "2500", "4500", ""}}, 4},
		{"unreadable price passed on", nordicHeader + "SP-3;X;;XBX;1;33141420;;;25;12,345;\r\n",
			[][]string{{"SP-3", "X", "", "XBX", "1", "33141420", "", "", "2500", "12,345", ""}}, 2},
		{"tabs", strings.ReplaceAll(nordicHeader, ";", "\t") + "SP-4\tY\t\tXBX\t1\t33141420\t\t\t25\t1.5\t\n",
			[][]string{{"SP-4", "Y", "", "XBX", "1", "33141420", "", "", "2500", "150", ""}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := spreadsheetToCSV([]byte(tc.in))
			testenv.Must(t, err)
			r := csv.NewReader(bytes.NewReader(out))
			recs, err := r.ReadAll()
			testenv.Must(t, err)
			if got := strings.Join(recs[0], ","); got != strings.TrimSpace(header) {
				t.Fatalf("header = %q", got)
			}
			if got, want := len(recs)-1, len(tc.want); got != want {
				t.Fatalf("%d records, want %d: %q", got, want, out)
			}
			for i, w := range tc.want {
				if got := strings.Join(recs[i+1], "|"); got != strings.Join(w, "|") {
					t.Errorf("record %d = %q, want %q", i+1, got, strings.Join(w, "|"))
				}
			}
			if line, _ := r.FieldPos(0); line != tc.line {
				t.Errorf("last record on line %d, want %d", line, tc.line)
			}
		})
	}
	t.Run("comma CSV passes unchanged", func(t *testing.T) {
		in := header + "A,B,,EA,1,33141420,,,2500,100,\n"
		out, err := spreadsheetToCSV([]byte(in))
		testenv.Must(t, err)
		if string(out) != in {
			t.Fatalf("changed: %q", out)
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		out, err := spreadsheetToCSV(testXLSX(t))
		testenv.Must(t, err)
		recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		testenv.Must(t, err)
		if len(recs) != 3 || recs[1][9] != "8950" || recs[1][8] != "2500" || recs[2][1] != "Förband 10 × 10" || len(recs[2]) != 11 {
			t.Fatalf("xlsx records = %q", recs)
		}
	})
	t.Run("broken xlsx", func(t *testing.T) {
		if _, err := spreadsheetToCSV([]byte("PK\x03\x04garbage")); err == nil {
			t.Fatal("a broken XLSX was read")
		}
	})
}

// testXLSX is a price list as a spreadsheet program saves it: numbers as numbers, the second
// row's trailing cells empty.
func testXLSX(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"sku", "name", "description", "unit", "pack_size", "cpv_code", "gtin", "eco_labels", "vat_rate", "price", "effective_from"},
		{"XL-1", "Nitrilhandske L", "Puderfri", "XBX", 100, "33141420", "", "svanen", 25, 89.5, ""},
		{"XL-2", "Förband 10 × 10", "", "XPK", 10, "33141420", "", "", 25, 12},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		testenv.Must(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	var b bytes.Buffer
	testenv.Must(t, f.Write(&b))
	return b.Bytes()
}

func TestImportNordicSpreadsheets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cp1252, err := charmap.Windows1252.NewEncoder().String(nordicHeader + "NS-1;Engångshandske vinyl, blå;;XBX;100;33141420;;;25;59,00;\r\n")
	testenv.Must(t, err)
	rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(cp1252))
	if de := (*derr.Error)(nil); asErr(err, &de) {
		t.Fatalf("semicolon file refused: %+v", de.Fields)
	}
	testenv.Must(t, err)
	if rep.Created != 1 {
		t.Fatalf("semicolon file: %+v", rep)
	}
	it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "NS-1"))
	testenv.Must(t, err)
	if it.Name != "Engångshandske vinyl, blå" || *it.PriceMinor != 5900 || it.VATRateBP != 2500 {
		t.Fatalf("imported from Windows-1252 semicolons: %+v", it)
	}
	rep, err = f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, bytes.NewReader(testXLSX(t)))
	testenv.Must(t, err)
	if rep.Created != 2 {
		t.Fatalf("xlsx: %+v", rep)
	}
	// A bad row of a semicolon file is reported on its line, and nothing changes.
	_, err = f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(nordicHeader+"\r\nNS-2;;;XBX;1;33141420;;;25;abc;\r\n"))
	var de *derr.Error
	if !asErr(err, &de) || len(de.Fields) == 0 || de.Fields[0].Line != 3 {
		t.Fatalf("bad semicolon row: %v", err)
	}

	t.Run("price jumps over 50 % are found before import", func(t *testing.T) {
		jumps, err := f.s.PriceListJumps(ctx, f.supplier1, f.agreement.ID,
			[]byte(nordicHeader+"NS-1;Engångshandske vinyl, blå;;XBX;100;33141420;;;25;99,00;\r\nXL-1;Nitrilhandske L;Puderfri;XBX;100;33141420;;svanen;25;90,00;\r\n"), 5000)
		testenv.Must(t, err)
		if len(jumps) != 1 || jumps[0].SKU != "NS-1" || jumps[0].OldMinor != 5900 || jumps[0].NewMinor != 9900 || jumps[0].Line != 2 {
			t.Fatalf("jumps = %+v", jumps)
		}
		if it, _ := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "NS-1")); *it.PriceMinor != 5900 {
			t.Fatal("the preview changed a price")
		}
		if _, err := f.s.PriceListJumps(ctx, f.orderer, f.agreement.ID, []byte(nordicHeader), 5000); !derr.Is(err, derr.Forbidden) && !derr.Is(err, derr.NotFound) {
			t.Fatalf("an orderer previewed a price list: %v", err)
		}
	})
}

func FuzzSpreadsheetToCSV(f *testing.F) {
	f.Add([]byte(nordicHeader + "A;B;;EA;1;33141420;;;25;1 234,50;\r\n"))
	f.Add([]byte(header + "A,B,,EA,1,33141420,,,2500,100,\n"))
	f.Add([]byte("price\n\"1,5\n"))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("sku;price\n\xff;1,5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := spreadsheetToCSV(data)
		if err != nil {
			return
		}
		// What comes out is read by the canonical parser without a panic.
		parsePriceList(bytes.NewReader(out), "2026-01-01")
	})
}
