package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// hostileNexts are return paths a browser could turn into another site: every control and
// whitespace character (browsers drop tabs and newlines inside a URL and trim the rest at its
// ends), backslashes (browsers read them as slashes), and both put where a second slash would
// make the path a scheme-relative URL.
func hostileNexts() []string {
	var chars []rune
	for r := rune(0); r <= 0x20; r++ {
		chars = append(chars, r)
	}
	for r := rune(0x7f); r <= 0x9f; r++ {
		chars = append(chars, r)
	}
	chars = append(chars, '\\', 0xa0, 0x1680, 0x2000, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff, 0xfffd)
	var out []string
	for _, c := range chars {
		s := string(c)
		out = append(out,
			"/"+s+"/evil.example/x",
			s+"//evil.example/x",
			"/"+s+"evil.example",
			"//"+s+"evil.example",
			"/"+s+s+"/evil.example",
			"/\\"+s+"evil.example",
		)
	}
	return append(out,
		"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
		"https://evil.example", "javascript:alert(1)", "evil.example", "http:/evil.example",
		"/./\\evil.example", "/.//evil.example", "/x/..//evil.example",
	)
}

// safeLocation says whether a Location header keeps the browser on this site, read the way a
// browser reads it: a path that begins with one slash followed by neither slash nor backslash,
// and no character a browser would drop or trim.
func safeLocation(loc string) bool {
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.ContainsRune(loc, '\\') {
		return false
	}
	for _, r := range loc {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	u, err := url.Parse(loc)
	return err == nil && u.Scheme == "" && u.Host == ""
}

func TestOpenRedirectRefused(t *testing.T) {
	s := newStack(t)
	org := s.org("buyer", "Redirkommun")
	u := s.user(org, "Rita Redir", "orderer")

	t.Run("language switch", func(t *testing.T) {
		c := s.client()
		for _, next := range hostileNexts() {
			p := c.get("/lang/en?next=" + url.QueryEscape(next))
			if p.Status != http.StatusSeeOther {
				t.Fatalf("next %q: status %d, want 303", next, p.Status)
			}
			if loc := p.Header.Get("Location"); !safeLocation(loc) {
				t.Errorf("next %q: Location = %q, off the site", next, loc)
			}
		}
	})
	t.Run("login form", func(t *testing.T) {
		for i, next := range hostileNexts() {
			if i%7 != 0 && !strings.Contains(next, "\t") && !strings.Contains(next, "\\") {
				continue // each sign-in costs an argon2id hash; every character still comes through the other case
			}
			c := s.client()
			p := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {next}})
			if p.Status != http.StatusSeeOther {
				t.Fatalf("next %q: status %d, want 303", next, p.Status)
			}
			if loc := p.Header.Get("Location"); !safeLocation(loc) {
				t.Errorf("next %q: Location = %q, off the site", next, loc)
			}
		}
	})
	t.Run("login page's hidden field", func(t *testing.T) {
		c := s.client()
		p := c.get("/login?next=" + url.QueryEscape("/\t/evil.example"))
		if !strings.Contains(p.Body, `name="next" value=""`) {
			t.Fatalf("login page carries the hostile next: %.2000s", p.Body)
		}
	})
	t.Run("local paths still work", func(t *testing.T) {
		c := s.client()
		for _, next := range []string{"/orders", "/orders?status=approved&page=2", "/catalog?q=handsk%C3%A5r"} {
			p := c.get("/lang/en?next=" + url.QueryEscape(next))
			if loc := p.Header.Get("Location"); loc != next {
				t.Errorf("next %q: Location = %q", next, loc)
			}
		}
		p := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {"/orders"}})
		if loc := p.Header.Get("Location"); loc != "/orders" {
			t.Errorf("login next /orders: Location = %q", loc)
		}
	})
}
