package peppol

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestParseHundredths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"25", 2500, true}, {"12.5", 1250, true}, {"0.01", 1, true}, {"+10.00", 1000, true}, {".5", 50, true},
		{"7.", 700, true}, {"10.000", 1000, true}, {" 3 ", 300, true}, {"0", 0, true}, {".0", 0, true},
		{"999999999999999.99", 99999999999999999, true},
		{"12.345", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"", 0, false}, {".", 0, false}, {"+", 0, false},
		{"1,5", 0, false}, {"1.2.3", 0, false}, {"1000000000000000", 0, false}, {"NaN", 0, false}, {"٣", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseHundredths(tc.in)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("ParseHundredths(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestReadDocument proves the hardened reading every parser of outside XML goes through:
// what it refuses, and that it refuses it before anything is decoded.
func TestReadDocument(t *testing.T) {
	shape := Shape{Root: xml.Name{Space: NamespaceCatalogue, Local: "Catalogue"}, Name: CatalogueName, MaxBytes: 4096,
		Line: "CatalogueLine", MaxLines: 2, LineNoun: "catalogue lines"}
	const open = `<Catalogue xmlns="` + NamespaceCatalogue + `" xmlns:cac="` + NamespaceCAC + `">`
	tests := []struct {
		name, doc, want string // want: a part of the problem, or "" for accepted
	}{
		{"minimal", open + `</Catalogue>`, ""},
		{"two lines", open + `<cac:CatalogueLine/><cac:CatalogueLine/></Catalogue>`, ""},
		{"too many lines", open + strings.Repeat(`<cac:CatalogueLine/>`, 3) + `</Catalogue>`, "more than 2 catalogue lines"},
		{"entity declaration", `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x "y">]>` + open + `&x;</Catalogue>`, "DTD"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + open + `&x;</Catalogue>`, "DTD"},
		{"undeclared entity", open + `&x;</Catalogue>`, "well-formed"},
		{"too deep", open + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</Catalogue>`, "more than 32 deep"},
		{"wrong root", `<Order xmlns="` + NamespaceOrder + `"/>`, "is not a UBL 2.1 Catalogue"},
		{"right name, wrong namespace", `<Catalogue/>`, "is not a UBL 2.1 Catalogue"},
		{"two roots", open + `</Catalogue>` + open + `</Catalogue>`, "more than one root"},
		{"empty", ``, "is empty"},
		{"not XML", `{"a": 1}`, "is empty"},
		{"unclosed", open, "well-formed"},
		{"unknown charset", `<?xml version="1.0" encoding="EBCDIC"?>` + open + `</Catalogue>`, "well-formed"},
		{"too large", open + strings.Repeat(" ", 4096) + `</Catalogue>`, "larger than 4096 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDocument(strings.NewReader(tc.doc), shape)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want accepted", err)
				}
				return
			}
			var de *DocumentError
			if !errors.As(err, &de) || !strings.Contains(de.Problem, tc.want) {
				t.Fatalf("err = %v, want a DocumentError with %q", err, tc.want)
			}
		})
	}
}

// TestDecodeNamespaces proves the reader matches UBL elements by namespace, whatever prefix
// the sender chose, and ignores look-alikes in other namespaces.
func TestDecodeNamespaces(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<c:Catalogue xmlns:c="` + NamespaceCatalogue + `" xmlns:a="` + NamespaceCAC + `" xmlns="` + NamespaceCBC + `" xmlns:x="urn:other">
 <ActionCode>Update</ActionCode><x:ActionCode>Delete</x:ActionCode>
 <a:CatalogueLine><a:Item><Name>Tv` + "\xe5" + `l</Name><a:SellersItemIdentification><ID>A-1</ID></a:SellersItemIdentification></a:Item></a:CatalogueLine>
</c:Catalogue>`
	c, err := ParseCatalogue(strings.NewReader(doc), 1<<20, 10)
	if err != nil {
		t.Fatal(err)
	}
	if c.ActionCode != "Update" {
		t.Errorf("ActionCode = %q, want Update (the urn:other one ignored)", c.ActionCode)
	}
	if len(c.Lines) != 1 || c.Lines[0].Name != "Tvål" || c.Lines[0].SellersItemID != "A-1" {
		t.Errorf("lines = %+v, want one line Tvål A-1", c.Lines)
	}
}

// FuzzParseCatalogue feeds the catalogue parser arbitrary bytes: it must answer a Catalogue
// or a DocumentError, never panic.
func FuzzParseCatalogue(f *testing.F) {
	f.Add(`<Catalogue xmlns="` + NamespaceCatalogue + `" xmlns:cac="` + NamespaceCAC + `" xmlns:cbc="` + NamespaceCBC +
		`"><cac:CatalogueLine><cac:Item><cbc:Name>x</cbc:Name></cac:Item></cac:CatalogueLine></Catalogue>`)
	f.Add(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><Catalogue xmlns="` + NamespaceCatalogue + `">&b;</Catalogue>`)
	f.Fuzz(func(t *testing.T, doc string) {
		_, err := ParseCatalogue(strings.NewReader(doc), 1<<16, 100)
		var de *DocumentError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("err = %T %v, want a DocumentError", err, err)
		}
	})
}
