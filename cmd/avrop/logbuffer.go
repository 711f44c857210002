package main

import (
	"io"
	"sync"
	"time"
)

// logBuffer gathers the server's log lines and writes them in batches, at most logFlushEvery
// after the first line of a batch or as soon as logBufferMax bytes are waiting. Written one by
// one, every request's log line cost a write system call of its own: 6–7 % of a cached
// search's CPU. A line is never split (slog writes each record in one Write), and serve's end
// flushes what is left; a process killed outright loses at most logFlushEvery of lines.
//
// A batch is written by a goroutine of its own, outside the lock: stdout is a pipe to whatever
// collects the logs (the container runtime, a bench), and a write to a full pipe waits until
// the reader has drained it. Written under the lock, that wait held up every request that
// logged, up to a third of a cached page's throughput with the bench's reader on a busy
// machine. Lines that arrive meanwhile wait in the next batch, in order; past logBufferLimit
// they wait for the write as before, so a stuck reader still bounds the memory.
type logBuffer struct {
	w io.Writer

	mu      sync.Mutex
	done    sync.Cond // signalled when a batch's write ends
	buf     []byte    // the lines waiting
	spare   []byte    // the last written batch's array, for the next
	pending bool      // a timed flush is scheduled
	writing bool      // a batch is being written outside the lock
	err     error
}

const (
	logFlushEvery  = 50 * time.Millisecond
	logBufferMax   = 32 << 10
	logBufferLimit = 256 << 10
)

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{w: w}
	b.done.L = &b.mu
	return b
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(p) >= logBufferMax {
		// A line this large (a stack dump) goes out at once, after the ones waiting.
		b.flushLocked()
		_, err := b.w.Write(p)
		return len(p), err
	}
	for b.writing && len(b.buf)+len(p) > logBufferLimit {
		b.done.Wait()
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferMax {
		b.startLocked()
	} else if !b.pending {
		b.pending = true
		time.AfterFunc(logFlushEvery, b.flushSoon)
	}
	return len(p), nil
}

// startLocked hands the waiting lines to a goroutine that writes them outside the lock,
// unless a write is under way: that one takes them when it ends.
func (b *logBuffer) startLocked() {
	if b.writing || len(b.buf) == 0 {
		return
	}
	b.writing = true
	batch := b.buf
	b.buf, b.spare = b.spare[:0], nil
	go b.writeOut(batch)
}

// writeOut writes batch, then each batch that filled meanwhile, in order.
func (b *logBuffer) writeOut(batch []byte) {
	for {
		_, err := b.w.Write(batch)
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err // stdout gone: nothing to tell it to
		}
		if len(b.buf) >= logBufferMax {
			batch, b.buf = b.buf, batch[:0]
			b.done.Broadcast() // room for the lines held back at logBufferLimit
			b.mu.Unlock()
			continue
		}
		b.spare, b.writing = batch[:0], false
		if len(b.buf) > 0 && !b.pending {
			b.pending = true
			time.AfterFunc(logFlushEvery, b.flushSoon)
		}
		b.done.Broadcast()
		b.mu.Unlock()
		return
	}
}

// flushSoon is the timed flush: it starts writing what waits, without holding up the lines.
func (b *logBuffer) flushSoon() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = false
	b.startLocked()
}

// Flush writes every waiting line now, and returns when they are written.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *logBuffer) flushLocked() {
	for b.writing {
		b.done.Wait()
	}
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	b.buf = b.buf[:0]
}

// lineWriter is w made safe for whole lines written at once from several goroutines: slog's
// handler and the API's access lines (api/accesslog.go) each lock only their own writes. A
// logBuffer already is.
func lineWriter(w io.Writer) io.Writer {
	if _, ok := w.(*logBuffer); ok {
		return w
	}
	return &lockedWriter{w: w}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
