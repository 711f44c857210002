package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// orderWorld is an agreement with a procurement body, two ranked suppliers, two participating
// buyers and signed-in users of every role, set up with plain SQL for the catalogue's tables.
type orderWorld struct {
	a                            *testAPI
	agr                          string
	body, sup1, sup2, buyer, oth auth.Organization
	manager, s1, s2              string // tokens
	orderer, orderer2, approver  string
	othBuyer                     string // orderer and approver of oth
	ordererC, approverC, s1C     auth.Caller
	items                        []string // Sup1's items: 10000 (25 %), 20000 (12 %)
	item2                        string   // Sup2's item: 10000 (25 %)
}

func newOrderWorld(t testing.TB, ceiling *int64) *orderWorld {
	t.Helper()
	a := newTestAPI(t)
	w := &orderWorld{a: a}
	w.body = a.org(auth.KindProcurementBody)
	w.sup1, w.sup2 = a.org(auth.KindSupplier), a.org(auth.KindSupplier)
	w.buyer, w.oth = a.org(auth.KindBuyer), a.org(auth.KindBuyer)
	_, w.manager = a.user(w.body, auth.RoleManager)
	u1, s1 := a.user(w.sup1, auth.RoleSupplier)
	w.s1, w.s1C = s1, callerOfUser(u1, auth.KindSupplier)
	_, w.s2 = a.user(w.sup2, auth.RoleSupplier)
	uo, o := a.user(w.buyer, auth.RoleOrderer)
	w.orderer, w.ordererC = o, callerOfUser(uo, auth.KindBuyer)
	_, w.orderer2 = a.user(w.buyer, auth.RoleOrderer)
	ua, ap := a.user(w.buyer, auth.RoleApprover)
	w.approver, w.approverC = ap, callerOfUser(ua, auth.KindBuyer)
	_, w.othBuyer = a.user(w.oth, auth.RoleOrderer, auth.RoleApprover)

	db := a.Deps.DB
	ctx := context.Background()
	testenv.Must(t, db.GetContext(ctx, &w.agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, ceiling_minor, call_off_method, min_order_minor) VALUES ($1, $2, 'Läkemedelsautomater', '33190000', 'SEK',
		current_date - 30, current_date + 365, $3, 'ranking', 0) RETURNING id`, w.body.ID, "RA-"+testenv.Unique(), ceiling))
	mustExec(t, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2), ($1, $3)`, w.agr, w.buyer.ID, w.oth.ID)
	mustExec(t, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1), ($1, $3, 2)`, w.agr, w.sup1.ID, w.sup2.ID)
	for _, p := range []struct {
		price int64
		vat   int
	}{{10000, 2500}, {20000, 1200}} {
		var id string
		testenv.Must(t, db.GetContext(ctx, &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
			VALUES ($1, $2, $3, 'Dosett', 'EA', '33190000', $4, $5) RETURNING id`, w.agr, w.sup1.ID, "S-"+testenv.Unique(), pq.Array([]string{}), p.vat))
		mustExec(t, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, $2, current_date - 1)`, id, p.price)
		w.items = append(w.items, id)
	}
	testenv.Must(t, db.GetContext(ctx, &w.item2, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, vat_rate_bp)
		VALUES ($1, $2, $3, 'Dosett', 'EA', '33190000', 2500) RETURNING id`, w.agr, w.sup2.ID, "S-"+testenv.Unique()))
	mustExec(t, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 10000, current_date - 1)`, w.item2)
	return w
}

func mustExec(t testing.TB, q string, args ...any) {
	t.Helper()
	if _, err := testenv.DB(t).Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (w *orderWorld) body1(q int) map[string]any {
	return map[string]any{"agreement_id": w.agr, "supplier_id": w.sup1.ID,
		"lines":            []map[string]any{{"item_id": w.items[0], "quantity": q}, {"item_id": w.items[1], "quantity": q}},
		"delivery_address": "Hemtjänst Norr, Storgatan 1, Karlstad", "cost_center": "4410", "note": nil,
		"cascade_reason": nil, "cascade_note": nil}
}

// create places an order of 30000 × q through the API and returns its id.
func (w *orderWorld) create(t *testing.T, token string, q int) string {
	t.Helper()
	res := w.a.do("POST", "/api/v1/orders", token, w.body1(q))
	wantStatus(t, res, http.StatusCreated)
	return res.JSON["id"].(string)
}

func (w *orderWorld) move(token, id, action string, body any) response {
	return w.a.do("POST", "/api/v1/orders/"+id+"/"+action, token, body)
}

func TestOrderJourney(t *testing.T) {
	w := newOrderWorld(t, nil)
	res := w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(2), "Idempotency-Key", "journey-1")
	wantStatus(t, res, http.StatusCreated)
	o := res.JSON
	id := o["id"].(string)
	if o["status"] != "pending_approval" || o["total_minor"] != float64(60000) || o["vat_minor"] != float64(9800) ||
		o["total_incl_vat_minor"] != float64(69800) || o["currency"] != "SEK" || len(o["lines"].([]any)) != 2 || len(o["events"].([]any)) != 1 {
		t.Fatalf("created order = %s", res.Body)
	}
	if res.Header.Get("Location") != "/api/v1/orders/"+id {
		t.Errorf("Location = %q", res.Header.Get("Location"))
	}
	line := o["lines"].([]any)[0].(map[string]any)
	if line["quantity"] != float64(2) || line["unit_price_minor"] != float64(10000) || line["line_total_minor"] != float64(20000) {
		t.Errorf("line = %v", line)
	}

	// The supplier's inbox holds orders only from approval on.
	if res := w.a.do("GET", "/api/v1/orders/"+id, w.s1, nil); res.Status != http.StatusNotFound {
		t.Fatalf("supplier sees a pending order: %d", res.Status)
	}
	queue := w.a.do("GET", "/api/v1/orders/approval-queue", w.approver, nil)
	wantStatus(t, queue, http.StatusOK)
	if queue.JSON["total"] != float64(1) {
		t.Fatalf("approval queue = %s", queue.Body)
	}
	wantStatus(t, w.move(w.approver, id, "approve", map[string]any{"note": "ok"}), http.StatusOK)
	inbox := w.a.do("GET", "/api/v1/orders?status=approved", w.s1, nil)
	wantStatus(t, inbox, http.StatusOK)
	if inbox.JSON["total"] != float64(1) {
		t.Fatalf("supplier inbox = %s", inbox.Body)
	}
	wantStatus(t, w.move(w.s1, id, "accept", nil), http.StatusOK)
	wantStatus(t, w.move(w.s1, id, "ship", map[string]any{"note": "tracking 123"}), http.StatusOK)
	res = w.move(w.orderer, id, "deliver", nil)
	wantStatus(t, res, http.StatusOK)
	events := res.JSON["events"].([]any)
	if res.JSON["status"] != "delivered" || len(events) != 5 {
		t.Fatalf("delivered order = %s", res.Body)
	}
	if ev := events[1].(map[string]any); ev["from"] != "pending_approval" || ev["to"] != "approved" || ev["note"] != "ok" || ev["actor_id"] != w.approverC.UserID {
		t.Errorf("approve event = %v", ev)
	}

	// Deviation: buyer reports, supplier responds, manager closes.
	res = w.a.do("POST", "/api/v1/orders/"+id+"/deviations", w.orderer, map[string]any{"kind": "damaged", "description": "Two units cracked"})
	wantStatus(t, res, http.StatusCreated)
	did := res.JSON["id"].(string)
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations", w.orderer, map[string]any{"kind": "broken", "description": "x"}), 422, "validation_failed")
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations", w.s1, map[string]any{"kind": "late", "description": "x"}), 403, "forbidden")
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations", w.othBuyer, map[string]any{"kind": "late", "description": "x"}), 404, "not_found")
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations/"+did+"/respond", w.s2, map[string]any{"response": "x"}), 404, "not_found")
	res = w.a.do("POST", "/api/v1/orders/"+id+"/deviations/"+did+"/respond", w.s1, map[string]any{"response": "Replacement sent"})
	wantStatus(t, res, http.StatusOK)
	if res.JSON["status"] != "responded" || res.JSON["response"] != "Replacement sent" {
		t.Fatalf("responded = %s", res.Body)
	}
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations/"+did+"/close", w.orderer, nil), 403, "forbidden")
	wantStatus(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations/"+did+"/close", w.manager, map[string]any{"note": "settled"}), http.StatusOK)
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+id+"/deviations/"+did+"/close", w.manager, nil), 409, orders.CodeDeviationClosed)
	for _, tok := range []string{w.orderer, w.s1, w.manager} {
		res := w.a.do("GET", "/api/v1/orders/"+id+"/deviations", tok, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != float64(1) {
			t.Errorf("deviations of the order = %s", res.Body)
		}
	}
	res = w.a.do("GET", "/api/v1/deviations?supplier_id="+w.sup1.ID, w.manager, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["total"] != float64(1) {
		t.Errorf("per-supplier deviations = %s", res.Body)
	}
	if res := w.a.do("GET", "/api/v1/deviations", w.s2, nil); res.JSON["total"] != float64(0) {
		t.Errorf("another supplier sees deviations: %s", res.Body)
	}
	// A pending order takes no deviation.
	pending := w.create(t, w.orderer, 1)
	wantProblem(t, w.a.do("POST", "/api/v1/orders/"+pending+"/deviations", w.orderer, map[string]any{"kind": "late", "description": "x"}), 409, orders.CodeDeviationNotAllowed)

	// Lists are scoped.
	if res := w.a.do("GET", "/api/v1/orders", w.othBuyer, nil); res.JSON["total"] != float64(0) {
		t.Errorf("another buyer lists our orders: %s", res.Body)
	}
	if res := w.a.do("GET", "/api/v1/orders?agreement_id="+w.agr, w.manager, nil); res.JSON["total"] != float64(2) {
		t.Errorf("manager's list = %s", res.Body)
	}
	wantProblem(t, w.a.do("GET", "/api/v1/orders?status=lost", w.orderer, nil), 422, "validation_failed")
	wantProblem(t, w.a.do("GET", "/api/v1/orders/"+id, w.othBuyer, nil), 404, "not_found")
	wantProblem(t, w.a.do("GET", "/api/v1/orders/not-a-uuid", w.orderer, nil), 404, "not_found")
	_, adminTok := w.a.user(w.a.org(auth.KindPlatform), auth.RoleAdmin)
	wantProblem(t, w.a.do("GET", "/api/v1/orders", adminTok, nil), 403, "forbidden")
	wantProblem(t, w.a.do("POST", "/api/v1/orders", w.s1, w.body1(1)), 403, "forbidden")
	wantProblem(t, w.a.do("POST", "/api/v1/orders", w.manager, w.body1(1)), 403, "forbidden")
}

// orderIn drives a fresh order to status through the service and returns its id.
func (w *orderWorld) orderIn(t *testing.T, status orders.Status) string {
	t.Helper()
	ctx := context.Background()
	svc := w.a.Orders
	o, _, err := svc.CreateOrder(ctx, w.ordererC, orders.OrderInput{AgreementID: w.agr, SupplierID: w.sup1.ID, DeliveryAddress: "Storgatan 1",
		Lines: []orders.LineInput{{ItemID: w.items[0], Quantity: 1}}}, "")
	testenv.Must(t, err)
	path := map[orders.Status][]struct {
		c auth.Caller
		a orders.Action
	}{
		orders.StatusPendingApproval: {},
		orders.StatusApproved:        {{w.approverC, orders.ActionApprove}},
		orders.StatusRejected:        {{w.approverC, orders.ActionReject}},
		orders.StatusCancelled:       {{w.ordererC, orders.ActionCancel}},
		orders.StatusAccepted:        {{w.approverC, orders.ActionApprove}, {w.s1C, orders.ActionAccept}},
		orders.StatusDeclined:        {{w.approverC, orders.ActionApprove}, {w.s1C, orders.ActionDecline}},
		orders.StatusShipped:         {{w.approverC, orders.ActionApprove}, {w.s1C, orders.ActionAccept}, {w.s1C, orders.ActionShip}},
		orders.StatusDelivered: {{w.approverC, orders.ActionApprove}, {w.s1C, orders.ActionAccept}, {w.s1C, orders.ActionShip},
			{w.ordererC, orders.ActionDeliver}},
	}[status]
	for _, step := range path {
		_, err := svc.Move(ctx, step.c, o.ID, step.a, "reason")
		testenv.Must(t, err)
	}
	return o.ID
}

// The lifecycle of SPEC §2: every move from every status, by the role that may make it.
func TestLifecycleMatrix(t *testing.T) {
	w := newOrderWorld(t, nil)
	allowed := map[orders.Action][]orders.Status{
		orders.ActionApprove: {orders.StatusPendingApproval},
		orders.ActionReject:  {orders.StatusPendingApproval},
		orders.ActionCancel:  {orders.StatusPendingApproval, orders.StatusApproved},
		orders.ActionAccept:  {orders.StatusApproved},
		orders.ActionDecline: {orders.StatusApproved, orders.StatusAccepted},
		orders.ActionShip:    {orders.StatusAccepted},
		orders.ActionDeliver: {orders.StatusShipped},
	}
	token := map[orders.Action]string{
		orders.ActionApprove: w.approver, orders.ActionReject: w.approver, orders.ActionCancel: w.orderer,
		orders.ActionAccept: w.s1, orders.ActionDecline: w.s1, orders.ActionShip: w.s1, orders.ActionDeliver: w.orderer,
	}
	statuses := []orders.Status{orders.StatusPendingApproval, orders.StatusApproved, orders.StatusRejected, orders.StatusAccepted,
		orders.StatusDeclined, orders.StatusShipped, orders.StatusDelivered, orders.StatusCancelled}
	for _, act := range orders.Actions {
		for _, st := range statuses {
			ok := false
			for _, s := range allowed[act] {
				ok = ok || s == st
			}
			// A supplier never sees an order that never reached approval: there its moves
			// answer 404 rather than 409.
			hidden := (act == orders.ActionAccept || act == orders.ActionDecline || act == orders.ActionShip) &&
				(st == orders.StatusPendingApproval || st == orders.StatusRejected || st == orders.StatusCancelled)
			t.Run(fmt.Sprintf("%s from %s", act, st), func(t *testing.T) {
				id := w.orderIn(t, st)
				res := w.move(token[act], id, string(act), map[string]any{"reason": "because"})
				switch {
				case ok:
					wantStatus(t, res, http.StatusOK)
				case hidden:
					wantProblem(t, res, http.StatusNotFound, "not_found")
				default:
					wantProblem(t, res, http.StatusConflict, orders.CodeInvalidTransition)
				}
			})
		}
	}
}

func TestLifecycleRolesAndScope(t *testing.T) {
	w := newOrderWorld(t, nil)
	_, body2Manager := w.a.user(w.a.org(auth.KindProcurementBody), auth.RoleManager)
	from := map[orders.Action]orders.Status{
		orders.ActionApprove: orders.StatusPendingApproval, orders.ActionReject: orders.StatusPendingApproval,
		orders.ActionCancel: orders.StatusApproved, orders.ActionAccept: orders.StatusApproved, orders.ActionDecline: orders.StatusAccepted,
		orders.ActionShip: orders.StatusAccepted, orders.ActionDeliver: orders.StatusShipped,
	}
	// Roles that may never make the move: 403.
	wrongRole := map[orders.Action][]string{
		orders.ActionApprove: {w.orderer, w.s1, w.manager},
		orders.ActionReject:  {w.orderer, w.s1, w.manager},
		orders.ActionCancel:  {w.s1, w.manager},
		orders.ActionAccept:  {w.orderer, w.approver, w.manager},
		orders.ActionDecline: {w.orderer, w.approver, w.manager},
		orders.ActionShip:    {w.orderer, w.approver, w.manager},
		orders.ActionDeliver: {w.s1, w.manager},
	}
	// The right role in another organisation: 404.
	otherOrg := map[orders.Action][]string{
		orders.ActionApprove: {w.othBuyer}, orders.ActionReject: {w.othBuyer}, orders.ActionCancel: {w.othBuyer},
		orders.ActionAccept: {w.s2}, orders.ActionDecline: {w.s2}, orders.ActionShip: {w.s2}, orders.ActionDeliver: {w.othBuyer},
	}
	for _, act := range orders.Actions {
		t.Run(string(act), func(t *testing.T) {
			id := w.orderIn(t, from[act])
			for i, tok := range wrongRole[act] {
				res := w.move(tok, id, string(act), map[string]any{"reason": "x"})
				if res.Status != http.StatusForbidden {
					t.Errorf("wrong role #%d: status %d, want 403; %s", i, res.Status, res.Body)
				}
			}
			for _, tok := range otherOrg[act] {
				wantProblem(t, w.move(tok, id, string(act), map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
			}
			_ = body2Manager
			// Nothing changed.
			res := w.a.do("GET", "/api/v1/orders/"+id, w.orderer, nil)
			if res.JSON["status"] != string(from[act]) {
				t.Fatalf("status after refused moves = %v, want %s", res.JSON["status"], from[act])
			}
		})
	}
	t.Run("approver may not approve or reject their own order", func(t *testing.T) {
		id := w.create(t, w.approver, 1)
		wantProblem(t, w.move(w.approver, id, "approve", nil), http.StatusForbidden, orders.CodeOwnOrder)
		wantProblem(t, w.move(w.approver, id, "reject", map[string]any{"reason": "över budget"}), http.StatusForbidden, orders.CodeOwnOrder)
		wantStatus(t, w.move(w.approver, id, "cancel", nil), http.StatusOK) // but may cancel it
	})
	t.Run("another orderer may not cancel", func(t *testing.T) {
		id := w.create(t, w.orderer, 1)
		wantProblem(t, w.move(w.orderer2, id, "cancel", nil), http.StatusForbidden, "not_your_order")
		wantStatus(t, w.move(w.approver, id, "cancel", nil), http.StatusOK)
	})
	t.Run("decline needs a reason", func(t *testing.T) {
		id := w.orderIn(t, orders.StatusApproved)
		wantProblem(t, w.move(w.s1, id, "decline", nil), 422, "validation_failed")
		res := w.move(w.s1, id, "decline", map[string]any{"reason": "slut i lager"})
		wantStatus(t, res, http.StatusOK)
		if res.JSON["status"] != "declined" || res.JSON["decline_reason"] != "slut i lager" {
			t.Fatalf("declined = %s", res.Body)
		}
	})
	t.Run("unknown fields and bad bodies", func(t *testing.T) {
		id := w.orderIn(t, orders.StatusPendingApproval)
		wantProblem(t, w.move(w.approver, id, "approve", map[string]any{"status": "delivered"}), 400, "unknown_field")
		wantProblem(t, w.move(w.approver, id, "approve", "{"), 400, "malformed_json")
	})
}

func TestCreateOrderAPIProblems(t *testing.T) {
	ceiling := int64(100000)
	w := newOrderWorld(t, &ceiling)
	for name, tc := range map[string]struct {
		body   any
		status int
		code   string
	}{
		"unknown field":    {map[string]any{"agreement_id": w.agr, "total_minor": 1}, 400, "unknown_field"},
		"not json":         {"lines=1", 400, "malformed_json"},
		"wrong type":       {map[string]any{"lines": "many"}, 400, "malformed_json"},
		"empty object":     {map[string]any{}, 422, "validation_failed"},
		"float quantity":   {map[string]any{"agreement_id": w.agr, "supplier_id": w.sup1.ID, "lines": []any{map[string]any{"item_id": w.items[0], "quantity": 1.5}}, "delivery_address": "x"}, 400, "malformed_json"},
		"ceiling exceeded": {w.body1(4), 422, orders.CodeCeilingExceeded},
		"rank 2 without a reason": {map[string]any{"agreement_id": w.agr, "supplier_id": w.sup2.ID,
			"lines": []any{map[string]any{"item_id": w.item2, "quantity": 1}}, "delivery_address": "x"}, 422, orders.CodeCascadeReasonRequired},
	} {
		t.Run(name, func(t *testing.T) {
			wantProblem(t, w.a.do("POST", "/api/v1/orders", w.orderer, tc.body), tc.status, tc.code)
		})
	}
	var n int
	testenv.Must(t, testenv.DB(t).Get(&n, `SELECT count(*) FROM orders WHERE agreement_id = $1`, w.agr))
	if n != 0 {
		t.Fatalf("refused requests stored %d orders", n)
	}
}

func TestIdempotencyKeyAPI(t *testing.T) {
	w := newOrderWorld(t, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	ids := map[string]bool{}
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(1), "Idempotency-Key", "same-key")
			mu.Lock()
			defer mu.Unlock()
			statuses[res.Status]++
			if res.Status == http.StatusCreated {
				ids[res.JSON["id"].(string)] = true
			} else if res.Status != http.StatusConflict || res.JSON["code"] != orders.CodeIdempotencyKeyInFlight {
				t.Errorf("status %d: %s", res.Status, res.Body)
			}
		}()
	}
	wg.Wait()
	var n int
	testenv.Must(t, testenv.DB(t).Get(&n, `SELECT count(*) FROM orders WHERE agreement_id = $1`, w.agr))
	if n != 1 || len(ids) != 1 {
		t.Fatalf("orders = %d, ids answered = %d, statuses = %v; want exactly one order", n, len(ids), statuses)
	}
	res := w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(1), "Idempotency-Key", "same-key")
	wantStatus(t, res, http.StatusCreated)
	if res.Header.Get("Idempotent-Replayed") != "true" || !ids[res.JSON["id"].(string)] {
		t.Fatalf("replay: header %q, body %s", res.Header.Get("Idempotent-Replayed"), res.Body)
	}
	// The same body with other formatting is the same request.
	spaced, err := json.MarshalIndent(w.body1(1), "", "\t\t")
	testenv.Must(t, err)
	wantStatus(t, w.a.do("POST", "/api/v1/orders", w.orderer, spaced, "Idempotency-Key", "same-key"), http.StatusCreated)
	wantProblem(t, w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(2), "Idempotency-Key", "same-key"), 422, orders.CodeIdempotencyKeyReused)
	wantProblem(t, w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(1), "Idempotency-Key", strings.Repeat("k", 256)), 400, orders.CodeInvalidIdempotencyKey)
}

func TestAgreementUsageAPI(t *testing.T) {
	ceiling := int64(100000)
	w := newOrderWorld(t, &ceiling)
	mustExec(t, `UPDATE agreement_participants SET ceiling_minor = 90000 WHERE agreement_id = $1 AND org_id = $2`, w.agr, w.buyer.ID)
	w.create(t, w.orderer, 1)  // 30000
	w.create(t, w.orderer, 1)  // 60000
	w.create(t, w.othBuyer, 1) // 90000 of 100000: past 80 %
	res := w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", w.manager, nil)
	wantStatus(t, res, http.StatusOK)
	u := res.JSON
	if u["ceiling_minor"] != float64(100000) || u["committed_minor"] != float64(90000) || u["remaining_minor"] != float64(10000) ||
		u["percent_used"] != float64(90) || len(u["participants"].([]any)) != 2 {
		t.Fatalf("usage = %s", res.Body)
	}
	// 90000 in the last 90 days = 1000 a day; 10000 left → 10 days.
	if want := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly); u["forecast_exhaustion_date"] != want {
		t.Errorf("forecast = %v, want %s", u["forecast_exhaustion_date"], want)
	}
	warnings := u["warnings"].([]any)
	if len(warnings) != 1 || warnings[0].(map[string]any)["level"] != float64(80) {
		t.Errorf("warnings = %v, want one at 80 %%", warnings)
	}
	// The buyer sees the totals and only its own participant row (60000 of 90000: no warning).
	res = w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", w.approver, nil)
	wantStatus(t, res, http.StatusOK)
	parts := res.JSON["participants"].([]any)
	if len(parts) != 1 || parts[0].(map[string]any)["org_id"] != w.buyer.ID || parts[0].(map[string]any)["committed_minor"] != float64(60000) {
		t.Errorf("buyer's participants = %v", parts)
	}
	wantProblem(t, w.a.do("POST", "/api/v1/orders", w.orderer, w.body1(1)), 422, orders.CodeCeilingExceeded)
	wantProblem(t, w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", w.s1, nil), 403, "forbidden")
	outsider := w.a.org(auth.KindBuyer)
	_, outTok := w.a.user(outsider, auth.RoleOrderer)
	wantProblem(t, w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", outTok, nil), 404, "not_found")
	_, otherManager := w.a.user(w.a.org(auth.KindProcurementBody), auth.RoleManager)
	wantProblem(t, w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", otherManager, nil), 404, "not_found")
	csv := w.a.do("GET", "/api/v1/agreements/"+w.agr+"/usage", w.manager, nil, "Accept", "text/csv")
	wantStatus(t, csv, http.StatusOK)
	if !strings.HasPrefix(string(csv.Body), "scope,org_id") || strings.Count(string(csv.Body), "\n") != 4 {
		t.Errorf("csv = %s", csv.Body)
	}
}
