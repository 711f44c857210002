package frontend

import (
	"strconv"
	"strings"

	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/peppol"
)

// systemNotes are the notes and reasons the domain writes itself (not a person), by the
// domain's constant, with the key of their text in each language.
var systemNotes = map[string]string{
	orders.NoteAutoApproved:       "system.auto_approved",
	catalog.ReasonPriceListImport: "system.price_list_import",
}

// Note shows an event note or a price change's reason: a system text in the page's language,
// a person's own words as written.
func (v *view) Note(note string) string {
	if k, ok := systemNotes[note]; ok {
		return v.T(k)
	}
	if s, ok := v.conversationNote(note); ok {
		return s
	}
	return note
}

// Unit names a unit code (UN/ECE Rec 20, or Rec 21 with X) in the page's language ("XPK" →
// "förp."), never the raw code (SPEC §8): a code the UI has no name for takes the PEPPOL code
// list's English name, and only a code outside the list shows as it is.
func (v *view) Unit(code string) string {
	if hasKey("unit." + code) {
		return v.T("unit." + code)
	}
	if n := peppol.UnitName(code); n != "" {
		return n
	}
	return code
}

var systemMessages = map[string]msg{
	"system.auto_approved":     {sv: "attesterad automatiskt: under organisationens attestgräns", en: "approved automatically: below the organisation's approval threshold", nb: "attestert automatisk: under organisasjonens attestasjonsgrense", da: "godkendt automatisk: under organisationens godkendelsesgrænse"},
	"system.price_list_import": {sv: "inläst prislista", en: "price list import", nb: "innlest prisliste", da: "indlæst prisliste"},
	"unit.EA":                  {sv: "st", en: "each", nb: "stk.", da: "stk."},
	"unit.C62":                 {sv: "st", en: "pcs", nb: "stk.", da: "stk."},
	"unit.H87":                 {sv: "st", en: "pcs", nb: "stk.", da: "stk."},
	"unit.XPK":                 {sv: "förp.", en: "pack", nb: "pakn.", da: "pakn."},
	"unit.XPA":                 {sv: "paket", en: "packet", nb: "pakke", da: "pakke"},
	"unit.XBX":                 {sv: "ask", en: "box", nb: "eske", da: "æske"},
	"unit.XCT":                 {sv: "kartong", en: "carton", nb: "kartong", da: "karton"},
	"unit.PR":                  {sv: "par", en: "pair", nb: "par", da: "par"},
	"unit.XRO":                 {sv: "rulle", en: "roll", nb: "rull", da: "rulle"},
	"unit.XBG":                 {sv: "påse", en: "bag", nb: "pose", da: "pose"},
	"unit.XBO":                 {sv: "flaska", en: "bottle", nb: "flaske", da: "flaske"},
	"unit.XTU":                 {sv: "tub", en: "tube", nb: "tube", da: "tube"},
	"unit.XCA":                 {sv: "burk", en: "can", nb: "boks", da: "dåse"},
	"unit.SET":                 {sv: "set", en: "set", nb: "sett", da: "sæt"},
	"unit.KGM":                 {sv: "kg", en: "kg", nb: "kg", da: "kg"},
	"unit.LTR":                 {sv: "l", en: "l", nb: "l", da: "l"},
	"unit.MTR":                 {sv: "m", en: "m", nb: "m", da: "m"},
	"unit.HUR":                 {sv: "timme", en: "hour", nb: "time", da: "time"},
	"unit.MON":                 {sv: "månad", en: "month", nb: "måned", da: "måned"},
}

func init() { mergeMessages(systemMessages) }

// Pack writes a pack size in the page's language: 100, or 5,2 with a decimal comma (5.2 in
// English).
func (v *view) Pack(size float64) string {
	s := strconv.FormatFloat(size, 'f', -1, 64)
	if v.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
