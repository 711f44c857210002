// Package clientip finds the address of the client behind a request: the connection's peer,
// or — only when that peer is a proxy the operator trusts (AVROP_TRUSTED_PROXIES) — the
// address the proxies recorded in X-Forwarded-For. A client that talks to Avrop directly
// cannot choose its address by sending the header, so it cannot dodge the per-address login
// limit; behind a trusted proxy, colleagues at different addresses are told apart.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of proxies whose X-Forwarded-For is believed. The zero value trusts none.
type Trusted []netip.Prefix

// Parse reads a comma-separated list of addresses and CIDR prefixes ("10.0.0.0/8, 192.0.2.7").
func Parse(list string) (Trusted, error) {
	var t Trusted
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			t = append(t, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is neither an address nor a CIDR prefix", f)
		}
		t = append(t, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return t, nil
}

func (t Trusted) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr is the client address of r. It starts from the connection's peer and, while the
// address at hand is a trusted proxy, steps one hop back through X-Forwarded-For (read from
// the right, where the nearest proxy appended it); the first address that is not a trusted
// proxy is the client. A malformed entry ends the walk at the proxy that passed it on.
func (t Trusted) Addr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if peer.Is4() && (len(t) == 0 || !t.contains(peer)) {
		// An IPv4 address that parsed is already in its one text form (no leading zeros):
		// the host as it came, without making the same string again for every access line.
		return host
	}
	client := peer.Unmap()
	if len(t) == 0 || !t.contains(client) {
		return client.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && t.contains(client); i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
	}
	return client.String()
}
