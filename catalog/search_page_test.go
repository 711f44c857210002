package catalog

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchPageLikeItemSelect: search_page (migration 00037), which reads a search's page,
// answers for every item exactly what itemSelect and itemJoins do — the reads of one item and
// of browsing — with a current price, a scheduled one, neither, a setup price, a GTIN or none,
// and eco-labels, and both suppliers' names and ranks; and in the order of the ids
// it is given. A column added to one and not the other fails it.
func TestSearchPageLikeItemSelect(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.item(f.supplier1, "PG-A-"+testenv.Unique(), "Handske nitril M", "svanen", "eu_ecolabel")
	b := f.item(f.supplier2, "PG-B-"+testenv.Unique(), "Förband skum")
	c := f.item(f.supplier1, "PG-C-"+testenv.Unique(), "Tvättlapp")
	_, err := f.s.db.ExecContext(ctx, `UPDATE items SET gtin = '07350000000019', kind = 'subscription',
		min_term_months = 12, notice_months = 3 WHERE id = $1`, a.ID)
	testenv.Must(t, err)
	// A's price from yesterday and a scheduled one; B's only one in the future; C's none.
	_, err = f.s.db.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, setup_price_minor, effective_from)
		VALUES ($1, 12345, 500, $3::date - 1), ($1, 13000, 0, $3::date + 30), ($2, 777, 0, $3::date + 7)`,
		a.ID, b.ID, f.s.today())
	testenv.Must(t, err)
	_, err = f.s.db.ExecContext(ctx, `DELETE FROM item_prices WHERE item_id = $1 OR (item_id IN ($2, $3) AND price_minor = 10000)`, c.ID, a.ID, b.ID)
	testenv.Must(t, err)
	ids := []string{c.ID, a.ID, b.ID}
	var want []Item
	for _, id := range ids {
		var it Item
		testenv.Must(t, f.s.db.GetContext(ctx, &it, itemSelect()+` FROM items i`+itemJoins("$2")+` WHERE i.id = $1`, id, f.s.today()))
		want = append(want, it)
	}
	var got []Item
	testenv.Must(t, f.s.db.SelectContext(ctx, &got, `SELECT `+searchPageCols+` FROM search_page($1::uuid[], $2::date) AS p ORDER BY p.n`,
		pq.Array(ids), f.s.today()))
	wj, err := json.Marshal(want)
	testenv.Must(t, err)
	gj, err := json.Marshal(got)
	testenv.Must(t, err)
	if string(gj) != string(wj) {
		t.Fatalf("search_page:\n%s\nitemSelect and itemJoins:\n%s", gj, wj)
	}
	if !strings.Contains(string(wj), `"price_minor":12345`) || !strings.Contains(string(wj), `"next_price_minor":777`) ||
		!strings.Contains(string(wj), `"setup_price_minor":500`) {
		t.Fatalf("the fixture lacks a price it means to compare: %s", wj)
	}
	// Every column itemSelect names, search_page answers, by the same name.
	for _, col := range strings.Split(itemSelect()[len("SELECT "):], ",") {
		col = strings.TrimSpace(col)
		if _, as, ok := strings.Cut(col, " AS "); ok {
			col = as
		} else {
			col = col[strings.LastIndexByte(col, '.')+1:]
		}
		if !strings.Contains(searchPageCols, "p."+col+",") && !strings.HasSuffix(searchPageCols, "p."+col) {
			t.Errorf("itemSelect's %s is not among searchPageCols", col)
		}
	}
}
