package orders_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/peppol"
)

// PEPPOL BIS Order 3 documents are checked twice: against the UBL 2.1 schema with xmllint
// (element names, order and data types), and here in Go against the PEPPOL BIS Order rules
// that a schema cannot express (PEPPOL-T01-R0xx: totals, single currency, two decimals,
// no empty elements, call-off order type, profile).

const peppolUBLNS = "urn:oasis:names:specification:ubl:schema:xsd:"

func TestPeppolOrderDocument(t *testing.T) {
	w := newWorld(t, agreementOpts{threshold: 1_000_000})
	ctx := context.Background()
	buyerName := `Bröd & Smör <Kommun> "Väst"`
	supplierName := "Vård & Omsorg AB <leverantör>"
	itemName := "Handskar & förkläden <nitril> ]]>"
	exec(t, w.db, `UPDATE organizations SET name = $2, org_number = $3 WHERE id = $1`, w.Buyer.ID, buyerName, testenv.OrgNumber())
	exec(t, w.db, `UPDATE organizations SET name = $2 WHERE id = $1`, w.Sup1.ID, supplierName)
	exec(t, w.db, `UPDATE items SET name = $2, gtin = '4006381333931' WHERE id = $1`, w.Items1[0], itemName)
	var agreementRef, buyerOrgNumber string
	testenv.Must(t, w.db.GetContext(ctx, &agreementRef, `SELECT reference FROM agreements WHERE id = $1`, w.Agr))
	testenv.Must(t, w.db.GetContext(ctx, &buyerOrgNumber, `SELECT org_number FROM organizations WHERE id = $1`, w.Buyer.ID))

	in := w.input(3)
	in.Note = "Leverans via <baksidan> & ring först"
	in.DeliveryAddress = "Hemtjänst Norr & Syd, Storgatan 1, Karlstad"
	in.RequestedDeliveryDate = time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	o := w.place(w.Orderer, in)

	doc, err := w.svc.PeppolOrder(ctx, w.Orderer, o.ID)
	testenv.Must(t, err)
	if doc.OrderNumber != o.Number {
		t.Errorf("order number = %q, want %q", doc.OrderNumber, o.Number)
	}
	testenv.ValidateUBL(t, doc.XML, "UBL-Order-2.1.xsd")
	testenv.ValidatePeppolRules(t, "T01", map[string][]byte{"order from the database": doc.XML})
	root := parsePeppolXML(t, doc.XML)
	checkPeppolRules(t, root)

	text := func(path ...string) string { t.Helper(); return root.text(t, path...) }
	tests := []struct{ name, got, want string }{
		{"ID is the order number", text("ID"), o.Number},
		{"IssueDate", text("IssueDate"), o.CreatedAt.UTC().Format(time.DateOnly)},
		{"Note", text("Note"), in.Note},
		{"DocumentCurrencyCode", text("DocumentCurrencyCode"), "SEK"},
		{"AccountingCost is the cost centre", text("AccountingCost"), "4410"},
		{"Contract ID is the agreement reference", text("Contract", "ID"), agreementRef},
		{"buyer endpoint is the org number without dash", text("BuyerCustomerParty", "Party", "EndpointID"), strings.ReplaceAll(buyerOrgNumber, "-", "")},
		{"buyer endpoint scheme", root.attr(t, "schemeID", "BuyerCustomerParty", "Party", "EndpointID"), "0007"},
		{"buyer name", text("BuyerCustomerParty", "Party", "PartyName", "Name"), buyerName},
		{"buyer legal name", text("BuyerCustomerParty", "Party", "PartyLegalEntity", "RegistrationName"), buyerName},
		{"buyer legal id", text("BuyerCustomerParty", "Party", "PartyLegalEntity", "CompanyID"), strings.ReplaceAll(buyerOrgNumber, "-", "")},
		{"buyer legal id scheme", root.attr(t, "schemeID", "BuyerCustomerParty", "Party", "PartyLegalEntity", "CompanyID"), "0007"},
		{"buyer country", text("BuyerCustomerParty", "Party", "PostalAddress", "Country", "IdentificationCode"), "SE"},
		{"supplier name", text("SellerSupplierParty", "Party", "PartyName", "Name"), supplierName},
		{"supplier endpoint scheme", root.attr(t, "schemeID", "SellerSupplierParty", "Party", "EndpointID"), "0007"},
		{"originator is the orderer", text("OriginatorCustomerParty", "Party", "PartyIdentification", "ID"), w.Orderer.UserID},
		{"originator name", text("OriginatorCustomerParty", "Party", "PartyName", "Name"), o.OrderedByName},
		{"delivery address", text("Delivery", "DeliveryLocation", "Address", "AddressLine", "Line"), in.DeliveryAddress},
		{"requested delivery", text("Delivery", "RequestedDeliveryPeriod", "EndDate"), in.RequestedDeliveryDate},
		{"line extension total", text("AnticipatedMonetaryTotal", "LineExtensionAmount"), "1800.00"}, // 3 × (100 + 200 + 300)
		{"VAT", text("TaxTotal", "TaxAmount"), "201.00"},                                             // 75 + 72 + 54
		{"payable", text("AnticipatedMonetaryTotal", "PayableAmount"), "2001.00"},
		{"first item name", text("OrderLine", "LineItem", "Item", "Name"), itemName},
		{"first item sku", text("OrderLine", "LineItem", "Item", "SellersItemIdentification", "ID"), o.Lines[0].SKU},
		{"first item GTIN", text("OrderLine", "LineItem", "Item", "StandardItemIdentification", "ID"), "4006381333931"},
		{"first item CPV", text("OrderLine", "LineItem", "Item", "CommodityClassification", "ItemClassificationCode"), "33190000"},
		{"first line quantity", text("OrderLine", "LineItem", "Quantity"), "3"},
		{"first line unit", root.attr(t, "unitCode", "OrderLine", "LineItem", "Quantity"), "EA"},
		{"first line price", text("OrderLine", "LineItem", "Price", "PriceAmount"), "100.00"},
		{"first line VAT category", text("OrderLine", "LineItem", "Item", "ClassifiedTaxCategory", "ID"), "S"},
		{"first line VAT percent", text("OrderLine", "LineItem", "Item", "ClassifiedTaxCategory", "Percent"), "25"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	lines := root.all("OrderLine")
	if len(lines) != len(o.Lines) {
		t.Fatalf("order lines = %d, want %d", len(lines), len(o.Lines))
	}
	for i, l := range lines {
		if got := l.text(t, "LineItem", "Item", "ClassifiedTaxCategory", "Percent"); got != []string{"25", "12", "6"}[i] {
			t.Errorf("line %d VAT percent = %q", i+1, got)
		}
	}
	// The raw text escapes what must be escaped: no bare ampersand or angle bracket in content.
	if bytes.Contains(doc.XML, []byte("& ")) || bytes.Contains(doc.XML, []byte("<Kommun>")) || bytes.Contains(doc.XML, []byte("<nitril>")) {
		t.Errorf("unescaped text in document:\n%s", doc.XML)
	}
}

func TestPeppolOrderScope(t *testing.T) {
	w := newWorld(t, agreementOpts{}) // threshold 0: every order waits for approval
	ctx := context.Background()
	pending := w.place(w.Orderer, w.input(1))
	approved := w.place(w.Orderer, w.input(1))
	_, err := w.svc.Move(ctx, w.Approver, approved.ID, orders.ActionApprove, "")
	testenv.Must(t, err)
	rejected := w.place(w.Orderer, w.input(1))
	_, err = w.svc.Move(ctx, w.Approver, rejected.ID, orders.ActionReject, "för dyr")
	testenv.Must(t, err)

	otherBody := w.org(auth.KindProcurementBody, 0)
	otherManager := w.user(otherBody, auth.RoleManager)
	admin := w.user(w.org(auth.KindPlatform, 0), auth.RoleAdmin)
	tests := []struct {
		name   string
		caller auth.Caller
		order  string
		ok     bool
		want   derr.Kind // the error's kind when not ok
	}{
		{"orderer of the buyer", w.Orderer, approved.ID, true, 0},
		{"another orderer of the buyer", w.Orderer2, approved.ID, true, 0},
		{"approver of the buyer", w.Approver, approved.ID, true, 0},
		{"manager of the agreement", w.Manager, approved.ID, true, 0},
		{"not yet approved: not exportable", w.Orderer, pending.ID, false, derr.Conflict},
		{"rejected: not exportable", w.Approver, rejected.ID, false, derr.Conflict},
		{"supplier after approval", w.Sup1C, approved.ID, true, 0},
		{"supplier before approval", w.Sup1C, pending.ID, false, derr.NotFound},
		{"another supplier", w.Sup2C, approved.ID, false, derr.NotFound},
		{"another buyer organisation", w.OtherC, approved.ID, false, derr.NotFound},
		{"manager of another body", otherManager, approved.ID, false, derr.NotFound},
		{"admin", admin, approved.ID, false, derr.Forbidden},
		{"unknown order", w.Orderer, "7b0e5d2c-3f4a-4b7e-9c1d-2a3b4c5d6e7f", false, derr.NotFound},
		{"not a UUID", w.Orderer, "not-a-uuid", false, derr.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := w.svc.PeppolOrder(ctx, tc.caller, tc.order)
			if !tc.ok {
				if derr.KindOf(err) != tc.want {
					t.Fatalf("err = %v, want kind %v", err, tc.want)
				}
				if tc.want == derr.Conflict && derr.CodeOf(err) != orders.CodeOrderNotExportable {
					t.Fatalf("err = %v, want code order_not_exportable", err)
				}
				return
			}
			testenv.Must(t, err)
			if !bytes.Contains(doc.XML, []byte("<cbc:OrderTypeCode>226</cbc:OrderTypeCode>")) {
				t.Errorf("document lacks the call-off order type:\n%s", doc.XML)
			}
		})
	}
}

// TestPeppolBuildOrder renders orders built in memory: amounts from integers, VAT rates,
// organisation numbers of several countries, optional elements left out, and text that needs
// escaping. Each document must pass the schema and the PEPPOL rules.
func TestPeppolBuildOrder(t *testing.T) {
	date := "2026-12-10"
	base := func() orders.Order {
		return orders.Order{
			ID: "7b0e5d2c-3f4a-4b7e-9c1d-2a3b4c5d6e7f", Number: "KAR-2026-000042", BuyerOrgName: "Karlstads kommun",
			OrderedBy: "1c9e4b6a-0d2f-4e8a-b7c3-5f6a7b8c9d0e", OrderedByName: "Anna Andersson",
			AgreementReference: "RA-2023-014", SupplierName: "Evondos AB", Currency: "SEK",
			DeliveryAddress: "Hemtjänst Norr, Storgatan 1, Karlstad", CostCenter: "4410", RequestedDeliveryDate: &date,
			CreatedAt: time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC),
			Lines: []orders.Line{{LineNo: 1, SKU: "EVO-200", Name: "Läkemedelsautomat", Unit: "EA", Quantity: 3,
				UnitPriceMinor: 2490000, VATRateBP: 2500, LineTotalMinor: 7470000, LineVATMinor: 1867500}},
			TotalMinor: 7470000, VATMinor: 1867500,
		}
	}
	parties := orders.PeppolParties{BuyerOrgNumber: "212000-1876", BuyerCountry: "SE", SupplierOrgNumber: "556000-0001",
		SupplierCountry: "SE", OrdererEmail: "anna@karlstad.se"}

	tests := []struct {
		name    string
		change  func(o *orders.Order, p *orders.PeppolParties)
		checks  map[string]string // path (joined with /) → want; "" wants the element absent; "@attr" suffix reads an attribute
		snippet string            // raw text the document must hold
	}{
		{name: "typical order", checks: map[string]string{
			"AnticipatedMonetaryTotal/LineExtensionAmount":         "74700.00",
			"AnticipatedMonetaryTotal/TaxInclusiveAmount":          "93375.00",
			"OrderLine/LineItem/Price/PriceAmount":                 "24900.00",
			"BuyerCustomerParty/Party/EndpointID":                  "2120001876",
			"IssueDate":                                            "2026-11-24",
			"OriginatorCustomerParty/Party/Contact/ElectronicMail": "anna@karlstad.se",
		}},
		{name: "öre amounts keep two decimals", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.Lines = []orders.Line{
				{LineNo: 1, SKU: "A", Name: "A", Unit: "XPK", Quantity: 1, UnitPriceMinor: 5, VATRateBP: 1200, LineTotalMinor: 5, LineVATMinor: 1},
				{LineNo: 2, SKU: "B", Name: "B", Unit: "XBX", Quantity: 7, UnitPriceMinor: 1_234_567_891, VATRateBP: 600, LineTotalMinor: 8_641_975_237, LineVATMinor: 518_518_514},
			}
			o.TotalMinor, o.VATMinor = 8_641_975_242, 518_518_515
		}, checks: map[string]string{
			"AnticipatedMonetaryTotal/LineExtensionAmount": "86419752.42",
			"TaxTotal/TaxAmount":                           "5185185.15",
			"AnticipatedMonetaryTotal/PayableAmount":       "91604937.57",
			"OrderLine/LineItem/Price/PriceAmount":         "0.05",
			"OrderLine/LineItem/Quantity@unitCode":         "XPK",
		}},
		{name: "zero VAT is zero rated", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.Lines[0].VATRateBP, o.Lines[0].LineVATMinor, o.VATMinor = 0, 0, 0
		}, checks: map[string]string{
			"OrderLine/LineItem/Item/ClassifiedTaxCategory/ID":      "Z",
			"OrderLine/LineItem/Item/ClassifiedTaxCategory/Percent": "0",
			"TaxTotal/TaxAmount": "0.00",
		}},
		{name: "fractional VAT rate", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.Lines[0].VATRateBP = 1250
			o.Lines[0].LineVATMinor, o.VATMinor = 933750, 933750
		}, checks: map[string]string{"OrderLine/LineItem/Item/ClassifiedTaxCategory/Percent": "12.5"}},
		{name: "optional elements left out", change: func(o *orders.Order, p *orders.PeppolParties) {
			o.Note, o.CostCenter, o.RequestedDeliveryDate = "", "", nil
			p.OrdererEmail = ""
		}, checks: map[string]string{
			"Note": "", "AccountingCost": "", "Delivery/RequestedDeliveryPeriod": "",
			"OriginatorCustomerParty/Party/Contact/ElectronicMail": "",
			"Delivery/DeliveryLocation/Address/AddressLine/Line":   "Hemtjänst Norr, Storgatan 1, Karlstad",
		}},
		{name: "Swedish number with century prefix", change: func(_ *orders.Order, p *orders.PeppolParties) {
			p.BuyerOrgNumber = "16212000-1876"
		}, checks: map[string]string{"BuyerCustomerParty/Party/EndpointID": "2120001876"}},
		{name: "Norwegian supplier", change: func(_ *orders.Order, p *orders.PeppolParties) {
			p.SupplierOrgNumber, p.SupplierCountry = "987 654 325", "NO"
		}, checks: map[string]string{
			"SellerSupplierParty/Party/EndpointID":                               "987654325",
			"SellerSupplierParty/Party/EndpointID@schemeID":                      "0192",
			"SellerSupplierParty/Party/PostalAddress/Country/IdentificationCode": "NO",
		}},
		{name: "Danish supplier, Norwegian buyer", change: func(_ *orders.Order, p *orders.PeppolParties) {
			p.SupplierOrgNumber, p.SupplierCountry = "24 25 67 90", "DK"
			p.BuyerOrgNumber, p.BuyerCountry = "974760673", "NO"
		}, checks: map[string]string{
			"SellerSupplierParty/Party/EndpointID":                          "24256790",
			"SellerSupplierParty/Party/EndpointID@schemeID":                 "0184",
			"SellerSupplierParty/Party/PartyLegalEntity/CompanyID@schemeID": "0184",
			"BuyerCustomerParty/Party/EndpointID@schemeID":                  "0192",
			"Delivery/DeliveryLocation/Address/Country/IdentificationCode":  "NO",
		}},
		{name: "Icelandic krónur have no minor unit", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.Currency = "ISK"
		}, checks: map[string]string{
			"DocumentCurrencyCode":                            "ISK",
			"AnticipatedMonetaryTotal/LineExtensionAmount":    "7470000.00",
			"OrderLine/LineItem/Price/PriceAmount@currencyID": "ISK",
		}},
		{name: "text that needs escaping", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.BuyerOrgName = `A & B <kommun> "x" 'y'`
			o.SupplierName = "]]> & <![CDATA[ AB"
			o.Note = "rad 1\nrad 2 & <b>fet</b>"
			o.CostCenter = "44&10"
			o.AgreementReference = "RA<1>&2"
			o.Lines[0].Name = "Tvål & schampo <500 ml>"
			o.Lines[0].SKU = "S&K<U>"
			o.DeliveryAddress = "Storgatan 1 & 3, <baksidan>"
		}, checks: map[string]string{
			"BuyerCustomerParty/Party/PartyName/Name":  `A & B <kommun> "x" 'y'`,
			"SellerSupplierParty/Party/PartyName/Name": "]]> & <![CDATA[ AB",
			"Note":                         "rad 1\nrad 2 & <b>fet</b>",
			"AccountingCost":               "44&10",
			"Contract/ID":                  "RA<1>&2",
			"OrderLine/LineItem/Item/Name": "Tvål & schampo <500 ml>",
			"OrderLine/LineItem/Item/SellersItemIdentification/ID": "S&K<U>",
		}, snippet: "A &amp; B &lt;kommun&gt;"},
		{name: "control characters cannot break the document", change: func(o *orders.Order, _ *orders.PeppolParties) {
			o.Lines[0].Name = "Bad\x01name\x00"
		}},
	}
	docs := map[string][]byte{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, p := base(), parties
			if tc.change != nil {
				tc.change(&o, &p)
			}
			b, err := orders.BuildPeppolOrder(o, p)
			testenv.Must(t, err)
			docs[tc.name] = b
			testenv.ValidateUBL(t, b, "UBL-Order-2.1.xsd")
			root := parsePeppolXML(t, b)
			checkPeppolRules(t, root)
			for path, want := range tc.checks {
				el, attr, _ := strings.Cut(path, "@")
				n := root.find(strings.Split(el, "/")...)
				got := ""
				switch {
				case n == nil:
				case attr != "":
					got = n.attrs[attr]
				default:
					got = n.textContent
				}
				if got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
			if tc.snippet != "" && !bytes.Contains(b, []byte(tc.snippet)) {
				t.Errorf("document lacks %q:\n%s", tc.snippet, b)
			}
		})
	}
	t.Run("official schematron", func(t *testing.T) { testenv.ValidatePeppolRules(t, "T01", docs) })
}

// checkPeppolRules asserts the PEPPOL BIS Order 3 rules on a parsed document.
func checkPeppolRules(t *testing.T, root *peppolNode) {
	t.Helper()
	if root.space != peppolUBLNS+"Order-2" || root.local != "Order" {
		t.Fatalf("root = {%s}%s, want the UBL Order", root.space, root.local)
	}
	currency := root.text(t, "DocumentCurrencyCode")
	// R031, R034, and the call-off order type.
	if got := root.text(t, "CustomizationID"); got != peppol.OrderCustomizationID {
		t.Errorf("CustomizationID = %q", got)
	}
	if got := root.text(t, "ProfileID"); got != "urn:fdc:peppol.eu:poacc:bis:ordering:3" && got != "urn:fdc:peppol.eu:poacc:bis:order_only:3" {
		t.Errorf("ProfileID = %q", got)
	}
	if got := root.text(t, "OrderTypeCode"); got != "226" {
		t.Errorf("OrderTypeCode = %q, want 226 (call-off order)", got)
	}
	if n := root.find("Contract", "ID"); n == nil {
		t.Errorf("no cac:Contract/cbc:ID: the framework agreement is not referenced")
	}
	// R003 and R028: every amount in the document currency, at most two decimals outside Price.
	amountShape := regexp.MustCompile(`^-?\d+\.\d{1,2}$`)
	root.walk(nil, func(n *peppolNode, ancestors []*peppolNode) {
		if len(n.kids) == 0 && strings.TrimSpace(n.textContent) == "" {
			t.Errorf("empty element %s (PEPPOL forbids empty elements)", n.local)
		}
		if wantCBC := len(n.kids) == 0; (n.space == peppolUBLNS+"CommonBasicComponents-2") != wantCBC && n != root {
			t.Errorf("element %s in namespace %s: leaves are cbc, aggregates cac", n.local, n.space)
		}
		if !strings.HasSuffix(n.local, "Amount") {
			return
		}
		if got := n.attrs["currencyID"]; got != currency {
			t.Errorf("%s currencyID = %q, want %q", n.local, got, currency)
		}
		inPrice := false
		for _, a := range ancestors {
			inPrice = inPrice || a.local == "Price"
		}
		if !inPrice && !amountShape.MatchString(n.textContent) {
			t.Errorf("%s = %q: not an amount with at most two decimals", n.local, n.textContent)
		}
	})
	// R008, R011, R016, R017: the totals.
	lineExt := peppolMinor(t, root.text(t, "AnticipatedMonetaryTotal", "LineExtensionAmount"))
	taxExcl := peppolMinor(t, root.text(t, "AnticipatedMonetaryTotal", "TaxExclusiveAmount"))
	taxIncl := peppolMinor(t, root.text(t, "AnticipatedMonetaryTotal", "TaxInclusiveAmount"))
	payable := peppolMinor(t, root.text(t, "AnticipatedMonetaryTotal", "PayableAmount"))
	vat := peppolMinor(t, root.text(t, "TaxTotal", "TaxAmount"))
	var sum int64
	ids := map[string]bool{}
	for _, l := range root.all("OrderLine") {
		li := l.find("LineItem")
		if li == nil {
			t.Fatal("OrderLine without LineItem")
		}
		id := li.text(t, "ID")
		if ids[id] {
			t.Errorf("line id %s repeated (R001)", id)
		}
		ids[id] = true
		amount := peppolMinor(t, li.text(t, "LineExtensionAmount"))
		sum += amount
		q, err := strconv.ParseInt(li.text(t, "Quantity"), 10, 64)
		if err != nil || q < 0 {
			t.Errorf("line %s quantity %q (R004)", id, li.text(t, "Quantity"))
		}
		if price := peppolMinor(t, li.text(t, "Price", "PriceAmount")); q*price != amount {
			t.Errorf("line %s: %d × %d ≠ %d (R024)", id, q, price, amount)
		}
		cat, pct := li.find("Item", "ClassifiedTaxCategory", "ID"), li.find("Item", "ClassifiedTaxCategory", "Percent")
		if cat == nil || pct == nil {
			t.Errorf("line %s: tax category without a rate (R029)", id)
		} else if cat.textContent == "S" && (pct.textContent == "0" || strings.HasPrefix(pct.textContent, "-")) {
			t.Errorf("line %s: standard rated at %s %% (R030)", id, pct.textContent)
		}
		if li.find("Item", "Name") == nil {
			t.Errorf("line %s: item without a name", id)
		}
	}
	if sum != lineExt {
		t.Errorf("sum of line amounts %d ≠ LineExtensionAmount %d (R008)", sum, lineExt)
	}
	if taxExcl != lineExt {
		t.Errorf("TaxExclusiveAmount %d ≠ LineExtensionAmount %d without allowances or charges (R011)", taxExcl, lineExt)
	}
	if taxIncl != taxExcl+vat {
		t.Errorf("TaxInclusiveAmount %d ≠ TaxExclusiveAmount %d + VAT %d (R017)", taxIncl, taxExcl, vat)
	}
	if payable != taxIncl || payable < 0 {
		t.Errorf("PayableAmount %d ≠ TaxInclusiveAmount %d (R016, R006)", payable, taxIncl)
	}
	// R014: the originator has a name or an identifier.
	if o := root.find("OriginatorCustomerParty"); o != nil && o.find("Party", "PartyName", "Name") == nil && o.find("Party", "PartyIdentification", "ID") == nil {
		t.Error("originator party without name or identifier (R014)")
	}
	for _, party := range []string{"BuyerCustomerParty", "SellerSupplierParty"} {
		if root.find(party, "Party", "PartyLegalEntity", "RegistrationName") == nil {
			t.Errorf("%s without a legal registration name", party)
		}
	}
	// PEPPOL-COMMON-R030: dates are YYYY-MM-DD.
	root.walk(nil, func(n *peppolNode, _ []*peppolNode) {
		if strings.HasSuffix(n.local, "Date") {
			if _, err := time.Parse(time.DateOnly, n.textContent); err != nil {
				t.Errorf("%s = %q, not YYYY-MM-DD", n.local, n.textContent)
			}
		}
	})
}

// peppolMinor reads a decimal amount ("1234.5", "-0.05") as minor units, without floats.
func peppolMinor(t *testing.T, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) > 2 {
		t.Fatalf("amount %q has more than two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("amount %q: %v %v", s, err1, err2)
	}
	if neg {
		return -(w*100 + f)
	}
	return w*100 + f
}

// peppolNode is a parsed element, enough to check a document's content and shape.
type peppolNode struct {
	space, local string
	attrs        map[string]string
	textContent  string
	kids         []*peppolNode
}

func parsePeppolXML(t *testing.T, b []byte) *peppolNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*peppolNode
	var root *peppolNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document is not well-formed XML: %v\n%s", err, b)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &peppolNode{space: tok.Name.Space, local: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				if a.Name.Space == "" {
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].textContent += string(tok)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.kids) > 0 {
				n.textContent = ""
			}
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		t.Fatalf("empty document")
	}
	return root
}

// find follows local names from n, taking the first match at each step.
func (n *peppolNode) find(path ...string) *peppolNode {
	cur := n
	for _, name := range path {
		var next *peppolNode
		for _, k := range cur.kids {
			if k.local == name {
				next = k
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func (n *peppolNode) all(name string) []*peppolNode {
	var out []*peppolNode
	for _, k := range n.kids {
		if k.local == name {
			out = append(out, k)
		}
	}
	return out
}

func (n *peppolNode) text(t *testing.T, path ...string) string {
	t.Helper()
	f := n.find(path...)
	if f == nil {
		t.Errorf("no element %s", strings.Join(path, "/"))
		return ""
	}
	return f.textContent
}

func (n *peppolNode) attr(t *testing.T, name string, path ...string) string {
	t.Helper()
	f := n.find(path...)
	if f == nil {
		t.Errorf("no element %s", strings.Join(path, "/"))
		return ""
	}
	return f.attrs[name]
}

func (n *peppolNode) walk(ancestors []*peppolNode, fn func(n *peppolNode, ancestors []*peppolNode)) {
	fn(n, ancestors)
	for _, k := range n.kids {
		k.walk(append(ancestors[:len(ancestors):len(ancestors)], n), fn)
	}
}
