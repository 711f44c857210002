package clientip

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestAddr(t *testing.T) {
	trusted, err := Parse("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted Trusted
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies trusted: the header is ignored", nil, "198.51.100.4:5000", []string{"203.0.113.9"}, "198.51.100.4"},
		{"untrusted peer cannot claim an address", trusted, "198.51.100.4:5000", []string{"203.0.113.9"}, "198.51.100.4"},
		{"trusted proxy names the client", trusted, "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a single trusted address", trusted, "192.0.2.7:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", trusted, "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"a client's forged entry left of the real one is not believed", trusted, "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"several header lines", trusted, "10.1.2.3:5000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"malformed entry stops at the proxy", trusted, "10.1.2.3:5000", []string{"not-an-ip"}, "10.1.2.3"},
		{"trusted proxy without the header", trusted, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 peer", trusted, "[2001:db8::1]:5000", []string{"203.0.113.9"}, "2001:db8::1"},
		{"IPv4-mapped IPv6 proxy", trusted, "[::ffff:10.1.2.3]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.trusted.Addr(r); got != tt.want {
				t.Fatalf("Addr = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Parse("10.0.0.0/8, nonsense"); err == nil {
		t.Fatal("a malformed list was accepted")
	}
}

// An IPv4 peer's address is the host part of RemoteAddr as it came: nothing allocated for it
// on every request (the access line names the client).
func TestAddrIPv4WithoutAllocating(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "198.51.100.4:5000"
	for _, trusted := range []Trusted{nil, {netip.MustParsePrefix("10.0.0.0/8")}} {
		if got := trusted.Addr(r); got != "198.51.100.4" {
			t.Fatalf("Addr = %q", got)
		}
		if n := testing.AllocsPerRun(100, func() { trusted.Addr(r) }); n != 0 {
			t.Fatalf("Addr of an IPv4 peer allocates %v times, want 0", n)
		}
	}
}
