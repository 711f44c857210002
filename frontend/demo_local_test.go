package frontend_test

import (
	"os"
	"testing"

	"github.com/avrop/avrop/auth"
)

// Not committed: looks at a running demo server.
func TestDemoLook(t *testing.T) {
	base := os.Getenv("FRONTEND_DEMO_URL")
	if base == "" {
		t.Skip()
	}
	b := newBrowser(t, &stack{URL: base}, "demo")
	pw := "avrop-demo-2026"
	login := func(email string) {
		b.visit("/login")
		b.fill("#email", email)
		b.fill("#password", pw)
		b.submit(`main form[action="/login"] button[type=submit]`, `^/(catalog|approvals|supplier|manager|admin)`)
	}
	_ = auth.RoleAdmin
	login("olle.orderer@arvika.se")
	b.visit("/catalog")
	b.check("catalogue")
	b.visit("/catalog?q=handske")
	b.check("handske")
	b.visit("/orders")
	b.check("orders")
	b.logout()
	login("anna.approver@arvika.se")
	b.visit("/approvals")
	b.check("approvals")
	b.logout()
	login("maria.manager@karlstad.se")
	b.visit("/manager/agreements")
	b.check("agreements")
	b.visit("/manager/price-changes")
	b.check("price-changes")
	b.logout()
	login("lars.supplier@abena.se")
	b.visit("/supplier/orders")
	b.check("inbox")
	b.visit("/supplier/catalog")
	b.check("supplier catalogue")
}
