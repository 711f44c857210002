package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
)

// Subscription items (SPEC §7): devices placed at a care recipient and paid per month. A
// subscription item has unit MON, a monthly price (the item's price), a one-off setup price
// (delivery and installation) that is effective-dated with the price — it is kept on the
// price row, so an order sees the setup in effect with the price it takes —, a minimum term
// and a notice period in months. Goods leave the four fields empty.

// Item kinds.
const (
	KindGoods        = "goods"
	KindSubscription = "subscription"
)

// Bounds of a subscription's terms.
const (
	MaxMinTermMonths = 120
	MaxNoticeMonths  = 24
)

// SubscriptionColumns are the CSV price list's optional columns for subscription items
// (empty, or absent altogether, for goods).
var SubscriptionColumns = []string{"kind", "setup_price_minor", "min_term_months", "notice_months"}

// validateSubscriptionTerms checks kind and the subscription terms: a subscription's unit is
// MON (a month, UN/ECE Rec 20); goods carry no setup price, minimum term or notice.
func validateSubscriptionTerms(v *derr.Validator, prefix string, in *ItemInput) {
	in.Kind = strings.TrimSpace(strings.ToLower(in.Kind))
	if in.Kind == "" {
		in.Kind = KindGoods
	}
	switch in.Kind {
	case KindSubscription:
		v.Check(in.Unit == "MON", prefix+"unit", "subscription_unit", "must be MON (per month) for a subscription item")
		v.Check(in.SetupPriceMinor == nil || (*in.SetupPriceMinor >= 0 && *in.SetupPriceMinor <= maxPriceMinor),
			prefix+"setup_price_minor", "negative", "must be 0 or more")
		v.Check(in.MinTermMonths >= 0 && in.MinTermMonths <= MaxMinTermMonths, prefix+"min_term_months", "range",
			fmt.Sprintf("must be between 0 and %d", MaxMinTermMonths))
		v.Check(in.NoticeMonths >= 0 && in.NoticeMonths <= MaxNoticeMonths, prefix+"notice_months", "range",
			fmt.Sprintf("must be between 0 and %d", MaxNoticeMonths))
	case KindGoods:
		v.Check(in.SetupPriceMinor == nil || *in.SetupPriceMinor == 0, prefix+"setup_price_minor", "subscription_only", "is only given for subscription items")
		v.Check(in.MinTermMonths == 0, prefix+"min_term_months", "subscription_only", "is only given for subscription items")
		v.Check(in.NoticeMonths == 0, prefix+"notice_months", "subscription_only", "is only given for subscription items")
	default:
		v.Check(false, prefix+"kind", "choice", "must be goods or subscription")
	}
}

// parseSubscriptionColumns reads the optional subscription columns of a CSV row.
func parseSubscriptionColumns(v *derr.Validator, in *ItemInput, get func(string) (string, bool)) {
	if k, ok := get("kind"); ok {
		in.Kind = k
	}
	num := func(col string, max int64) (int64, bool) {
		s, ok := get(col)
		if !ok || s == "" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > max {
			v.Check(false, col, "range", fmt.Sprintf("must be a whole number from 0 to %d (or empty)", max))
			return 0, false
		}
		return n, true
	}
	if n, ok := num("setup_price_minor", maxPriceMinor); ok {
		in.SetupPriceMinor = &n
	}
	if n, ok := num("min_term_months", MaxMinTermMonths); ok {
		in.MinTermMonths = int(n)
	}
	if n, ok := num("notice_months", MaxNoticeMonths); ok {
		in.NoticeMonths = int(n)
	}
}

// applySubscriptionTerms writes the kind and terms of items just added or updated (by sku,
// for one agreement and supplier) inside the import's or the item's transaction, and, where a
// row's setup price differs from the one in effect on its effective_from, a price row from
// that date carrying the price in effect and the new setup (the later row wins a tie).
func applySubscriptionTerms(ctx context.Context, tx *sqlx.Tx, agreementID, supplierID string, rows []ItemInput) error {
	n := len(rows)
	if n == 0 {
		return nil
	}
	sku, kind, ef := make([]string, n), make([]string, n), make([]string, n)
	minTerm, notice, setup := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, r := range rows {
		sku[i], kind[i], ef[i] = r.SKU, r.Kind, r.EffectiveFrom
		if kind[i] == "" {
			kind[i] = KindGoods
		}
		minTerm[i], notice[i] = int64(r.MinTermMonths), int64(r.NoticeMonths)
		if r.SetupPriceMinor != nil {
			setup[i] = *r.SetupPriceMinor
		}
	}
	_, err := tx.ExecContext(ctx, `WITH u AS (
		SELECT i.id, x.kind, x.min_term, x.notice, x.setup, x.ef
		FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::bigint[], $8::date[]) AS x(sku, kind, min_term, notice, setup, ef)
		JOIN items i ON i.agreement_id = $1 AND i.supplier_id = $2 AND i.sku = x.sku),
	t AS (
		UPDATE items SET kind = u.kind, min_term_months = u.min_term, notice_months = u.notice, updated_at = now()
		FROM u WHERE items.id = u.id AND (items.kind, items.min_term_months, items.notice_months) IS DISTINCT FROM (u.kind, u.min_term, u.notice))
	INSERT INTO item_prices (item_id, price_minor, effective_from, setup_price_minor)
	SELECT u.id, cur.price_minor, u.ef, u.setup FROM u
	JOIN LATERAL (SELECT p.price_minor, p.setup_price_minor FROM item_prices p WHERE p.item_id = u.id AND p.effective_from <= u.ef
		ORDER BY p.effective_from DESC, p.created_at DESC LIMIT 1) cur ON true
	WHERE cur.setup_price_minor <> u.setup`,
		agreementID, supplierID, pq.Array(sku), pq.Array(kind), pq.Array(minTerm), pq.Array(notice), pq.Array(setup), pq.Array(ef))
	if err != nil {
		return fmt.Errorf("subscription terms: %w", err)
	}
	return nil
}
