package invoices

import (
	"testing"

	"github.com/avrop/avrop/peppol"
)

// FuzzConvertInvoice sends any document through what Receive does before the database: the
// parser, then the conversion to control's values and control itself. None may panic, and a
// converted document's lines are the parsed ones.
func FuzzConvertInvoice(f *testing.F) {
	d := Draft{Number: "F-1", IssueDate: "2026-11-20", Currency: "SEK", OrderNumber: "O-1",
		Supplier: DraftParty{OrgNumber: "556000-0001", Name: "Lev AB", Country: "SE"},
		Buyer:    DraftParty{OrgNumber: "212000-1876", Name: "Kommun", Country: "SE"},
		Lines:    []DraftLine{{SKU: "A", Name: "A", Unit: "EA", Quantity: 2, UnitPriceMinor: 1050, VATRateBP: 2500}}}
	f.Add(d.Document())
	d.CreditNote, d.CreditedInvoice = true, "F-0"
	f.Add(d.Document())
	f.Add([]byte(`<Invoice xmlns="` + peppol.NamespaceInvoice + `"><InvoiceLine><InvoicedQuantity>-1e9</InvoicedQuantity></InvoiceLine></Invoice>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pi, err := peppol.ParseInvoice(data)
		if err != nil {
			return
		}
		for _, lenient := range []bool{false, true} {
			r, errs := convert(pi, lenient)
			if len(errs) > 0 {
				continue
			}
			if len(r.lines) != len(pi.Lines) {
				t.Fatalf("converted %d lines of %d", len(r.lines), len(pi.Lines))
			}
			in := ControlInput{Totals: r.totals, OrderFound: true, OrderLines: []OrderLineFacts{{SKU: "A", Quantity: 2, Received: 1, UnitPriceMinor: 1000, VATRateBP: 2500}}}
			for _, l := range r.lines {
				in.Lines = append(in.Lines, l.ControlLine)
			}
			for _, fd := range Control(in) {
				if fd.AmountMinor < 0 {
					t.Fatalf("a negative amount at stake: %+v", fd)
				}
			}
		}
	})
}
