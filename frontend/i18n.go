package frontend

import (
	"fmt"

	"github.com/avrop/avrop/internal/derr"
	"golang.org/x/text/language"

	"math"
	"net/http"
	"strconv"
	"strings"
)

// The languages of the UI; Swedish is the default.
const (
	langSV = "sv"
	langEN = "en"
	langNB = "nb"
	langDA = "da"
)

// languages are the UI's languages in the order the switch offers them, each named in itself.
var languages = []struct{ Code, Name string }{
	{langSV, "Svenska"}, {langNB, "Norsk (bokmål)"}, {langDA, "Dansk"}, {langEN, "English"},
}

// langMatcher (its tags in the order of languages) picks the UI language closest to a browser's Accept-Language; the first tag is
// the fallback, and x/text knows that "no" and "nn" readers are best served in bokmål.
var langMatcher = language.NewMatcher([]language.Tag{language.Swedish, language.MustParse("nb"), language.Danish, language.English})

// langOf is the language chosen with the switch (a cookie), else the best match for the
// browser's Accept-Language, else Swedish.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(cookieLang); err == nil && validLang(c.Value) {
		return c.Value
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := langMatcher.Match(tags...)
			if conf != language.No {
				return languages[i].Code
			}
		}
	}
	return langSV
}

func validLang(l string) bool { return l == langSV || l == langEN || l == langNB || l == langDA }

// switchLanguage persists the language in a cookie for a year and returns to the page.
func (s *server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !validLang(lang) {
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

// text is m's text in lang; Swedish for an unknown language.
func (m msg) text(lang string) string {
	switch lang {
	case langEN:
		return m.en
	case langNB:
		return m.nb
	case langDA:
		return m.da
	}
	return m.sv
}

// translate looks key up in the language's table; a missing key shows the key itself, which
// the tests forbid.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.text(lang)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// mergeMessages adds a feature's keys (frontend/messages_<feature>.go) to messages from an
// init(); a key defined twice is a bug, so it panics at start.
func mergeMessages(more map[string]msg) {
	for k, m := range more {
		if _, dup := messages[k]; dup {
			panic("frontend: message key " + k + " defined twice")
		}
		messages[k] = m
	}
}

func hasKey(key string) bool { _, ok := messages[key]; return ok }

const nbsp = "\u00a0"

// formatMoney formats an amount of minor units in the language's convention: Swedish and
// Norwegian "1 234,50 kr" (no-break spaces), Danish "1.234,50 kr.", English "SEK 1,234.50". The
// short "kr" is used only for the reader's own currency. Integers only: money is never a float.
func formatMoney(lang string, minor int64, currency string) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	whole, frac := minor/100, minor%100
	digits := strconv.FormatInt(whole, 10)
	sep, dec := ",", "."
	switch lang {
	case langSV, langNB:
		sep, dec = nbsp, ","
	case langDA:
		sep, dec = ".", ","
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
	if lang == langEN {
		return currency + nbsp + amount
	}
	sym := currency
	switch {
	case currency == "EUR":
		sym = "€"
	case lang == langSV && currency == "SEK", lang == langNB && currency == "NOK":
		sym = "kr"
	case lang == langDA && currency == "DKK":
		sym = "kr."
	}
	return amount + nbsp + sym
}

// decimalComma reports whether the language writes decimals with a comma.
func decimalComma(lang string) bool { return lang != langEN }

// formatPercent formats a percentage with one decimal in the language's convention.
func formatPercent(lang string, p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		p = 0
	}
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if decimalComma(lang) {
		return strings.Replace(s, ".", ",", 1) + nbsp + "%"
	}
	return s + " %"
}

// fieldMessage translates a domain field error by its rule code (derr.FieldError.Code), or by
// the code of a rule refusal, else a general hint in the reader's language.
func fieldMessage(lang string, fe derr.FieldError) string {
	switch {
	case fe.Code != "" && hasKey("field."+fe.Code):
		return translate(lang, "field."+fe.Code)
	case fe.Code != "" && hasKey("problem."+fe.Code):
		return translate(lang, "problem."+fe.Code)
	}
	return translate(lang, "field.invalid")
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
