package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that counts its writes, safe for the flush timer.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// Lines written at once by many goroutines all arrive, whole, in fewer writes than lines,
// without anyone flushing, within a moment.
func TestLogBufferBatchesWholeLines(t *testing.T) {
	out := &lockedBuffer{}
	lb := newLogBuffer(out)
	const writers, each = 16, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				fmt.Fprintf(lb, "{\"writer\":%d,\"line\":%d,\"pad\":%q}\n", g, i, strings.Repeat("x", i%200))
			}
		}()
	}
	wg.Wait()
	var got string
	var writes int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, writes = out.snapshot()
		if strings.Count(got, "\n") == writers*each || time.Now().After(deadline) {
			break
		}
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines arrived without a flush, want %d", len(lines), writers*each)
	}
	next := make([]int, writers)
	for _, l := range lines {
		var g, i int
		var pad string
		if _, err := fmt.Sscanf(l, "{\"writer\":%d,\"line\":%d,\"pad\":%q}", &g, &i, &pad); err != nil || pad != strings.Repeat("x", i%200) {
			t.Fatalf("line split or mixed: %q (%v)", l, err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d arrived where %d was due", g, i, next[g])
		}
		next[g]++
	}
	if writes >= writers*each/10 {
		t.Fatalf("%d lines took %d writes: not batched", writers*each, writes)
	}
}

// Flush writes what waits at once; a line larger than the buffer goes straight through.
func TestLogBufferFlushAndLargeLines(t *testing.T) {
	out := &lockedBuffer{}
	lb := newLogBuffer(out)
	fmt.Fprintln(lb, "first")
	lb.Flush()
	if got, _ := out.snapshot(); got != "first\n" {
		t.Fatalf("after Flush: %q", got)
	}
	big := strings.Repeat("y", logBufferMax) + "\n"
	fmt.Fprintln(lb, "second")
	lb.Write([]byte(big)) //nolint:errcheck
	if got, _ := out.snapshot(); got != "first\nsecond\n"+big {
		t.Fatalf("a large line did not go out at once, after the waiting one (%d bytes arrived)", len(got))
	}
}

// TestLineWriterWholeLines: lines written at once from many goroutines through lineWriter
// arrive whole (the race detector guards the rest); a logBuffer is used as it is.
func TestLineWriterWholeLines(t *testing.T) {
	var out bytes.Buffer
	w := lineWriter(&out)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintf(w, "{\"line\":%d}\n", i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("broken line %q", l)
		}
	}
	if b := newLogBuffer(io.Discard); lineWriter(b) != io.Writer(b) {
		t.Fatal("a logBuffer was wrapped")
	}
}

// blockingWriter holds every Write until release is closed, as a pipe whose reader has fallen
// behind does.
type blockingWriter struct {
	lockedBuffer
	entered chan struct{} // one value per Write begun
	release chan struct{}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.release
	return w.lockedBuffer.Write(p)
}

// While a batch's write waits on stdout (a pipe its reader has not drained), lines go on
// being logged without waiting, up to logBufferLimit, and every line arrives, whole and in
// order, once the write goes through.
func TestLogBufferWritesOutsideTheLock(t *testing.T) {
	out := &blockingWriter{entered: make(chan struct{}, 1000), release: make(chan struct{})}
	defer func() {
		select {
		case <-out.release:
		default:
			close(out.release) // let a held write end, so that the test ends
		}
	}()
	lb := newLogBuffer(out)
	line := func(i int) string { return fmt.Sprintf("{\"line\":%d,\"pad\":%q}\n", i, strings.Repeat("x", 100)) }
	// Two batches' worth of lines from a goroutine: the first batch fills and goes to stdout,
	// which holds it; the second must be logged meanwhile.
	logged := make(chan int, 1)
	go func() {
		i := 0
		for ; i*len(line(0)) < 2*logBufferMax; i++ {
			fmt.Fprint(lb, line(i))
		}
		logged <- i
	}()
	select {
	case <-out.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("a full batch was not written")
	}
	var n int
	select {
	case n = <-logged:
	case <-time.After(5 * time.Second):
		t.Fatal("logging a line waited for stdout while a batch was being written")
	}
	close(out.release)
	lb.Flush()
	got, _ := out.snapshot()
	var want strings.Builder
	for i := range n {
		want.WriteString(line(i))
	}
	if got != want.String() {
		t.Fatalf("%d bytes arrived, want the %d lines' %d bytes in order", len(got), n, want.Len())
	}
}

// Past logBufferLimit a line waits for the write under way: a reader that never drains its
// pipe bounds the memory instead of growing it.
func TestLogBufferBoundedWhileWriting(t *testing.T) {
	out := &blockingWriter{entered: make(chan struct{}, 1000), release: make(chan struct{})}
	lb := newLogBuffer(out)
	line := strings.Repeat("y", 1023) + "\n"
	written := make(chan int, 1)
	go func() {
		i := 0
		for ; i*len(line) < logBufferMax+logBufferLimit+len(line); i++ {
			fmt.Fprint(lb, line)
		}
		written <- i
	}()
	<-out.entered
	select {
	case <-written:
		t.Fatal("lines past logBufferLimit did not wait for the write under way")
	case <-time.After(200 * time.Millisecond):
	}
	lb.mu.Lock()
	held := len(lb.buf)
	lb.mu.Unlock()
	if held > logBufferLimit {
		t.Fatalf("%d bytes held while writing, want at most %d", held, logBufferLimit)
	}
	close(out.release)
	i := <-written
	lb.Flush()
	if got, _ := out.snapshot(); len(got) != i*len(line) {
		t.Fatalf("%d bytes arrived, want %d", len(got), i*len(line))
	}
}
