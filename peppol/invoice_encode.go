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
	w.period(inv.PeriodStart, inv.PeriodEnd)
	w.wrapOpt("cac:OrderReference", "cbc:ID", inv.OrderReference)
	for _, ref := range inv.BillingReferences {
		w.open("cac:BillingReference")
		w.wrapOpt("cac:InvoiceDocumentReference", "cbc:ID", ref)
		w.close("cac:BillingReference")
	}
	w.wrapOpt("cac:ContractDocumentReference", "cbc:ID", inv.ContractReference)
	w.party("cac:AccountingSupplierParty", inv.Supplier)
	w.party("cac:AccountingCustomerParty", inv.Customer)
	w.wrapOpt("cac:PaymentTerms", "cbc:Note", inv.PaymentTerms)
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
	w.optAmount("cbc:AllowanceTotalAmount", t.AllowanceTotal, cur)
	w.optAmount("cbc:ChargeTotalAmount", t.ChargeTotal, cur)
	w.optAmount("cbc:PrepaidAmount", t.Prepaid, cur)
	w.optAmount("cbc:PayableRoundingAmount", t.Rounding, cur)
	w.amount("cbc:PayableAmount", t.Payable, cur)
	w.close("cac:LegalMonetaryTotal")
	for _, l := range inv.Lines {
		w.open("cac:" + lineEl)
		w.el("cbc:ID", l.ID)
		w.attr("cbc:"+qtyEl, "unitCode", l.UnitCode, l.Quantity)
		w.amount("cbc:LineExtensionAmount", l.LineExtension, cur)
		w.period(l.PeriodStart, l.PeriodEnd)
		w.wrapOpt("cac:OrderLineReference", "cbc:LineID", l.OrderLineID)
		w.open("cac:Item")
		w.el("cbc:Name", l.Name)
		w.wrapOpt("cac:SellersItemIdentification", "cbc:ID", l.SellersItemID)
		if l.StandardItemID != "" {
			w.open("cac:StandardItemIdentification")
			w.attr("cbc:ID", "schemeID", "0160", l.StandardItemID)
			w.close("cac:StandardItemIdentification")
		}
		for _, c := range l.Classifications {
			w.open("cac:CommodityClassification")
			w.attr("cbc:ItemClassificationCode", "listID", "STI", c)
			w.close("cac:CommodityClassification")
		}
		w.taxCategory("cac:ClassifiedTaxCategory", l.VATCategory, l.VATPercent)
		w.close("cac:Item")
		w.open("cac:Price")
		w.amount("cbc:PriceAmount", l.PriceAmount, cur)
		if l.BaseQuantity != "" {
			w.attr("cbc:BaseQuantity", "unitCode", l.UnitCode, l.BaseQuantity)
		}
		w.close("cac:Price")
		w.close("cac:" + lineEl)
	}
	b.WriteString(`</` + root + `>` + "\n")
	return b.Bytes()
}

type xmlWriter struct{ b *bytes.Buffer }

func (w *xmlWriter) open(n string)  { w.b.WriteString("<" + n + ">\n") }
func (w *xmlWriter) close(n string) { w.b.WriteString("</" + n + ">\n") }
func (w *xmlWriter) el(n, v string) { w.b.WriteString("<" + n + ">" + esc(v) + "</" + n + ">\n") }
func (w *xmlWriter) opt(n, v string) {
	if v != "" {
		w.el(n, v)
	}
}

// attr writes element n with one attribute: <n name="a">v</n>.
func (w *xmlWriter) attr(n, name, a, v string) {
	w.b.WriteString("<" + n + " " + name + `="` + esc(a) + `">` + esc(v) + "</" + n + ">\n")
}

// schemed writes an identifier with its schemeID, or without one when scheme is "".
func (w *xmlWriter) schemed(n, scheme, v string) {
	if scheme == "" {
		w.el(n, v)
		return
	}
	w.attr(n, "schemeID", scheme, v)
}

func (w *xmlWriter) amount(n, v, cur string) { w.attr(n, "currencyID", cur, v) }

// optAmount writes an amount that is given; the optional totals are left out when "".
func (w *xmlWriter) optAmount(n, v, cur string) {
	if v != "" {
		w.amount(n, v, cur)
	}
}

// wrapOpt writes <outer><inner>v</inner></outer> when v is given: the references and the
// payment terms are one value inside an aggregate.
func (w *xmlWriter) wrapOpt(outer, inner, v string) {
	if v == "" {
		return
	}
	w.open(outer)
	w.el(inner, v)
	w.close(outer)
}

// period writes a cac:InvoicePeriod when either date is given.
func (w *xmlWriter) period(start, end string) {
	if start == "" && end == "" {
		return
	}
	w.open("cac:InvoicePeriod")
	w.opt("cbc:StartDate", start)
	w.opt("cbc:EndDate", end)
	w.close("cac:InvoicePeriod")
}

// vatScheme writes the cac:TaxScheme every tax category and party tax scheme ends with.
func (w *xmlWriter) vatScheme() { w.wrapOpt("cac:TaxScheme", "cbc:ID", "VAT") }

func (w *xmlWriter) taxCategory(n, category, percent string) {
	w.open(n)
	w.el("cbc:ID", or(category, "S"))
	if category != "O" {
		w.el("cbc:Percent", percent)
	}
	w.vatScheme()
	w.close(n)
}

func (w *xmlWriter) party(n string, p InvoiceParty) {
	w.open(n)
	w.open("cac:Party")
	w.attr("cbc:EndpointID", "schemeID", p.EndpointScheme, p.EndpointID)
	for _, id := range p.Identifications {
		w.open("cac:PartyIdentification")
		w.schemed("cbc:ID", id.Scheme, id.Value)
		w.close("cac:PartyIdentification")
	}
	w.wrapOpt("cac:PartyName", "cbc:Name", p.Name)
	w.open("cac:PostalAddress")
	w.opt("cbc:CityName", p.City)
	w.open("cac:Country")
	w.el("cbc:IdentificationCode", p.Country)
	w.close("cac:Country")
	w.close("cac:PostalAddress")
	if p.VATCompanyID != "" {
		w.open("cac:PartyTaxScheme")
		w.el("cbc:CompanyID", p.VATCompanyID)
		w.vatScheme()
		w.close("cac:PartyTaxScheme")
	}
	w.open("cac:PartyLegalEntity")
	w.el("cbc:RegistrationName", or(p.RegistrationName, p.Name))
	if p.LegalCompanyID != "" {
		w.schemed("cbc:CompanyID", p.LegalScheme, p.LegalCompanyID)
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
