package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// historyMonths is how far back the demo's order history reaches.
const historyMonths = 9

// seedHistory writes the demo's past: months of call-off orders on both agreements from six
// municipalities, in every state of the lifecycle, with deliveries, a few deviations, a
// declined order and the cascade order it justified, an order passed over for no reply, and
// price changes, so that usage, forecast, spend and scorecards are not empty on first start.
//
// Orders go through the order service, so ceilings, numbers and events hold exactly as in
// use; the service clocks are moved back to each order's day. The services stamp lifecycle
// moves with the database's clock, so the seed then dates the orders' move times back to the
// order's story (events keep the moment the seed ran: they are append-only). Prices are
// dated back to the agreements' start, since the demo's price lists were loaded today.
func seedHistory(ctx context.Context, db *sqlx.DB, a *auth.Service, cat *catalog.Service, ord *orders.Service, w *demoWorld) error {
	now := time.Now().UTC()
	defer ord.SetClock(time.Now)
	defer cat.SetClock(time.Now)
	if _, err := db.ExecContext(ctx, `UPDATE item_prices p SET effective_from = a.valid_from
		FROM items i JOIN agreements a ON a.id = i.agreement_id
		WHERE p.item_id = i.id AND p.effective_from <= current_date`); err != nil {
		return fmt.Errorf("seed history: date prices: %w", err)
	}
	agreements, _, err := cat.ListAgreements(ctx, w.Manager, catalog.AgreementFilter{Page: auth.Page{Page: 1, PageSize: 10}})
	if err != nil {
		return err
	}
	var disp, care catalog.Agreement
	for _, ag := range agreements {
		switch ag.Reference {
		case dispenserAgreementRef:
			disp = ag
		case suppliesAgreementRef:
			care = ag
		}
	}
	items := func(ag catalog.Agreement, supplier int) ([]catalog.Item, error) {
		list, _, err := cat.ListAgreementItems(ctx, w.SupplierCallers[supplier], ag.ID, "", auth.Page{Page: 1, PageSize: 40})
		return list, err
	}
	evondos, err := items(disp, 0)
	if err != nil {
		return err
	}
	medido, err := items(disp, 1)
	if err != nil {
		return err
	}
	abena, err := items(care, 2)
	if err != nil {
		return err
	}
	onemed, err := items(care, 3)
	if err != nil {
		return err
	}
	if len(evondos) == 0 || len(medido) == 0 || len(abena) < 5 || len(onemed) < 5 {
		return fmt.Errorf("seed history: the demo catalogue is missing")
	}

	// The buying units: an orderer and an approver in each of six municipalities.
	type unit struct {
		orderer, approver auth.Caller
		address           string
	}
	byName := map[string]auth.Organization{w.Karlstad.Name: w.Karlstad}
	for _, b := range w.Buyers {
		byName[b.Name] = b
	}
	var units []unit
	for _, u := range []struct{ org, slug, address string }{
		{"Karlstads kommun", "karlstad", "Hemtjänst Norr, Drottninggatan 12, Karlstad"},
		{"Arvika kommun", "arvika", "Hemsjukvården, Storgatan 8, Arvika"},
		{"Kristinehamns kommun", "kristinehamn", "Hemtjänsten, Kungsgatan 30, Kristinehamn"},
		{"Hammarö kommun", "hammaro", "Särskilt boende Solrosen, Hammarö"},
		{"Sunne kommun", "sunne", "Hemtjänst Sunne, Ekebyvägen 3, Sunne"},
		{"Uddevalla kommun", "uddevalla", "Hemtjänst Centrum, Kungstorget 2, Uddevalla"},
	} {
		org := byName[u.org]
		mk := func(role auth.Role, who string) (auth.Caller, error) {
			usr, err := a.CreateUser(ctx, w.Admin, auth.UserInput{Email: who + "." + string(role) + "@" + u.slug + ".demo.avrop.se",
				Name: "Demo " + who, Password: demoPassword + "-" + u.slug, OrgID: org.ID, Roles: []auth.Role{role}})
			if err != nil {
				return auth.Caller{}, fmt.Errorf("seed history user: %w", err)
			}
			return auth.Caller{UserID: usr.ID, OrgID: org.ID, OrgKind: org.Kind, Roles: []auth.Role{role}}, nil
		}
		o, err := mk(auth.RoleOrderer, "hemtjanst")
		if err != nil {
			return err
		}
		ap, err := mk(auth.RoleApprover, "inkop")
		if err != nil {
			return err
		}
		units = append(units, unit{o, ap, u.address})
	}

	rng := rand.New(rand.NewPCG(2026, 10))
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	// dateMoves dates an order's lifecycle back to its story.
	dateMoves := func(id string, placed time.Time, status orders.Status) error {
		at := func(h int) time.Time { return placed.Add(time.Duration(h) * time.Hour) }
		_, err := db.ExecContext(ctx, `UPDATE orders SET created_at = $2::timestamptz, updated_at = $2::timestamptz + make_interval(hours => $3::int),
			approved_at = CASE WHEN approved_at IS NOT NULL THEN $4::timestamptz END,
			accepted_at = CASE WHEN accepted_at IS NOT NULL THEN $5::timestamptz END,
			shipped_at = CASE WHEN shipped_at IS NOT NULL THEN $6::timestamptz END,
			delivered_at = CASE WHEN delivered_at IS NOT NULL THEN $7::timestamptz END
			WHERE id = $1`, id, placed, 24*(3+rng.IntN(6)), at(2), at(20), at(30+rng.IntN(40)), at(24*(2+rng.IntN(9))))
		return err
	}
	type placed struct {
		o    orders.Order
		u    unit
		when time.Time
		sup  int
	}
	var history []placed
	place := func(u unit, ag catalog.Agreement, sup int, list []catalog.Item, when time.Time, extra func(*orders.OrderInput)) (orders.Order, error) {
		ord.SetClock(func() time.Time { return when })
		in := orders.OrderInput{AgreementID: ag.ID, SupplierID: w.Suppliers[sup].ID, DeliveryAddress: u.address,
			CostCenter: fmt.Sprintf("%d", 4400+rng.IntN(30)), Note: ""}
		n := 1 + rng.IntN(3)
		start := rng.IntN(len(list) - n + 1)
		for _, it := range list[start : start+n] {
			q := int64(1 + rng.IntN(3))
			if ag.ID == care.ID {
				q = int64(4 + rng.IntN(20))
			}
			in.Lines = append(in.Lines, orders.LineInput{ItemID: it.ID, Quantity: q})
		}
		if extra != nil {
			extra(&in)
		}
		o, _, err := ord.CreateOrder(ctx, u.orderer, in, "")
		for try := 0; try < 5 && derr.CodeOf(err) == orders.CodeBelowMinOrder; try++ {
			for i := range in.Lines { // too small for the minimum order: order more
				in.Lines[i].Quantity *= 2
			}
			o, _, err = ord.CreateOrder(ctx, u.orderer, in, "")
		}
		if err != nil {
			return o, fmt.Errorf("seed order %s: %w", day(when), err)
		}
		history = append(history, placed{o, u, when, sup})
		return o, nil
	}
	move := func(c auth.Caller, id string, act orders.Action, note string) error {
		_, err := ord.Move(ctx, c, id, act, note)
		if err != nil {
			return fmt.Errorf("seed move %s: %w", act, err)
		}
		return nil
	}

	// Month by month: each unit orders care supplies, and now and then a dispenser.
	for m := historyMonths; m >= 0; m-- {
		for i, u := range units {
			when := now.AddDate(0, -m, -rng.IntN(20)).Add(-time.Duration(i+1) * time.Hour)
			if when.After(now.Add(-time.Hour)) {
				when = now.Add(-time.Duration(2+i) * time.Hour)
			}
			sup, list := 2, abena
			if rng.IntN(3) == 0 {
				sup, list = 3, onemed
			}
			if _, err := place(u, care, sup, list, when, nil); err != nil {
				return err
			}
			if (m+i)%3 == 0 {
				if _, err := place(u, disp, 0, evondos, when.Add(3*time.Hour), nil); err != nil {
					return err
				}
			}
		}
	}
	// Move each order along its story: older orders are delivered; the last weeks hold every
	// other state.
	for i, p := range history {
		age := now.Sub(p.when)
		sc := w.SupplierCallers[p.sup]
		o := p.o
		if o.Status == orders.StatusPendingApproval {
			if age < 4*24*time.Hour && i%2 == 0 {
				continue // waits for its approver
			}
			if i%17 == 5 {
				if err := move(p.u.approver, o.ID, orders.ActionReject, "Fel kostnadsställe, beställ om"); err != nil {
					return err
				}
				if err := dateMoves(o.ID, p.when, orders.StatusRejected); err != nil {
					return err
				}
				continue
			}
			if err := move(p.u.approver, o.ID, orders.ActionApprove, ""); err != nil {
				return err
			}
		}
		steps := []orders.Action{orders.ActionAccept, orders.ActionShip, orders.ActionDeliver}
		switch {
		case i%19 == 7:
			steps = []orders.Action{orders.ActionCancel}
		case age < 6*24*time.Hour:
			steps = steps[:i%3]
		case age < 12*24*time.Hour:
			steps = steps[:2]
		}
		for _, act := range steps {
			c := sc
			if act == orders.ActionDeliver || act == orders.ActionCancel {
				c = p.u.orderer
			}
			if err := move(c, o.ID, act, ""); err != nil {
				return err
			}
		}
		if err := dateMoves(o.ID, p.when, ""); err != nil {
			return err
		}
		if len(steps) == 3 {
			switch i % 11 {
			case 3:
				if _, err := ord.ReportDeviation(ctx, p.u.orderer, o.ID, orders.DeviationInput{Kind: "late",
					Description: "Leveransen kom fyra dagar efter önskat datum."}); err != nil {
					return err
				}
			case 8:
				d, err := ord.ReportDeviation(ctx, p.u.orderer, o.ID, orders.DeviationInput{Kind: "damaged",
					Description: "Två kartonger var krossade vid leverans."})
				if err != nil {
					return err
				}
				if _, err := ord.RespondDeviation(ctx, sc, o.ID, d.ID, "Ersättning skickas med nästa leverans."); err != nil {
					return err
				}
				if _, err := ord.CloseDeviation(ctx, w.Manager, o.ID, d.ID, "Ersatt, ärendet avslutat."); err != nil {
					return err
				}
			}
		}
	}

	// A dispenser order Evondos declined two weeks ago, and the cascade order to Medido it
	// justified; and one Evondos never answered, passed over for no reply.
	karlstad := units[0]
	declinedAt := now.AddDate(0, 0, -14)
	first, err := place(karlstad, disp, 0, evondos, declinedAt, nil)
	if err != nil {
		return err
	}
	if first.Status == orders.StatusPendingApproval {
		if err := move(karlstad.approver, first.ID, orders.ActionApprove, ""); err != nil {
			return err
		}
	}
	if err := move(w.SupplierCallers[0], first.ID, orders.ActionDecline, "Slut i lager till vecka 10"); err != nil {
		return err
	}
	if _, err := place(karlstad, disp, 1, medido, declinedAt.Add(5*time.Hour), func(in *orders.OrderInput) {
		in.CascadeReason, in.CascadeNote, in.DeclinedOrderID = orders.CascadeHigherRankDeclined, "Evondos kan inte leverera före vecka 10", first.ID
	}); err != nil {
		return err
	}
	uddevalla := units[len(units)-1]
	waiting, err := place(uddevalla, disp, 0, evondos, now.AddDate(0, 0, -4), nil)
	if err != nil {
		return err
	}
	if waiting.Status == orders.StatusPendingApproval {
		if err := move(uddevalla.approver, waiting.ID, orders.ActionApprove, ""); err != nil {
			return err
		}
	}
	if err := dateMoves(waiting.ID, now.AddDate(0, 0, -4), ""); err != nil {
		return err
	}
	if _, err := place(uddevalla, disp, 1, medido, now.AddDate(0, 0, -1), func(in *orders.OrderInput) {
		in.CascadeReason, in.CascadeNote, in.DeclinedOrderID = orders.CascadeHigherRankNoReply, "Inget svar från Evondos på tre dagar", waiting.ID
	}); err != nil {
		return err
	}

	// A change of terms in the agreement's history: Karlstad's own ceiling raised.
	raised := int64(1_500_000_000)
	if _, err := cat.UpdateAgreement(ctx, w.Manager, disp.ID, catalog.AgreementPatch{
		Participants: []catalog.ParticipantPatch{{OrgID: w.Karlstad.ID, CeilingMinor: catalog.OptionalInt64{Set: true, Value: &raised}}},
		Note:         "Utökat takbelopp för Karlstad enligt beslut KS 2026/87"}); err != nil {
		return fmt.Errorf("seed terms change: %w", err)
	}

	// Price changes: a decrease applied three months ago and an increase within the clause
	// applied last month, each from its own day.
	for _, pc := range []struct {
		item   catalog.Item
		sup    int
		months int
		pct    int64
		reason string
	}{{abena[1], 2, 3, 95, "Sänkt råvarupris"}, {onemed[2], 3, 1, 102, "Indexuppräkning enligt avtalet"}} {
		when := now.AddDate(0, -pc.months, 0)
		cat.SetClock(func() time.Time { return when })
		if pc.item.PriceMinor == nil {
			continue
		}
		p := *pc.item.PriceMinor * pc.pct / 100
		if _, err := cat.SetPrice(ctx, w.SupplierCallers[pc.sup], pc.item.ID, catalog.PriceRequest{PriceMinor: &p, Reason: pc.reason}); err != nil {
			return fmt.Errorf("seed price change: %w", err)
		}
	}
	return nil
}
