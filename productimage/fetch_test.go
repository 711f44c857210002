package productimage

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/derr"
)

func fieldCode(err error) string {
	var e *derr.Error
	if errors.As(err, &e) && len(e.Fields) == 1 {
		return e.Fields[0].Code
	}
	return ""
}

// TestFetchRefusesNonPublicAddresses: with no network opened by the operator, every address
// that is not public is refused at the dial, whatever name or form it is written in; nothing
// listening there is ever reached.
func TestFetchRefusesNonPublicAddresses(t *testing.T) {
	reached := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		w.Write(pngOf(t, 4, 4, false))
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	f := NewFetcher(2*time.Second, nil)
	for _, tc := range []struct{ name, url string }{
		{"loopback", srv.URL + "/a.png"},
		{"a name resolving to loopback", "http://localhost:" + port + "/a.png"},
		{"IPv6 loopback", "http://[::1]:" + port + "/a.png"},
		{"IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]:" + port + "/a.png"},
		{"private 10.x", "http://10.1.2.3/a.png"},
		{"private 192.168.x", "http://192.168.0.1/a.png"},
		{"cloud metadata 169.254.169.254", "http://169.254.169.254/latest/meta-data/"},
		{"unspecified 0.0.0.0", "http://0.0.0.0:" + port + "/a.png"},
		{"decimal loopback", "http://2130706433:" + port + "/a.png"},
		{"carrier-grade NAT", "http://100.64.0.1/a.png"},
		{"unique local IPv6", "http://[fd00::1]/a.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), tc.url)
			if got := fieldCode(err); got != "image_url_refused" && got != "image_fetch" {
				t.Fatalf("err %v (code %q), want image_url_refused", err, got)
			}
			if fieldCode(err) == "image_fetch" && !strings.Contains(tc.name, "decimal") {
				t.Fatalf("err %v, want image_url_refused", err)
			}
		})
	}
	if reached {
		t.Fatal("the server on loopback was reached")
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/", "http://user:pw@example.com/a.png", "/relative.png", ""} {
		if _, err := f.Fetch(context.Background(), u); fieldCode(err) != "image_url" {
			t.Errorf("Fetch(%q): %v, want image_url", u, err)
		}
	}
}

func TestPermitted(t *testing.T) {
	f := NewFetcher(0, []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")})
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2a00:1450:4001:80b::200e": true, "10.9.1.1": true,
		"10.1.1.1": false, "127.0.0.1": false, "::1": false, "169.254.169.254": false, "fe80::1": false,
		"::ffff:10.1.1.1": false, "::ffff:8.8.8.8": true, "64:ff9b::7f00:1": false, "2002:7f00:1::": false,
		"224.0.0.1": false, "255.255.255.255": false, "0.0.0.0": false, "::": false,
	} {
		if got := f.Permitted(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Permitted(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestFetchFromAllowedNetwork fetches from a server on a network the operator opened (loopback
// here, the only network a test can listen on) and checks the limits that apply there.
func TestFetchFromAllowedNetwork(t *testing.T) {
	picture := pngOf(t, 600, 300, false)
	mux := http.NewServeMux()
	mux.HandleFunc("/a.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain") // a wrong type: the content decides
		w.Write(picture)
	})
	mux.HandleFunc("/svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(picture)
		w.Write(make([]byte, MaxBytes))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	mux.HandleFunc("/to-v6-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:"+port+"/a.png", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	f := NewFetcher(500*time.Millisecond, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})

	im, err := f.Fetch(context.Background(), srv.URL+"/a.png")
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if im.Width != 600 || im.Height != 300 || im.ContentType != "image/jpeg" {
		t.Errorf("got %s %d×%d, want image/jpeg 600×300", im.ContentType, im.Width, im.Height)
	}
	for _, tc := range []struct{ path, wantCode string }{
		{"/svg", "image_type"},
		{"/big", "image_too_large"},
		{"/missing", "image_fetch"},
		{"/slow", "image_fetch"},
		{"/to-v6-loopback", "image_url_refused"},
		{"/to-file", "image_url"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			_, err := f.Fetch(context.Background(), srv.URL+tc.path)
			if got := fieldCode(err); got != tc.wantCode {
				t.Errorf("err %v, want code %s", err, tc.wantCode)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v; the fetch timeout is 500ms", d)
			}
		})
	}
}

// TestFetchChecksTheDialledAddress: the guard sits in the dialer, so a host whose name
// resolves to a public address first and a private one at connection time cannot get past it.
// Here the resolver is bypassed entirely: a dial to a loopback IP through the fetcher's own
// transport is refused, whatever name the request carried.
func TestFetchChecksTheDialledAddress(t *testing.T) {
	f := NewFetcher(time.Second, nil)
	tr := f.client.Transport.(*http.Transport)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = tr.DialContext(context.Background(), "tcp", ln.Addr().String())
	if !errors.Is(err, errAddressRefused) {
		t.Fatalf("dial %s: %v, want refused", ln.Addr(), err)
	}
}
