package frontend

func (s *server) catalogPage(q *req) error       { return errNotFound }
func (s *server) catalogResults(q *req) error    { return errNotFound }
func (s *server) cartPage(q *req) error          { return errNotFound }
func (s *server) cartAdd(q *req) error           { return errNotFound }
func (s *server) cartUpdate(q *req) error        { return errNotFound }
func (s *server) checkoutPage(q *req) error      { return errNotFound }
func (s *server) checkout(q *req) error          { return errNotFound }
func (s *server) myOrders(q *req) error          { return errNotFound }
func (s *server) orderPage(q *req) error         { return errNotFound }
func (s *server) orderMove(q *req) error         { return errNotFound }
func (s *server) reportDeviation(q *req) error   { return errNotFound }
func (s *server) approvals(q *req) error         { return errNotFound }
func (s *server) supplierOrders(q *req) error    { return errNotFound }
func (s *server) supplierCatalog(q *req) error   { return errNotFound }
func (s *server) changePrice(q *req) error       { return errNotFound }
func (s *server) importPage(q *req) error        { return errNotFound }
func (s *server) importPriceList(q *req) error   { return errNotFound }
func (s *server) agreements(q *req) error        { return errNotFound }
func (s *server) agreementPage(q *req) error     { return errNotFound }
func (s *server) priceChanges(q *req) error      { return errNotFound }
func (s *server) decidePriceChange(q *req) error { return errNotFound }
