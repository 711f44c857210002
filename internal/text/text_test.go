package text

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestRule(t *testing.T) {
	tests := []struct {
		s           string
		line, lines bool
	}{
		{"Undersökningshandske nitril M", true, true},
		{"Åsa Ødegård-Æbelø, 200 st 🧤", true, true},
		{"", true, true},
		{"two\nlines", false, true},
		{"cr\r\nlf", false, true},
		{"tab\there", false, true},
		{"nul\x00", false, false},
		{"\x01", false, false},
		{"esc\x1b[31m", false, false},
		{"del\x7f", false, false},
		{"next line \u0085", false, false},
		{"c1 \u009b", false, false},
		{"bad utf-8 \xff", false, false},
		{"truncated \xc3", false, false},
		{"replacement char \ufffd itself", true, true}, // a valid character, typed or pasted
	}
	for _, tt := range tests {
		if got := Line(tt.s); got != tt.line {
			t.Errorf("Line(%q) = %v, want %v", tt.s, got, tt.line)
		}
		if got := Lines(tt.s); got != tt.lines {
			t.Errorf("Lines(%q) = %v, want %v", tt.s, got, tt.lines)
		}
	}
}

// FuzzRule: the rule agrees with unicode.IsControl on every input, and an accepted text is
// valid UTF-8 without NUL, the character PostgreSQL refuses.
func FuzzRule(f *testing.F) {
	for _, s := range []string{"", "a", "a\nb", "\x00", "\xff", "\u0085", "ok ✓"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wantLine, wantLines := utf8.ValidString(s), utf8.ValidString(s)
		for _, r := range s {
			if unicode.IsControl(r) {
				wantLine = false
				if r != '\n' && r != '\r' && r != '\t' {
					wantLines = false
				}
			}
		}
		if Line(s) != wantLine || Lines(s) != wantLines {
			t.Fatalf("%q: Line %v Lines %v, want %v %v", s, Line(s), Lines(s), wantLine, wantLines)
		}
	})
}
