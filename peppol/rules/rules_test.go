package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// start starts a checker for sets; without java and Saxon-HE the test skips locally and fails
// when CI=true.
func start(t *testing.T, sets ...Set) *Checker {
	t.Helper()
	c, err := Start(0, sets...)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(c.Close)
	return c
}

func example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "billing", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ids(fs []Failure) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f.ID] = true
	}
	return m
}

// The official billing examples pass; a document without buyer or order reference and with a
// wrong amount due breaks PEPPOL-EN16931-R003 and BR-CO-16; a schema error is UBL-XSD.
func TestBillingRules(t *testing.T) {
	c := start(t, Billing)
	for _, name := range []string{"base-example.xml", "base-creditnote-correction.xml", "vat-category-Z.xml"} {
		failures, err := c.Check(Billing, example(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(failures) > 0 {
			t.Errorf("%s: got %v, want the official example valid", name, failures)
		}
	}
	doc := string(example(t, "base-example.xml"))
	broken := strings.Replace(doc, "<cbc:BuyerReference>0150abc</cbc:BuyerReference>", "", 1)
	broken = strings.Replace(broken, `<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>`, `<cbc:PayableAmount currencyID="EUR">1600.00</cbc:PayableAmount>`, 1)
	failures, err := c.Check(Billing, []byte(broken))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(failures); !got["PEPPOL-EN16931-R003"] || !got["BR-CO-16"] {
		t.Errorf("got %v, want PEPPOL-EN16931-R003 (no buyer or order reference) and BR-CO-16 (amount due)", failures)
	}
	bad := strings.Replace(doc, "<cbc:IssueDate>", "<cbc:Unknown>x</cbc:Unknown><cbc:IssueDate>", 1)
	failures, err = c.Check(Billing, []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	if !ids(failures)["UBL-XSD"] {
		t.Errorf("an element the schema does not know: got %v, want UBL-XSD", failures)
	}
}

// Many goroutines check at once through one JVM; each gets its own document's answer, and a
// JVM that dies is started again by the next check.
func TestChecksInParallelAndRestart(t *testing.T) {
	c := start(t, Billing, T01)
	good := example(t, "base-example.xml")
	bad := []byte(strings.Replace(string(good), `<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>`,
		`<cbc:PayableAmount currencyID="EUR">1600.00</cbc:PayableAmount>`, 1))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, wantBroken := good, i%2 == 1
			if wantBroken {
				doc = bad
			}
			failures, err := c.Check(Billing, doc)
			if err != nil {
				errs <- err
				return
			}
			if got := ids(failures)["BR-CO-16"]; got != wantBroken {
				errs <- fmt.Errorf("check %d: BR-CO-16 %v, want %v (%v)", i, got, wantBroken, failures)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c.mu.Lock()
	c.cmd.Process.Kill() //nolint:errcheck
	c.mu.Unlock()
	var failures []Failure
	var err error
	for range 3 { // a check in flight when the JVM dies may fail; the next one restarts it
		if failures, err = c.Check(Billing, bad); err == nil {
			break
		}
	}
	if err != nil || !ids(failures)["BR-CO-16"] {
		t.Errorf("after the JVM died: got %v %v, want BR-CO-16", failures, err)
	}
	if _, err := c.Check("T99", good); err == nil {
		t.Errorf("an unknown set: got no error")
	}
}
