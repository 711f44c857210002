// Package text holds the one rule for every text Avrop stores: valid UTF-8 without NUL or any
// other control character, except that a text of several lines (a description, a note) may
// hold line breaks and tabs. PostgreSQL refuses NUL outright (SQLSTATE 22021, which would be a
// 500), and the other control characters have no place in a name, a CSV cell or a PEPPOL
// document. Every domain package checks its texts with it, so a name refused in a form is
// refused in a price list too.
package text

import (
	"unicode/utf8"

	"github.com/avrop/avrop/internal/derr"
)

// Line reports whether s may be stored as a one-line text (a name, an sku, an e-mail address):
// valid UTF-8 without control characters (C0, DEL, C1).
func Line(s string) bool { return valid(s, false) }

// Lines reports whether s may be stored as a text of several lines: as Line, but line breaks
// (\n, \r) and tabs are allowed.
func Lines(s string) bool { return valid(s, true) }

func valid(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !multiline || (c != '\n' && c != '\r' && c != '\t') {
					return false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0x80 && r <= 0x9f) {
			return false
		}
		i += size
	}
	return true
}

// Code is the rule code of a refused text in a problem's field errors (the UI translates it).
const Code = "control_characters"

// Messages of the refusals, the same wherever a text is checked.
const (
	LineMessage  = "must be text without control characters or line breaks"
	LinesMessage = "must be text without control characters other than line breaks and tabs"
)

// CheckLine records a field error on v when s is not fit for a one-line text.
func CheckLine(v *derr.Validator, field, s string) { v.Check(Line(s), field, Code, LineMessage) }

// CheckLines records a field error on v when s is not fit for a text of several lines.
func CheckLines(v *derr.Validator, field, s string) { v.Check(Lines(s), field, Code, LinesMessage) }
