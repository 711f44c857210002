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
