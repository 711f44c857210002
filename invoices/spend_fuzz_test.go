package invoices

import (
	"strings"
	"testing"
)

func FuzzReadSpendRecords(f *testing.F) {
	header := strings.Join(SpendRecordColumns, ",") + "\n"
	f.Add(header + "212000-1876,556000-0001,AB,K-1,2026-03-01,150000,SEK,30190000\n")
	f.Add(header + "212000-1876,556000-0001,\"A,B\",K-1,2026-03-01,-1,SEK,30190000-7\n")
	f.Add("\xef\xbb\xbf" + header + "x,y\n")
	f.Add(header + "\"unterminated\n")
	f.Add("cpv_code,currency,amount_minor,invoice_date,invoice_number,supplier_name,supplier_org_number,org_number\n1,2,3,4,5,6,7,8\n")
	f.Fuzz(func(t *testing.T, data string) {
		orgOf := func(key string) string {
			if key == "2120001876" {
				return "00000000-0000-0000-0000-000000000001"
			}
			return ""
		}
		n := 0
		rows, errs, err := readSpendRecords(strings.NewReader(data), orgOf, func(sr SpendRecord) error {
			n++
			if sr.OrgID == "" || !validCPV(sr.CPVCode) || !isCurrency(sr.Currency) || sr.InvoiceNumber == "" {
				t.Fatalf("passed an invalid row: %+v", sr)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("a reader that never fails gave %v", err)
		}
		if len(errs) == 0 && n != rows {
			t.Fatalf("no errors, but %d of %d rows passed", n, rows)
		}
		for _, e := range errs {
			if e.Field == "" || e.Message == "" {
				t.Fatalf("an error without field or message: %+v", e)
			}
		}
	})
}
