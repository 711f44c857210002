package peppol

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
)

// unitList is PEPPOL's unit code list: UN/ECE Recommendation 20 (revision 11e) including the
// Recommendation 21 packaging codes prefixed with X (XBX box, XPK pack, XCT carton), exactly
// as the PEPPOL BIS rules check a unitCode against it. It is OpenPEPPOL's own file, embedded
// as published, so a new revision is a copy of one file.
//
//go:embed codelist/UNECERec20-11e.xml
var unitList []byte

var (
	unitsOnce sync.Once
	units     map[string]string // code → English name
)

func loadUnits() {
	var list struct {
		Codes []struct {
			ID   string `xml:"Id"`
			Name string `xml:"Name"`
		} `xml:"Code"`
	}
	if err := xml.NewDecoder(bytes.NewReader(unitList)).Decode(&list); err != nil {
		panic(fmt.Sprintf("peppol: embedded unit code list: %v", err)) // the embedded file is ours: a build defect
	}
	units = make(map[string]string, len(list.Codes))
	for _, c := range list.Codes {
		units[strings.TrimSpace(c.ID)] = strings.TrimSpace(c.Name)
	}
}

// ValidUnit reports whether code is a unit PEPPOL accepts (Rec 20, or Rec 21 prefixed with X).
// Codes are case-sensitive, as in the list.
func ValidUnit(code string) bool {
	unitsOnce.Do(loadUnits)
	_, ok := units[code]
	return ok
}

// UnitName is the code list's English name of a unit ("XBX" → "Box", "EA" → "each"), or ""
// for an unknown code.
func UnitName(code string) string {
	unitsOnce.Do(loadUnits)
	return units[code]
}

// Countries whose organisation numbers Avrop checks and turns into PEPPOL participant
// identifiers: Sweden, Norway and Denmark.
var Countries = []string{"SE", "NO", "DK"}

// CheckOrganisationNumber checks a registration number by its country's rule and returns it
// as its PEPPOL scheme writes it (OrganisationNumber), or a message that says what is wrong:
//
//	SE organisationsnummer: 10 digits (a 12-digit form with century prefix 16 is accepted),
//	   the last a Luhn check digit over the first nine (scheme 0007)
//	NO organisasjonsnummer: 9 digits, mod 11 with weights 3 2 7 6 5 4 3 2 (scheme 0192)
//	DK CVR-nummer: 8 digits, mod 11 with weights 2 7 6 5 4 3 2 1 (scheme 0184)
//
// Spaces and hyphens are allowed between the digits. Another country answers a message.
func CheckOrganisationNumber(country, number string) (string, string) {
	for _, r := range number {
		if !(r >= '0' && r <= '9' || r == ' ' || r == '-') {
			return "", "may hold only digits, spaces and hyphens"
		}
	}
	digits := OrganisationNumber(number, country)
	switch country {
	case "SE":
		if len(digits) != 10 {
			return "", "must be a Swedish organisation number of 10 digits, e.g. 212000-1355"
		}
		if !luhn(digits) {
			return "", "has a wrong check digit (Swedish organisation numbers end in a Luhn check digit)"
		}
	case "NO":
		if len(digits) != 9 {
			return "", "must be a Norwegian organisation number of 9 digits, e.g. 974 760 673"
		}
		if !mod11(digits, []int{3, 2, 7, 6, 5, 4, 3, 2}, true) {
			return "", "has a wrong check digit (Norwegian organisation numbers are checked modulo 11)"
		}
	case "DK":
		if len(digits) != 8 {
			return "", "must be a Danish CVR number of 8 digits, e.g. 24 25 67 90"
		}
		if !mod11(digits, []int{2, 7, 6, 5, 4, 3, 2, 1}, false) {
			return "", "has a wrong check digit (Danish CVR numbers are checked modulo 11)"
		}
	default:
		return "", "cannot be checked: the country must be one of SE, NO, DK"
	}
	return digits, ""
}

// ParticipantID is an organisation's PEPPOL participant identifier, "iso6523-actorid-upis"
// scheme: the ICD of its country's register and its number ("0007:2120001355"), or "" when the
// number does not pass CheckOrganisationNumber.
func ParticipantID(country, number string) string {
	digits, msg := CheckOrganisationNumber(country, number)
	if msg != "" {
		return ""
	}
	return OrganisationScheme(country) + ":" + digits
}

// SwedishOrganisationNumber makes a valid Swedish organisation number ("5NNNNN-NNNC") from n
// (0 ≤ n < 100,000,000), for demo and benchmark data: organisations are created only with
// numbers that pass their country's check.
func SwedishOrganisationNumber(n int) string {
	return CompleteSwedishOrganisationNumber(fmt.Sprintf("5%08d", n%100_000_000))
}

// CompleteSwedishOrganisationNumber adds the Luhn check digit to nine digits and writes the
// number as the register does, NNNNNN-NNNC (demo data picks its own prefixes: 21 for public
// bodies, 55 for companies).
func CompleteSwedishOrganisationNumber(nine string) string {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(nine + string(c)) {
			return nine[:6] + "-" + nine[6:] + string(c)
		}
	}
	panic("unreachable: one digit always completes a Luhn sum")
}

// luhn checks the last digit of s as the Luhn check digit of the rest.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// mod11 checks s against weights. With checkDigit the last digit is 11 − (weighted sum of the
// others mod 11), 11 meaning 0 and 10 impossible (Norway); without it the weighted sum of all
// digits is divisible by 11 (Denmark).
func mod11(s string, weights []int, checkDigit bool) bool {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	if !checkDigit {
		return sum%11 == 0
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == int(s[len(s)-1]-'0')
}
