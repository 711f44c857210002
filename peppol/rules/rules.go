// Package rules checks PEPPOL documents against the UBL 2.1 schema and the official business
// rules (ISO Schematron): the EN 16931 and PEPPOL BIS Billing 3 rules that invoice intake
// applies, and the post-award PEPPOLBIS-T01 (Order) and T76 (Order Response) rules the tests
// hold Avrop's own documents to. It is the one runner of them all.
//
// The reference files are part of the package (files/, embedded): the OASIS UBL 2.1 schemas
// (Order, OrderResponse, Invoice, CreditNote and their common modules), the billing rules
// release 2025-Q2, the post-award rules release 2025.5 and the SchXslt 1.9.5 engine. They are
// written to a temporary directory when a Checker starts, so neither the product nor the
// tests depend on where the repository or any shared folder is.
//
// A Checker is one JVM for the life of the process (Rules.java, run by the JDK's single-file
// launcher with Debian's Saxon-HE): the schematron is compiled once and kept compiled in the
// temporary directory's cache, and documents are checked in parallel on one thread per core.
package rules

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

//go:embed Rules.java files
var embedded embed.FS

// SaxonJar is Saxon-HE as Debian's libsaxonhe-java installs it.
const SaxonJar = "/usr/share/java/Saxon-HE.jar"

// Set names a group of rules a document is checked against.
type Set string

// The rule sets.
const (
	// Billing is a PEPPOL BIS Billing 3 Invoice or Credit Note: the UBL 2.1 schema, EN 16931
	// (CEN-EN16931-UBL.sch) and PEPPOL BIS Billing 3 (PEPPOL-EN16931-UBL.sch).
	Billing Set = "billing"
	// T01 is a PEPPOL BIS Order (schematron only; ValidateUBL-style schema checks are separate).
	T01 Set = "T01"
	// T76 is a PEPPOL BIS Order Response (schematron only).
	T76 Set = "T76"
)

// sets lists each set's schemas (under files/ubl-2.1/xsd/maindoc) and schematron files.
var sets = map[Set]struct{ xsd, sch []string }{
	Billing: {xsd: []string{"UBL-Invoice-2.1.xsd", "UBL-CreditNote-2.1.xsd"},
		sch: []string{"billing/CEN-EN16931-UBL.sch", "billing/PEPPOL-EN16931-UBL.sch"}},
	T01: {sch: []string{"PEPPOLBIS-T01.sch"}},
	T76: {sch: []string{"PEPPOLBIS-T76.sch"}},
}

// Failure is one fatal assertion a document breaks: the rule's id (BR-CO-15,
// PEPPOL-EN16931-R003, PEPPOL-T01-R003, or UBL-XSD for the UBL 2.1 schema) and its text.
type Failure struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Checker runs the rules of some sets in one JVM. Check may be called from many goroutines:
// requests are numbered and the JVM answers each when its thread is done. A JVM that dies
// fails the checks in flight and is started again by the next Check.
type Checker struct {
	args []string
	dir  string
	sets map[Set]bool

	mu      sync.Mutex // guards the fields below and writes to stdin
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	next    int
	pending map[string]chan answer
	ready   chan struct{} // closed when the JVM in cmd has said "ready" (or failed to); nil: none
	startE  error
	closed  bool
}

type answer struct {
	failures []Failure
	err      error
}

// Available reports why the rules cannot run here (nil: java and Saxon-HE are installed).
func Available() error {
	if _, err := exec.LookPath("java"); err != nil {
		return fmt.Errorf("the PEPPOL rules need java: %w", err)
	}
	if _, err := os.Stat(SaxonJar); err != nil {
		return fmt.Errorf("the PEPPOL rules need Saxon-HE (Debian's libsaxonhe-java): %w", err)
	}
	return nil
}

// Start writes the reference files to a temporary directory and prepares the checker of the
// given sets. The JVM starts with the first Check, which waits for it (compiling the
// schematron takes seconds the first time, then comes from the cache), so a process that
// never checks a document never runs one. threads ≤ 0 means one per core.
func Start(threads int, which ...Set) (*Checker, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	java, _ := exec.LookPath("java")
	dir, err := os.MkdirTemp("", "avrop-rules-")
	if err != nil {
		return nil, err
	}
	if err := extract(dir); err != nil {
		os.RemoveAll(dir) //nolint:errcheck
		return nil, err
	}
	cache := filepath.Join(os.TempDir(), "avrop-rules-cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return nil, err
	}
	files := filepath.Join(dir, "files")
	pipeline := filepath.Join(files, "schxslt", "xslt", "2.0", "pipeline-for-svrl.xsl")
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	args := []string{java, "-Xss16m", "-cp", SaxonJar, filepath.Join(dir, "Rules.java"), cache, pipeline, strconv.Itoa(threads)}
	for _, s := range which {
		def, ok := sets[s]
		if !ok {
			return nil, fmt.Errorf("rules: unknown set %q", s)
		}
		var xsds, schs []string
		for _, x := range def.xsd {
			xsds = append(xsds, filepath.Join(files, "ubl-2.1", "xsd", "maindoc", x))
		}
		for _, f := range def.sch {
			src, err := fs.ReadFile(embedded, "files/"+f)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(src)
			// The compiled file's name changes with the rules and with how they are compiled
			// (compact SVRL), so a stale compile is never used.
			schs = append(schs, filepath.Join(files, f)+"="+strings.TrimSuffix(filepath.Base(f), ".sch")+"-"+hex.EncodeToString(sum[:8])+"-compact.xsl")
		}
		args = append(args, string(s), strings.Join(xsds, ","), strings.Join(schs, ","))
	}
	c := &Checker{args: args, dir: dir, sets: map[Set]bool{}, pending: map[string]chan answer{}}
	for _, s := range which {
		c.sets[s] = true
	}
	return c, nil
}

// extract writes the embedded files to dir.
func extract(dir string) error {
	return fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// launch starts the JVM and a goroutine that reads its answers; the caller holds mu.
func (c *Checker) launch() {
	ready := make(chan struct{})
	c.ready, c.startE = ready, nil
	cmd := exec.Command(c.args[0], c.args[1:]...)
	// Saxon's compile warnings about SchXslt's own stylesheets are noise; a real failure shows
	// as a checker that never says "ready".
	cmd.Stderr = nil
	stdin, err1 := cmd.StdinPipe()
	stdout, err2 := cmd.StdoutPipe()
	if err := errors.Join(err1, err2); err != nil {
		c.startE, c.cmd = err, nil
		close(ready)
		return
	}
	if err := cmd.Start(); err != nil {
		c.startE, c.cmd = fmt.Errorf("rules: start java: %w", err), nil
		close(ready)
		return
	}
	c.cmd, c.stdin = cmd, stdin
	go c.read(cmd, bufio.NewReaderSize(stdout, 64<<10), ready)
}

// read waits for "ready", then hands each answer to its request until the JVM ends.
func (c *Checker) read(cmd *exec.Cmd, r *bufio.Reader, ready chan struct{}) {
	line, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		startErr := fmt.Errorf("rules: the checker did not start (%q): %v", strings.TrimSpace(line), err)
		c.mu.Lock()
		c.startE = startErr
		c.mu.Unlock()
		c.died(cmd, startErr)
		close(ready)
		return
	}
	close(ready)
	got := map[string][]Failure{}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			c.died(cmd, fmt.Errorf("rules: the checker ended: %w", err))
			return
		}
		parts := strings.SplitN(strings.TrimRight(line, "\r\n"), "\t", 3)
		id := parts[0]
		if len(parts) == 2 && parts[1] == "." {
			c.mu.Lock()
			ch := c.pending[id]
			delete(c.pending, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- answer{failures: got[id]}
			}
			delete(got, id)
			continue
		}
		if len(parts) != 3 {
			c.died(cmd, errors.New("rules: unexpected answer "+truncate(line, 100)))
			return
		}
		got[id] = append(got[id], Failure{ID: parts[1], Message: parts[2]})
	}
}

// died fails every check in flight on cmd and forgets cmd, so the next Check starts anew.
func (c *Checker) died(cmd *exec.Cmd, err error) {
	cmd.Process.Kill() //nolint:errcheck
	cmd.Wait()         //nolint:errcheck
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == cmd || c.closed {
		if c.cmd == cmd {
			c.cmd, c.ready = nil, nil
		}
		for id, ch := range c.pending {
			ch <- answer{err: err}
			delete(c.pending, id)
		}
	}
}

// Check returns the fatal rules of set that doc breaks (none: it is valid). An error means
// the checker could not run, never that the document is bad.
func (c *Checker) Check(set Set, doc []byte) ([]Failure, error) {
	if !c.sets[set] {
		return nil, fmt.Errorf("rules: this checker was not started with the %q rules", set)
	}
	for attempt := 0; ; attempt++ {
		a := c.send(set, doc)
		if a.err == nil || attempt == 1 {
			return a.failures, a.err
		}
	}
}

func (c *Checker) send(set Set, doc []byte) answer {
	c.mu.Lock()
	if c.ready == nil && !c.closed {
		c.launch() // no JVM running or starting: the last one died or never started
	}
	ready := c.ready
	c.mu.Unlock()
	if ready == nil {
		return answer{err: errors.New("rules: the checker is closed")}
	}
	<-ready
	c.mu.Lock()
	if c.cmd == nil {
		err := c.startE
		if err == nil {
			err = errors.New("rules: the checker is not running")
		}
		c.ready = nil
		c.mu.Unlock()
		return answer{err: err}
	}
	c.next++
	id := strconv.Itoa(c.next)
	ch := make(chan answer, 1)
	c.pending[id] = ch
	_, err := io.WriteString(c.stdin, id+" "+string(set)+" "+strconv.Itoa(len(doc))+"\n")
	if err == nil {
		_, err = c.stdin.Write(doc)
	}
	c.mu.Unlock()
	if err != nil {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return answer{err: fmt.Errorf("rules: %w", err)}
	}
	return <-ch
}

// Close stops the JVM and removes the temporary files.
func (c *Checker) Close() {
	c.mu.Lock()
	cmd := c.cmd
	c.cmd, c.closed = nil, true
	if c.stdin != nil {
		c.stdin.Close() //nolint:errcheck
	}
	c.mu.Unlock()
	if cmd != nil {
		// Killed only: the JVM's read goroutine sees its output end and is the one caller of
		// Wait (two concurrent Waits on one Cmd race), and fails the checks still in flight.
		cmd.Process.Kill() //nolint:errcheck
	}
	os.RemoveAll(c.dir) //nolint:errcheck
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
