package catalog

import (
	"encoding/json"
	"testing"
)

// FuzzAgreementPatch sends any JSON as a PATCH of an agreement through the decoding, the patch
// and the shared validation: whatever comes in, it is refused with field errors or accepted,
// never a panic, and an accepted agreement keeps the limits.
func FuzzAgreementPatch(f *testing.F) {
	for _, seed := range []string{
		`{"valid_to":"2035-01-01"}`,
		`{"valid_to":"2035-01-01","duration_justification":"option"}`,
		`{"ceiling_minor":null,"participants":[{"org_id":"00000000-0000-4000-8000-000000000001","ceiling_minor":5,"ends_on":null}]}`,
		`{"suppliers":[{"org_id":"00000000-0000-4000-8000-000000000002","rank":1},{"org_id":"00000000-0000-4000-8000-000000000003","rank":1}]}`,
		`{"status":"terminated","note":"x"}`,
		`{"response_time_hours":0}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p AgreementPatch
		if json.Unmarshal(body, &p) != nil {
			return
		}
		in := AgreementInput{Reference: "RA-1", Title: "Avtal", CPVCode: "33190000", Currency: "SEK", ValidFrom: "2025-01-01",
			ValidTo: "2026-12-31", CallOffMethod: MethodRanking,
			Suppliers: []SupplierInput{{OrgID: "00000000-0000-4000-8000-000000000002", Rank: 1}}}
		if _, _, _, err := p.apply(&in); err != nil {
			return
		}
		if err := in.validate(); err != nil {
			return
		}
		if len(in.Participants) > MaxParticipants || len(in.Suppliers) > MaxSuppliers || len(in.Suppliers) == 0 {
			t.Fatalf("accepted %d participants, %d suppliers", len(in.Participants), len(in.Suppliers))
		}
		if in.ValidTo > longestValidTo(in.ValidFrom) && in.DurationJustification == "" {
			t.Fatalf("accepted %s – %s without a justification", in.ValidFrom, in.ValidTo)
		}
	})
}
