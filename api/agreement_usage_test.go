package api

import (
	"net/http"
	"testing"
)

// TestGetAgreementWithUsage: GET /agreements/{id} carries the ceiling usage for the roles that
// may see it (SPEC §4 "get (with usage)"), and the supplier gets the agreement without it.
func TestGetAgreementWithUsage(t *testing.T) {
	ceiling := int64(100000)
	w := newOrderWorld(t, &ceiling)
	w.create(t, w.orderer, 1) // 30000
	for name, tok := range map[string]string{"manager": w.manager, "approver": w.approver, "orderer": w.orderer} {
		t.Run(name, func(t *testing.T) {
			res := w.a.do("GET", "/api/v1/agreements/"+w.agr, tok, nil)
			wantStatus(t, res, http.StatusOK)
			u, ok := res.JSON["usage"].(map[string]any)
			if !ok || u["committed_minor"] != float64(30000) || u["remaining_minor"] != float64(70000) {
				t.Fatalf("usage = %v, want committed 30000 of 100000", res.JSON["usage"])
			}
		})
	}
	t.Run("supplier", func(t *testing.T) {
		res := w.a.do("GET", "/api/v1/agreements/"+w.agr, w.s1, nil)
		wantStatus(t, res, http.StatusOK)
		if _, ok := res.JSON["usage"]; ok {
			t.Fatalf("supplier sees usage: %s", res.Body)
		}
	})
}
