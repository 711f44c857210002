package frontend_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/productimage"
)

const chromiumPath = "/usr/bin/chromium"

// browser drives Debian's headless Chromium against the stack. Each check runs axe-core on the
// page and saves a screenshot to the repository's git-ignored screenshots/ folder.
type browser struct {
	t      *testing.T
	ctx    context.Context
	base   string
	axe    string
	prefix string
	n      int
}

func newBrowser(t *testing.T, s *stack, prefix string) *browser {
	t.Helper()
	return newBrowserIn(t, s, prefix, "sv-SE,sv")
}

// newBrowserIn starts a browser whose Accept-Language is acceptLang ("nb-NO,nb").
func newBrowserIn(t *testing.T, s *stack, prefix, acceptLang string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is missing at %s: run frontend/e2e/install.sh", chromiumPath)
		}
		t.Skipf("chromium is missing at %s (run frontend/e2e/install.sh)", chromiumPath)
	}
	axe, err := os.ReadFile(filepath.Join("e2e", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is missing: run frontend/e2e/install.sh: %v", err)
		}
		t.Skipf("axe-core is missing (run frontend/e2e/install.sh): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", strings.SplitN(acceptLang, ",", 2)[0]),
		chromedp.Flag("accept-lang", acceptLang),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: s.URL, axe: string(axe), prefix: prefix}
	// The first run starts the browser; it must not carry a timeout, which would stop it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (page %s)", err, b.location())
	}
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

func (b *browser) visit(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// eval runs JavaScript in the page and returns its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("eval %q: %v (page %s)", expr, err, b.location())
	}
	return v
}

// waitFor polls a JavaScript condition across navigations until it holds.
func (b *browser) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s on %s; page text: %.1500s", cond, b.location(), b.bodyText())
}

func (b *browser) bodyText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return s
}

func (b *browser) wantText(sub string) {
	b.t.Helper()
	b.waitFor(`document.body.innerText.includes(` + jsString(sub) + `)`)
}

// click activates a button or link the way a keyboard user would (element.click()), which does
// not depend on layout the way a synthesised mouse click at coordinates does.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	eval[bool](b, `(() => { document.querySelector(`+jsString(sel)+`).click(); return true })()`)
}

// submit clicks a button that leaves the page and waits until the path is want (a regexp).
func (b *browser) submit(sel, want string) {
	b.t.Helper()
	before := b.location()
	b.click(sel)
	b.waitFor(fmt.Sprintf(`location.href !== %s && new RegExp(%s).test(location.pathname + location.search)`, jsString(before), jsString(want)))
}

func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

var untranslated = regexp.MustCompile(`\b(?:layout|nav|common|form|account|login|expired|error|problem|flash|admin|kind|role|catalog|cart|checkout|cascade|orders?|status|event|deviation|approvals|usage|supplier|price_status|price_reason|import|agreements?|agreement_status|method|price_changes|eco)\.[a-z_]+\b`)

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// check runs axe-core on the page and fails on any serious or critical violation, then saves a
// full-page screenshot.
func (b *browser) check(name string) {
	b.t.Helper()
	b.n++
	if !eval[bool](b, `typeof window.axe !== "undefined"`) {
		eval[any](b, b.axe+";true")
	}
	violations := eval[[]string](b, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 5).map(n => n.target.join(" ")).join(" | ")))`)
	for _, v := range violations {
		b.t.Errorf("axe on %s (%s): %s", name, b.location(), v)
	}
	// Nothing may hide sideways: the page is never wider than the window (SPEC §5).
	if over := eval[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		wide := eval[string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id).join(", ")`)
		b.t.Errorf("page %s is %d px wider than the window (%s)", name, over, wide)
	}
	// No formatting accident and no untranslated key may reach the page.
	text := b.bodyText()
	for _, bad := range []string{"%!", "<nil>", "0xc", "(*", "map["} {
		if strings.Contains(text, bad) {
			b.t.Errorf("page %s shows %q: %.3000s", name, bad, text)
		}
	}
	if m := untranslated.FindString(text); m != "" {
		b.t.Errorf("page %s shows the untranslated key %q", name, m)
	}
	dir := filepath.Join("..", "screenshots")
	testenv.Must(b.t, os.MkdirAll(dir, 0o755))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	// A full-page screenshot lays the page out again without the window's scrollbar but clips
	// it to the width the scrollbar left, cutting off the right edge (a card's border, the
	// right-hand button's margin); without the scrollbar, as on a phone, both widths agree.
	eval[bool](b, `new Promise(done => { document.documentElement.style.scrollbarWidth = "none";
		void document.documentElement.offsetWidth; requestAnimationFrame(() => requestAnimationFrame(() => done(true))) })`)
	defer eval[bool](b, `(() => { document.documentElement.style.scrollbarWidth = ""; return true })()`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	file := fmt.Sprintf("%s-%02d-%s.png", b.prefix, b.n, unsafeName.ReplaceAllString(strings.ToLower(name), "-"))
	testenv.Must(b.t, os.WriteFile(filepath.Join(dir, file), png, 0o644))
}

func (b *browser) login(u auth.User) {
	b.t.Helper()
	b.visit("/login")
	b.fill("#email", u.Email)
	b.fill("#password", testPassword)
	b.submit(`main form[action="/login"] button[type=submit]`, `^/(catalog|approvals|supplier|manager|admin)`)
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit(`form[action="/logout"] button`, `^/login`)
	b.wantText("Du är utloggad.")
}

// world is the data of the browser journeys: one agreement with two ranked suppliers.
type world struct {
	body, buyer, supplier, supplier2                   auth.Organization
	manager, orderer, approver, seller, seller2, admin auth.User
	agreement                                          catalog.Agreement
	gloveM, gloveL, gloveVinyl, compress, soap         catalog.Item
	// diaper is an incontinence product, found by the care staff's word "blöjor" (synonyms).
	diaper catalog.Item
}

func newWorld(t *testing.T, s *stack) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{}
	u := testenv.Unique()
	platform := s.org(auth.KindPlatform, "Avrop plattform")
	w.admin = s.user(platform, "Ada Admin", auth.RoleAdmin)
	w.body = s.org(auth.KindProcurementBody, "Region Värmland Inköp")
	w.buyer = s.org(auth.KindBuyer, "Karlstads kommun, hemtjänst Norr")
	w.supplier = s.org(auth.KindSupplier, "Vårdgrossisten AB")
	w.supplier2 = s.org(auth.KindSupplier, "Medicinsk Service Norden AB")
	w.manager = s.user(w.body, "Maja Förvaltare", auth.RoleManager)
	w.orderer = s.user(w.buyer, "Anna Andersson", auth.RoleOrderer)
	w.approver = s.user(w.buyer, "Agnes Attestant", auth.RoleApprover)
	w.seller = s.user(w.supplier, "Sven Säljare", auth.RoleSupplier)
	w.seller2 = s.user(w.supplier2, "Nora Norden", auth.RoleSupplier)
	ceiling := int64(50_000_000_00)
	interval := 12
	noApproval := false // this world's catalogue goes in directly; the approval pages have their own
	today := time.Now().UTC()
	a, err := s.Catalog.CreateAgreement(ctx, callerOf(w.manager, auth.KindProcurementBody), catalog.AgreementInput{
		Reference: "RA-" + u, Title: "Förbrukningsmaterial vård och omsorg", Description: "Handskar, förband och hygienartiklar för hemtjänst och särskilt boende.",
		CPVCode: "33140000", Currency: "SEK", ValidFrom: today.AddDate(0, -1, 0).Format("2006-01-02"), ValidTo: today.AddDate(2, 0, 0).Format("2006-01-02"),
		CeilingMinor: &ceiling, CallOffMethod: catalog.MethodRanking, MinOrderMinor: 100_00, MaxPriceIncreaseBP: 300,
		PriceAdjustmentIntervalMonths: &interval, LeadTimeDays: 5, CatalogueApproval: &noApproval,
		Participants: []catalog.ParticipantInput{{OrgID: w.buyer.ID}},
		Suppliers:    []catalog.SupplierInput{{OrgID: w.supplier.ID, Rank: 1}, {OrgID: w.supplier2.ID, Rank: 2}},
	})
	testenv.Must(t, err)
	w.agreement = a
	add := func(seller auth.User, sku, name string, price int64, eco ...string) catalog.Item {
		vat := 2500
		it, err := s.Catalog.AddItem(ctx, callerOf(seller, auth.KindSupplier), a.ID, catalog.ItemInput{
			SKU: sku, Name: name, Description: "Puderfri, för engångsbruk.", Unit: "XBX", PackSize: 100, CPVCode: "33141420",
			EcoLabels: eco, VATRateBP: &vat, PriceMinor: &price})
		testenv.Must(t, err)
		return it
	}
	w.gloveM = add(w.seller, "NH-M", "Nitrilhandskar puderfria, storlek M", 89_50, "svanen")
	w.gloveL = add(w.seller, "NH-L", "Nitrilhandskar puderfria, storlek L", 89_50, "svanen")
	w.gloveVinyl = add(w.seller, "VH-M", "Vinylhandskar, storlek M", 59_00)
	w.compress = add(w.seller, "KO-10", "Kompresser 10 × 10 cm", 1234_50)
	w.soap = add(w.seller2, "TV-1", "Tvållösning parfymfri, 1 liter", 45_00, "bra_miljoval")
	w.diaper = add(w.seller, "IK-M", "Inkontinensskydd Maxi, storlek M", 329_00)
	// Pictures where the supplier sent them: the medium gloves and the incontinence product.
	for _, it := range []*catalog.Item{&w.gloveM, &w.diaper} {
		kind, _, _ := strings.Cut(it.Name, " ")
		pic, err := s.Catalog.SetItemImage(ctx, callerOf(w.seller, auth.KindSupplier), it.ID, productimage.DemoPicture(kind, it.SKU))
		testenv.Must(t, err)
		*it = pic
	}
	return w
}

// TestJourney is the whole journey of issue 5: an orderer finds gloves by a misspelt search
// and orders three items, an approver approves, the supplier accepts and ships, the orderer
// confirms receipt and reports a deviation. axe-core checks every page on the way.
func TestJourney(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "journey")

	// Orderer: search with a typo, as you type.
	b.login(w.orderer)
	b.waitFor(`location.pathname === "/catalog"`)
	b.check("catalogue")
	b.do(chromedp.Click(chromedp.CSS("#q")), chromedp.SendKeys(chromedp.CSS("#q"), "handskr"))
	b.waitFor(`document.querySelector("#results").innerText.includes("Nitrilhandskar puderfria, storlek M") && !document.querySelector("#results").innerText.includes("Kompresser")`)
	b.waitFor(`location.search.includes("q=handskr")`)
	if got := b.bodyText(); !strings.Contains(got, "89,50\u00a0kr") || !strings.Contains(got, "Rang 1") {
		t.Errorf("search results lack the Swedish price or the rank: %.2000s", got)
	}
	b.check("search handskr")
	if n := eval[int](b, `document.querySelectorAll('#results form[action="/cart/add"]').length - document.querySelectorAll('#results .product').length`); n != 0 {
		t.Errorf("results and add-to-cart forms differ by %d: a form is nested", n)
	}
	// A filter narrows the list in place: eco-labelled only drops the vinyl gloves.
	choose := func(value string) {
		eval[bool](b, `(() => { const s = document.querySelector("#eco"); s.value = `+jsString(value)+`; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	}
	choose("1")
	b.waitFor(`location.search.includes("eco=1") && !document.querySelector("#results").innerText.includes("Vinylhandskar")`)
	choose("")
	b.waitFor(`!location.search.includes("eco=1") && document.querySelector("#results").innerText.includes("Vinylhandskar")`)

	// Three items into the cart; the status region announces each.
	for i, it := range []catalog.Item{w.gloveM, w.gloveL, w.gloveVinyl} {
		qty := fmt.Sprint(i + 2)
		b.fill("#qty-"+it.ID, qty)
		b.click(`button[aria-describedby="item-` + it.ID + `"]`)
		// The confirmation shows next to the button, and the header's count follows at once.
		b.waitFor(`document.querySelector("#added-` + it.ID + `").innerText.includes(` + jsString(it.Name) + `)`)
		b.waitFor(`document.querySelector("#nav-cart").innerText.includes("(` + fmt.Sprint(i+1) + `)")`)
	}
	b.check("added to cart")
	b.visit("/cart")
	b.wantText("Vårdgrossisten AB")
	b.wantText("Varukorg (3)")
	b.check("cart")

	// Checkout.
	b.submit(`button[name=checkout][value^="`+w.agreement.ID+`/"]`, `^/checkout`)
	b.check("checkout")
	b.fill("#delivery_address", "Hemtjänst Norr, Storgatan 1, 652 24 Karlstad")
	b.fill("#cost_center", "4410")
	b.fill("#requested_delivery_date", time.Now().AddDate(0, 0, 14).Format("2006-01-02"))
	b.submit(`form[action="/checkout"] button[type=submit]`, `^/orders/[0-9a-f-]{36}`)
	b.wantText("Beställningen är skickad.")
	b.wantText("Väntar på attest")
	orderPath := strings.TrimPrefix(b.location(), s.URL)
	orderPath = strings.SplitN(orderPath, "?", 2)[0]
	b.check("order placed")
	b.visit("/orders")
	b.wantText("Väntar på attest")
	b.check("my orders")

	// An orderer cannot reach approver, supplier or admin pages.
	for _, p := range []string{"/approvals", "/supplier/orders", "/supplier/catalog", "/manager/agreements", "/admin/users"} {
		b.visit(p)
		b.wantText("Du har inte behörighet")
	}
	b.check("forbidden")
	b.logout()

	// Approver: the queue with the ceiling usage, approve with a note.
	b.login(w.approver)
	b.visit("/approvals")
	b.wantText("Anna Andersson")
	b.wantText("Avtalets takbelopp")
	b.check("approval queue")
	id := strings.TrimPrefix(orderPath, "/orders/")
	b.fill("#note-"+id, "Ok, enligt budget.")
	b.submit(`form[action="/orders/`+id+`/approve"] button[type=submit]:not([formaction])`, `^/approvals`)
	b.wantText("Beställningen är attesterad.")
	b.check("approved")
	b.logout()

	// Supplier: accept and ship from the inbox.
	b.login(w.seller)
	b.visit("/supplier/orders")
	b.wantText("Karlstads kommun")
	b.check("supplier inbox")
	b.submit(`form[action="/orders/`+id+`/accept"] button`, `^/supplier/orders`)
	b.wantText("Beställningen är accepterad.")
	b.submit(`form[action="/orders/`+id+`/ship"] button`, `^/supplier/orders`)
	b.wantText("Beställningen är markerad som skickad.")
	b.check("shipped")
	b.visit(orderPath)
	b.check("supplier order page")
	b.logout()

	// Orderer: confirm receipt, report a deviation, see the timeline.
	b.login(w.orderer)
	b.visit(orderPath)
	b.wantText("Skickad")
	b.submit(`form[action="`+orderPath+`/deliver"] button`, `^/orders/`)
	b.wantText("Mottagen leverans är bekräftad.")
	b.do(chromedp.SetValue(chromedp.CSS("#deviation-kind"), "damaged"))
	b.fill("#deviation-description", "Två förpackningar var trasiga vid leveransen.")
	b.submit(`form[action="`+orderPath+`/deviations"] button`, `^/orders/`)
	b.wantText("Avvikelsen är rapporterad")
	b.wantText("Skadad vara")
	b.wantText("Två förpackningar var trasiga")
	for _, step := range []string{"Beställd, väntar på attest", "Attesterad", "Accepterad av leverantören", "Skickad", "Mottagen"} {
		b.wantText(step)
	}
	b.check("delivered with deviation")

	// CSRF: a form whose token was removed is refused.
	b.visit("/cart")
	eval[bool](b, `(() => { const f = document.querySelector('form[action="/logout"]'); f.querySelector('input[name=csrf]').remove(); f.submit(); return true })()`)
	b.wantText("säkerhetstoken")
	b.check("csrf refused")

	// The same pages in English.
	b.visit("/lang/en?next=" + orderPath)
	b.wantText("Report a deviation")
	b.wantText("Received")
	b.waitFor(`document.documentElement.lang === "en"`)
	if got := b.bodyText(); strings.Contains(got, "Beställning ") || strings.Contains(got, "Avvikelser") {
		t.Errorf("English page mixes in Swedish: %.1500s", got)
	}
	b.check("order in english")
	b.visit("/lang/sv?next=/catalog")
	b.logout()

	// The supplier responds to the deviation; the agreement manager closes it.
	b.login(w.seller)
	b.visit("/supplier/orders")
	b.wantText("Avvikelser som väntar på ditt svar (1)")
	b.check("supplier inbox with deviation")
	b.visit(orderPath)
	b.fill(`textarea[name="response"]`, "Vi skickar två nya förpackningar utan kostnad.")
	b.submit(`form[action*="/respond"] button`, `^/orders/`)
	b.wantText("Svaret är skickat.")
	b.check("deviation responded")
	b.logout()
	b.login(w.manager)
	b.visit(orderPath)
	b.submit(`form[action*="/close"] button`, `^/orders/`)
	b.wantText("Avvikelsen är avslutad.")
	b.wantText("avslutad")
	b.check("deviation closed")

	// The manager's deviation list on the body's agreements, and its CSV export.
	for _, width := range []int64{1366, 360} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.visit("/manager/agreements/" + w.agreement.ID)
		b.submit(`a[href="/manager/deviations?agreement_id=`+w.agreement.ID+`"]`, `^/manager/deviations`)
		b.wantText("Två förpackningar var trasiga")
		b.wantText("Skadad vara")
		b.checkAt(width, "deviations")
	}
	csvText := eval[string](b, `fetch(document.querySelector('a[download]').href).then(r => r.text())`)
	if !strings.HasPrefix(csvText, "id,created_at,order_id") || !strings.Contains(csvText, "Två förpackningar var trasiga") || !strings.Contains(csvText, ",damaged,closed,") {
		t.Errorf("deviations CSV: %.500s", csvText)
	}

	// The manager's one list of call-off orders across the body's agreements, narrowed to
	// this agreement and a status, and its CSV export.
	placed, err := s.Orders.GetOrder(context.Background(), callerOf(w.manager, auth.KindProcurementBody), id)
	testenv.Must(t, err)
	orderNumber := placed.Number
	for _, width := range []int64{1366, 360} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.visit("/manager/agreements")
		b.submit(`a[href="/manager/orders"]`, `^/manager/orders`)
		b.wantText(orderNumber)
		b.checkAt(width, "manager orders")
	}
	b.visit("/manager/orders?agreement_id=" + w.agreement.ID + "&status=pending_approval")
	b.wantText("Inga beställningar.")
	b.visit("/manager/orders?agreement_id=" + w.agreement.ID + "&status=delivered")
	b.wantText(orderNumber)
	csvText = eval[string](b, `fetch(document.querySelector('a[download]').href).then(r => r.text())`)
	if !strings.Contains(csvText, orderNumber) || strings.Count(strings.TrimSpace(csvText), "\n") != 1 {
		t.Errorf("orders CSV with the page's filter: %.500s", csvText)
	}
}

// TestPriceIncreaseApprovedByManager: a supplier raises a price beyond the clause, sees it
// wait, and a manager approves it.
func TestPriceIncreaseApprovedByManager(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "price")
	b.login(w.seller)
	b.visit("/supplier/catalog?agreement=" + w.agreement.ID)
	b.wantText("Kompresser 10 × 10 cm")
	b.check("supplier catalogue")
	b.fill("#price-"+w.compress.ID, "1 500,00")
	b.fill("#reason-"+w.compress.ID, "Höjda råvarupriser")
	b.submit(`form[action="/supplier/items/`+w.compress.ID+`/price"] button`, `^/supplier/catalog`)
	b.wantText("väntar på avtalsförvaltarens beslut")
	b.wantText("höjningen är större än klausulen tillåter")
	b.check("price pending")
	// A decrease applies at once.
	b.fill("#price-"+w.gloveVinyl.ID, "55")
	b.submit(`form[action="/supplier/items/`+w.gloveVinyl.ID+`/price"] button`, `^/supplier/catalog`)
	b.wantText("Det nya priset gäller")
	b.logout()

	b.login(w.manager)
	b.visit("/manager/agreements")
	b.wantText(w.agreement.Reference)
	b.check("agreements")
	b.visit("/manager/agreements/" + w.agreement.ID)
	b.wantText("Rangordning")
	b.wantText("Prisändringar som väntar (1)")
	b.check("agreement")
	b.visit("/manager/price-changes")
	b.wantText("Kompresser 10 × 10 cm")
	b.wantText("1\u00a0500,00\u00a0kr")
	b.check("pending price changes")
	b.submit(`form[action^="/manager/price-changes/"] button[type=submit]:not([formaction])`, `^/manager/price-changes`)
	b.wantText("Prisändringen är godkänd.")
	b.wantText("Inga prisändringar väntar.")
	b.logout()

	b.login(w.seller)
	b.visit("/supplier/catalog?agreement=" + w.agreement.ID)
	b.wantText("Godkänd")
	b.check("price approved")
}

// TestAdminPagesInBrowser checks the admin pages and a tablet-sized catalogue for axe.
func TestAdminAndTabletPages(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "admin")
	b.login(w.admin)
	b.visit("/admin/organizations?q=" + url.QueryEscape(w.supplier.OrgNumber))
	b.wantText("Vårdgrossisten AB")
	b.check("organisations")
	b.fill("#name", "Sunne kommun")
	b.fill("#org_number", testenv.OrgNumber())
	b.submit(`form[method="post"][action="/admin/organizations"] button`, `^/admin/organizations`)
	b.wantText("Organisationen är skapad.")
	b.visit("/admin/organizations/" + w.buyer.ID)
	b.check("organisation")
	b.visit("/admin/users?q=" + url.QueryEscape(w.orderer.Email))
	b.check("users")
	active := `form[action="/admin/users/` + w.orderer.ID + `/active"] button`
	b.submit(active, `^/admin/users`)
	b.wantText("Användaren är inaktiverad")
	b.submit(active, `^/admin/users`)
	b.wantText("Användaren är aktiv igen.")
	b.logout()
	b.check("login")
	// Keyboard: the first Tab reaches the skip link, which leads to the main content.
	b.do(chromedp.KeyEvent("\t"))
	if got := eval[string](b, `document.activeElement.className`); got != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}
	b.do(chromedp.KeyEvent("\r"))
	b.waitFor(`location.hash === "#main"`)

	b.do(chromedp.EmulateViewport(820, 1180))
	b.login(w.orderer)
	b.visit("/catalog?q=handskar&eco=1")
	b.wantText("Nitrilhandskar")
	b.check("tablet catalogue")
	b.visit("/login?expired=1")
}
