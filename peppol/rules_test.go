package peppol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedPeppolDir finds the PEPPOL reference files (../shared/peppol beside the checkout).
func sharedPeppolDir(t testing.TB) string {
	t.Helper()
	for _, d := range []string{"../../shared/peppol", "../../../shared/peppol", "/work/shared/peppol"} {
		if _, err := os.Stat(filepath.Join(d, "rules", "billing")); err == nil {
			return d
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the PEPPOL reference files are missing")
	}
	t.Skip("the PEPPOL reference files are missing")
	return ""
}

func TestBillingRules(t *testing.T) {
	dir := sharedPeppolDir(t)
	rules, err := NewBillingRules(dir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer rules.Close()
	for _, name := range []string{"base-example.xml", "base-creditnote-correction.xml", "vat-category-Z.xml"} {
		doc, err := os.ReadFile(filepath.Join(dir, "examples", "billing", name))
		if err != nil {
			t.Fatal(err)
		}
		failures, err := rules.Check(doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(failures) > 0 {
			t.Errorf("%s: got %v, want the official example valid", name, failures)
		}
	}
	doc, _ := os.ReadFile(filepath.Join(dir, "examples", "billing", "base-example.xml"))
	broken := strings.Replace(string(doc), "<cbc:BuyerReference>0150abc</cbc:BuyerReference>", "", 1)
	broken = strings.Replace(broken, `<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>`, `<cbc:PayableAmount currencyID="EUR">1600.00</cbc:PayableAmount>`, 1)
	failures, err := rules.Check([]byte(broken))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, f := range failures {
		ids[f.ID] = true
	}
	if !ids["PEPPOL-EN16931-R003"] || !ids["BR-CO-16"] {
		t.Errorf("got %v, want PEPPOL-EN16931-R003 (no buyer or order reference) and BR-CO-16 (amount due)", failures)
	}
}
