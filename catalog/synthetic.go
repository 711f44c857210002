package catalog

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Vocabulary of synthetic care items: each product word appears in about 1/len(products) of the
// items, like a real catalogue where "handske" does not match everything.
var (
	synthProducts = []string{"Undersökningshandske", "Handske", "Inkontinensskydd", "Byxskydd", "Underlägg", "Skumförband",
		"Kompress", "Plåster", "Fixeringstejp", "Handdesinfektion", "Handsprit", "Tvål", "Hudkräm", "Barriärkräm",
		"Tvättlapp", "Förkläde", "Munskydd", "Visir", "Skoskydd", "Hårnät", "Sopsäck", "Rengöringsduk", "Ytdesinfektion",
		"Termometer", "Blodtrycksmanschett", "Kanyl", "Spruta", "Sugkateter", "Urinpåse", "Kateter", "Stomipåse",
		"Bandage", "Elastisk binda", "Sårtvätt", "Sårkompress", "Tork", "Pappershandduk", "Toalettpapper", "Lakan",
		"Örngott", "Engångsrock", "Doseringsask", "Medicinbägare", "Pincett", "Sax", "Provrör", "Glukosmätare",
		"Teststicka", "Lansett", "Bröstkompress", "Haklapp", "Hygienpåse", "Munvårdsstav", "Tandborste", "Schampo",
		"Duschkräm", "Våtservett", "Isoleringsrock", "Skyddsglasögon", "Andningsskydd"}
	synthMaterials = []string{"nitril", "vinyl", "latexfri", "bomull", "silikon", "polyeten", "viskos", "papper", "plast", "skum",
		"gel", "flytande", "oparfymerad", "steril", "osteril"}
	synthSizes  = []string{"XS", "S", "M", "L", "XL", "5x5 cm", "10x10 cm", "10x20 cm", "15x15 cm", "150 ml", "500 ml", "1000 ml", "Mini", "Normal", "Plus", "Super"}
	synthBrands = []string{"Abri", "Evercare", "Selefa", "Mepilex", "Tena", "Sensi", "Nitrex", "Comfort", "Klinion", "Proshield"}
	synthUnits  = []string{"EA", "XBX", "XPK", "XCT"}
	synthLabels = [][]string{nil, nil, {"svanen"}, {"eu_ecolabel"}, {"bra_miljoval"}, {"svanen", "eu_ecolabel"}}
	synthCPV    = []string{"33141420", "18424300", "33141110", "33631600", "33751000", "33141000", "33140000", "18143000"}
)

// SyntheticItem is one generated care item with its price.
type SyntheticItem struct {
	SKU, GTIN, Name, Description, Unit, CPVCode string
	EcoLabels                                   []string
	PackSize, PriceMinor                        int64
}

// SyntheticItems generates realistic-looking care items for benchmarks and load tests; each
// generator has fresh skus, so several may fill one database.
type SyntheticItems struct {
	rng    *rand.Rand
	prefix string
}

// NewSyntheticItems returns a generator with a random sku prefix.
func NewSyntheticItems() *SyntheticItems {
	run := make([]byte, 3)
	crand.Read(run) //nolint:errcheck // never fails
	return &SyntheticItems{rng: mrand(run), prefix: "SYN-" + strings.ToUpper(hex.EncodeToString(run)) + "-"}
}

// Next returns item number k of the run.
func (g *SyntheticItems) Next(k int) SyntheticItem {
	rng := g.rng
	p := synthProducts[rng.IntN(len(synthProducts))]
	mat := synthMaterials[rng.IntN(len(synthMaterials))]
	size := synthSizes[rng.IntN(len(synthSizes))]
	brand := synthBrands[rng.IntN(len(synthBrands))]
	it := SyntheticItem{SKU: g.prefix + strconv.Itoa(k),
		Name:        fmt.Sprintf("%s %s %s %s %d", p, mat, size, brand, 100+k%900),
		Description: fmt.Sprintf("%s i %s, storlek %s, från %s. För vård och omsorg.", p, mat, size, brand)}
	if rng.IntN(3) > 0 {
		it.GTIN = gtin13("73" + fmt.Sprintf("%010d", rng.Int64N(1e10)))
	}
	it.Unit = synthUnits[rng.IntN(len(synthUnits))]
	it.CPVCode = synthCPV[rng.IntN(len(synthCPV))]
	it.EcoLabels = synthLabels[rng.IntN(len(synthLabels))]
	it.PackSize = []int64{1, 10, 28, 50, 100, 200}[rng.IntN(6)]
	it.PriceMinor = 500 + rng.Int64N(50000)
	return it
}

// InsertSyntheticItems adds n synthetic, realistic-looking care items with a current price to
// agreementID, spread over the awarded suppliers, in bulk statements of 5,000 rows: for
// benchmarks and load tests ("avrop seed --items N"), not for production data. Every call uses
// fresh skus, so it may run more than once on one database.
func InsertSyntheticItems(ctx context.Context, db *sqlx.DB, agreementID string, supplierIDs []string, n int) error {
	if err := LoadSyntheticItems(ctx, db, agreementID, supplierIDs, n); err != nil {
		return err
	}
	// Merge the GIN pending lists and refresh the statistics, as autovacuum would a little later.
	for _, q := range []string{`VACUUM ANALYZE items`, `VACUUM ANALYZE item_prices`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("synthetic items: %s: %w", q, err)
		}
	}
	return nil
}

// LoadSyntheticItems is InsertSyntheticItems without the VACUUM: for a bulk load that adds
// many agreements' items and vacuums once at the end (seed --national).
func LoadSyntheticItems(ctx context.Context, db *sqlx.DB, agreementID string, supplierIDs []string, n int) error {
	if n <= 0 {
		return nil
	}
	if len(supplierIDs) == 0 {
		return fmt.Errorf("synthetic items: no suppliers")
	}
	var today string
	if err := db.GetContext(ctx, &today, `SELECT (SELECT valid_from FROM agreements WHERE id = $1)::text`, agreementID); err != nil {
		return fmt.Errorf("synthetic items: %w", err)
	}
	gen := NewSyntheticItems()
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		sup, sku, gtin, name, desc, unit, cpv, eco := make([]string, m), make([]string, m), make([]string, m), make([]string, m),
			make([]string, m), make([]string, m), make([]string, m), make([]string, m)
		pack, price := make([]int64, m), make([]int64, m)
		for i := 0; i < m; i++ {
			k := start + i
			it := gen.Next(k)
			sup[i] = supplierIDs[k%len(supplierIDs)]
			sku[i], gtin[i], name[i], desc[i], unit[i], cpv[i] = it.SKU, it.GTIN, it.Name, it.Description, it.Unit, it.CPVCode
			eco[i] = strings.Join(it.EcoLabels, "|")
			pack[i], price[i] = it.PackSize, it.PriceMinor
		}
		_, err := db.ExecContext(ctx, `WITH ins AS (
			INSERT INTO items (agreement_id, supplier_id, sku, gtin, name, description, unit, pack_size, cpv_code, eco_labels, vat_rate_bp)
			SELECT $1, u.sup, u.sku, NULLIF(u.gtin, ''), u.name, u.description, u.unit, u.pack, u.cpv,
				CASE WHEN u.eco = '' THEN '{}'::text[] ELSE string_to_array(u.eco, '|') END, 2500
			FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[])
				AS u(sup, sku, gtin, name, description, unit, pack, cpv, eco)
			RETURNING id, sku)
			INSERT INTO item_prices (item_id, price_minor, effective_from)
			SELECT ins.id, p.price, $12::date FROM ins JOIN unnest($3::text[], $11::bigint[]) AS p(sku, price) ON p.sku = ins.sku`,
			agreementID, pq.Array(sup), pq.Array(sku), pq.Array(gtin), pq.Array(name), pq.Array(desc), pq.Array(unit),
			pq.Array(pack), pq.Array(cpv), pq.Array(eco), pq.Array(price), today)
		if err != nil {
			return fmt.Errorf("synthetic items: %w", err)
		}
	}
	return nil
}

func mrand(seed []byte) *rand.Rand {
	var s uint64
	for _, b := range seed {
		s = s<<8 | uint64(b)
	}
	return rand.New(rand.NewPCG(s, 0x5eed))
}

// gtin13 appends the check digit to 12 digits.
func gtin13(d string) string {
	sum := 0
	for i := 0; i < 12; i++ {
		v := int(d[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return d + strconv.Itoa((10-sum%10)%10)
}
