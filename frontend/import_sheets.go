package frontend

import (
	"encoding/base64"
	"net/http"

	"github.com/avrop/avrop/catalog"
)

// priceJumpLimitBP is the price change (up or down) above which an upload is confirmed before
// it is imported: a jump over 50 % is more often a typo (öre for kronor) than a price.
const priceJumpLimitBP = 5000

// maxConfirmBytes bounds a file carried through the confirmation step in the form itself; a
// larger file is chosen again with "confirm" ticked.
const maxConfirmBytes = 4 << 20

// uploadedPriceList is the file of an import form: the uploaded file, or the one carried
// through the confirmation step (file_b64).
func uploadedPriceList(q *req) ([]byte, bool) {
	if b64 := q.r.PostFormValue("file_b64"); b64 != "" {
		data, err := base64.StdEncoding.DecodeString(b64)
		return data, err == nil
	}
	return uploadedFile(q, "file")
}

// priceJumps asks the catalogue which rows of data move a price by more than the limit; the
// caller shows them for confirmation instead of importing.
func (s *server) priceJumps(q *req, d *importData, data []byte) ([]catalog.PriceJump, error) {
	jumps, err := s.Catalog.PriceListJumps(q.ctx(), *q.caller, d.Selected, data, priceJumpLimitBP)
	if err != nil || len(jumps) == 0 {
		return nil, err
	}
	d.Jumps = jumps
	for _, a := range d.Agreements {
		if a.ID == d.Selected {
			d.Currency = a.Currency
		}
	}
	if len(data) <= maxConfirmBytes {
		d.Carry = base64.StdEncoding.EncodeToString(data)
	}
	return jumps, nil
}

// priceListTemplate downloads the spreadsheet template (?format=xlsx, else CSV).
func (s *server) priceListTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if r.URL.Query().Get("format") == "xlsx" {
		b, err := catalog.PriceListTemplateXLSX()
		if err != nil {
			http.Error(w, "template", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="prislista.xlsx"`)
		_, _ = w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="prislista.csv"`)
	_, _ = w.Write(catalog.PriceListTemplateCSV())
}
