package invoices

import (
	"sort"
)

// Finding codes of invoice control (SPEC §9).
const (
	FindingPriceAboveOrder       = "price_above_order"
	FindingQuantityAboveReceived = "quantity_above_received"
	FindingNotOnOrder            = "not_on_order"
	FindingVATMismatch           = "vat_mismatch"
	FindingTotalsInconsistent    = "totals_inconsistent"
	FindingOrderNotFound         = "order_not_found"
	// FindingChargeAboveMonth: a subscription invoice charges an item more than the month's
	// charges of its placements (SPEC §7) justify.
	FindingChargeAboveMonth = "charge_above_month"
)

// FindingCodes lists every finding code, in the order the UI explains them.
var FindingCodes = []string{FindingPriceAboveOrder, FindingQuantityAboveReceived, FindingNotOnOrder, FindingVATMismatch,
	FindingTotalsInconsistent, FindingOrderNotFound, FindingChargeAboveMonth}

// Finding is one difference between an invoice and what the order, the receipt or the
// arithmetic justifies. LineNo is the invoice line (1-based position in the document), nil for
// the document as a whole. AmountMinor is the amount at stake: what the invoice charges above
// what is justified, excluding VAT (for vat_mismatch, the VAT charged above the order's rate;
// for totals_inconsistent, the difference between the stated and the computed total).
type Finding struct {
	Code        string `db:"code" json:"code"`
	LineNo      *int   `db:"line_no" json:"line_no"`
	AmountMinor int64  `db:"amount_minor" json:"amount_minor"`
	Detail      string `db:"detail" json:"detail,omitempty"`
}

// Line is the finding's invoice line number, 0 for the whole document.
func (f Finding) Line() int {
	if f.LineNo == nil {
		return 0
	}
	return *f.LineNo
}

// Qty is a quantity in thousandths of a unit: an invoice may invoice 2.5 hours, an order
// only whole units, and integer arithmetic keeps the comparison exact.
type Qty int64

// QtyOf is n whole units.
func QtyOf(n int64) Qty { return Qty(n * 1000) }

// ControlLine is one invoice line as control reads it: amounts in minor units, signed (a
// negative line corrects an earlier one).
type ControlLine struct {
	LineNo      int
	SKU         string
	Quantity    Qty
	AmountMinor int64 // the line's net amount (BT-131), excluding VAT
	VATRateBP   int
}

// ControlTotals are the document's stated totals and VAT breakdown, in minor units.
type ControlTotals struct {
	LineExtensionMinor int64
	AllowanceMinor     int64
	ChargeMinor        int64
	TaxExclusiveMinor  int64
	TaxMinor           int64
	TaxInclusiveMinor  int64
	PrepaidMinor       int64
	RoundingMinor      int64
	PayableMinor       int64
	Subtotals          []VATSubtotal
}

// VATSubtotal is one VAT rate's taxable amount and stated VAT.
type VATSubtotal struct {
	RateBP       int
	TaxableMinor int64
	TaxMinor     int64
}

// OrderLineFacts are what control needs of an order line: its snapshot price and VAT rate,
// and the quantity received.
type OrderLineFacts struct {
	SKU            string `db:"sku"`
	Quantity       int64  `db:"quantity"`
	Received       int64  `db:"received"`
	UnitPriceMinor int64  `db:"unit_price_minor"`
	VATRateBP      int    `db:"vat_rate_bp"`
}

// ControlInput is everything control decides from, as plain values: the document, whether it
// names an order, the order's lines if one was found, and the quantity per sku already
// invoiced on that order by earlier invoices less credit notes.
type ControlInput struct {
	CreditNote     bool
	Lines          []ControlLine
	Totals         ControlTotals
	OrderReference string
	OrderFound     bool
	OrderLines     []OrderLineFacts
	Earlier        map[string]Qty
	// Subscription, when set, makes this a monthly subscription invoice: it is compared with
	// the month's placement charges instead of an order's lines and receipt.
	Subscription *SubscriptionFacts
}

// SubscriptionFacts are the month's expected charges (SPEC §7) a subscription invoice is
// compared with: per item sku, the sum of its placements' charges (monthly share and setup)
// for the invoiced month(s), and the item's VAT rate.
type SubscriptionFacts struct {
	Months   []string // "YYYY-MM", the invoiced period's months
	Expected map[string]int64
	VATRate  map[string]int
}

// Control checks an invoice against its order, the receipt and its own arithmetic and
// returns the findings (none: the invoice matches). Rules:
//
//   - totals_inconsistent: the lines must sum to the line total, and line total − allowances +
//     charges = tax-exclusive total, tax-exclusive + VAT = tax-inclusive, tax-inclusive −
//     prepaid + rounding = payable, the VAT subtotals sum to the VAT total, and each subtotal's
//     VAT is its taxable amount × rate rounded half up (EN 16931 BR-CO-17). One finding per
//     broken equation, the amount being the absolute difference.
//   - order_not_found: an invoice (not a credit note) whose order reference is missing or names
//     no order of this buyer from this supplier: the whole tax-exclusive amount is at stake and
//     no line is matched.
//   - not_on_order: a line whose sku is on no line of the order; its whole amount is at stake.
//   - price_above_order: the line's net amount exceeds the order's snapshot unit price × the
//     invoiced quantity; the excess is at stake.
//   - quantity_above_received: the quantity invoiced for the sku, counting earlier invoices less
//     credit notes and the lines before this one, exceeds the quantity received; the excess
//     quantity × the lower of the invoiced and the ordered unit price is at stake (so that a
//     line's price and quantity findings never count the same money twice).
//   - vat_mismatch: the line's VAT rate is not the order line's; the VAT charged above the
//     order's rate is at stake (0 when the invoice charges less).
//
// Credit notes are checked only for their arithmetic: they reduce what was invoiced.
func Control(in ControlInput) []Finding {
	findings := totalsFindings(in)
	if in.CreditNote {
		return findings
	}
	if in.Subscription != nil {
		return append(findings, subscriptionFindings(in.Lines, *in.Subscription)...)
	}
	if !in.OrderFound {
		detail := "no order reference"
		if in.OrderReference != "" {
			detail = "no order " + in.OrderReference + " of this buyer from this supplier"
		}
		return append(findings, Finding{Code: FindingOrderNotFound, AmountMinor: max(in.Totals.TaxExclusiveMinor, 0), Detail: detail})
	}
	type skuFacts struct {
		received Qty
		price    int64
		vat      int
		invoiced Qty
	}
	bySKU := map[string]*skuFacts{}
	for _, ol := range in.OrderLines {
		f := bySKU[ol.SKU]
		if f == nil {
			f = &skuFacts{price: ol.UnitPriceMinor, vat: ol.VATRateBP, invoiced: in.Earlier[ol.SKU]}
			bySKU[ol.SKU] = f
		}
		f.received += QtyOf(ol.Received)
	}
	for _, l := range in.Lines {
		lineNo := l.LineNo
		f := bySKU[l.SKU]
		if f == nil {
			if l.AmountMinor > 0 {
				findings = append(findings, Finding{Code: FindingNotOnOrder, LineNo: &lineNo, AmountMinor: l.AmountMinor,
					Detail: "sku " + l.SKU + " is not on the order"})
			}
			continue
		}
		if l.VATRateBP != f.vat {
			over := roundHalfUp(l.AmountMinor*int64(l.VATRateBP-f.vat), 10000)
			findings = append(findings, Finding{Code: FindingVATMismatch, LineNo: &lineNo, AmountMinor: max(over, 0),
				Detail: "VAT " + percent(l.VATRateBP) + " invoiced, " + percent(f.vat) + " ordered"})
		}
		if l.Quantity <= 0 {
			// A negative line corrects an earlier charge: it reduces what was invoiced.
			f.invoiced += l.Quantity
			continue
		}
		justifiedAmount := roundHalfUp(f.price*int64(l.Quantity), 1000)
		if l.AmountMinor > justifiedAmount {
			findings = append(findings, Finding{Code: FindingPriceAboveOrder, LineNo: &lineNo, AmountMinor: l.AmountMinor - justifiedAmount,
				Detail: "unit price above the order's"})
		}
		room := max(f.received-f.invoiced, 0)
		if excess := l.Quantity - room; excess > 0 {
			base := min(l.AmountMinor, justifiedAmount)
			findings = append(findings, Finding{Code: FindingQuantityAboveReceived, LineNo: &lineNo,
				AmountMinor: max(roundHalfUp(base*int64(excess), int64(l.Quantity)), 0),
				Detail:      "more invoiced than received"})
		}
		f.invoiced += l.Quantity
	}
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].Line() < findings[j].Line() })
	return findings
}

// subscriptionFindings compares a monthly subscription invoice with the month's charges:
//
//   - not_on_order: a line whose sku is not the item of a placement charged in the month; its
//     whole amount is at stake.
//   - vat_mismatch: the line's VAT rate is not the item's; the VAT above the item's rate is at
//     stake.
//   - charge_above_month: the lines of one sku (monthly and setup lines alike, negative lines
//     reducing) come to more than the month's charges of that item's placements; the excess is
//     at stake, reported on the sku's last line.
//
// An invoice that charges less than the month's charges has no finding: the buyer pays what
// is invoiced.
func subscriptionFindings(lines []ControlLine, sf SubscriptionFacts) []Finding {
	var out []Finding
	invoiced := map[string]int64{}
	last := map[string]int{}
	order := []string{}
	for _, l := range lines {
		lineNo := l.LineNo
		if _, ok := sf.Expected[l.SKU]; !ok {
			if l.AmountMinor > 0 {
				out = append(out, Finding{Code: FindingNotOnOrder, LineNo: &lineNo, AmountMinor: l.AmountMinor,
					Detail: "sku " + l.SKU + " has no placement charged in the month"})
			}
			continue
		}
		if rate := sf.VATRate[l.SKU]; l.VATRateBP != rate {
			over := roundHalfUp(l.AmountMinor*int64(l.VATRateBP-rate), 10000)
			out = append(out, Finding{Code: FindingVATMismatch, LineNo: &lineNo, AmountMinor: max(over, 0),
				Detail: "VAT " + percent(l.VATRateBP) + " invoiced, the item's is " + percent(rate)})
		}
		if _, seen := invoiced[l.SKU]; !seen {
			order = append(order, l.SKU)
		}
		invoiced[l.SKU] += l.AmountMinor
		last[l.SKU] = l.LineNo
	}
	for _, sku := range order {
		if over := invoiced[sku] - sf.Expected[sku]; over > 0 {
			lineNo := last[sku]
			out = append(out, Finding{Code: FindingChargeAboveMonth, LineNo: &lineNo, AmountMinor: over,
				Detail: "sku " + sku + ": " + formatScaled(invoiced[sku], 2) + " invoiced, the month's charges are " +
					formatScaled(sf.Expected[sku], 2)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line() < out[j].Line() })
	return out
}

// totalsFindings checks the document's own arithmetic (BR-CO-10 … BR-CO-17).
func totalsFindings(in ControlInput) []Finding {
	t := in.Totals
	var out []Finding
	check := func(stated, computed int64, what string) {
		if stated != computed {
			out = append(out, Finding{Code: FindingTotalsInconsistent, AmountMinor: abs(stated - computed), Detail: what})
		}
	}
	var lines int64
	for _, l := range in.Lines {
		lines += l.AmountMinor
	}
	check(t.LineExtensionMinor, lines, "line total is not the sum of the lines")
	check(t.TaxExclusiveMinor, t.LineExtensionMinor-t.AllowanceMinor+t.ChargeMinor, "total without VAT is not lines − allowances + charges")
	check(t.TaxInclusiveMinor, t.TaxExclusiveMinor+t.TaxMinor, "total with VAT is not total without VAT + VAT")
	check(t.PayableMinor, t.TaxInclusiveMinor-t.PrepaidMinor+t.RoundingMinor, "amount due is not total with VAT − prepaid + rounding")
	var vat int64
	for _, st := range t.Subtotals {
		vat += st.TaxMinor
		check(st.TaxMinor, roundHalfUp(st.TaxableMinor*int64(st.RateBP), 10000), "VAT at "+percent(st.RateBP)+" is not its taxable amount × rate")
	}
	check(t.TaxMinor, vat, "VAT total is not the sum of the VAT per rate")
	return out
}

// roundHalfUp divides n by d (d > 0) rounding halves away from zero, as EN 16931 rounds.
func roundHalfUp(n, d int64) int64 {
	if n < 0 {
		return -roundHalfUp(-n, d)
	}
	return (n + d/2) / d
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// percent formats basis points as a percentage: 2500 → "25 %", 1250 → "12.5 %".
func percent(bp int) string {
	s := formatScaled(int64(bp), 2)
	return s + " %"
}
