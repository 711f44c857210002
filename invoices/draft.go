package invoices

import (
	"sort"
	"strconv"

	"github.com/avrop/avrop/peppol"
)

// Draft is an invoice or credit note as a supplier's system would send it, in minor units and
// whole quantities; Document computes its totals and VAT per rate (EN 16931 BR-CO-17: rounded
// once per rate) and encodes it as PEPPOL BIS Billing 3. The demo data, the benchmarks and the
// tests send their invoices through it, so that they exercise the same parser as real ones.
type Draft struct {
	CreditNote      bool
	Number          string
	IssueDate       string
	DueDate         string
	Currency        string
	OrderNumber     string // cac:OrderReference
	CreditedInvoice string // a credit note's cac:BillingReference
	BuyerReference  string
	PeriodStart     string // cac:InvoicePeriod, "YYYY-MM-DD" (a monthly subscription invoice)
	PeriodEnd       string
	Supplier        DraftParty
	Buyer           DraftParty
	Lines           []DraftLine
}

// DraftParty is a seller or buyer named by its organisation number.
type DraftParty struct {
	OrgNumber string
	Name      string
	Country   string // SE, NO or DK
}

// DraftLine is one line: quantity × unit price at a VAT rate.
type DraftLine struct {
	SKU            string
	Name           string
	Unit           string
	Quantity       int64
	UnitPriceMinor int64
	VATRateBP      int
	CPV            string
}

// participantScheme is the ISO 6523 ICD of each country's organisation numbers in PEPPOL.
var participantScheme = map[string]string{"SE": "0007", "NO": "0192", "DK": "0184"}

func (p DraftParty) peppol() peppol.InvoiceParty {
	digitsOnly := OrgKey(p.OrgNumber)
	vat := p.Country + digitsOnly
	switch p.Country {
	case "SE":
		vat += "01"
	case "NO":
		vat += "MVA"
	}
	return peppol.InvoiceParty{EndpointID: digitsOnly, EndpointScheme: participantScheme[p.Country], Name: p.Name,
		RegistrationName: p.Name, LegalCompanyID: digitsOnly, LegalScheme: participantScheme[p.Country],
		VATCompanyID: vat, City: "Karlstad", Country: p.Country}
}

// Document is the draft as a PEPPOL BIS Billing 3 document.
func (d Draft) Document() []byte {
	inv := peppol.Invoice{Kind: peppol.KindInvoice, ID: d.Number, IssueDate: d.IssueDate, DueDate: d.DueDate,
		Currency: d.Currency, OrderReference: d.OrderNumber, BuyerReference: d.BuyerReference,
		Supplier: d.Supplier.peppol(), Customer: d.Buyer.peppol(), PaymentTerms: "30 dagar netto",
		PeriodStart: d.PeriodStart, PeriodEnd: d.PeriodEnd}
	if d.CreditNote {
		inv.Kind = peppol.KindCreditNote
	}
	if d.CreditedInvoice != "" {
		inv.BillingReferences = []string{d.CreditedInvoice}
	}
	if inv.BuyerReference == "" && inv.OrderReference == "" {
		inv.BuyerReference = "n/a"
	}
	taxable := map[int]int64{}
	var lineTotal int64
	for i, l := range d.Lines {
		amount := l.Quantity * l.UnitPriceMinor
		lineTotal += amount
		taxable[l.VATRateBP] += amount
		il := peppol.InvoiceLine{ID: strconv.Itoa(i + 1), Quantity: strconv.FormatInt(l.Quantity, 10), UnitCode: l.Unit,
			LineExtension: formatScaled2(amount), Name: l.Name, SellersItemID: l.SKU, VATCategory: vatCategory(l.VATRateBP),
			VATPercent: formatScaled(int64(l.VATRateBP), 2), PriceAmount: formatScaled2(l.UnitPriceMinor)}
		if l.CPV != "" {
			il.Classifications = []string{l.CPV}
		}
		inv.Lines = append(inv.Lines, il)
	}
	rates := make([]int, 0, len(taxable))
	for r := range taxable {
		rates = append(rates, r)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rates)))
	var vat int64
	for _, r := range rates {
		t := roundHalfUp(taxable[r]*int64(r), 10000)
		vat += t
		inv.TaxSubtotals = append(inv.TaxSubtotals, peppol.TaxSubtotal{TaxableAmount: formatScaled2(taxable[r]),
			TaxAmount: formatScaled2(t), Category: vatCategory(r), Percent: formatScaled(int64(r), 2)})
	}
	inv.TaxTotal = formatScaled2(vat)
	inv.Totals = peppol.MonetaryTotal{LineExtension: formatScaled2(lineTotal), TaxExclusive: formatScaled2(lineTotal),
		TaxInclusive: formatScaled2(lineTotal + vat), Payable: formatScaled2(lineTotal + vat)}
	return peppol.EncodeInvoice(inv)
}

// vatCategory is the UNCL5305 category of a rate: S standard (any positive rate), Z zero.
func vatCategory(bp int) string {
	if bp == 0 {
		return "Z"
	}
	return "S"
}

// formatScaled2 writes minor units as an amount with exactly two decimals (BR-DEC rules).
func formatScaled2(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	cents := strconv.FormatInt(minor%100, 10)
	if len(cents) == 1 {
		cents = "0" + cents
	}
	return sign + strconv.FormatInt(minor/100, 10) + "." + cents
}
