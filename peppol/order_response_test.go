package peppol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
)

// TestEncodeOrderResponse renders the answers Avrop sends — accepted, declined, changed lines
// with a promised date — for parties of every supported country, and checks each against the
// UBL 2.1 schema, the official PEPPOL BIS T76 schematron, and a round trip through the parser.
func TestEncodeOrderResponse(t *testing.T) {
	base := OrderResponse{ID: "KAR-2026-000042-R1", IssueDate: "2026-11-26", Currency: "SEK", OrderNumber: "KAR-2026-000042",
		Seller: Organisation{Name: "Evondos AB", Number: "556823-1103", Country: "SE"},
		Buyer:  Organisation{Name: "Karlstads kommun", Number: "212000-1876", Country: "SE"}}
	tests := map[string]func(r *OrderResponse){
		"accepted":             func(r *OrderResponse) { r.Code = ResponseAccepted },
		"accepted with a date": func(r *OrderResponse) { r.Code, r.PromisedByDate = ResponseAccepted, "2026-12-03" },
		"declined with reason": func(r *OrderResponse) { r.Code, r.Note = ResponseRejected, "Slut i lager & <restnoterat>" },
		"Norwegian and Danish": func(r *OrderResponse) {
			r.Code = ResponseAccepted
			r.Seller = Organisation{Name: "Abena AS", Number: "974 760 673", Country: "NO"}
			r.Buyer = Organisation{Name: "Aarhus Kommune", Number: "24 25 67 90", Country: "DK"}
		},
		"changed lines": func(r *OrderResponse) {
			r.Code, r.PromisedByDate, r.Note = ResponseChanged, "2026-12-10", "Två rader ändrade"
			r.Lines = []ResponseLine{
				{LineNo: 1, Status: LineAccepted, Quantity: "3", Unit: "EA", Name: "Läkemedelsautomat", SellersItemID: "EVO-200"},
				{LineNo: 2, Status: LineChanged, Quantity: "2", Unit: "XBX", Name: "Handskar <M>"},
				{LineNo: 3, Status: LineNotAccepted, Quantity: "0", Unit: "XPK", Name: "Förkläde"},
			}
		},
	}
	docs := map[string][]byte{}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			r := base
			change(&r)
			b, err := EncodeOrderResponse(r)
			testenv.Must(t, err)
			testenv.ValidateUBL(t, b, "UBL-OrderResponse-2.1.xsd")
			docs[name] = b
			got, err := ParseOrderResponse(strings.NewReader(string(b)), 1<<20, 100)
			testenv.Must(t, err)
			if got.Code != r.Code || got.OrderNumber != r.OrderNumber || got.Note != strings.TrimSpace(r.Note) ||
				got.PromisedByDate != r.PromisedByDate || len(got.Lines) != len(r.Lines) {
				t.Fatalf("parsed = %+v, want %+v", got, r)
			}
			for i, l := range r.Lines {
				if got.Lines[i] != l {
					t.Errorf("line %d = %+v, want %+v", i, got.Lines[i], l)
				}
			}
		})
	}
	t.Run("official schematron", func(t *testing.T) { testenv.ValidatePeppolRules(t, "T76", docs) })
}

// TestParseOfficialOrderResponses reads OpenPEPPOL's own order response examples.
func TestParseOfficialOrderResponses(t *testing.T) {
	want := map[string]string{"UC1": ResponseChanged, "UC2": ResponseChanged, "UC3": ResponseRejected, "UC4": ResponseChanged, "UC5": ResponseAccepted}
	files, err := filepath.Glob("testdata/order-responses/*.xml")
	testenv.Must(t, err)
	if len(files) != 5 {
		t.Fatalf("%d example files, want 5", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), "_Order_response.xml")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			testenv.Must(t, err)
			r, err := ParseOrderResponse(strings.NewReader(string(b)), 1<<20, 100)
			testenv.Must(t, err)
			if r.OrderNumber == "" || (want[name] != "" && r.Code != want[name]) {
				t.Fatalf("parsed = %+v, want code %s and an order reference", r, want[name])
			}
			if r.Code == ResponseChanged && (len(r.Lines) == 0 || r.Lines[0].LineNo == 0 || r.Lines[0].Status == "") {
				t.Fatalf("changed response lines = %+v", r.Lines)
			}
		})
	}
}

// FuzzParseOrderResponse feeds the order response parser arbitrary bytes: it answers a
// response or a DocumentError, never panics.
func FuzzParseOrderResponse(f *testing.F) {
	for _, name := range []string{"UC1", "UC4"} {
		if b, err := os.ReadFile("testdata/order-responses/" + name + "_Order_response.xml"); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><OrderResponse xmlns="` + NamespaceOrderResponse + `">&b;</OrderResponse>`)
	f.Fuzz(func(t *testing.T, doc string) {
		r, err := ParseOrderResponse(strings.NewReader(doc), 1<<16, 50)
		if err == nil && len(r.Lines) > 50 {
			t.Fatalf("%d lines passed a cap of 50", len(r.Lines))
		}
		if err != nil {
			if _, ok := err.(*DocumentError); !ok {
				t.Fatalf("err = %T %v, want a DocumentError", err, err)
			}
		}
	})
}
