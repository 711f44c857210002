package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// ValidateUBL validates doc with xmllint against the UBL 2.1 main-document schema named
// (e.g. "UBL-Order-2.1.xsd"). The OASIS schemas are the ones peppol/rules holds in the
// repository, so validation does not depend on where the repository is checked out.
// Without xmllint (Debian's libxml2-utils; `make test-deps` installs it) the test skips
// locally and fails when CI=true.
func ValidateUBL(tb testing.TB, doc []byte, schemaName string) {
	tb.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		unavailable(tb, err)
		return
	}
	_, self, _, _ := runtime.Caller(0)
	schema := filepath.Join(filepath.Dir(self), "..", "..", "peppol", "rules", "files", "ubl-2.1", "xsd", "maindoc", schemaName)
	if _, err := os.Stat(schema); err != nil {
		tb.Fatalf("UBL schema: %v", err)
	}
	f := filepath.Join(tb.TempDir(), "doc.xml")
	Must(tb, os.WriteFile(f, doc, 0o600))
	if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", schema, f).CombinedOutput(); err != nil {
		tb.Fatalf("document does not validate against %s: %v\n%s\n%s", schemaName, err, out, doc)
	}
}
