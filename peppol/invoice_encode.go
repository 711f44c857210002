package peppol

import (
	"bytes"
	"encoding/xml"
)

// Billing 3 identifiers written into every document EncodeInvoice makes.
const (
	BillingCustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	BillingProfileID       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

// EncodeInvoice writes inv as a PEPPOL BIS Billing 3 Invoice or Credit Note (by inv.Kind), in
// the element order of the UBL 2.1 schema. Values are written as given (decimals as text);
// empty optional values are left out. Suppliers' systems, the demo data and the benchmarks
// make their documents with it; ParseInvoice reads back what it writes.
func EncodeInvoice(inv Invoice) []byte {
	credit := inv.Kind == KindCreditNote
	root, ns, lineEl, qtyEl, typeEl := "Invoice", NamespaceInvoice, "InvoiceLine", "InvoicedQuantity", "InvoiceTypeCode"
	if credit {
		root, ns, lineEl, qtyEl, typeEl = "CreditNote", NamespaceCreditNote, "CreditNoteLine", "CreditedQuantity", "CreditNoteTypeCode"
	}
	typeCode := inv.TypeCode
	if typeCode == "" {
		typeCode = "380"
		if credit {
			typeCode = "381"
		}
	}
	cur := inv.Currency
	var b bytes.Buffer
	w := &xmlWriter{b: &b}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<` + root + ` xmlns="` + ns + `" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"` +
		` xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">` + "\n")
	w.el("cbc:CustomizationID", or(inv.CustomizationID, BillingCustomizationID))
	w.el("cbc:ProfileID", or(inv.ProfileID, BillingProfileID))
	w.el("cbc:ID", inv.ID)
	w.el("cbc:IssueDate", inv.IssueDate)
	if !credit {
		w.opt("cbc:DueDate", inv.DueDate)
	}
	w.el("cbc:"+typeEl, typeCode)
	w.el("cbc:DocumentCurrencyCode", cur)
	w.opt("cbc:AccountingCost", inv.AccountingCost)
	w.opt("cbc:BuyerReference", inv.BuyerReference)
	if inv.PeriodStart != "" || inv.PeriodEnd != "" {
		w.open("cac:InvoicePeriod")
		w.opt("cbc:StartDate", inv.PeriodStart)
		w.opt("cbc:EndDate", inv.PeriodEnd)
		w.close("cac:InvoicePeriod")
	}
	if inv.OrderReference != "" {
		w.open("cac:OrderReference")
		w.el("cbc:ID", inv.OrderReference)
		w.close("cac:OrderReference")
	}
	for _, ref := range inv.BillingReferences {
		w.open("cac:BillingReference")
		w.open("cac:InvoiceDocumentReference")
		w.el("cbc:ID", ref)
		w.close("cac:InvoiceDocumentReference")
		w.close("cac:BillingReference")
	}
	if inv.ContractReference != "" {
		w.open("cac:ContractDocumentReference")
		w.el("cbc:ID", inv.ContractReference)
		w.close("cac:ContractDocumentReference")
	}
	w.party("cac:AccountingSupplierParty", inv.Supplier)
	w.party("cac:AccountingCustomerParty", inv.Customer)
	if inv.PaymentTerms != "" {
		w.open("cac:PaymentTerms")
		w.el("cbc:Note", inv.PaymentTerms)
		w.close("cac:PaymentTerms")
	}
	w.open("cac:TaxTotal")
	w.amount("cbc:TaxAmount", inv.TaxTotal, cur)
	for _, st := range inv.TaxSubtotals {
		w.open("cac:TaxSubtotal")
		w.amount("cbc:TaxableAmount", st.TaxableAmount, cur)
		w.amount("cbc:TaxAmount", st.TaxAmount, cur)
		w.taxCategory("cac:TaxCategory", st.Category, st.Percent)
		w.close("cac:TaxSubtotal")
	}
	w.close("cac:TaxTotal")
	t := inv.Totals
	w.open("cac:LegalMonetaryTotal")
	w.amount("cbc:LineExtensionAmount", t.LineExtension, cur)
	w.amount("cbc:TaxExclusiveAmount", t.TaxExclusive, cur)
	w.amount("cbc:TaxInclusiveAmount", t.TaxInclusive, cur)
	if t.AllowanceTotal != "" {
		w.amount("cbc:AllowanceTotalAmount", t.AllowanceTotal, cur)
	}
	if t.ChargeTotal != "" {
		w.amount("cbc:ChargeTotalAmount", t.ChargeTotal, cur)
	}
	if t.Prepaid != "" {
		w.amount("cbc:PrepaidAmount", t.Prepaid, cur)
	}
	if t.Rounding != "" {
		w.amount("cbc:PayableRoundingAmount", t.Rounding, cur)
	}
	w.amount("cbc:PayableAmount", t.Payable, cur)
	w.close("cac:LegalMonetaryTotal")
	for _, l := range inv.Lines {
		w.open("cac:" + lineEl)
		w.el("cbc:ID", l.ID)
		w.raw(`<cbc:` + qtyEl + ` unitCode="` + esc(l.UnitCode) + `">` + esc(l.Quantity) + `</cbc:` + qtyEl + `>`)
		w.amount("cbc:LineExtensionAmount", l.LineExtension, cur)
		if l.PeriodStart != "" || l.PeriodEnd != "" {
			w.open("cac:InvoicePeriod")
			w.opt("cbc:StartDate", l.PeriodStart)
			w.opt("cbc:EndDate", l.PeriodEnd)
			w.close("cac:InvoicePeriod")
		}
		if l.OrderLineID != "" {
			w.open("cac:OrderLineReference")
			w.el("cbc:LineID", l.OrderLineID)
			w.close("cac:OrderLineReference")
		}
		w.open("cac:Item")
		w.el("cbc:Name", l.Name)
		if l.SellersItemID != "" {
			w.open("cac:SellersItemIdentification")
			w.el("cbc:ID", l.SellersItemID)
			w.close("cac:SellersItemIdentification")
		}
		if l.StandardItemID != "" {
			w.open("cac:StandardItemIdentification")
			w.raw(`<cbc:ID schemeID="0160">` + esc(l.StandardItemID) + `</cbc:ID>`)
			w.close("cac:StandardItemIdentification")
		}
		for _, c := range l.Classifications {
			w.open("cac:CommodityClassification")
			w.raw(`<cbc:ItemClassificationCode listID="STI">` + esc(c) + `</cbc:ItemClassificationCode>`)
			w.close("cac:CommodityClassification")
		}
		w.taxCategory("cac:ClassifiedTaxCategory", l.VATCategory, l.VATPercent)
		w.close("cac:Item")
		w.open("cac:Price")
		w.amount("cbc:PriceAmount", l.PriceAmount, cur)
		if l.BaseQuantity != "" {
			w.raw(`<cbc:BaseQuantity unitCode="` + esc(l.UnitCode) + `">` + esc(l.BaseQuantity) + `</cbc:BaseQuantity>`)
		}
		w.close("cac:Price")
		w.close("cac:" + lineEl)
	}
	b.WriteString(`</` + root + `>` + "\n")
	return b.Bytes()
}

type xmlWriter struct{ b *bytes.Buffer }

func (w *xmlWriter) raw(s string)   { w.b.WriteString(s + "\n") }
func (w *xmlWriter) open(n string)  { w.b.WriteString("<" + n + ">\n") }
func (w *xmlWriter) close(n string) { w.b.WriteString("</" + n + ">\n") }
func (w *xmlWriter) el(n, v string) { w.b.WriteString("<" + n + ">" + esc(v) + "</" + n + ">\n") }
func (w *xmlWriter) opt(n, v string) {
	if v != "" {
		w.el(n, v)
	}
}
func (w *xmlWriter) amount(n, v, cur string) {
	w.b.WriteString("<" + n + ` currencyID="` + esc(cur) + `">` + esc(v) + "</" + n + ">\n")
}

func (w *xmlWriter) taxCategory(n, category, percent string) {
	w.open(n)
	w.el("cbc:ID", or(category, "S"))
	if category != "O" {
		w.el("cbc:Percent", percent)
	}
	w.open("cac:TaxScheme")
	w.el("cbc:ID", "VAT")
	w.close("cac:TaxScheme")
	w.close(n)
}

func (w *xmlWriter) party(n string, p InvoiceParty) {
	w.open(n)
	w.open("cac:Party")
	w.raw(`<cbc:EndpointID schemeID="` + esc(p.EndpointScheme) + `">` + esc(p.EndpointID) + `</cbc:EndpointID>`)
	for _, id := range p.Identifications {
		w.open("cac:PartyIdentification")
		if id.Scheme != "" {
			w.raw(`<cbc:ID schemeID="` + esc(id.Scheme) + `">` + esc(id.Value) + `</cbc:ID>`)
		} else {
			w.el("cbc:ID", id.Value)
		}
		w.close("cac:PartyIdentification")
	}
	if p.Name != "" {
		w.open("cac:PartyName")
		w.el("cbc:Name", p.Name)
		w.close("cac:PartyName")
	}
	w.open("cac:PostalAddress")
	w.opt("cbc:CityName", p.City)
	w.open("cac:Country")
	w.el("cbc:IdentificationCode", p.Country)
	w.close("cac:Country")
	w.close("cac:PostalAddress")
	if p.VATCompanyID != "" {
		w.open("cac:PartyTaxScheme")
		w.el("cbc:CompanyID", p.VATCompanyID)
		w.open("cac:TaxScheme")
		w.el("cbc:ID", "VAT")
		w.close("cac:TaxScheme")
		w.close("cac:PartyTaxScheme")
	}
	w.open("cac:PartyLegalEntity")
	w.el("cbc:RegistrationName", or(p.RegistrationName, p.Name))
	if p.LegalCompanyID != "" {
		if p.LegalScheme != "" {
			w.raw(`<cbc:CompanyID schemeID="` + esc(p.LegalScheme) + `">` + esc(p.LegalCompanyID) + `</cbc:CompanyID>`)
		} else {
			w.el("cbc:CompanyID", p.LegalCompanyID)
		}
	}
	w.close("cac:PartyLegalEntity")
	w.close("cac:Party")
	w.close(n)
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a bytes.Buffer never fails
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
