package orders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/peppol"
)

// TestRespond proves the supplier's answer (SPEC §8): a change recomputes the order from the
// confirmed quantities and releases the reduced value from the ceilings in the same
// transaction; the answer renders as a schema- and schematron-valid T76 document.
func TestRespond(t *testing.T) {
	w := newWorld(t, agreementOpts{threshold: 1_000_000}) // below the threshold: approved at once
	ctx := context.Background()
	promised := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
	docs := map[string][]byte{}

	t.Run("changed lines release the reduced value", func(t *testing.T) {
		o := w.place(w.Orderer, w.input(2)) // 2 × 10000 (25 %), 2 × 20000 (12 %), 2 × 30000 (6 %) = 120000
		agr0, part0 := w.committed()
		got, err := w.svc.Respond(ctx, w.Sup1C, o.ID, orders.ResponseInput{Decision: orders.DecisionChanged, Reason: "Restnoterat",
			PromisedDeliveryDate: promised, Lines: []orders.ResponseLineInput{{LineNo: 2, Quantity: 1}, {LineNo: 3, Quantity: 0}}})
		testenv.Must(t, err)
		// 20000 at 25 % + 20000 at 12 %: VAT 5000 + 2400.
		if got.Status != orders.StatusAccepted || got.TotalMinor != 40000 || got.VATMinor != 7400 || got.ResponseCode == nil ||
			*got.ResponseCode != "CA" || got.PromisedDeliveryDate == nil || *got.PromisedDeliveryDate != promised {
			t.Fatalf("answered order = %+v", got)
		}
		for i, want := range []int{2, 1, 0} {
			if l := got.Lines[i]; l.QuantityConfirmed == nil || *l.QuantityConfirmed != want || l.Quantity != 2 {
				t.Errorf("line %d = %+v, want quantity 2 confirmed %d", i+1, l, want)
			}
		}
		agr1, part1 := w.committed()
		if agr0-agr1 != 80000 || part0-part1 != 80000 || agr1 != w.sumCommitted() {
			t.Fatalf("committed %d→%d, participant %d→%d, want both 80000 lower and equal to the orders' %d", agr0, agr1, part0, part1, w.sumCommitted())
		}
		doc, err := w.svc.PeppolResponse(ctx, w.Orderer, o.ID)
		testenv.Must(t, err)
		testenv.ValidateUBL(t, doc.XML, "UBL-OrderResponse-2.1.xsd")
		docs["changed"] = doc.XML
		r, err := peppol.ParseOrderResponse(strings.NewReader(string(doc.XML)), 1<<20, 10)
		testenv.Must(t, err)
		if r.Code != "CA" || r.OrderNumber != o.Number || len(r.Lines) != 3 || r.Lines[0].Status != "5" || r.Lines[1].Status != "3" ||
			r.Lines[1].Quantity != "1" || r.Lines[2].Status != "7" || r.PromisedByDate != promised {
			t.Fatalf("T76 = %+v", r)
		}
	})

	t.Run("accepted and declined", func(t *testing.T) {
		a := w.place(w.Orderer, w.input(1))
		got, err := w.svc.Respond(ctx, w.Sup1C, a.ID, orders.ResponseInput{Decision: orders.DecisionAccepted})
		testenv.Must(t, err)
		if got.Status != orders.StatusAccepted || got.TotalMinor != a.TotalMinor || *got.Lines[0].QuantityConfirmed != 1 {
			t.Fatalf("accepted = %+v", got)
		}
		d := w.place(w.Orderer, w.input(1))
		before, _ := w.committed()
		got, err = w.svc.Respond(ctx, w.Sup1C, d.ID, orders.ResponseInput{Decision: orders.DecisionDeclined, Reason: "Utgått sortiment"})
		testenv.Must(t, err)
		after, _ := w.committed()
		if got.Status != orders.StatusDeclined || got.DeclineReason != "Utgått sortiment" || before-after != d.TotalMinor {
			t.Fatalf("declined = %+v, released %d", got, before-after)
		}
		for name, id := range map[string]string{"accepted": a.ID, "declined": d.ID} {
			doc, err := w.svc.PeppolResponse(ctx, w.Manager, id)
			testenv.Must(t, err)
			docs[name] = doc.XML
		}
	})

	t.Run("refused answers change nothing", func(t *testing.T) {
		o := w.place(w.Orderer, w.input(2))
		tests := []struct {
			name string
			in   orders.ResponseInput
			kind derr.Kind
		}{
			{"unknown decision", orders.ResponseInput{Decision: "maybe"}, derr.Invalid},
			{"decline without reason", orders.ResponseInput{Decision: orders.DecisionDeclined}, derr.Invalid},
			{"more than ordered", orders.ResponseInput{Decision: orders.DecisionChanged, Lines: []orders.ResponseLineInput{{LineNo: 1, Quantity: 3}}}, derr.Invalid},
			{"unknown line", orders.ResponseInput{Decision: orders.DecisionChanged, Lines: []orders.ResponseLineInput{{LineNo: 9, Quantity: 1}}}, derr.Invalid},
			{"line twice", orders.ResponseInput{Decision: orders.DecisionChanged, Lines: []orders.ResponseLineInput{{LineNo: 1, Quantity: 1}, {LineNo: 1, Quantity: 0}}}, derr.Invalid},
			{"past promise", orders.ResponseInput{Decision: orders.DecisionAccepted, PromisedDeliveryDate: "2001-01-01"}, derr.Invalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.svc.Respond(ctx, w.Sup1C, o.ID, tc.in)
				if derr.KindOf(err) != tc.kind {
					t.Fatalf("err = %v, want %v", err, tc.kind)
				}
			})
		}
		if _, err := w.svc.Respond(ctx, w.Sup2C, o.ID, orders.ResponseInput{Decision: orders.DecisionAccepted}); derr.KindOf(err) != derr.NotFound {
			t.Fatalf("another supplier: err = %v, want NotFound", err)
		}
		if _, err := w.svc.Respond(ctx, w.Orderer, o.ID, orders.ResponseInput{Decision: orders.DecisionAccepted}); derr.KindOf(err) != derr.Forbidden {
			t.Fatalf("the orderer: err = %v, want Forbidden", err)
		}
		got, err := w.svc.GetOrder(ctx, w.Orderer, o.ID)
		testenv.Must(t, err)
		if got.Status != orders.StatusApproved || got.ResponseCode != nil || got.TotalMinor != o.TotalMinor {
			t.Fatalf("order after refused answers = %+v", got)
		}
		if _, err := w.svc.PeppolResponse(ctx, w.Orderer, o.ID); derr.CodeOf(err) != orders.CodeOrderNotAnswered {
			t.Fatalf("unanswered T76: err = %v", err)
		}
	})

	t.Run("answers at once: one wins, ceilings stay exact", func(t *testing.T) {
		const n = 12
		var ids []string
		for range 4 {
			ids = append(ids, w.place(w.Orderer, w.input(2)).ID)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := map[string]int{}
		for i := range n {
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := orders.ResponseInput{Decision: orders.DecisionChanged, Lines: []orders.ResponseLineInput{{LineNo: 1 + i%3, Quantity: int64(i % 2)}}}
					if i%4 == 0 {
						in = orders.ResponseInput{Decision: orders.DecisionAccepted}
					}
					_, err := w.svc.Respond(ctx, w.Sup1C, id, in)
					switch {
					case err == nil:
						mu.Lock()
						wins[id]++
						mu.Unlock()
					case derr.CodeOf(err) != orders.CodeInvalidTransition:
						t.Errorf("err = %v, want invalid_transition for the losers", err)
					}
				}()
			}
		}
		wg.Wait()
		for _, id := range ids {
			if wins[id] != 1 {
				t.Errorf("order %s answered %d times, want once", id, wins[id])
			}
		}
		agr, part := w.committed()
		if sum := w.sumCommitted(); agr != sum || part != sum {
			t.Fatalf("committed %d (participant %d), orders sum %d", agr, part, sum)
		}
	})

	t.Run("a T76 document answers like the API", func(t *testing.T) {
		o := w.place(w.Orderer, w.input(2))
		doc, err := peppol.EncodeOrderResponse(peppol.OrderResponse{ID: "R-1", IssueDate: "2026-11-26", Code: peppol.ResponseChanged,
			OrderNumber: o.Number, Note: "Rad 1 halveras", Currency: "SEK", PromisedByDate: promised,
			Seller: peppol.Organisation{Name: "Lev", Number: "556823-1103", Country: "SE"}, Buyer: peppol.Organisation{Name: "Kommun", Number: "212000-1876", Country: "SE"},
			Lines: []peppol.ResponseLine{{LineNo: 1, Status: peppol.LineChanged, Quantity: "1", Unit: "EA", Name: "x"},
				{LineNo: 3, Status: peppol.LineNotAccepted, Quantity: "0", Unit: "EA", Name: "y"}}})
		testenv.Must(t, err)
		if _, err := w.svc.RespondByPeppol(ctx, w.Sup2C, strings.NewReader(string(doc))); derr.KindOf(err) != derr.NotFound {
			t.Fatalf("another supplier's document: err = %v, want NotFound", err)
		}
		got, err := w.svc.RespondByPeppol(ctx, w.Sup1C, strings.NewReader(string(doc)))
		testenv.Must(t, err)
		if got.ID != o.ID || got.TotalMinor != 10000+40000 || *got.Lines[2].QuantityConfirmed != 0 || got.ResponseReason != "Rad 1 halveras" {
			t.Fatalf("answered by T76 = %+v", got)
		}
		for name, bad := range map[string]string{
			"DTD":       `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><OrderResponse xmlns="` + peppol.NamespaceOrderResponse + `">&b;</OrderResponse>`,
			"not T76":   `<Order xmlns="` + peppol.NamespaceOrder + `"/>`,
			"bad code":  strings.Replace(string(doc), ">CA<", ">AB<", 1),
			"bad qty":   strings.Replace(string(doc), `unitCode="EA">1<`, `unitCode="EA">1.5<`, 1),
			"truncated": string(doc[:len(doc)/2]),
		} {
			if _, err := w.svc.RespondByPeppol(ctx, w.Sup1C, strings.NewReader(bad)); derr.CodeOf(err) != orders.CodeInvalidOrderResponse {
				t.Errorf("%s: err = %v, want invalid_order_response", name, err)
			}
		}
	})

	t.Run("official schematron", func(t *testing.T) { testenv.ValidatePeppolRules(t, "T76", docs) })
}
