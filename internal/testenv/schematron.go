package testenv

import (
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/avrop/avrop/peppol/rules"
)

var (
	rulesOnce    sync.Once
	rulesChecker *rules.Checker
	rulesErr     error
)

// ValidatePeppolRules checks documents against the official PEPPOL BIS schematron of a
// transaction ("T01" Order, "T76" Order Response; OpenPEPPOL post-award release 2025.5) with
// the product's own runner (peppol/rules, whose files are in the repository), and fails the
// test for every failed assertion flagged fatal, naming the document and the rule. One JVM
// serves the whole test binary; the compiled rules are cached across packages and runs.
// Without Java and Saxon-HE the test skips locally and fails when CI=true.
func ValidatePeppolRules(tb testing.TB, transaction string, docs map[string][]byte) {
	tb.Helper()
	rulesOnce.Do(func() { rulesChecker, rulesErr = rules.Start(0, rules.T01, rules.T76) })
	if rulesErr != nil {
		unavailable(tb, rulesErr)
		return
	}
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		failures, err := rulesChecker.Check(rules.Set(transaction), docs[name])
		if err != nil {
			tb.Fatalf("schematron %s of %q: %v", transaction, name, err)
		}
		for _, f := range failures {
			tb.Errorf("%s: PEPPOL %s rule %s broken: %s\n%s", name, transaction, f.ID, strings.TrimSpace(f.Message), docs[name])
		}
	}
}
