package invoices

// FromBaseTables is a copy of the service that computes contract loyalty from the base
// tables, the definition the rollups of migration 00024 must match.
func (s *Service) FromBaseTables() *Service {
	c := *s
	c.loyaltyFromBase = true
	return &c
}

// WithLoyaltyCandidates is a copy of the service whose report by organisation computes n
// suppliers per organisation exactly before it sums an organisation whole.
func (s *Service) WithLoyaltyCandidates(n int) *Service {
	c := *s
	c.loyaltyCandidates = n
	return &c
}

// WithLoyaltySubtractAll is a copy of the service whose reports subtract the days outside the
// range from the months they cut whatever the scope's size (loyaltySubtractFrom).
func (s *Service) WithLoyaltySubtractAll() *Service {
	c := *s
	c.loyaltySubtractAll = true
	return &c
}
