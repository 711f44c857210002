package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// The welfare-technology demo (SPEC §7): the dispenser agreement's monthly items become
// subscriptions (a dispenser per month with its installation as the setup price, minimum 12
// months, 3 months' notice) and the rollout is written as it would have happened: a pilot in
// Karlstad, Hammarö and Kil from March 2024, then the other Värmland municipalities joining
// month by month, a few placements ended and returned, and a service outage Evondos answered
// late. Everything goes through the services with their clock set to the day it happened, so
// every rule (ceilings, notice, minimum term, lifecycle) holds for the demo data too.

// dispenserSubscriptions are the dispenser agreement's monthly items as subscriptions:
// sku, supplier number in the demo world, setup price (the installation item's price).
var dispenserSubscriptions = []struct {
	sku      string
	supplier int
	setup    int64
}{
	{"EVO-E300-M", 0, 95000}, {"EVO-LARM-SMS", 0, 0}, {"EVO-RESERV", 0, 0},
	{"MED-DISP-M", 1, 85000}, {"MED-GO", 1, 0},
}

// rolloutStart is the pilot's first month.
var rolloutStart = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// seedWelfare turns the dispenser items into subscriptions and writes the rollout.
func seedWelfare(ctx context.Context, db *sqlx.DB, a *auth.Service, w *demoWorld) error {
	var agreementID string
	if err := db.GetContext(ctx, &agreementID, `SELECT id FROM agreements WHERE reference = $1`, dispenserAgreementRef); err != nil {
		return fmt.Errorf("dispenser agreement: %w", err)
	}
	// Services of their own, with a clock the rollout moves: the server's are never touched.
	var today time.Time
	clock := func() time.Time { return today.Add(9 * time.Hour) }
	cat := catalog.NewService(db, nil, "seed:")
	cat.SetClock(clock)
	ord := orders.NewService(db, cat)
	ord.SetClock(clock)

	today = rolloutStart.AddDate(0, -1, 0)
	if err := subscriptionTerms(ctx, cat, w, agreementID); err != nil {
		return err
	}
	// The subscription terms are contract terms: they wait for the manager like any change.
	if err := acceptCatalogue(ctx, cat, w.Manager); err != nil {
		return err
	}
	var item string
	if err := db.GetContext(ctx, &item, `SELECT id FROM items WHERE agreement_id = $1 AND sku = 'EVO-E300-M'`, agreementID); err != nil {
		return fmt.Errorf("dispenser item: %w", err)
	}
	r := &rollout{ctx: ctx, db: db, ord: ord, agreement: agreementID, item: item, supplier: w.Suppliers[0].ID,
		supplierCaller: w.SupplierCallers[0], events: map[string][]func() error{}, rng: rand.New(rand.NewPCG(2024, 3))}
	// The participants in the order they join: the pilot (Karlstad, Hammarö, Kil) first. Årjäng
	// does not take part in the dispenser agreement (Karlstad, 14 other Värmland municipalities
	// and Uddevalla).
	towns := []auth.Organization{w.Karlstad}
	byName := map[string]auth.Organization{}
	for _, b := range w.Buyers[:15] {
		byName[b.Name] = b
	}
	for _, n := range []string{"Hammarö kommun", "Kils kommun", "Arvika kommun", "Kristinehamns kommun", "Forshaga kommun",
		"Säffle kommun", "Sunne kommun", "Torsby kommun", "Grums kommun", "Filipstads kommun", "Hagfors kommun",
		"Eda kommun", "Munkfors kommun", "Storfors kommun"} {
		towns = append(towns, byName[n])
	}
	for _, t := range towns {
		o, ap, err := rolloutStaff(ctx, a, t)
		if err != nil {
			return err
		}
		r.towns = append(r.towns, town{org: t, orderer: o, approver: ap})
	}
	now := time.Now().UTC().Truncate(24 * time.Hour)
	for today = rolloutStart; !today.After(now); today = today.AddDate(0, 0, 1) {
		if today.Day() == 3 {
			r.monthlyOrders(today, now)
		}
		if today.Equal(now.AddDate(0, 0, -2)) {
			r.recentOrders(today, now)
		}
		key := today.Format(time.DateOnly)
		for i := 0; i < len(r.events[key]); i++ { // an event may schedule another the same day
			if err := r.events[key][i](); err != nil {
				return fmt.Errorf("rollout %s: %w", key, err)
			}
		}
		if r.err != nil {
			return fmt.Errorf("rollout %s: %w", key, r.err)
		}
	}
	return nil
}

// subscriptionTerms re-imports the dispenser agreement's monthly items with their subscription
// terms (CSV columns kind, setup_price_minor, min_term_months, notice_months), effective from
// before the rollout, as each supplier would.
func subscriptionTerms(ctx context.Context, cat *catalog.Service, w *demoWorld, agreementID string) error {
	for s := 0; s < 2; s++ {
		items, _, err := cat.ListAgreementItems(ctx, w.SupplierCallers[s], agreementID, "", auth.Page{Page: 1, PageSize: 100})
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString(strings.TrimSuffix(csvHeader, "\n") + ",kind,setup_price_minor,min_term_months,notice_months\n")
		for _, sub := range dispenserSubscriptions {
			if sub.supplier != s {
				continue
			}
			for _, it := range items {
				if it.SKU != sub.sku || it.NextPriceMinor == nil && it.PriceMinor == nil {
					continue
				}
				price := it.PriceMinor
				if price == nil {
					price = it.NextPriceMinor
				}
				fmt.Fprintf(&b, "%s,%s,%s,MON,1,%s,,%s,%d,%d,%s,subscription,%d,12,3\n", csvField(it.SKU), csvField(it.Name),
					csvField(it.Description), it.CPVCode, strings.Join(it.EcoLabels, "|"), it.VATRateBP, *price,
					rolloutStart.AddDate(0, -1, 0).Format(time.DateOnly), sub.setup)
			}
		}
		if _, err := cat.ImportPriceList(ctx, w.SupplierCallers[s], agreementID, strings.NewReader(b.String())); err != nil {
			return fmt.Errorf("subscription terms of %s: %w", w.Suppliers[s].Name, err)
		}
	}
	return nil
}

// rolloutStaff creates a municipality's welfare-technology coordinator (orderer) and the
// purchasing manager who approves the rollout's orders (approver).
func rolloutStaff(ctx context.Context, a *auth.Service, org auth.Organization) (orderer, approver auth.Caller, err error) {
	admin := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	slug := strings.NewReplacer("å", "a", "ä", "a", "ö", "o").Replace(strings.ToLower(strings.Fields(org.Name)[0]))
	slug = strings.TrimSuffix(slug, "s")
	mk := func(local, name string, role auth.Role) (auth.Caller, error) {
		u, err := a.CreateUser(ctx, admin, auth.UserInput{Email: local + "@" + slug + ".se", Name: name, Password: demoPassword,
			OrgID: org.ID, Roles: []auth.Role{role}})
		if err != nil {
			return auth.Caller{}, fmt.Errorf("rollout user for %s: %w", org.Name, err)
		}
		return auth.Caller{UserID: u.ID, OrgID: org.ID, OrgKind: org.Kind, Roles: []auth.Role{role}}, nil
	}
	if orderer, err = mk("valfardsteknik", "Samordnare välfärdsteknik", auth.RoleOrderer); err != nil {
		return
	}
	approver, err = mk("inkop.vt", "Inköpsansvarig välfärdsteknik", auth.RoleApprover)
	return
}

type town struct {
	org                auth.Organization
	orderer, approver  auth.Caller
	placed             int
	joined             bool
	recipientSequencer int
}

// rollout is the simulated history: events by day, run with the services' clock on that day.
type rollout struct {
	ctx              context.Context
	db               *sqlx.DB
	ord              *orders.Service
	agreement, item  string
	supplier         string
	supplierCaller   auth.Caller
	towns            []town
	events           map[string][]func() error
	rng              *rand.Rand
	installs, outage int
	err              error
}

func (r *rollout) at(d time.Time, fn func() error) {
	k := d.Format(time.DateOnly)
	r.events[k] = append(r.events[k], fn)
}

// monthlyOrders places the month's orders: the pilot towns from the first month, one or two
// more towns joining each month from September 2024, each active town ordering a few devices.
func (r *rollout) monthlyOrders(day, now time.Time) {
	months := (day.Year()-rolloutStart.Year())*12 + int(day.Month()-rolloutStart.Month())
	active := 3
	if months >= 6 {
		active = min(len(r.towns), 3+(months-5)*2/3+1)
	}
	for i := 0; i < active; i++ {
		t := &r.towns[i]
		n := r.rng.IntN(2)
		if !t.joined {
			n = 2 + r.rng.IntN(2) // a town starts with a small pilot group
			t.joined = true
		}
		if i == 0 {
			n++ // Karlstad is the largest
		}
		for k := 0; k < n; k++ {
			start := day.AddDate(0, 0, 4+r.rng.IntN(10))
			if err := r.order(t, day, start, now); err != nil {
				r.err = err
				return
			}
		}
	}
}

// recentOrders places the orders of the last days, starting next week: installations the
// supplier has yet to book.
func (r *rollout) recentOrders(day, now time.Time) {
	for i := 0; i < min(6, len(r.towns)); i++ {
		if err := r.order(&r.towns[i], day, now.AddDate(0, 0, 5+i), now); err != nil {
			r.err = err
			return
		}
	}
}

// order places, approves and (by the supplier) accepts one dispenser for a recipient, and
// schedules its installation a few days after its start when that day has come.
func (r *rollout) order(t *town, day, start, now time.Time) error {
	t.recipientSequencer++
	prefix := strings.ToUpper(string([]rune(strings.NewReplacer("Å", "A", "Ä", "A", "Ö", "O").Replace(t.org.Name))[:3]))
	ref := fmt.Sprintf("%s-VT-%04d", prefix, t.recipientSequencer)
	streets := []string{"Storgatan", "Kyrkogatan", "Älvgatan", "Skogsvägen", "Solrosvägen", "Björkvägen", "Hamngatan"}
	address := fmt.Sprintf("%s %d, %s", streets[r.rng.IntN(len(streets))], 1+r.rng.IntN(60), strings.TrimSuffix(strings.Fields(t.org.Name)[0], "s"))
	o, _, err := r.ord.CreateOrder(r.ctx, t.orderer, orders.OrderInput{AgreementID: r.agreement, SupplierID: r.supplier,
		DeliveryAddress: address, CostCenter: "Hemtjänst", Lines: []orders.LineInput{{ItemID: r.item, Quantity: 1, RecipientRef: ref,
			StartDate: start.Format(time.DateOnly)}}}, "")
	if err != nil {
		return fmt.Errorf("order for %s: %w", t.org.Name, err)
	}
	pid := *o.Lines[0].PlacementID
	t.placed++
	// Of the last days' orders some still wait for approval: the approvers' queues have
	// something in them.
	if day.AddDate(0, 0, 3).After(now) && t.placed%3 == 0 {
		return nil
	}
	if o.Status == orders.StatusPendingApproval {
		if _, err := r.ord.Move(r.ctx, t.approver, o.ID, orders.ActionApprove, ""); err != nil {
			return err
		}
	}
	if _, err := r.ord.Move(r.ctx, r.supplierCaller, o.ID, orders.ActionAccept, ""); err != nil {
		return err
	}
	installed := start.AddDate(0, 0, r.rng.IntN(4))
	if !installed.Before(now) {
		return nil
	}
	r.at(installed, func() error {
		if _, err := r.ord.Placements().Install(r.ctx, r.supplierCaller, pid, placements.InstallInput{InstalledOn: installed.Format(time.DateOnly)}); err != nil {
			return err
		}
		return r.afterInstall(t, pid, o.ID, installed, now)
	})
	return nil
}

// afterInstall gives every 17th device notice after its minimum term (the recipient moved to
// a nursing home) and has it returned after its end date, moves every 11th to a new address,
// and reports the rollout's one late-answered service outage on a Karlstad device installed
// in the pilot's fourth month.
func (r *rollout) afterInstall(t *town, pid, orderID string, installed, now time.Time) error {
	r.installs++
	if r.installs%11 == 0 {
		moveDay := installed.AddDate(0, 4, 0)
		if moveDay.Before(now) {
			r.at(moveDay, func() error {
				_, err := r.ord.Placements().Move(r.ctx, t.orderer, pid, placements.MoveInput{Address: "Vård- och omsorgsboendet Solgläntan, lgh 12"})
				return err
			})
		}
	}
	if r.installs%17 == 0 {
		noticeDay := installed.AddDate(0, 10, 0)
		if noticeDay.Before(now) {
			r.at(noticeDay, func() error {
				p, err := r.ord.Placements().Get(r.ctx, t.orderer, pid)
				if err != nil {
					return err
				}
				end := *p.EarliestEndDate
				if _, err := r.ord.EndPlacement(r.ctx, t.orderer, pid, placements.EndInput{EndDate: end}); err != nil {
					return err
				}
				e, _ := placements.Date(end)
				if back := e.AddDate(0, 0, 5); back.Before(now) {
					r.at(back, func() error {
						_, err := r.ord.Placements().Return(r.ctx, r.supplierCaller, pid)
						return err
					})
				}
				return nil
			})
		}
	}
	if t.org.ID == r.towns[0].org.ID && installed.After(rolloutStart.AddDate(0, 3, 0)) && r.outage == 0 {
		r.outage++
		day := installed.AddDate(0, 2, 0)
		if day.Before(now) {
			r.at(day, func() error { return r.lateOutage(t, pid, orderID) })
		}
	}
	return nil
}

// lateOutage reports an outage and has Evondos answer it 41 hours after the report, past the
// agreement's 24 service-response hours. Deviations carry the database's own times, so the
// report's time is set back to the simulated day and the answer's after it (demo history).
func (r *rollout) lateOutage(t *town, pid, orderID string) error {
	d, err := r.ord.ReportOutage(r.ctx, t.orderer, pid, "Automaten delar inte ut dospåsen och larmar inte vid missad dos.")
	if err != nil {
		return err
	}
	if _, err := r.ord.RespondDeviation(r.ctx, r.supplierCaller, orderID, d.ID,
		"Tekniker på plats, automaten byttes mot reservautomat. Felet berodde på en trasig matarmekanism."); err != nil {
		return err
	}
	reported := r.ord.Placements().Today().Add(8 * time.Hour)
	_, err = r.db.ExecContext(r.ctx, `UPDATE deviations SET created_at = $2, responded_at = $3, updated_at = $3 WHERE id = $1`,
		d.ID, reported, reported.Add(41*time.Hour))
	return err
}

// rolloutSummary counts placements by status, for the seed's report.
func rolloutSummary(ctx context.Context, db *sqlx.DB) (string, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT status, count(*) AS n FROM placements GROUP BY status`); err != nil {
		return "", err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Status < rows[j].Status })
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("%d %s", r.N, r.Status)
	}
	return strings.Join(parts, ", "), nil
}
