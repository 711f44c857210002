package peppol

import (
	"bufio"
	_ "embed" // the rules checker's Java source
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

//go:embed billingrules/BillingRules.java
var billingRulesJava []byte

// SaxonJar is Saxon-HE as Debian's libsaxonhe-java installs it.
const SaxonJar = "/usr/share/java/Saxon-HE.jar"

// RuleFailure is one fatal assertion a document breaks: the rule's id (BR-CO-15,
// PEPPOL-EN16931-R003, or UBL-XSD for the UBL 2.1 schema) and its text.
type RuleFailure struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// BillingRules checks PEPPOL BIS Billing 3 documents against the UBL 2.1 schema and the
// official EN 16931 (CEN-EN16931-UBL.sch) and PEPPOL BIS Billing 3 (PEPPOL-EN16931-UBL.sch)
// schematron. One JVM runs for the life of the process (billingrules/BillingRules.java, started
// with the JDK's single-file launcher and Saxon-HE): the rules are compiled once at its start,
// which takes seconds, and a document then takes milliseconds. Documents are checked one at a
// time; a JVM that dies is started again on the next document.
type BillingRules struct {
	mu     sync.Mutex
	args   []string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	dir    string
}

// NewBillingRules prepares the checker for the PEPPOL reference files in dir (the layout of
// ../shared/peppol: ubl-2.1/xsd/maindoc, rules/billing, rules/schxslt) and starts its JVM in
// the background. It fails when java, Saxon-HE or the files are missing.
func NewBillingRules(dir string) (*BillingRules, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("billing rules need java: %w", err)
	}
	files := []string{
		filepath.Join(dir, "ubl-2.1", "xsd", "maindoc", "UBL-Invoice-2.1.xsd"),
		filepath.Join(dir, "ubl-2.1", "xsd", "maindoc", "UBL-CreditNote-2.1.xsd"),
		filepath.Join(dir, "rules", "schxslt", "xslt", "2.0", "pipeline-for-svrl.xsl"),
		filepath.Join(dir, "rules", "billing", "CEN-EN16931-UBL.sch"),
		filepath.Join(dir, "rules", "billing", "PEPPOL-EN16931-UBL.sch"),
	}
	for _, f := range append([]string{SaxonJar}, files...) {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("billing rules: %w", err)
		}
	}
	tmp, err := os.MkdirTemp("", "avrop-billing-rules-")
	if err != nil {
		return nil, err
	}
	src := filepath.Join(tmp, "BillingRules.java")
	if err := os.WriteFile(src, billingRulesJava, 0o600); err != nil {
		return nil, err
	}
	r := &BillingRules{dir: tmp, args: append([]string{java, "-Xss8m", "-cp", SaxonJar, src}, files...)}
	r.mu.Lock()
	go func() {
		defer r.mu.Unlock()
		r.start() //nolint:errcheck // a failed start is reported by the first Check
	}()
	return r, nil
}

// start runs the JVM and waits for its "ready"; the caller holds mu.
func (r *BillingRules) start() error {
	cmd := exec.Command(r.args[0], r.args[1:]...)
	// Saxon's compile warnings about SchXslt's own stylesheets are noise; a real failure shows
	// as a checker that never says "ready".
	cmd.Stderr = nil
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("billing rules: start java: %w", err)
	}
	r.cmd, r.stdin, r.stdout = cmd, stdin, bufio.NewReaderSize(stdout, 64<<10)
	line, err := r.stdout.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		r.stop()
		return fmt.Errorf("billing rules: the checker did not start (%q): %v", strings.TrimSpace(line), err)
	}
	return nil
}

func (r *BillingRules) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.stdin.Close()
		r.cmd.Process.Kill() //nolint:errcheck
		r.cmd.Wait()         //nolint:errcheck
	}
	r.cmd = nil
}

// Check returns the fatal rules doc breaks (none: it is valid). An error means the checker
// could not run, never that the document is bad.
func (r *BillingRules) Check(doc []byte) ([]RuleFailure, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if r.cmd == nil {
			if err := r.start(); err != nil {
				return nil, err
			}
		}
		failures, err := r.check(doc)
		if err == nil {
			return failures, nil
		}
		r.stop()
		if attempt == 1 {
			return nil, err
		}
	}
}

func (r *BillingRules) check(doc []byte) ([]RuleFailure, error) {
	if _, err := io.WriteString(r.stdin, strconv.Itoa(len(doc))+"\n"); err != nil {
		return nil, err
	}
	if _, err := r.stdin.Write(doc); err != nil {
		return nil, err
	}
	var out []RuleFailure
	for {
		line, err := r.stdout.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("billing rules: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "." {
			return out, nil
		}
		id, msg, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, errors.New("billing rules: unexpected answer " + truncate(line, 100))
		}
		out = append(out, RuleFailure{ID: id, Message: msg})
	}
}

// Close stops the JVM and removes its temporary files.
func (r *BillingRules) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop()
	os.RemoveAll(r.dir) //nolint:errcheck
}
