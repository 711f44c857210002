package catalog

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var admin = auth.Caller{UserID: "00000000-0000-0000-0000-000000000000", OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}

// fixture is an agreement of one procurement body with a participating buyer, two awarded
// suppliers, an outside buyer and an outside body, each with a signed-in caller.
type fixture struct {
	t        testing.TB
	s        *Service
	auth     *auth.Service
	today    time.Time
	body     auth.Organization
	buyer    auth.Organization
	outsider auth.Organization
	sup1     auth.Organization
	sup2     auth.Organization
	other    auth.Organization // another procurement body

	manager, otherManager, orderer, outsiderOrderer, supplier1, supplier2 auth.Caller
	agreement                                                             Agreement
}

func ptr[T any](v T) *T { return &v }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := testenv.DB(t)
	rdb := testenv.Redis(t)
	cfg := auth.DefaultConfig([]byte("test-secret-0123456789abcdef0123456789"))
	cfg.RedisPrefix = testenv.RedisPrefix()
	f := &fixture{t: t, auth: auth.NewService(db, rdb, cfg),
		s:     NewService(db, rdb, testenv.RedisPrefix()+testenv.Unique()+":"),
		today: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}
	f.s.SetClock(func() time.Time { return f.today })
	f.body = f.org(auth.KindProcurementBody, "Karlstads kommun")
	f.other = f.org(auth.KindProcurementBody, "Region Annan")
	f.buyer = f.org(auth.KindBuyer, "Hammarö kommun")
	f.outsider = f.org(auth.KindBuyer, "Uddevalla kommun")
	f.sup1 = f.org(auth.KindSupplier, "Abena Nordic AB")
	f.sup2 = f.org(auth.KindSupplier, "OneMed Sverige AB")
	f.manager = f.user(f.body, auth.RoleManager)
	f.otherManager = f.user(f.other, auth.RoleManager)
	f.orderer = f.user(f.buyer, auth.RoleOrderer)
	f.outsiderOrderer = f.user(f.outsider, auth.RoleOrderer)
	f.supplier1 = f.user(f.sup1, auth.RoleSupplier)
	f.supplier2 = f.user(f.sup2, auth.RoleSupplier)
	f.agreement = f.newAgreement(MethodRanking)
	return f
}

func (f *fixture) org(kind auth.OrgKind, name string) auth.Organization {
	f.t.Helper()
	u := testenv.Unique()
	o, err := f.auth.CreateOrganization(context.Background(), admin, auth.OrganizationInput{Name: name + " " + u, OrgNumber: testenv.OrgNumber(), Kind: kind, Country: "SE"})
	testenv.Must(f.t, err)
	return o
}

func (f *fixture) user(org auth.Organization, roles ...auth.Role) auth.Caller {
	f.t.Helper()
	u, err := f.auth.CreateUser(context.Background(), admin, auth.UserInput{Email: "u" + testenv.Unique() + "@example.se",
		Name: "Test", Password: "correct horse battery staple", OrgID: org.ID, Roles: roles})
	testenv.Must(f.t, err)
	return auth.Caller{UserID: u.ID, OrgID: org.ID, OrgKind: org.Kind, Roles: roles}
}

func (f *fixture) newAgreement(method string) Agreement {
	f.t.Helper()
	a, err := f.s.CreateAgreement(context.Background(), f.manager, AgreementInput{
		Reference: "RA-" + testenv.Unique(), Title: "Förbrukningsmaterial vård och omsorg", CPVCode: "33140000",
		Currency: "SEK", ValidFrom: "2025-01-01", ValidTo: "2028-12-31", CeilingMinor: ptr(int64(5_000_000_00)),
		CallOffMethod: method, MinOrderMinor: 500_00, MaxPriceIncreaseBP: 300, PriceAdjustmentIntervalMonths: ptr(12),
		LeadTimeDays: 5,
		Participants: []ParticipantInput{{OrgID: f.buyer.ID}, {OrgID: f.body.ID}},
		Suppliers:    []SupplierInput{{OrgID: f.sup1.ID, Rank: 1}, {OrgID: f.sup2.ID, Rank: 2}},
	})
	testenv.Must(f.t, err)
	return a
}

// item adds an item of supplier with a price of 100,00 kr.
func (f *fixture) item(supplier auth.Caller, sku, name string, labels ...string) Item {
	f.t.Helper()
	it, err := f.s.AddItem(context.Background(), supplier, f.agreement.ID, ItemInput{SKU: sku, Name: name,
		Description: "Beskrivning av " + name, Unit: "EA", CPVCode: "33141420", EcoLabels: labels, VATRateBP: ptr(2500),
		PriceMinor: ptr(int64(10000))})
	testenv.Must(f.t, err)
	return it
}

// wantKind fails unless err is a *derr.Error of kind (and code, when not "").
func wantKind(t testing.TB, err error, kind derr.Kind, code string) {
	t.Helper()
	if !derr.Is(err, kind) {
		t.Fatalf("err = %v (kind %v), want kind %v", err, derr.KindOf(err), kind)
	}
	if code != "" && derr.CodeOf(err) != code {
		t.Fatalf("code = %q, want %q (%v)", derr.CodeOf(err), code, err)
	}
}
