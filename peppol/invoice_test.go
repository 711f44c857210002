package peppol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleDir holds OpenPEPPOL's official billing examples (peppol-bis-invoice-3, rules/examples),
// copied into the repository.
func exampleDir(t testing.TB) string {
	t.Helper()
	return filepath.Join("testdata", "billing")
}

func TestParseInvoiceOfficialExamples(t *testing.T) {
	dir := exampleDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) < 7 {
		t.Fatalf("got %d examples, want the 7 official billing examples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inv, err := ParseInvoice(data)
			if err != nil {
				t.Fatalf("ParseInvoice: %v", err)
			}
			if inv.ID == "" || inv.IssueDate == "" || inv.Currency == "" || len(inv.Lines) == 0 {
				t.Errorf("got id %q date %q currency %q and %d lines, want all present", inv.ID, inv.IssueDate, inv.Currency, len(inv.Lines))
			}
			if inv.Totals.Payable == "" || inv.Supplier.DisplayName() == "" || inv.Customer.EndpointID == "" {
				t.Errorf("got payable %q supplier %q customer endpoint %q, want all present", inv.Totals.Payable,
					inv.Supplier.DisplayName(), inv.Customer.EndpointID)
			}
			for i, l := range inv.Lines {
				if l.Quantity == "" || l.LineExtension == "" {
					t.Errorf("line %d: got quantity %q amount %q, want both", i+1, l.Quantity, l.LineExtension)
				}
			}
			wantCredit := strings.Contains(string(data), "<CreditNote")
			if (inv.Kind == KindCreditNote) != wantCredit {
				t.Errorf("got kind %s, want credit note %v", inv.Kind, wantCredit)
			}
		})
	}
}

func TestParseInvoiceFields(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(exampleDir(t), "base-example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ParseInvoice(data)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"id", inv.ID, "Snippet1"},
		{"type", inv.TypeCode, "380"},
		{"currency", inv.Currency, "EUR"},
		{"supplier endpoint", inv.Supplier.EndpointID, "9482348239847239874"},
		{"supplier scheme", inv.Supplier.EndpointScheme, "0088"},
		{"customer legal id", inv.Customer.LegalCompanyID, "39937423947"},
		{"tax total", inv.TaxTotal, "331.25"},
		{"payable", inv.Totals.Payable, "1656.25"},
		{"charge total", inv.Totals.ChargeTotal, "25"},
		{"line 2 quantity", inv.Lines[1].Quantity, "-3"},
		{"line 1 vat", inv.Lines[0].VATPercent, "25.0"},
		{"line 1 price", inv.Lines[0].PriceAmount, "400"},
		{"line 1 classification", strings.Join(inv.Lines[0].Classifications, ","), "09348023"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseInvoiceHostile(t *testing.T) {
	deep := `<Invoice xmlns="` + NamespaceInvoice + `">` + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</Invoice>`
	cases := map[string]string{
		"dtd":            `<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x "y">]><Invoice xmlns="` + NamespaceInvoice + `"><cbc:ID>&x;</cbc:ID></Invoice>`,
		"external":       `<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "file:///etc/passwd"><Invoice xmlns="` + NamespaceInvoice + `"/>`,
		"billion laughs": `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Invoice xmlns="` + NamespaceInvoice + `">&lol2;</Invoice>`,
		"deep":           deep,
		"not ubl":        `<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`,
		"wrong ns":       `<Invoice xmlns="urn:example"/>`,
		"two roots":      `<Invoice xmlns="` + NamespaceInvoice + `"/><Invoice xmlns="` + NamespaceInvoice + `"/>`,
		"empty":          ``,
		"truncated":      `<Invoice xmlns="` + NamespaceInvoice + `"><ID>1`,
		"utf16":          `<?xml version="1.0" encoding="UTF-16"?><Invoice xmlns="` + NamespaceInvoice + `"/>`,
		"too large":      strings.Repeat(" ", MaxInvoiceBytes+1),
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseInvoice([]byte(doc)); err == nil {
				t.Errorf("got no error, want the document refused")
			}
		})
	}
	t.Run("too many lines", func(t *testing.T) {
		doc := `<Invoice xmlns="` + NamespaceInvoice + `">` + strings.Repeat("<InvoiceLine/>", MaxInvoiceLines+1) + `</Invoice>`
		if _, err := ParseInvoice([]byte(doc)); err == nil || !strings.Contains(err.Error(), "lines") {
			t.Errorf("got %v, want too many lines", err)
		}
	})
}

func FuzzParseInvoice(f *testing.F) {
	if files, _ := filepath.Glob(filepath.Join(exampleDir(f), "*.xml")); len(files) > 0 {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`<Invoice xmlns="` + NamespaceInvoice + `"><InvoiceLine><InvoicedQuantity unitCode="EA">1</InvoicedQuantity></InvoiceLine></Invoice>`))
	f.Add([]byte(`<CreditNote xmlns="` + NamespaceCreditNote + `"><CreditNoteLine/></CreditNote>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := ParseInvoice(data)
		if err != nil {
			return
		}
		if inv.Kind != KindInvoice && inv.Kind != KindCreditNote {
			t.Fatalf("parsed a document of kind %q", inv.Kind)
		}
		if len(inv.Lines) > MaxInvoiceLines {
			t.Fatalf("parsed %d lines, more than the limit", len(inv.Lines))
		}
	})
}
