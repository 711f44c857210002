package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/internal/postgres"
)

// Read-your-writes with a read replica (SPEC §10). After a write that succeeds, the response
// carries the primary's WAL position in the Avrop-LSN header and the avrop_lsn cookie; a client
// sends it back (the cookie does so by itself in a browser or any client with a cookie jar, an
// API client may echo the header), and reads that may go to the replica run there only once
// the replica has replayed that far (postgres.Reads). The position proves nothing and grants
// nothing: a client that sends a forged one only sends its own reads to the primary.
const (
	lsnHeader = "Avrop-LSN"
	lsnCookie = "avrop_lsn"
	// lsnCookieAge bounds how long the cookie lives: a replica within DATABASE_REPLICA_MAX_LAG
	// has long replayed a write this old.
	lsnCookieAge = 5 * time.Minute
)

func (h *handler) readYourWrites(c *gin.Context) {
	if h.Reads == nil {
		c.Next()
		return
	}
	if lsn := requestLSN(c.Request); lsn > 0 {
		c.Request = c.Request.WithContext(postgres.WithMinLSN(c.Request.Context(), lsn))
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	c.Writer = &lsnWriter{ResponseWriter: c.Writer, c: c, h: h}
	c.Next()
}

// requestLSN is the later of the header's and the cookie's WAL positions.
func requestLSN(r *http.Request) postgres.LSN {
	var best postgres.LSN
	if l, err := postgres.ParseLSN(r.Header.Get(lsnHeader)); err == nil {
		best = l
	}
	if ck, err := r.Cookie(lsnCookie); err == nil {
		if l, err := postgres.ParseLSN(ck.Value); err == nil && l > best {
			best = l
		}
	}
	return best
}

// lsnWriter adds the WAL position to a write's response just before its header goes out,
// when the status says the write succeeded (its transaction has committed by then).
type lsnWriter struct {
	gin.ResponseWriter
	c    *gin.Context
	h    *handler
	done bool
}

func (w *lsnWriter) stamp(status int) {
	if w.done {
		return
	}
	w.done = true
	if status >= 400 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.c.Request.Context()), time.Second)
	defer cancel()
	lsn, err := postgres.CurrentLSN(ctx, w.h.DB)
	if err != nil {
		return // the primary is gone: the next reads fail over to it anyway, or answer 503
	}
	if prev := requestLSN(w.c.Request); prev > lsn {
		lsn = prev
	}
	w.Header().Set(lsnHeader, lsn.String())
	http.SetCookie(w.ResponseWriter, &http.Cookie{Name: lsnCookie, Value: lsn.String(), Path: "/",
		MaxAge: int(lsnCookieAge.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: w.c.Request.TLS != nil})
}

func (w *lsnWriter) WriteHeader(code int) {
	w.stamp(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *lsnWriter) WriteHeaderNow() {
	w.stamp(w.ResponseWriter.Status())
	w.ResponseWriter.WriteHeaderNow()
}

func (w *lsnWriter) Write(b []byte) (int, error) {
	w.stamp(w.ResponseWriter.Status())
	return w.ResponseWriter.Write(b)
}

func (w *lsnWriter) WriteString(s string) (int, error) {
	w.stamp(w.ResponseWriter.Status())
	return w.ResponseWriter.WriteString(s)
}
