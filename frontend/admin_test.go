package frontend_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
)

// TestAdminPages: an administrator finds organisations and users by search across pages,
// changes an organisation's approval threshold, and deactivates a user, who can then no
// longer sign in, and activates them again.
func TestAdminPages(t *testing.T) {
	s := newStack(t)
	platform := s.org(auth.KindPlatform, "Plattform")
	admin := s.user(platform, "Ada Admin", auth.RoleAdmin)
	const adminPageSize = 50 // the admin lists' page size
	tag := testenv.Unique()
	var orgs []auth.Organization
	for i := range adminPageSize + 5 {
		orgs = append(orgs, s.org(auth.KindBuyer, fmt.Sprintf("Sidkommun %s %03d", tag, i)))
	}
	c := s.client()
	c.login(admin)

	t.Run("organisations page and search", func(t *testing.T) {
		p := c.get("/admin/organizations?" + url.Values{"q": {"sidkommun " + tag}}.Encode())
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Body, orgs[0].Name) || strings.Contains(p.Body, orgs[adminPageSize].Name) || !strings.Contains(p.Body, `rel="next"`) {
			t.Fatalf("first page of the search: %.3000s", p.Body)
		}
		next := c.get("/admin/organizations?" + url.Values{"q": {"sidkommun " + tag}, "page": {"2"}}.Encode())
		wantStatus(t, next, http.StatusOK)
		if !strings.Contains(next.Body, orgs[adminPageSize].Name) || strings.Contains(next.Body, orgs[0].Name+"<") {
			t.Fatalf("second page of the search: %.3000s", next.Body)
		}
		p = c.get("/admin/organizations?q=" + strings.Repeat("x", 200))
		wantStatus(t, p, http.StatusOK) // too long a search lists every organisation rather than failing
		if !strings.Contains(p.Body, `rel="next"`) {
			t.Fatalf("too long a search: %.2000s", p.Body)
		}
	})

	t.Run("change an organisation", func(t *testing.T) {
		org := orgs[0]
		wantStatus(t, c.get("/admin/organizations/"+org.ID), http.StatusOK)
		p := c.post("/admin/organizations/"+org.ID, url.Values{"name": {org.Name}, "approval_threshold": {"abc"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		p = c.post("/admin/organizations/"+org.ID, url.Values{"name": {org.Name + " nya"}, "approval_threshold": {"2 500,50"}})
		wantStatus(t, p, http.StatusSeeOther)
		got, err := s.Auth.GetOrganization(t.Context(), callerOf(admin, auth.KindPlatform), org.ID)
		testenv.Must(t, err)
		if got.Name != org.Name+" nya" || got.ApprovalThresholdMinor != 250050 {
			t.Fatalf("organisation after the change = %+v", got)
		}
		wantStatus(t, c.get("/admin/organizations/"+orgs[1].ID[:8]), http.StatusNotFound)
	})

	t.Run("deactivate and activate a user", func(t *testing.T) {
		anna := s.user(orgs[2], "Anna "+tag, auth.RoleOrderer)
		p := c.get("/admin/users?" + url.Values{"q": {"anna " + tag}}.Encode())
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Body, anna.Email) || !strings.Contains(p.Body, "/admin/users/"+anna.ID+"/active") {
			t.Fatalf("user search: %.3000s", p.Body)
		}
		annasBrowser := s.client()
		annasBrowser.login(anna)
		wantStatus(t, annasBrowser.get("/orders"), http.StatusOK)
		wantStatus(t, c.post("/admin/users/"+anna.ID+"/active", url.Values{"active": {"false"}}), http.StatusSeeOther)
		// The session she already has ends: her next page sends her to sign in.
		if p := annasBrowser.get("/orders"); p.Status == http.StatusOK {
			t.Fatalf("a deactivated user's open session still shows her orders: %.500s", p.Body)
		}
		p = s.client().post("/login", url.Values{"email": {anna.Email}, "password": {testPassword}})
		if p.Status == http.StatusSeeOther {
			t.Fatal("a deactivated user signed in")
		}
		wantStatus(t, c.post("/admin/users/"+anna.ID+"/active", url.Values{"active": {"true"}}), http.StatusSeeOther)
		s.client().login(anna)
		// The admin cannot deactivate themselves: the page offers no button and the post fails.
		if p := c.get("/admin/users?" + url.Values{"q": {admin.Email}}.Encode()); strings.Contains(p.Body, "/admin/users/"+admin.ID+"/active") {
			t.Fatal("the admin is offered to deactivate themselves")
		}
		if p := c.post("/admin/users/"+admin.ID+"/active", url.Values{"active": {"false"}}); p.Status < 400 {
			t.Fatalf("self-deactivation answered %d", p.Status)
		}
	})
}

// TestSupplierCataloguePages: a supplier with more items than a page reaches every item, and a
// refused price on page 2 is shown again on page 2, beside its item.
func TestSupplierCataloguePages(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	seller := callerOf(w.seller, auth.KindSupplier)
	var last catalog.Item
	for i := range 30 {
		vat, price := 2500, int64(1000+i)
		it, err := s.Catalog.AddItem(t.Context(), seller, w.agreement.ID, catalog.ItemInput{SKU: fmt.Sprintf("ZZ-%02d", i),
			Name: fmt.Sprintf("Öronproppar %02d", i), Unit: "XPK", PackSize: 10, CPVCode: "33141420", VATRateBP: &vat, PriceMinor: &price})
		testenv.Must(t, err)
		last = it
	}
	c := s.client()
	c.login(w.seller)
	first := c.get("/supplier/catalog?agreement=" + w.agreement.ID)
	wantStatus(t, first, http.StatusOK)
	if strings.Contains(first.Body, `id="item-`+last.ID+`"`) || !strings.Contains(first.Body, `rel="next"`) {
		t.Fatalf("first page shows the last item or no next link: %.2000s", first.Body)
	}
	second := c.get("/supplier/catalog?agreement=" + w.agreement.ID + "&page=2")
	wantStatus(t, second, http.StatusOK)
	if !strings.Contains(second.Body, `id="item-`+last.ID+`"`) {
		t.Fatalf("second page lacks the last item: %.2000s", second.Body)
	}
	p := c.post("/supplier/items/"+last.ID+"/price", url.Values{"agreement": {w.agreement.ID}, "page": {"2"}, "price": {"abc"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, `id="item-`+last.ID+`"`) {
		t.Fatal("a refused price on page 2 re-renders another page")
	}
	p = c.post("/supplier/items/"+last.ID+"/price", url.Values{"agreement": {w.agreement.ID}, "page": {"2"}, "price": {"9,00"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); !strings.Contains(loc, "page=2") {
		t.Fatalf("after saving a price on page 2 the supplier lands on %q", loc)
	}

	// A search finds the item by its article number on the first page, and the price form
	// comes back to the search.
	found := c.get("/supplier/catalog?" + url.Values{"agreement": {w.agreement.ID}, "q": {last.SKU}}.Encode())
	wantStatus(t, found, http.StatusOK)
	if !strings.Contains(found.Body, `id="item-`+last.ID+`"`) || strings.Contains(found.Body, `rel="next"`) || strings.Contains(found.Body, "ZZ-00") {
		t.Fatalf("search by sku: %.2000s", found.Body)
	}
	p = c.post("/supplier/items/"+last.ID+"/price", url.Values{"agreement": {w.agreement.ID}, "q": {last.SKU}, "price": {"8,00"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); !strings.Contains(loc, "q="+last.SKU) {
		t.Fatalf("after saving a price from a search the supplier lands on %q", loc)
	}
}
