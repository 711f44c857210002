package invoices

// FromBaseTables is a copy of the service that computes contract loyalty from the base
// tables, the definition the rollups of migration 00024 must match.
func (s *Service) FromBaseTables() *Service {
	c := *s
	c.loyaltyFromBase = true
	return &c
}
