package invoices

import (
	"strings"
	"testing"
)

// TestSpendRecordTextRule: the ledger's text cells follow the one text rule (internal/text):
// a control character in a supplier name or an invoice number is refused by field, as in
// every other import, and ordinary text passes.
func TestSpendRecordTextRule(t *testing.T) {
	header := strings.Join(SpendRecordColumns, ",") + "\n"
	orgOf := func(key string) string {
		if key == "2120001876" {
			return "00000000-0000-0000-0000-000000000001"
		}
		return ""
	}
	for _, c := range []string{"\x01", "\x1b", "\x7f", "\u0085", "\t"} {
		for _, tc := range []struct{ field, row string }{
			{"supplier_name", "212000-1876,556000-0001,\"Abena" + c + "AB\",K-1,2026-03-01,150000,SEK,30190000\n"},
			{"invoice_number", "212000-1876,556000-0001,Abena AB,\"K" + c + "1\",2026-03-01,150000,SEK,30190000\n"},
		} {
			_, errs, err := readSpendRecords(strings.NewReader(header+tc.row), orgOf, func(SpendRecord) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Errorf("%q in %s: errors %v, want one naming %s", c, tc.field, errs, tc.field)
			}
		}
	}
	_, errs, err := readSpendRecords(strings.NewReader(header+"212000-1876,556000-0001,Åbena Ödegård AB,K-1,2026-03-01,150000,SEK,30190000\n"),
		orgOf, func(SpendRecord) error { return nil })
	if err != nil || len(errs) != 0 {
		t.Fatalf("ordinary text refused: %v %v", errs, err)
	}
}
