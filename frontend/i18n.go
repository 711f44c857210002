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
	s := m.sv
	if lang == langEN {
		s = m.en
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
	{"is required, between 0 and 10^12", "Ange ett pris i öre, 0 eller mer."},
	{"is required, 0 or more", "Måste fyllas i med 0 eller mer."},
	{"is required, between", "Måste fyllas i med ett tal inom gränserna."},
	{"is required when the supplier is not rank 1", "Måste fyllas i när leverantören inte har rang 1."},
	{"is required: letters, digits", "Måste fyllas i: bokstäver, siffror och - _ . / (högst 64 tecken)."},
	{"is required (at most", "Måste fyllas i (högst ett visst antal tecken)."},
	{"is required", "Måste fyllas i."},
	{"is only given with cascade_reason", "Anges bara när leverantören med högre rang avböjde."},
	{"is only given when ordering from a supplier below rank 1", "Anges bara vid avrop från en leverantör som inte har rang 1."},
	{"must name the order the higher-ranked supplier declined", "Ange beställningen som leverantören med högre rang avböjde."},
	{"is already on another line", "Varan finns redan på en annan rad; öka antalet där i stället."},
	{"is not an item of this agreement and supplier", "Varan hör inte till avtalet och leverantören."},
	{"has no price in effect today", "Varan har inget gällande pris i dag."},
	{"is no longer active", "Varan går inte längre att beställa."},
	{"is taken by another supplier", "Används redan av en annan leverantör."},
	{"is at most", "Texten är för lång."},
	{"is not UTF-8", "Filen måste vara UTF-8."},
	{"is not valid CSV", "Filen är inte giltig CSV."},
	{"is empty: a header row is required", "Filen är tom: en rubrikrad krävs."},
	{"has more than", "Filen har för många rader."},
	{"has ", "Raden har fel antal fält jämfört med rubrikraden."},
	{"could not be read", "Filen kunde inte läsas."},
	{"is too large", "Värdet är för stort."},
	{"must be a valid email", "Måste vara en giltig e-postadress."},
	{"must be 1 to 200", "Måste vara 1 till 200 tecken."},
	{"must be 1 to 40", "Måste vara 1 till 40 tecken."},
	{"must be at least", "Är för kort."},
	{"must be the id of", "Välj ett alternativ."},
	{"must be a UUID", "Måste vara ett giltigt id."},
	{"no such organisation", "Organisationen finns inte."},
	{"must name at least one role", "Välj minst en roll."},
	{"role ", "Rollen passar inte organisationens typ."},
	{"must not be negative", "Får inte vara negativt."},
	{"must be positive", "Måste vara ett positivt tal."},
	{"must be a whole number of minor units", "Måste vara ett heltal i öre, till exempel 12950 för 129,50 kr."},
	{"must be a whole number of basis points", "Måste vara ett heltal i baspunkter, till exempel 2500 för 25 %."},
	{"must be a whole number of 1 or more", "Måste vara ett heltal, 1 eller mer (tomt betyder 1)."},
	{"must be a whole number", "Måste vara ett heltal inom gränserna."},
	{"must be between", "Måste ligga inom gränserna."},
	{"must be a date", "Måste vara ett datum (ÅÅÅÅ-MM-DD)."},
	{"must be after valid_from", "Måste vara efter startdatumet."},
	{"may not be in the past", "Får inte ligga bakåt i tiden."},
	{"must not be in the past", "Får inte ligga bakåt i tiden."},
	{"effective_from may not be in the past", "Får inte ligga bakåt i tiden."},
	{"may not be before", "Får inte ligga före tillåtet datum."},
	{"must be an ISO 3166", "Måste vara en landskod som SE."},
	{"must be an ISO 4217", "Måste vara en valutakod som SEK."},
	{"must be buyer, supplier", "Välj en organisationstyp."},
	{"must be a CPV code", "Måste vara en CPV-kod med 8 siffror, till exempel 33190000."},
	{"must be the first digits of a CPV code", "Ange de första siffrorna i en CPV-kod, till exempel 3314."},
	{"must be a UN/ECE", "Måste vara en enhetskod som EA, XBX eller XPK."},
	{"must be a GTIN", "Måste vara ett GTIN med 8, 12, 13 eller 14 siffror och rätt kontrollsiffra."},
	{"must be late, wrong_item", "Välj en typ av avvikelse."},
	{"must be higher_rank_declined", "Välj ett skäl."},
	{"must be at most", "För stort."},
	{"unknown eco-label", "Okänd miljömärkning."},
	{"each label is", "Miljömärkningar skrivs med små bokstäver, siffror och _ (till exempel svanen, eu_ecolabel)."},
	{"must be one of", "Välj ett av alternativen."},
	{"is listed twice", "Förekommer flera gånger."},
	{"duplicate", "Förekommer flera gånger."},
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
