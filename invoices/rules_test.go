package invoices_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/peppol/rules"
)

// A document that breaks a fatal rule of EN 16931 or PEPPOL BIS Billing 3 is stored as invalid
// with the rule ids and is not controlled; the invoices Avrop's drafts make pass every rule.
func TestReceiveCheckedAgainstRules(t *testing.T) {
	checker, err := rules.Start(0, rules.Billing)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer checker.Close()
	w := newWorld(t)
	svc := invoices.NewService(w.db, func(doc []byte) ([]invoices.RuleFailure, error) { return checker.Check(rules.Billing, doc) })
	ctx := context.Background()
	o := w.order(true, 2, 3)

	good, err := svc.Receive(ctx, w.SupC, w.draft("R-"+testenv.Unique(), o.Number, w.line(0, 2, 10000), w.line(1, 3, 5000)).Document())
	testenv.Must(t, err)
	if good.Status != invoices.StatusMatched || len(good.RuleIDs) != 0 {
		t.Errorf("a draft invoice: got %s %v %v, want matched and valid", good.Status, good.RuleIDs, good.RuleMessages)
	}
	credit := w.draft("RK-"+testenv.Unique(), "", w.line(0, 1, 10000))
	credit.CreditNote, credit.CreditedInvoice = true, good.Number
	cn, err := svc.Receive(ctx, w.SupC, credit.Document())
	testenv.Must(t, err)
	if cn.Status == invoices.StatusInvalid {
		t.Errorf("a draft credit note: got invalid %v %v", cn.RuleIDs, cn.RuleMessages)
	}

	doc := string(w.draft("R-"+testenv.Unique(), o.Number, w.line(0, 1, 10000)).Document())
	doc = strings.Replace(doc, "<cac:OrderReference>\n<cbc:ID>"+o.Number+"</cbc:ID>\n</cac:OrderReference>\n", "", 1)
	doc = strings.Replace(doc, `<cbc:TaxAmount currencyID="SEK">25.00</cbc:TaxAmount>`, `<cbc:TaxAmount currencyID="SEK">20.00</cbc:TaxAmount>`, 1)
	bad, err := svc.Receive(ctx, w.SupC, []byte(doc))
	testenv.Must(t, err)
	ids := strings.Join(bad.RuleIDs, " ")
	if bad.Status != invoices.StatusInvalid || !strings.Contains(ids, "PEPPOL-EN16931-R003") || len(bad.Findings) != 0 {
		t.Errorf("a broken invoice: got %s rules %q findings %v, want invalid with PEPPOL-EN16931-R003 and no control", bad.Status, ids, bad.Findings)
	}
}
