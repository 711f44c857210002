package peppol

import "testing"

func TestValidUnit(t *testing.T) {
	for code, want := range map[string]bool{"EA": true, "C62": true, "XBX": true, "XPK": true, "XCT": true, "MON": true,
		"H87": true, "BX": false, "PK": false, "CT": false, "ea": false, "": false, "XZZZ": false} {
		if got := ValidUnit(code); got != want {
			t.Errorf("ValidUnit(%q) = %v, want %v", code, got, want)
		}
	}
	if got := UnitName("XBX"); got != "Box" {
		t.Errorf("UnitName(XBX) = %q, want Box", got)
	}
}

func TestCheckOrganisationNumber(t *testing.T) {
	tests := []struct {
		country, number, want string // want: the digits, or "" for refused
	}{
		{"SE", "212000-1355", "2120001355"},
		{"SE", "556036-0793", "5560360793"},
		{"SE", "16556036-0793", "5560360793"},
		{"SE", "556036-0794", ""},
		{"SE", "556000-0002", ""},
		{"SE", "55603607", ""},
		{"SE", "5560a60793", ""},
		{"NO", "974 760 673", "974760673"},
		{"NO", "923609016", "923609016"},
		{"NO", "974760674", ""},
		{"NO", "97476067", ""},
		{"DK", "24 25 67 90", "24256790"},
		{"DK", "10150817", "10150817"},
		{"DK", "24256791", ""},
		{"FI", "0112038-9", ""},
	}
	for _, tc := range tests {
		t.Run(tc.country+" "+tc.number, func(t *testing.T) {
			got, msg := CheckOrganisationNumber(tc.country, tc.number)
			if got != tc.want || (tc.want == "") != (msg != "") {
				t.Fatalf("CheckOrganisationNumber(%s, %q) = %q, %q; want %q", tc.country, tc.number, got, msg, tc.want)
			}
		})
	}
	if got := ParticipantID("NO", "974 760 673"); got != "0192:974760673" {
		t.Errorf("ParticipantID = %q", got)
	}
}

// TestSwedishOrganisationNumber: every made-up number passes the Swedish check, distinct n give
// distinct numbers, and the format is the register's NNNNNN-NNNN.
func TestSwedishOrganisationNumber(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 2, 9, 10, 12345, 99_999_999, 100_000_001} {
		num := SwedishOrganisationNumber(n)
		if len(num) != 11 || num[6] != '-' {
			t.Errorf("SwedishOrganisationNumber(%d) = %q, want NNNNNN-NNNN", n, num)
		}
		if _, msg := CheckOrganisationNumber("SE", num); msg != "" {
			t.Errorf("SwedishOrganisationNumber(%d) = %q: %s", n, num, msg)
		}
		if n < 100_000_000 && seen[num] {
			t.Errorf("SwedishOrganisationNumber(%d) = %q twice", n, num)
		}
		seen[num] = true
	}
}

// TestCompleteSwedishOrganisationNumber: the demo prefixes (21 public bodies, 5569 companies)
// keep their digits and gain a check digit that passes; a known register number comes out whole.
func TestCompleteSwedishOrganisationNumber(t *testing.T) {
	if got := CompleteSwedishOrganisationNumber("212000135"); got != "212000-1355" {
		t.Errorf("CompleteSwedishOrganisationNumber(212000135) = %q, want 212000-1355", got)
	}
	for _, nine := range []string{"210100001", "556900003", "000000000"} {
		got := CompleteSwedishOrganisationNumber(nine)
		if got[:6]+got[7:10] != nine {
			t.Errorf("CompleteSwedishOrganisationNumber(%s) = %q changed its digits", nine, got)
		}
		if _, msg := CheckOrganisationNumber("SE", got); msg != "" {
			t.Errorf("CompleteSwedishOrganisationNumber(%s) = %q: %s", nine, got, msg)
		}
	}
}
