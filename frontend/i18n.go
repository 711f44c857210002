package frontend

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// The languages of the UI; Swedish is the default.
const (
	langSV = "sv"
	langEN = "en"
)

// langOf is the language chosen by the cookie, else Swedish. The browser's Accept-Language is
// deliberately not consulted: the buyers are Swedish public bodies and the switch is explicit.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(cookieLang); err == nil && c.Value == langEN {
		return langEN
	}
	return langSV
}

// switchLanguage persists the language in a cookie for a year and returns to the page.
func (s *server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != langSV && lang != langEN {
		lang = langSV
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	next := localPath(r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// translate looks key up in the language's table; a missing key shows the key itself, which
// the tests forbid.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langEN {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func hasKey(key string) bool { _, ok := messages[key]; return ok }

const nbsp = "\u00a0"

// formatMoney formats an amount of minor units: Swedish "1 234,50 kr" (no-break spaces), English
// "SEK 1,234.50". Integers only: money is never a float.
func formatMoney(lang string, minor int64, currency string) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	whole, frac := minor/100, minor%100
	digits := strconv.FormatInt(whole, 10)
	sep, dec := ",", "."
	if lang == langSV {
		sep, dec = nbsp, ","
	}
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	amount := fmt.Sprintf("%s%s%02d", b.String(), dec, frac)
	if neg {
		amount = "−" + amount
	}
	if lang == langSV {
		sym := currency
		switch currency {
		case "SEK", "NOK", "DKK":
			sym = "kr"
			if currency != "SEK" {
				sym = currency
			}
		case "EUR":
			sym = "€"
		}
		return amount + nbsp + sym
	}
	return currency + nbsp + amount
}

// formatPercent formats a percentage with one decimal in the language's convention.
func formatPercent(lang string, p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		p = 0
	}
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if lang == langSV {
		return strings.Replace(s, ".", ",", 1) + nbsp + "%"
	}
	return s + " %"
}

// fieldMessage translates a domain field message. Domain messages are English; the Swedish UI
// maps the known ones and falls back to a general hint rather than mixing languages.
func fieldMessage(lang, msg string) string {
	if lang == langEN {
		return msg
	}
	for _, m := range fieldMessagesSV {
		if strings.HasPrefix(msg, m[0]) {
			return m[1]
		}
	}
	return "Kontrollera värdet."
}

var fieldMessagesSV = [][2]string{
	{"is required", "Måste fyllas i."},
	{"must be a valid email", "Måste vara en giltig e-postadress."},
	{"must be 1 to 200", "Måste vara 1 till 200 tecken."},
	{"must be 1 to 40", "Måste vara 1 till 40 tecken."},
	{"must be at least", "Är för kort."},
	{"must be the id of", "Välj ett alternativ."},
	{"no such organisation", "Organisationen finns inte."},
	{"must name at least one role", "Välj minst en roll."},
	{"role ", "Rollen passar inte organisationens typ."},
	{"must not be negative", "Får inte vara negativt."},
	{"must be a positive", "Måste vara ett positivt tal."},
	{"must be positive", "Måste vara ett positivt tal."},
	{"must be a date", "Måste vara ett datum (ÅÅÅÅ-MM-DD)."},
	{"must be an ISO 3166", "Måste vara en landskod som SE."},
	{"must be buyer, supplier", "Välj en organisationstyp."},
	{"must be an 8-digit CPV", "Måste vara en CPV-kod med 8 siffror."},
	{"must be a CPV", "Måste vara en CPV-kod med 8 siffror."},
	{"must be a UN/ECE", "Måste vara en enhetskod som EA."},
	{"must be a number", "Måste vara ett tal."},
	{"must be an integer", "Måste vara ett heltal."},
	{"must not be in the past", "Får inte ligga bakåt i tiden."},
	{"is in the past", "Får inte ligga bakåt i tiden."},
	{"unknown eco-label", "Okänd miljömärkning."},
	{"must be a GTIN", "Måste vara ett GTIN (8, 12, 13 eller 14 siffror)."},
	{"duplicate", "Förekommer flera gånger."},
	{"is listed twice", "Förekommer flera gånger."},
	{"too long", "För långt."},
	{"must be at most", "För stort."},
}

// problemField tells next to which form field a rule refusal is shown.
var problemField = map[string]string{
	"cascade_reason_required":      "cascade_reason",
	"below_min_order":              "lines",
	"ceiling_exceeded":             "lines",
	"participant_ceiling_exceeded": "lines",
	"item_inactive":                "lines",
	"item_not_in_agreement":        "lines",
	"price_effective_in_past":      "effective_from",
}
