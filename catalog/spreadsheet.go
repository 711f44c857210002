package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// Nordic spreadsheets: what a supplier's spreadsheet program saves is turned into the
// canonical price list (UTF-8, comma-separated, PriceListColumns) before it is read, so that
// every format goes through the one parser and the one set of row rules.
//
//   - XLSX (a ZIP file): the first sheet, read with excelize; cell values are taken raw, so a
//     price is "129.5" whatever the cell's display format.
//   - CSV separated by semicolon (what Excel saves in Swedish, Norwegian and Danish), comma or
//     tab, whichever the header row uses most; UTF-8 (a byte-order mark is ignored) or, when the
//     bytes are not UTF-8, Windows-1252 (what Excel's plain "CSV" saves).
//   - A "price" column (in the currency's major unit, decimal comma or point, spaces as
//     thousands separators: "1 234,50") may replace price_minor, and "vat_rate" (percent:
//     "25", "12,5 %") may replace vat_rate_bp. A value that cannot be read is passed on as it
//     is, so the row rules report it on its line.
//
// Line numbers are kept: row n of a sheet, or a record starting on line n of a text file, is
// line n of the canonical file.

// maxXLSXUnzipped bounds what an XLSX file may unpack to (a ZIP bomb is refused).
const maxXLSXUnzipped = 256 << 20

// spreadsheetToCSV returns data as the canonical CSV price list; an error means the file could
// not be read at all (a broken XLSX) and is reported by the caller on line 0.
func spreadsheetToCSV(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return xlsxToCSV(data)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("windows-1252: %w", err)
		}
		data = dec
	}
	comma := delimiterOf(data)
	if comma == ',' && !needsColumnConversion(data) {
		return data, nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	line, conv := 1, (*columnConversion)(nil)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		at, _ := r.FieldPos(0)
		line = padLines(w, &out, line, at)
		if conv == nil {
			conv = newColumnConversion(rec)
		} else {
			conv.apply(rec)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
		w.Flush()
		line = at + 1
		for _, f := range rec {
			line += strings.Count(f, "\n")
		}
	}
	w.Flush()
	return out.Bytes(), w.Error()
}

// padLines writes empty lines until the next record starts on line at.
func padLines(w *csv.Writer, out *bytes.Buffer, line, at int) int {
	w.Flush()
	for ; line < at; line++ {
		out.WriteByte('\n')
	}
	return line
}

func xlsxToCSV(data []byte) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: maxXLSXUnzipped, UnzipXMLSizeLimit: maxXLSXUnzipped})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("xlsx: no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	defer rows.Close()
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	var conv *columnConversion
	width := 0
	for n := 0; rows.Next(); n++ {
		if n > MaxPriceListRows+1 {
			break // the parser reports too_many_rows
		}
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("xlsx: row %d: %w", n+1, err)
		}
		if isBlank(rec) {
			w.Flush()
			out.WriteByte('\n')
			continue
		}
		if conv == nil {
			conv, width = newColumnConversion(rec), len(rec)
		} else {
			// A sheet leaves out empty cells at a row's end; the row still has every column.
			for len(rec) < width {
				rec = append(rec, "")
			}
			conv.apply(rec)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return out.Bytes(), w.Error()
}

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// delimiterOf is the separator the header row (the first line) uses most: ';', '\t' or ','.
func delimiterOf(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		if c := countOutsideQuotes(first, byte(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

func countOutsideQuotes(b []byte, d byte) int {
	n, quoted := 0, false
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == d && !quoted:
			n++
		}
	}
	return n
}

// needsColumnConversion reports whether a comma-separated header names price or vat_rate.
func needsColumnConversion(data []byte) bool {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	rec, err := csv.NewReader(bytes.NewReader(first)).Read()
	return err == nil && newColumnConversion(rec).any()
}

// columnConversion renames a header's "price" and "vat_rate" columns and converts their values.
type columnConversion struct{ price, vat int }

func newColumnConversion(header []string) *columnConversion {
	c := &columnConversion{price: -1, vat: -1}
	has := map[string]bool{}
	for _, h := range header {
		has[strings.ToLower(strings.TrimSpace(h))] = true
	}
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "price":
			if !has["price_minor"] {
				c.price, header[i] = i, "price_minor"
			}
		case "vat_rate":
			if !has["vat_rate_bp"] {
				c.vat, header[i] = i, "vat_rate_bp"
			}
		}
	}
	return c
}

func (c *columnConversion) any() bool { return c.price >= 0 || c.vat >= 0 }

func (c *columnConversion) apply(rec []string) {
	if c.price >= 0 && c.price < len(rec) {
		if v, ok := hundredths(rec[c.price]); ok {
			rec[c.price] = strconv.FormatInt(v, 10)
		}
	}
	if c.vat >= 0 && c.vat < len(rec) {
		if v, ok := hundredths(strings.TrimSuffix(strings.TrimSpace(rec[c.vat]), "%")); ok {
			rec[c.vat] = strconv.FormatInt(v, 10)
		}
	}
}

// hundredths reads a decimal written the Nordic or the English way — "1 234,50", "129,5",
// "1234.50", "25" — as hundredths (minor units, or basis points of a percentage). More than
// two decimals, a sign or anything else is not read.
func hundredths(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	if s == "" || len(s) > 20 {
		return 0, false
	}
	whole, frac := s, ""
	if i := strings.LastIndexAny(s, ",."); i >= 0 {
		whole, frac = s[:i], s[i+1:]
		if strings.ContainsAny(whole, ",.") || len(frac) > 2 {
			return 0, false
		}
	}
	if whole == "" {
		whole = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseUint(whole, 10, 62)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil || w > maxPriceMinor {
		return 0, false
	}
	return int64(w)*100 + int64(f), true
}

// PriceJump is a price-list row whose price moves far from the item's current price.
type PriceJump struct {
	Line               int
	SKU, Name          string
	OldMinor, NewMinor int64
}

// PriceListJumps reads a price list as ImportPriceList does and returns the rows whose price
// moves more than limitBP basis points (up or down) from the item's price on the row's
// effective date, so that a UI can ask the supplier to confirm before importing. A file with
// errors returns them as ImportPriceList would. Errors: Forbidden, NotFound, Invalid.
func (s *Service) PriceListJumps(ctx context.Context, c auth.Caller, agreementID string, data []byte, limitBP int) ([]PriceJump, error) {
	var jumps []PriceJump
	_, err := s.importPriceRows(ctx, c, agreementID, func(_ Agreement, today string) (priceListFile, []derr.FieldError) {
		rows, errs := parsePriceList(bytes.NewReader(data), today)
		if len(errs) > 0 || len(rows) == 0 {
			return priceListFile{rows: rows}, errs
		}
		skus := make([]string, len(rows))
		for i, r := range rows {
			skus[i] = r.SKU
		}
		var existing []itemRow
		if err := sqlx.SelectContext(ctx, s.db, &existing, `SELECT `+itemRowColumns+` FROM items
			WHERE agreement_id = $1 AND supplier_id = $2 AND sku = ANY($3::text[])`, agreementID, c.OrgID, pq.Array(skus)); err != nil {
			return priceListFile{}, []derr.FieldError{{Field: "file", Code: "unreadable", Message: "could not be compared"}}
		}
		bySKU := map[string]itemRow{}
		ids := make([]string, len(existing))
		for i, it := range existing {
			bySKU[it.SKU], ids[i] = it, it.ID
		}
		hist, err := priceHistories(ctx, s.db, ids)
		if err != nil {
			return priceListFile{}, []derr.FieldError{{Field: "file", Code: "unreadable", Message: "could not be compared"}}
		}
		for _, r := range rows {
			it, ok := bySKU[r.SKU]
			if !ok || hist[it.ID] == nil {
				continue
			}
			old := hist[it.ID].priceAt(r.EffectiveFrom)
			if old == nil || *old == 0 {
				continue
			}
			diff := *r.PriceMinor - *old
			if diff < 0 {
				diff = -diff
			}
			if diff*10000 > *old*int64(limitBP) {
				jumps = append(jumps, PriceJump{Line: r.Line, SKU: r.SKU, Name: it.Name, OldMinor: *old, NewMinor: *r.PriceMinor})
			}
		}
		return priceListFile{}, nil // a preview: nothing is imported
	})
	return jumps, err
}

// templateColumns are a spreadsheet template's columns: PriceListColumns with the price in
// the currency's major unit and VAT in percent, as people type them.
var templateColumns = []string{"sku", "name", "description", "unit", "pack_size", "cpv_code", "gtin", "eco_labels",
	"vat_rate", "price", "effective_from"}

var templateExample = []string{"NH-M", "Nitrilhandske puderfri, storlek M", "100 st per ask", "XBX", "100", "33141420", "", "svanen", "25", "89,50", ""}

// PriceListTemplateCSV is a price-list template as Nordic Excel opens it: UTF-8 with a
// byte-order mark, semicolons, a header row and one example row.
func PriceListTemplateCSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	_ = w.Write(templateColumns)
	_ = w.Write(templateExample)
	w.Flush()
	return b.Bytes()
}

// PriceListTemplateXLSX is the same template as an XLSX workbook.
func PriceListTemplateXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range [][]string{templateColumns, templateExample} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return b.Bytes(), nil
}
