package invoices_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
)

type finding struct {
	code   string
	line   int // 0: the document
	amount int64
}

func findingsOf(inv invoices.Invoice) []finding {
	var out []finding
	for _, f := range inv.Findings {
		n := 0
		if f.LineNo != nil {
			n = *f.LineNo
		}
		out = append(out, finding{f.Code, n, f.AmountMinor})
	}
	return out
}

func sameFindings(got, want []finding) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// Every finding code with a hand-built invoice against a delivered order of 10 × A (100.00,
// 25 %) and 4 × B (50.00, 12 %).
func TestReceiveFindings(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name   string
		lines  func(w *world) []invoices.DraftLine
		noRef  bool
		want   []finding
		status invoices.Status
	}{
		{"matched", func(w *world) []invoices.DraftLine {
			return []invoices.DraftLine{w.line(0, 10, 10000), w.line(1, 4, 5000)}
		},
			false, nil, invoices.StatusMatched},
		{"price above order", func(w *world) []invoices.DraftLine { return []invoices.DraftLine{w.line(0, 10, 10500)} },
			false, []finding{{"price_above_order", 1, 5000}}, invoices.StatusDeviating},
		{"quantity above received", func(w *world) []invoices.DraftLine { return []invoices.DraftLine{w.line(1, 6, 5000)} },
			false, []finding{{"quantity_above_received", 1, 10000}}, invoices.StatusDeviating},
		{"not on order", func(w *world) []invoices.DraftLine {
			extra := invoices.DraftLine{SKU: "EXTRA-1", Name: "Frakt", Unit: "EA", Quantity: 1, UnitPriceMinor: 29500, VATRateBP: 2500}
			return []invoices.DraftLine{w.line(0, 1, 10000), extra}
		}, false, []finding{{"not_on_order", 2, 29500}}, invoices.StatusDeviating},
		{"vat mismatch", func(w *world) []invoices.DraftLine {
			l := w.line(1, 4, 5000)
			l.VATRateBP = 2500
			return []invoices.DraftLine{l}
		}, false, []finding{{"vat_mismatch", 1, 2600}}, invoices.StatusDeviating},
		{"order not found", func(w *world) []invoices.DraftLine { return []invoices.DraftLine{w.line(0, 2, 10000)} },
			true, []finding{{"order_not_found", 0, 20000}}, invoices.StatusDeviating},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := w.order(true, 10, 4)
			ref := o.Number
			if c.noRef {
				ref = "NO-SUCH-" + testenv.Unique()
			}
			inv := w.receive(w.SupC, w.draft("F-"+testenv.Unique(), ref, c.lines(w)...))
			if got := findingsOf(inv); !sameFindings(got, c.want) {
				t.Errorf("got findings %v, want %v", got, c.want)
			}
			if inv.Status != c.status {
				t.Errorf("got status %s, want %s", inv.Status, c.status)
			}
			var stake int64
			for _, f := range c.want {
				stake += f.amount
			}
			if inv.AtStakeMinor != stake {
				t.Errorf("got at stake %d, want %d", inv.AtStakeMinor, stake)
			}
			if !c.noRef && (inv.OrderID == nil || *inv.OrderID != o.ID) {
				t.Errorf("got order %v, want %s", inv.OrderID, o.ID)
			}
		})
	}
	t.Run("totals inconsistent", func(t *testing.T) {
		o := w.order(true, 10, 4)
		doc := string(w.draft("F-"+testenv.Unique(), o.Number, w.line(0, 10, 10000)).Document())
		doc = strings.Replace(doc, `<cbc:PayableAmount currencyID="SEK">1250.00</cbc:PayableAmount>`,
			`<cbc:PayableAmount currencyID="SEK">1300.00</cbc:PayableAmount>`, 1)
		inv, err := w.svc.Receive(context.Background(), w.SupC, []byte(doc))
		testenv.Must(t, err)
		want := []finding{{"totals_inconsistent", 0, 5000}}
		if got := findingsOf(inv); !sameFindings(got, want) {
			t.Errorf("got findings %v, want %v", got, want)
		}
	})
	t.Run("an order not yet delivered justifies no quantity", func(t *testing.T) {
		o := w.order(false, 2)
		inv := w.receive(w.SupC, w.draft("F-"+testenv.Unique(), o.Number, w.line(0, 2, 10000)))
		want := []finding{{"quantity_above_received", 1, 20000}}
		if got := findingsOf(inv); !sameFindings(got, want) {
			t.Errorf("got findings %v, want %v", got, want)
		}
	})
	t.Run("another buyer's order number is not found", func(t *testing.T) {
		o := w.order(true, 1)
		d := w.draft("F-"+testenv.Unique(), o.Number, w.line(0, 1, 10000))
		d.Buyer = party(w.Other)
		inv := w.receive(w.SupC, d)
		if got := findingsOf(inv); len(got) != 1 || got[0].code != "order_not_found" {
			t.Errorf("got findings %v, want order_not_found", got)
		}
	})
}

// Several invoices on one order count against the received quantity together, and a credit
// note gives room back.
func TestReceiveSeveralInvoicesAndCreditNote(t *testing.T) {
	w := newWorld(t)
	o := w.order(true, 10)
	first := w.receive(w.SupC, w.draft("F-1-"+testenv.Unique(), o.Number, w.line(0, 6, 10000)))
	if first.Status != invoices.StatusMatched {
		t.Fatalf("first: got %s %v, want matched", first.Status, findingsOf(first))
	}
	second := w.receive(w.SupC, w.draft("F-2-"+testenv.Unique(), o.Number, w.line(0, 6, 10000)))
	if want := []finding{{"quantity_above_received", 1, 20000}}; !sameFindings(findingsOf(second), want) {
		t.Fatalf("second: got %v, want %v", findingsOf(second), want)
	}
	credit := w.draft("K-1-"+testenv.Unique(), "", w.line(0, 2, 10000))
	credit.CreditNote, credit.CreditedInvoice = true, second.Number
	cn := w.receive(w.SupC, credit)
	if cn.Kind != "credit_note" || cn.Status != invoices.StatusMatched || cn.OrderID == nil || *cn.OrderID != o.ID {
		t.Fatalf("credit note: got kind %s status %s order %v, want a matched credit note on the order", cn.Kind, cn.Status, cn.OrderID)
	}
	// 6 + 6 − 2 = 10 invoiced of 10 received: one more is above.
	third := w.receive(w.SupC, w.draft("F-3-"+testenv.Unique(), o.Number, w.line(0, 1, 10000)))
	if want := []finding{{"quantity_above_received", 1, 10000}}; !sameFindings(findingsOf(third), want) {
		t.Errorf("third: got %v, want %v", findingsOf(third), want)
	}
}

// Invoices arriving at once on one order still see each other: of 20 single-unit invoices
// against 10 received, exactly 10 match.
func TestReceiveConcurrentInvoicesOnOneOrder(t *testing.T) {
	w := newWorld(t)
	o := w.order(true, 10)
	var wg sync.WaitGroup
	statuses := make(chan invoices.Status, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			inv, err := w.svc.Receive(context.Background(), w.SupC, w.draft("C-"+testenv.Unique(), o.Number, w.line(0, 1, 10000)).Document())
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- inv.Status
		}(i)
	}
	wg.Wait()
	close(statuses)
	matched := 0
	for s := range statuses {
		if s == invoices.StatusMatched {
			matched++
		}
	}
	if matched != 10 {
		t.Errorf("got %d matched invoices, want 10", matched)
	}
}

func TestReceiveRefusals(t *testing.T) {
	w := newWorld(t)
	o := w.order(true, 1)
	ctx := context.Background()
	d := w.draft("D-"+testenv.Unique(), o.Number, w.line(0, 1, 10000))
	w.receive(w.SupC, d)
	cases := []struct {
		name   string
		caller func() (err error)
		kind   derr.Kind
		code   string
	}{
		{"duplicate from the supplier", func() error { _, err := w.svc.Receive(ctx, w.SupC, d.Document()); return err }, derr.Conflict, "duplicate_invoice"},
		{"duplicate from the buyer", func() error { _, err := w.svc.Receive(ctx, w.Approver, d.Document()); return err }, derr.Conflict, "duplicate_invoice"},
		{"another supplier's invoice", func() error {
			_, err := w.svc.Receive(ctx, w.Sup2C, w.draft("X-"+testenv.Unique(), "", w.line(0, 1, 1)).Document())
			return err
		}, derr.Invalid, "party_mismatch"},
		{"another buyer's invoice", func() error {
			_, err := w.svc.Receive(ctx, w.OtherC, w.draft("X-"+testenv.Unique(), "", w.line(0, 1, 1)).Document())
			return err
		}, derr.Invalid, "party_mismatch"},
		{"unknown seller", func() error {
			dd := w.draft("X-"+testenv.Unique(), "", w.line(0, 1, 1))
			dd.Supplier.OrgNumber = "999999-9999"
			_, err := w.svc.Receive(ctx, w.Approver, dd.Document())
			return err
		}, derr.Invalid, "unknown_party"},
		{"an orderer", func() error { _, err := w.svc.Receive(ctx, w.Orderer, d.Document()); return err }, derr.Forbidden, "forbidden"},
		{"not an invoice", func() error { _, err := w.svc.Receive(ctx, w.SupC, []byte(`<Order/>`)); return err }, derr.Invalid, "invalid_invoice"},
		{"a DTD", func() error {
			_, err := w.svc.Receive(ctx, w.SupC, []byte(`<!DOCTYPE x [<!ENTITY a "b">]>`+string(d.Document())[39:]))
			return err
		}, derr.Invalid, "invalid_invoice"},
		{"an amount with three decimals", func() error {
			doc := strings.Replace(string(w.draft("X-"+testenv.Unique(), "", w.line(0, 1, 10000)).Document()), ">100.00<", ">100.001<", 1)
			_, err := w.svc.Receive(ctx, w.SupC, []byte(doc))
			return err
		}, derr.Invalid, "invalid_invoice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.caller()
			if derr.KindOf(err) != c.kind || derr.CodeOf(err) != c.code {
				t.Errorf("got %v (kind %d), want kind %d code %s", err, derr.KindOf(err), c.kind, c.code)
			}
		})
	}
	t.Run("the same number from another supplier is another invoice", func(t *testing.T) {
		dd := d
		dd.Supplier = party(w.Sup2)
		if _, err := w.svc.Receive(ctx, w.Sup2C, dd.Document()); err != nil {
			t.Errorf("got %v, want it received", err)
		}
	})
}

// The official PEPPOL billing examples are received, their parties adjusted to known
// organisations.
func TestReceiveOfficialExamples(t *testing.T) {
	w := newWorld(t)
	files, _ := filepath.Glob(filepath.Join("..", "peppol", "testdata", "billing", "*.xml"))
	if len(files) < 7 {
		t.Fatalf("got %d official billing examples, want 7", len(files))
	}
	supKey, buyKey := invoices.OrgKey(w.Sup.Number), invoices.OrgKey(w.Buyer.Number)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			testenv.Must(t, err)
			doc := adjustParties(string(b), supKey, buyKey)
			doc = strings.Replace(doc, "<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID>"+testenv.Unique()+"</cbc:ID>", 1)
			inv, err := w.svc.Receive(context.Background(), w.Approver, []byte(doc))
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if inv.SupplierID != w.Sup.ID || inv.BuyerOrgID != w.Buyer.ID || len(inv.Lines) == 0 {
				t.Errorf("got supplier %s buyer %s and %d lines, want the adjusted parties and the lines", inv.SupplierID, inv.BuyerOrgID, len(inv.Lines))
			}
			for _, fd := range inv.Findings {
				if fd.Code == invoices.FindingTotalsInconsistent {
					t.Errorf("an official example's totals are consistent, got %+v", fd)
				}
			}
		})
	}
}

// adjustParties puts the supplier's and buyer's organisation numbers in the first EndpointID
// of each party.
func adjustParties(doc, supplier, buyer string) string {
	set := func(doc, partyTag, key string) string {
		i := strings.Index(doc, partyTag)
		j := strings.Index(doc[i:], "<cbc:EndpointID")
		k := strings.Index(doc[i+j:], "</cbc:EndpointID>")
		return doc[:i+j] + `<cbc:EndpointID schemeID="0007">` + key + doc[i+j+k:]
	}
	doc = set(doc, "<cac:AccountingSupplierParty>", supplier)
	return set(doc, "<cac:AccountingCustomerParty>", buyer)
}
