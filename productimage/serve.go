package productimage

import (
	"bytes"
	"net/http"
	"time"
)

// Serve writes one size of a stored picture, the same for the API and the UI. Its URL names
// the picture's hash, so the bytes behind a URL never change: browsers keep it a year without
// asking again (immutable), and a revalidation is answered 304 by its ETag. It is private
// because whether a caller may see an item's picture depends on who asks.
func Serve(w http.ResponseWriter, r *http.Request, hash, size, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", ETag(hash, size))
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	// Nothing in a picture runs: even opened on its own it may load and run nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// ETag is the entity tag of one size of a picture.
func ETag(hash, size string) string {
	return `"` + hash + "-" + size + `"`
}
