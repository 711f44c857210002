package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

// saxonJar is Saxon-HE as Debian's libsaxonhe-java installs it (`make test-deps`).
const saxonJar = "/usr/share/java/Saxon-HE.jar"

var compileMu sync.Mutex

// ValidatePeppolRules checks documents against the official PEPPOL BIS schematron of a
// transaction ("T01" Order, "T76" Order Response; OpenPEPPOL post-award release 2025.5, copied
// with the SchXslt 1.9.5 engine into this package's testdata) and fails the test for every
// failed assertion flagged fatal, naming the document and the rule. All documents go through
// one Saxon run, because the JVM's start is most of the cost. The compiled rules are kept in
// the temporary directory under the rules' hash, so each package compiles them at most once.
// Without Java and Saxon-HE the test skips locally and fails when CI=true.
func ValidatePeppolRules(tb testing.TB, transaction string, docs map[string][]byte) {
	tb.Helper()
	java, err := exec.LookPath("java")
	if err == nil {
		_, err = os.Stat(saxonJar)
	}
	if err != nil {
		unavailable(tb, fmt.Errorf("schematron needs java and %s (libsaxonhe-java): %w", saxonJar, err))
		return
	}
	xsl := compiledRules(tb, java, transaction)
	in, out := filepath.Join(tb.TempDir(), "in"), filepath.Join(tb.TempDir(), "out")
	Must(tb, os.MkdirAll(in, 0o755))
	Must(tb, os.MkdirAll(out, 0o755))
	names := make([]string, 0, len(docs))
	for name, doc := range docs {
		names = append(names, name)
		Must(tb, os.WriteFile(filepath.Join(in, fileName(name)), doc, 0o600))
	}
	sort.Strings(names)
	if b, err := exec.Command(java, "-cp", saxonJar, "net.sf.saxon.Transform", "-s:"+in, "-xsl:"+xsl, "-o:"+out).CombinedOutput(); err != nil {
		tb.Fatalf("schematron %s: %v\n%s", transaction, err, b)
	}
	for _, name := range names {
		svrl, err := os.ReadFile(filepath.Join(out, fileName(name)))
		if err != nil {
			tb.Fatalf("schematron %s report of %q: %v", transaction, name, err)
		}
		for _, f := range fatalAsserts(tb, svrl) {
			tb.Errorf("%s: PEPPOL %s rule %s broken at %s: %s\n%s", name, transaction, f.ID, f.Location, strings.TrimSpace(f.Text), docs[name])
		}
	}
}

// fileName turns a document's name into a file name.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, name) + ".xml"
}

type failedAssert struct {
	ID       string `xml:"id,attr"`
	Flag     string `xml:"flag,attr"`
	Location string `xml:"location,attr"`
	Text     string `xml:"text"`
}

// fatalAsserts reads an SVRL report's failed assertions flagged fatal.
func fatalAsserts(tb testing.TB, svrl []byte) []failedAssert {
	tb.Helper()
	var report struct {
		Failed []failedAssert `xml:"failed-assert"`
	}
	if err := xml.Unmarshal(svrl, &report); err != nil {
		tb.Fatalf("SVRL report: %v", err)
	}
	var fatal []failedAssert
	for _, f := range report.Failed {
		if f.Flag == "fatal" {
			fatal = append(fatal, f)
		}
	}
	return fatal
}

// compiledRules compiles the transaction's schematron into an XSLT once per rules version.
func compiledRules(tb testing.TB, java, transaction string) string {
	tb.Helper()
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "testdata", "peppol-rules")
	sch := filepath.Join(dir, "PEPPOLBIS-"+transaction+".sch")
	src, err := os.ReadFile(sch)
	if err != nil {
		tb.Fatalf("schematron %s: %v", transaction, err)
	}
	sum := sha256.Sum256(src)
	xsl := filepath.Join(os.TempDir(), "avrop-schematron-"+transaction+"-"+hex.EncodeToString(sum[:8])+".xsl")
	compileMu.Lock()
	defer compileMu.Unlock()
	if _, err := os.Stat(xsl); err == nil {
		return xsl
	}
	tmp := fmt.Sprintf("%s.%d.tmp", xsl, os.Getpid())
	pipeline := filepath.Join(dir, "schxslt", "xslt", "2.0", "pipeline-for-svrl.xsl")
	if b, err := exec.Command(java, "-cp", saxonJar, "net.sf.saxon.Transform", "-s:"+sch, "-xsl:"+pipeline, "-o:"+tmp).CombinedOutput(); err != nil {
		tb.Fatalf("compile schematron %s: %v\n%s", transaction, err, b)
	}
	// A rename is atomic: a package compiling the same rules at once never reads half a file.
	Must(tb, os.Rename(tmp, xsl))
	return xsl
}
