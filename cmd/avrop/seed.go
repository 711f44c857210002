package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// demoPassword is printed with the demo accounts; demo data is for local use only.
const demoPassword = "avrop-demo-2026"

// demoWorld is the demo organisations and callers that the catalogue and order seeds build on.
type demoWorld struct {
	Karlstad        auth.Organization   // procurement body that also buys (kind procurement_body)
	Buyers          []auth.Organization // the 15 other Värmland municipalities, then Uddevalla (last)
	Suppliers       []auth.Organization // [0] Evondos AB, [1] Medido Nordic AB (medication dispensers); [2] Abena Nordic AB, [3] OneMed Sverige AB (care supplies)
	Admin, Manager  auth.Caller         // manager works at Karlstad
	SupplierCallers []auth.Caller       // a supplier-role caller per Suppliers entry, same order
}

// The Värmland municipalities besides Karlstad that buy together, with their organisation
// numbers and approval thresholds in öre.
var varmland = []struct {
	name, number string
	threshold    int64
}{
	{"Arvika kommun", "212000-1827", 500000}, {"Eda kommun", "212000-1769", 0},
	{"Filipstads kommun", "212000-1900", 0}, {"Forshaga kommun", "212000-1777", 300000},
	{"Grums kommun", "212000-1785", 0}, {"Hagfors kommun", "212000-1918", 0},
	{"Hammarö kommun", "212000-1793", 250000}, {"Kils kommun", "212000-1744", 0},
	{"Kristinehamns kommun", "212000-1843", 500000}, {"Munkfors kommun", "212000-1801", 0},
	{"Storfors kommun", "212000-1751", 0}, {"Sunne kommun", "212000-1926", 0},
	{"Säffle kommun", "212000-1884", 0}, {"Torsby kommun", "212000-1819", 0},
	{"Årjängs kommun", "212000-1835", 0},
}

type demoAccount struct {
	email, name, org string
	roles            []auth.Role
}

// demoAccounts are the demo users, one or more per role.
var demoAccounts = []demoAccount{
	{"admin@avrop.se", "Alva Admin", "Avrop", []auth.Role{auth.RoleAdmin}},
	{"maria.manager@karlstad.se", "Maria Lindqvist", "Karlstads kommun", []auth.Role{auth.RoleManager}},
	{"karin.orderer@karlstad.se", "Karin Berg", "Karlstads kommun", []auth.Role{auth.RoleOrderer}},
	{"olle.orderer@arvika.se", "Olle Hemtjänst", "Arvika kommun", []auth.Role{auth.RoleOrderer}},
	{"anna.approver@arvika.se", "Anna Inköp", "Arvika kommun", []auth.Role{auth.RoleApprover}},
	{"ulla.orderer@uddevalla.se", "Ulla Särskilt boende", "Uddevalla kommun", []auth.Role{auth.RoleOrderer}},
	{"sven.supplier@evondos.se", "Sven Evondos", "Evondos AB", []auth.Role{auth.RoleSupplier}},
	{"mia.supplier@medido.se", "Mia Medido", "Medido Nordic AB", []auth.Role{auth.RoleSupplier}},
	{"lars.supplier@abena.se", "Lars Abena", "Abena Nordic AB", []auth.Role{auth.RoleSupplier}},
	{"eva.supplier@onemed.se", "Eva OneMed", "OneMed Sverige AB", []auth.Role{auth.RoleSupplier}},
}

func seed(ctx context.Context, db *sqlx.DB, a *auth.Service, cat *catalog.Service, ord *orders.Service, items int, out io.Writer) error {
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM organizations WHERE kind <> 'platform'`); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if n > 0 {
		fmt.Fprintln(out, "seed: the database already holds organisations; demo organisations not added again")
		if items > 0 {
			w, err := loadDemoWorld(ctx, db)
			if err != nil {
				return err
			}
			if err := seedSyntheticItems(ctx, db, cat, w, items); err != nil {
				return fmt.Errorf("seed synthetic items: %w", err)
			}
		}
		return printDemoAccounts(out)
	}
	w, err := seedOrganizations(ctx, a)
	if err != nil {
		return err
	}
	if err := seedCatalog(ctx, cat, w); err != nil {
		return fmt.Errorf("seed catalogue: %w", err)
	}
	if err := seedWelfare(ctx, db, a, w); err != nil {
		return fmt.Errorf("seed welfare technology: %w", err)
	}
	if sum, err := rolloutSummary(ctx, db); err == nil {
		fmt.Fprintf(out, "seed: dispenser rollout since %s: %s\n", rolloutStart.Format("January 2006"), sum)
	}
	if err := seedInvoices(ctx, db, ord, w); err != nil {
		return fmt.Errorf("seed invoices: %w", err)
	}
	if items > 0 {
		if err := seedSyntheticItems(ctx, db, cat, w, items); err != nil {
			return fmt.Errorf("seed synthetic items: %w", err)
		}
	}
	return printDemoAccounts(out)
}

// printDemoAccounts prints the demo accounts and their shared password.
func printDemoAccounts(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nDemo accounts (password for all: %s)\n", demoPassword)
	fmt.Fprintln(tw, "EMAIL\tROLES\tORGANISATION")
	for _, acc := range demoAccounts {
		fmt.Fprintf(tw, "%s\t%v\t%s\n", acc.email, acc.roles, acc.org)
	}
	return tw.Flush()
}

func seedOrganizations(ctx context.Context, a *auth.Service) (*demoWorld, error) {
	admin := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	w := &demoWorld{}
	mk := func(name, number string, kind auth.OrgKind, threshold int64) (auth.Organization, error) {
		return a.CreateOrganization(ctx, admin, auth.OrganizationInput{Name: name, OrgNumber: number, Kind: kind, Country: "SE", ApprovalThresholdMinor: threshold})
	}
	platform, err := mk("Avrop", "559000-0005", auth.KindPlatform, 0)
	if err != nil {
		return nil, err
	}
	if w.Karlstad, err = mk("Karlstads kommun", "212000-1876", auth.KindProcurementBody, 1000000); err != nil {
		return nil, err
	}
	for _, m := range varmland {
		o, err := mk(m.name, m.number, auth.KindBuyer, m.threshold)
		if err != nil {
			return nil, err
		}
		w.Buyers = append(w.Buyers, o)
	}
	uddevalla, err := mk("Uddevalla kommun", "212000-1355", auth.KindBuyer, 500000)
	if err != nil {
		return nil, err
	}
	w.Buyers = append(w.Buyers, uddevalla)
	for _, s := range [][2]string{{"Evondos AB", "556823-1103"}, {"Medido Nordic AB", "559011-2230"},
		{"Abena Nordic AB", "556358-4720"}, {"OneMed Sverige AB", "556255-0359"}} {
		o, err := mk(s[0], s[1], auth.KindSupplier, 0)
		if err != nil {
			return nil, err
		}
		w.Suppliers = append(w.Suppliers, o)
	}

	orgByName := map[string]auth.Organization{platform.Name: platform, w.Karlstad.Name: w.Karlstad}
	for _, o := range append(w.Buyers, w.Suppliers...) {
		orgByName[o.Name] = o
	}
	callers := map[string]auth.Caller{}
	for _, acc := range demoAccounts {
		org := orgByName[acc.org]
		u, err := a.CreateUser(ctx, admin, auth.UserInput{Email: acc.email, Name: acc.name, Password: demoPassword, OrgID: org.ID, Roles: acc.roles})
		if err != nil {
			return nil, fmt.Errorf("seed user %s: %w", acc.email, err)
		}
		callers[acc.email] = auth.Caller{UserID: u.ID, OrgID: org.ID, OrgKind: org.Kind, Roles: acc.roles}
	}
	w.Admin = callers["admin@avrop.se"]
	w.Manager = callers["maria.manager@karlstad.se"]
	w.SupplierCallers = []auth.Caller{callers["sven.supplier@evondos.se"], callers["mia.supplier@medido.se"],
		callers["lars.supplier@abena.se"], callers["eva.supplier@onemed.se"]}
	return w, nil
}

// loadDemoWorld finds the demo organisations and callers in a seeded database, for adding
// synthetic items later.
func loadDemoWorld(ctx context.Context, db *sqlx.DB) (*demoWorld, error) {
	w := &demoWorld{}
	org := func(name string) (auth.Organization, error) {
		var o auth.Organization
		err := db.GetContext(ctx, &o, `SELECT id, name, org_number, kind, country, approval_threshold_minor, created_at, updated_at
			FROM organizations WHERE name = $1`, name)
		if err != nil {
			return o, fmt.Errorf("seed: demo organisation %q not found (seed an empty database first): %w", name, err)
		}
		return o, nil
	}
	caller := func(email string) (auth.Caller, error) {
		var row struct {
			ID, OrgID, Kind string
			Roles           []byte
		}
		err := db.QueryRowxContext(ctx, `SELECT u.id, u.org_id, o.kind FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.email = $1`, email).
			Scan(&row.ID, &row.OrgID, &row.Kind)
		if err != nil {
			return auth.Caller{}, fmt.Errorf("seed: demo user %s not found: %w", email, err)
		}
		role := auth.RoleSupplier
		switch auth.OrgKind(row.Kind) {
		case auth.KindProcurementBody:
			role = auth.RoleManager
		case auth.KindPlatform:
			role = auth.RoleAdmin
		}
		return auth.Caller{UserID: row.ID, OrgID: row.OrgID, OrgKind: auth.OrgKind(row.Kind), Roles: []auth.Role{role}}, nil
	}
	var err error
	if w.Karlstad, err = org("Karlstads kommun"); err != nil {
		return nil, err
	}
	for _, m := range varmland {
		o, err := org(m.name)
		if err != nil {
			return nil, err
		}
		w.Buyers = append(w.Buyers, o)
	}
	u, err := org("Uddevalla kommun")
	if err != nil {
		return nil, err
	}
	w.Buyers = append(w.Buyers, u)
	for _, name := range []string{"Evondos AB", "Medido Nordic AB", "Abena Nordic AB", "OneMed Sverige AB"} {
		o, err := org(name)
		if err != nil {
			return nil, err
		}
		w.Suppliers = append(w.Suppliers, o)
	}
	if w.Admin, err = caller("admin@avrop.se"); err != nil {
		return nil, err
	}
	if w.Manager, err = caller("maria.manager@karlstad.se"); err != nil {
		return nil, err
	}
	for _, e := range []string{"sven.supplier@evondos.se", "mia.supplier@medido.se", "lars.supplier@abena.se", "eva.supplier@onemed.se"} {
		c, err := caller(e)
		if err != nil {
			return nil, err
		}
		w.SupplierCallers = append(w.SupplierCallers, c)
	}
	return w, nil
}
