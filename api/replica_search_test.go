package api

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

// searchPrices is GET /catalog/items?q=… as the caller sees it: each item's name with its price.
func (ra *replicaAPI) searchPrices(t *testing.T, q, token string, headers ...string) map[string]float64 {
	t.Helper()
	res := ra.do("GET", "/api/v1/catalog/items?q="+url.QueryEscape(q), token, nil, headers...)
	wantStatus(t, res, http.StatusOK)
	out := map[string]float64{}
	for _, it := range res.JSON["items"].([]any) {
		m := it.(map[string]any)
		p, _ := m["price_minor"].(float64)
		out[m["name"].(string)] = p
	}
	return out
}

// Catalogue search reads from the replica (SPEC §10), yet never serves what a write changed
// before the replica has it: not to the writer (its position), and not to anyone else through
// the cache (a version set after a write carries the write's position, and entries of it are
// made only from a replica that has replayed that far). A stopped replica is skipped.
func TestSearchReadsItsWritesWithAReplica(t *testing.T) {
	ra := newReplicaAPI(t)
	ctx := context.Background()
	sup, buyer, agr, item := ra.dosettAgreement(t, "Dosett vecka")
	_, orderer := ra.user(buyer, auth.RoleOrderer)
	_, supplier := ra.user(sup, auth.RoleSupplier)
	ra.caughtUp(t)

	if got := ra.searchPrices(t, "dosett", orderer); got["Dosett vecka"] != 10000 {
		t.Fatalf("search before any write = %v, want Dosett vecka at 10000", got)
	}
	_, err := ra.replica.Exec(`SELECT pg_wal_replay_pause()`)
	testenv.Must(t, err)

	// Written behind the API's back (no cache version, no position): a search without a
	// position reads the held-back replica and does not see it — proof that search reads go
	// there — while one with the primary's position does.
	ra.exec(t, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
		VALUES ($1, $2, $3, 'Dosett månad', 'EA', '33190000', '{}', 2500)`, agr, sup.ID, "S-"+testenv.Unique())
	if got := ra.searchPrices(t, "dosett vec", orderer); len(got) != 1 {
		t.Fatalf("search without a position = %v, want only Dosett vecka from the held-back replica", got)
	}
	lsn, err := postgres.CurrentLSN(ctx, ra.primary)
	testenv.Must(t, err)
	if got := ra.searchPrices(t, "doset", orderer, lsnHeader, lsn.String()); len(got) != 2 {
		t.Fatalf("search with the primary's position = %v, want both items", got)
	}

	// A price cut through the API: the supplier reads it back with its cookie, and the buyer,
	// with no position at all, gets it too instead of the replica's old price (from the cache
	// or anywhere else).
	res := ra.do("PUT", "/api/v1/catalog/items/"+item+"/price", supplier, map[string]any{"price_minor": 9000, "reason": "Kampanj"})
	wantStatus(t, res, http.StatusOK)
	cookie := lsnCookie + "=" + res.Header.Get(lsnHeader)
	if got := ra.searchPrices(t, "dosett", supplier, "Cookie", cookie); got["Dosett vecka"] != 9000 {
		t.Fatalf("the supplier's search with its cookie after the price cut = %v, want 9000", got)
	}
	for _, q := range []string{"dosett", "dosett veck"} {
		if got := ra.searchPrices(t, q, orderer); got["Dosett vecka"] != 9000 {
			t.Fatalf("a buyer's search %q without a position after the price cut = %v, want 9000 (the replica has not replayed it)", q, got)
		}
	}
	res = ra.do("GET", "/api/v1/catalog/items/"+item, orderer, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["price_minor"] != 9000.0 {
		t.Fatalf("GET item after the price cut = %v, want 9000", res.JSON["price_minor"])
	}

	_, err = ra.replica.Exec(`SELECT pg_wal_replay_resume()`)
	testenv.Must(t, err)
	ra.caughtUp(t)
	if got := ra.searchPrices(t, "dosett vecka", orderer); got["Dosett vecka"] != 9000 {
		t.Fatalf("after the replica caught up: %v, want 9000", got)
	}
	testenv.Must(t, ra.replicaSrv.Stop(ctx))
	for _, q := range []string{"dosett", "vecka", "dosett mån"} {
		if got := ra.searchPrices(t, q, orderer); len(got) == 0 {
			t.Fatalf("search %q with the replica stopped found nothing, want it from the primary", q)
		}
	}
}
