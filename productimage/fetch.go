package productimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/avrop/avrop/internal/derr"
)

// Fetcher fetches pictures from the URLs suppliers name (a price list's image_url, a PEPPOL
// ExternalReference) without letting such a URL reach into the network Avrop runs in: only
// http and https, and only public addresses. The address is checked as the connection is made
// (net.Dialer.Control sees the IP actually dialled), so a name that resolves to a public
// address when checked and to 127.0.0.1 when dialled (DNS rebinding) is refused too, and so is
// every redirect's target. No proxy from the environment is used: it would be dialled instead.
type Fetcher struct {
	client *http.Client
	allow  []netip.Prefix
}

// DefaultFetchTimeout bounds one fetch from dial to the last byte.
const DefaultFetchTimeout = 10 * time.Second

// maxRedirects bounds how many redirects a fetch follows.
const maxRedirects = 3

// NewFetcher returns a fetcher whose fetches each take at most timeout (0: DefaultFetchTimeout).
// allow lists networks an operator deliberately opens (an internal picture server); every
// other private, loopback, link-local or otherwise non-public address is refused.
func NewFetcher(timeout time.Duration, allow []netip.Prefix) *Fetcher {
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	f := &Fetcher{allow: allow}
	dialer := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !f.Permitted(ap.Addr()) {
			return errAddressRefused
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errTooManyRedirects
		}
		if r.URL.Scheme != "http" && r.URL.Scheme != "https" {
			return errScheme
		}
		return nil
	}}
	return f
}

var (
	errAddressRefused   = errors.New("address not allowed")
	errTooManyRedirects = errors.New("too many redirects")
	errScheme           = errors.New("not http or https")
)

// nonPublic are networks that IsGlobalUnicast and IsPrivate leave open but that reach no
// public host, or reach a private one through a translation.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 of any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"), // Teredo
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"), // 6to4 of any IPv4 address
	netip.MustParsePrefix("fec0::/10"),
}

// Permitted reports whether a fetch may connect to addr: an allowed network, or a public
// unicast address.
func (f *Fetcher) Permitted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range f.allow {
		if p.Contains(addr) {
			return true
		}
	}
	if !addr.IsValid() || !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

func fetchError(code, msg string) error {
	return derr.Fields([]derr.FieldError{{Field: "image_url", Code: code, Message: msg}})
}

// Fetch downloads the picture at rawURL and normalises it. Errors (all Invalid on field
// image_url, or TooLarge): image_url (not an absolute http or https URL), image_url_refused
// (a non-public address), image_fetch (no answer in time, not 200, a network error),
// image_too_large, and Normalise's errors for what came back.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Image, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(rawURL) > 2000 {
		return Image{}, fetchError("image_url", "must be an absolute http or https URL without credentials")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Image{}, fetchError("image_url", "must be an absolute http or https URL")
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/webp")
	req.Header.Set("User-Agent", "Avrop product image fetcher")
	resp, err := f.client.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, errAddressRefused):
			return Image{}, fetchError("image_url_refused", "points to an address that is not public; pictures are fetched from public addresses only")
		case errors.Is(err, errScheme):
			return Image{}, fetchError("image_url", "redirects to a URL that is not http or https")
		case errors.Is(err, errTooManyRedirects):
			return Image{}, fetchError("image_fetch", fmt.Sprintf("redirects more than %d times", maxRedirects))
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return Image{}, fetchError("image_fetch", "did not answer in time")
		}
		return Image{}, fetchError("image_fetch", "could not be fetched: "+shortReason(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Image{}, fetchError("image_fetch", fmt.Sprintf("answered %d", resp.StatusCode))
	}
	if resp.ContentLength > MaxBytes {
		return Image{}, ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return Image{}, fetchError("image_fetch", "broke off while reading")
	}
	if len(data) > MaxBytes {
		return Image{}, ErrTooLarge
	}
	return Normalise(data)
}
