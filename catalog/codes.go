package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/peppol"
)

// EcoLabels is the fixed list of eco-labels an item may carry (SPEC §8), in display order. The
// UI names them in the reader's language; anything else is refused, so follow-up's eco share
// counts labels that mean something.
var EcoLabels = []string{"svanen", "eu_ecolabel", "bra_miljoval", "tco_certified", "fsc", "pefc", "krav",
	"eu_organic", "fairtrade", "asthma_allergy_nordic"}

// ValidEcoLabel reports whether l is on the fixed list.
func ValidEcoLabel(l string) bool { return slices.Contains(EcoLabels, l) }

// VATRates are the VAT rates in basis points of each country Avrop serves (SPEC §8): an item's
// rate must be one of its agreement's country's, the country of the procurement body.
var VATRates = map[string][]int{
	"SE": {2500, 1200, 600, 0},
	"NO": {2500, 1500, 1200, 0},
	"DK": {2500, 0},
}

// vatRateProblem says what is wrong with rate bp on an agreement in country, or "".
func vatRateProblem(bp int, country string) string {
	rates, ok := VATRates[country]
	if !ok || slices.Contains(rates, bp) {
		return ""
	}
	s := make([]string, len(rates))
	for i, r := range rates {
		s[i] = fmt.Sprint(r)
	}
	return fmt.Sprintf("must be a VAT rate of %s in basis points: %s", country, strings.Join(s, ", "))
}

// checkVATRate refuses an item's rate that is not one of the agreement's country's.
func checkVATRate(in ItemInput, country string) error {
	if in.VATRateBP == nil {
		return nil
	}
	if msg := vatRateProblem(*in.VATRateBP, country); msg != "" {
		return derr.Fields([]derr.FieldError{{Field: "vat_rate_bp", Code: "vat_rate", Message: msg}})
	}
	return nil
}

// agreementCountry is the country of an agreement's procurement body.
func agreementCountry(ctx context.Context, db sqlx.QueryerContext, agreementID string) (string, error) {
	var c string
	if err := sqlx.GetContext(ctx, db, &c, `SELECT b.country FROM agreements a JOIN organizations b ON b.id = a.procurement_body_id
		WHERE a.id = $1`, agreementID); err != nil {
		return "", fmt.Errorf("agreement country: %w", err)
	}
	return c, nil
}

// unitProblem says what is wrong with a unit code, or "".
func unitProblem(u string) string {
	if peppol.ValidUnit(u) {
		return ""
	}
	if peppol.ValidUnit("X" + u) {
		return fmt.Sprintf("must be a UN/ECE Rec 20 or Rec 21 unit code; packaging codes take an X: X%s", u)
	}
	return "must be a UN/ECE Rec 20 or Rec 21 unit code as PEPPOL lists it, such as EA, C62, XBX or XPK"
}

// checkRowVATRates adds, by line, an error for each price-list row whose VAT rate is not one of
// the agreement's country's (every import format goes through it).
func checkRowVATRates(rows []priceListRow, errs []derr.FieldError, country string) []derr.FieldError {
	list := importErrors(errs)
	for _, r := range rows {
		if r.VATRateBP == nil {
			continue
		}
		if msg := vatRateProblem(*r.VATRateBP, country); msg != "" && !list.add(r.Line, "vat_rate_bp", "vat_rate", msg) {
			break
		}
	}
	return list
}
