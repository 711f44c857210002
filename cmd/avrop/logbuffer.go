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
type logBuffer struct {
	w io.Writer

	mu      sync.Mutex
	buf     []byte
	pending bool // a flush is scheduled
	err     error
}

const (
	logFlushEvery = 50 * time.Millisecond
	logBufferMax  = 32 << 10
)

func newLogBuffer(w io.Writer) *logBuffer { return &logBuffer{w: w} }

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > logBufferMax {
		b.flushLocked()
	}
	if len(p) >= logBufferMax {
		_, err := b.w.Write(p)
		return len(p), err
	}
	b.buf = append(b.buf, p...)
	if !b.pending {
		b.pending = true
		time.AfterFunc(logFlushEvery, b.Flush)
	}
	return len(p), nil
}

// Flush writes every waiting line now.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.pending = false
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err // stdout gone: nothing to tell it to
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
