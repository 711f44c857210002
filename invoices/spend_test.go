package invoices_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
)

const spendHeader = "org_number,supplier_org_number,supplier_name,invoice_number,invoice_date,amount_minor,currency,cpv_code\n"

func (w *world) spendCount(orgID string) int {
	w.t.Helper()
	var n int
	testenv.Must(w.t, w.db.GetContext(context.Background(), &n, `SELECT count(*) FROM spend_records WHERE org_id = $1`, orgID))
	return n
}

func TestLoadSpendRecords(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rows := fmt.Sprintf("%s%s,556000-0001,Kontorsvaror AB,K-1,2026-03-01,150000,SEK,30190000\n"+
		"%s,556000-0001,Kontorsvaror AB,K-2,2026-03-02,-20000,SEK,30190000-7\n"+
		"%s,5560000001,Kontorsvaror AB,K-1,2026-03-01,150000,SEK,30190000\n", spendHeader, w.Buyer.Number, w.Buyer.Number, w.Buyer.Number)
	rep, err := w.svc.LoadSpendRecords(ctx, w.Approver, strings.NewReader(rows))
	testenv.Must(t, err)
	if rep != (invoices.SpendLoadReport{Rows: 3, Created: 2, Duplicates: 1}) {
		t.Errorf("got %+v, want 3 rows, 2 created, 1 duplicate (the same supplier invoice written another way)", rep)
	}
	rep, err = w.svc.LoadSpendRecords(ctx, w.Approver, strings.NewReader(rows))
	testenv.Must(t, err)
	if rep != (invoices.SpendLoadReport{Rows: 3, Created: 0, Duplicates: 3}) {
		t.Errorf("loaded again: got %+v, want every row a duplicate", rep)
	}

	t.Run("a manager loads for the agreement's participants", func(t *testing.T) {
		csv := fmt.Sprintf("%s%s,556000-0002,Städ AB,S-1,2026-04-01,1000,SEK,39800000\n", spendHeader, w.Other.Number)
		rep, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(csv))
		testenv.Must(t, err)
		if rep.Created != 1 {
			t.Errorf("got %+v, want 1 created", rep)
		}
	})
	t.Run("errors by line and field, and nothing is loaded", func(t *testing.T) {
		before := w.spendCount(w.Buyer.ID)
		csv := spendHeader +
			w.Buyer.Number + ",556000-0003,Ett AB,E-1,2026-05-01,100,SEK,30190000\n" + // valid
			w.Other.Number + ",556000-0003,Ett AB,E-2,2026-05-01,100,SEK,30190000\n" + // not the approver's
			w.Buyer.Number + ",,Ett AB,E-3,2026-13-01,1.5,sek,3019\n" +
			w.Buyer.Number + ",556000-0003\n"
		_, err := w.svc.LoadSpendRecords(ctx, w.Approver, strings.NewReader(csv))
		var de *derr.Error
		if !asDerr(err, &de) || de.Kind != derr.Invalid || de.Code != "invalid_spend_records" {
			t.Fatalf("got %v, want invalid_spend_records", err)
		}
		want := map[string]bool{"3:org_number": true, "4:supplier_org_number": true, "4:invoice_date": true, "4:amount_minor": true,
			"4:currency": true, "4:cpv_code": true, "5:row": true}
		got := map[string]bool{}
		for _, f := range de.Fields {
			got[fmt.Sprintf("%d:%s", f.Line, f.Field)] = true
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing error %s; got %v", k, de.Fields)
			}
		}
		if len(got) != len(want) {
			t.Errorf("got errors %v, want exactly %v", got, want)
		}
		if after := w.spendCount(w.Buyer.ID); after != before {
			t.Errorf("got %d records after a refused file, want %d", after, before)
		}
	})
	t.Run("header errors", func(t *testing.T) {
		for name, csv := range map[string]string{
			"empty":          "",
			"missing column": "org_number,supplier_name\n",
			"unknown column": strings.TrimSuffix(spendHeader, "\n") + ",extra\n",
			"no rows":        spendHeader,
			"not csv":        spendHeader + `"unterminated` + "\n",
		} {
			_, err := w.svc.LoadSpendRecords(ctx, w.Approver, strings.NewReader(csv))
			if derr.CodeOf(err) != "invalid_spend_records" {
				t.Errorf("%s: got %v, want invalid_spend_records", name, err)
			}
		}
	})
	t.Run("roles", func(t *testing.T) {
		for _, c := range [...]struct {
			name string
			err  error
		}{{"orderer", func() error { _, err := w.svc.LoadSpendRecords(ctx, w.Orderer, strings.NewReader(rows)); return err }()},
			{"supplier", func() error { _, err := w.svc.LoadSpendRecords(ctx, w.SupC, strings.NewReader(rows)); return err }()}} {
			if derr.KindOf(c.err) != derr.Forbidden {
				t.Errorf("%s: got %v, want Forbidden", c.name, c.err)
			}
		}
	})
}

func asDerr(err error, target **derr.Error) bool {
	e, ok := err.(*derr.Error)
	if ok {
		*target = e
	}
	return ok
}

// spendFile streams n rows for org without building the file in memory.
type spendFile struct {
	org, prefix string
	n, i        int
	buf         bytes.Buffer
}

func (f *spendFile) Read(p []byte) (int, error) {
	for f.buf.Len() < len(p) && f.i <= f.n {
		if f.i == 0 {
			f.buf.WriteString(spendHeader)
		} else {
			fmt.Fprintf(&f.buf, "%s,55600%05d,Leverantör %d AB,%s-%d,2026-%02d-15,%d,SEK,%d000000\n",
				f.org, f.i%997, f.i%997, f.prefix, f.i, 1+f.i%12, 1000+f.i%5000, 30+f.i%20)
		}
		f.i++
	}
	if f.buf.Len() == 0 {
		return 0, io.EOF
	}
	return f.buf.Read(p)
}

// A 100,000-row ledger file is streamed in and loaded whole; the same file again loads nothing.
func TestLoadSpendRecordsLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	w := newWorld(t)
	ctx := context.Background()
	prefix := "L" + testenv.Unique()
	rep, err := w.svc.LoadSpendRecords(ctx, w.Approver, &spendFile{org: w.Buyer.Number, prefix: prefix, n: 100_000})
	testenv.Must(t, err)
	if rep != (invoices.SpendLoadReport{Rows: 100_000, Created: 100_000}) {
		t.Errorf("got %+v, want 100000 rows created", rep)
	}
	if n := w.spendCount(w.Buyer.ID); n != 100_000 {
		t.Errorf("got %d records, want 100000", n)
	}
}
