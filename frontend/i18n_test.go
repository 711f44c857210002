package frontend

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// formatVerb matches a fmt verb; a text's verbs in order are its arguments.
var formatVerb = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

func TestEveryKeyInEveryLanguage(t *testing.T) {
	for key, m := range messages {
		want := strings.Join(formatVerb.FindAllString(m.sv, -1), " ")
		for _, l := range languages {
			text := m.text(l.Code)
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s text missing", key, l.Name)
				continue
			}
			if got := strings.Join(formatVerb.FindAllString(text, -1), " "); got != want {
				t.Errorf("%s: %s takes arguments %q, Swedish %q", key, l.Name, got, want)
			}
		}
	}
}

// keyUse finds literal keys passed to T in templates ({{.T "x"}}, {{$.T "x"}}) and to
// translate/render/redirect helpers in Go code ("…key…" arguments).
var (
	templateKey = regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	goKey       = regexp.MustCompile(`(?:translate\(q?\.?lang, |translate\(lang, |render\([^,]+, "[a-z_]+", )"([a-z0-9_.]*[a-z0-9_])"`)
	flashKey    = regexp.MustCompile(`msg=([a-z_]+)`)
)

func TestEveryUsedKeyExists(t *testing.T) {
	check := func(where, key string) {
		if !hasKey(key) {
			t.Errorf("%s uses %q, which is not in messages", where, key)
		}
	}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			check(path, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(os.DirFS("."), "*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], "_") {
				continue
			}
			check(f, m[1])
		}
		for _, m := range flashKey.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], "_") {
				continue // completed at run time; see dynamicKeys
			}
			check(f, "flash."+m[1])
		}
	}
}

// TestEnumsTranslated checks the keys built at run time from domain values.
func TestEnumsTranslated(t *testing.T) {
	for _, prefix := range []string{"kind.", "role.", "status.", "deviation.", "cascade.", "price_status.", "price_reason."} {
		found := false
		for k := range messages {
			if strings.HasPrefix(k, prefix) {
				found = true
			}
		}
		if !found && (prefix == "kind." || prefix == "role.") {
			t.Errorf("no %s keys", prefix)
		}
	}
	for _, k := range dynamicKeys {
		if !hasKey(k) {
			t.Errorf("dynamic key %q missing", k)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	tests := []struct {
		lang, cur string
		minor     int64
		want      string
	}{
		{"sv", "SEK", 123450, "1\u00a0234,50\u00a0kr"},
		{"sv", "SEK", 5, "0,05\u00a0kr"},
		{"sv", "SEK", 5000000000, "50\u00a0000\u00a0000,00\u00a0kr"},
		{"sv", "NOK", 100, "1,00\u00a0NOK"},
		{"en", "SEK", 123450, "SEK\u00a01,234.50"},
		{"en", "EUR", 99, "EUR\u00a00.99"},
		{"sv", "SEK", -123450, "−1\u00a0234,50\u00a0kr"},
		{"nb", "NOK", 123450, "1\u00a0234,50\u00a0kr"},
		{"nb", "SEK", 123450, "1\u00a0234,50\u00a0SEK"},
		{"da", "DKK", 123450, "1.234,50\u00a0kr."},
		{"da", "EUR", 123450, "1.234,50\u00a0€"},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.want, func(t *testing.T) {
			if got := formatMoney(tc.lang, tc.minor, tc.cur); got != tc.want {
				t.Fatalf("formatMoney(%s, %d, %s) = %q, want %q", tc.lang, tc.minor, tc.cur, got, tc.want)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1 234,50", 123450, true},
		{"1234.5", 123450, true},
		{"1,234.50", 123450, true},
		{"12", 1200, true},
		{"12 kr", 1200, true},
		{"1.234,50 kr.", 123450, true},
		{"1 234,50 NOK", 123450, true},
		{"0,05", 5, true},
		{"", 0, false},
		{"abc", 0, false},
		{"1,234", 0, false},
		{"-5", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseMoney(tc.in)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("parseMoney(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1 234,50", "1234.5", "12 kr", "0,05", "", "9999999999999999", "1,2,3", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		minor, ok := parseMoney(s)
		if ok && minor < 0 {
			t.Fatalf("parseMoney(%q) = %d, negative", s, minor)
		}
		if ok {
			// What we format, we read back.
			for _, l := range languages {
				if l.Code == langEN {
					continue
				}
				back, ok2 := parseMoney(formatMoney(l.Code, minor, "SEK"))
				if !ok2 || back != minor {
					t.Fatalf("round trip of %d in %s: %d, %v", minor, l.Code, back, ok2)
				}
			}
		}
	})
}
