package orders

import "sort"

// RateVAT is an order's VAT at one rate: the sum of its lines' net amounts at that rate and the
// VAT on that sum.
type RateVAT struct {
	RateBP    int   `json:"vat_rate_bp"`
	BaseMinor int64 `json:"base_minor"`
	VATMinor  int64 `json:"vat_minor"`
}

// VATByRate computes an order's VAT per rate as EN 16931 rule BR-CO-17 wants it, and so as the
// supplier's e-invoice will: each rate's VAT is that rate times the sum of the lines at the
// rate, rounded half up once (not line by line, which drifts: 341.22 kr of lines at 25 % is
// 85.31 kr of VAT, where lines rounded one by one can give 85.33 kr). The order, the cart, the
// PEPPOL Order and follow-up all take their VAT from here. Rates come highest first; amounts
// are non-negative minor units.
func VATByRate(lines []Line) []RateVAT {
	byRate := map[int]int64{}
	for _, l := range lines {
		byRate[l.VATRateBP] += l.LineTotalMinor
	}
	out := make([]RateVAT, 0, len(byRate))
	for rate, base := range byRate {
		out = append(out, RateVAT{RateBP: rate, BaseMinor: base, VATMinor: LineVAT(base, rate)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RateBP > out[j].RateBP })
	return out
}

// OrderVAT is the order's VAT: the sum of VATByRate's amounts.
func OrderVAT(lines []Line) int64 {
	var sum int64
	for _, r := range VATByRate(lines) {
		sum += r.VATMinor
	}
	return sum
}
